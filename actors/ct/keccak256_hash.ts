/**
 * capability_transforms::CT_PURE_KECCAK256_HASH_V0: original Keccak-256 (Ethereum), not NIST
 * SHA3-256, of hex-encoded bytes.
 *
 * @module
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey } from "./_guard.ts";
import { hex0x, hexArg } from "./_hex.ts";

const ATOM = "CT_PURE_KECCAK256_HASH_V0";

/** `{hash_hex}`; the input may carry `0x` or `0X`. */
export function keccak256Hash(args: JsonObject, _ctx: TransformContext): JsonObject {
  const bytes = hexArg(requireKey(args, "input_bytes", ATOM), "input_bytes", ATOM, {
    upperPrefix: true,
  });
  return { hash_hex: hex0x(keccak_256(bytes)) };
}
