/**
 * capability_transforms::CT_PURE_PRIVATE_KEY_TO_PUBLIC_V0: uncompressed public key of a
 * scalar on secp256k1 or secp256r1.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { isCurveName, uncompressedPublicKey } from "./_ec.ts";
import { requireKey, violation } from "./_guard.ts";
import { bytesToBigInt, hex0x, hexArg } from "./_hex.ts";

const ATOM = "CT_PURE_PRIVATE_KEY_TO_PUBLIC_V0";

/**
 * `{public_key_uncompressed_bytes: "0x04…"}`. Like the reference, the key bytes are read as
 * a big-endian integer with no length check; only `1 ≤ k < n` is required.
 */
export function privateKeyToPublic(args: JsonObject, _ctx: TransformContext): JsonObject {
  const keyArg = requireKey(args, "private_key_bytes", ATOM);
  const curve = requireKey(args, "curve", ATOM);
  const key = hexArg(keyArg, "private_key_bytes", ATOM);
  if (typeof curve !== "string") violation(ATOM, "curve must be a string");
  if (!isCurveName(curve)) violation(ATOM, `unsupported curve '${curve}'`);
  const pub = uncompressedPublicKey(bytesToBigInt(key), curve, ATOM);
  return { public_key_uncompressed_bytes: hex0x(pub) };
}
