/**
 * capability_transforms::CT_PURE_DERIVE_MASTER_KEY_V0: BIP32 master key and chain code
 * from a seed (HMAC-SHA512 keyed "Bitcoin seed").
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { bip32Master } from "./_ec.ts";
import { requireKey, violation } from "./_guard.ts";
import { hex0x, hexArg } from "./_hex.ts";

const ATOM = "CT_PURE_DERIVE_MASTER_KEY_V0";

/** `{master_private_key_bytes, master_chain_code_bytes}`; the seed must be ≥ 16 bytes. */
export function deriveMasterKey(args: JsonObject, _ctx: TransformContext): JsonObject {
  const seed = hexArg(requireKey(args, "seed_bytes", ATOM), "seed_bytes", ATOM);
  if (seed.length < 16) violation(ATOM, "seed_bytes length must be at least 128 bits");
  const master = bip32Master(seed);
  return {
    master_private_key_bytes: hex0x(master.privateKey),
    master_chain_code_bytes: hex0x(master.chainCode),
  };
}
