/**
 * capability_transforms::CT_PURE_ECDSA_SIGN_V0: recoverable secp256k1 ECDSA over a 32-byte
 * hash (not re-hashed), RFC 6979 nonce, low-s, recovery id `v` in {0,1}.
 *
 * @module
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { JsonObject, TransformContext } from "../capability.ts";
import { getOr, requireKey, violation } from "./_guard.ts";
import { hex0x, hexArg } from "./_hex.ts";

const ATOM = "CT_PURE_ECDSA_SIGN_V0";

/**
 * `{v, r, s, signed_bytes}` with `signed_bytes = r ‖ s ‖ v`. `curve` defaults to secp256k1
 * only when the key is absent: under CT-IR an omitted curve is null and fails, as in the
 * reference (capabilities.md §8.3).
 */
export function ecdsaSign(args: JsonObject, _ctx: TransformContext): JsonObject {
  const keyArg = requireKey(args, "private_key_bytes", ATOM);
  const hashArg = requireKey(args, "message_hash", ATOM);
  const curve = getOr(args, "curve", "secp256k1");
  if (curve !== "secp256k1") {
    violation(ATOM, `unsupported curve '${String(curve)}'; only 'secp256k1' is supported in V0`);
  }
  const key = hexArg(keyArg, "private_key_bytes", ATOM);
  if (key.length !== 32) violation(ATOM, `private_key_bytes must be 32 bytes, got ${key.length}`);
  const hash = hexArg(hashArg, "message_hash", ATOM);
  if (hash.length !== 32) violation(ATOM, `message_hash must be 32 bytes, got ${hash.length}`);
  if (!secp256k1.utils.isValidSecretKey(key)) violation(ATOM, "private key is out of range");
  const sig = secp256k1.sign(hash, key, {
    prehash: false,
    format: "recovered",
    extraEntropy: false,
  });
  // noble returns recid ‖ r ‖ s; coincurve (the reference) returns r ‖ s ‖ recid.
  const r = sig.subarray(1, 33);
  const s = sig.subarray(33, 65);
  const signed = new Uint8Array(65);
  signed.set(r);
  signed.set(s, 32);
  signed[64] = sig[0];
  return { v: sig[0], r: hex0x(r), s: hex0x(s), signed_bytes: hex0x(signed) };
}
