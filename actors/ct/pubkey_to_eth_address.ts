/**
 * capability_transforms::CT_PURE_PUBKEY_TO_ETH_ADDRESS_V0: Ethereum address of an
 * uncompressed public key (keccak256 of X ‖ Y, last 20 bytes, lowercase).
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { ethAddress } from "./_ec.ts";
import { requireKey, violation } from "./_guard.ts";
import { hexArg } from "./_hex.ts";

const ATOM = "CT_PURE_PUBKEY_TO_ETH_ADDRESS_V0";

/** `{eth_address_hex}`; the key must be 65 bytes starting 0x04 (the point is not checked). */
export function pubkeyToEthAddress(args: JsonObject, _ctx: TransformContext): JsonObject {
  const field = "public_key_uncompressed_bytes";
  const pub = hexArg(requireKey(args, field, ATOM), field, ATOM);
  if (pub.length !== 65) violation(ATOM, `invalid public key length: ${pub.length} bytes`);
  if (pub[0] !== 0x04) violation(ATOM, `invalid public key prefix 0x${pub[0].toString(16)}`);
  return { eth_address_hex: ethAddress(pub) };
}
