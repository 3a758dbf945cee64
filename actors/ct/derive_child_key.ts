/**
 * capability_transforms::CT_PURE_DERIVE_CHILD_KEY_V0: one BIP32 private child derivation
 * (secp256k1; hardened when `index >= 2^31`). Parent depth and fingerprint do not matter.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { bip32Child } from "./_ec.ts";
import { requireKey, violation } from "./_guard.ts";
import { hex0x, hexArg } from "./_hex.ts";
import { pyIsInt, pyNum } from "./_python.ts";

const ATOM = "CT_PURE_DERIVE_CHILD_KEY_V0";

/** `{child_private_key_bytes, child_chain_code_bytes}` for a 32-bit `index`. */
export function deriveChildKey(args: JsonObject, _ctx: TransformContext): JsonObject {
  const keyArg = requireKey(args, "parent_private_key_bytes", ATOM);
  const chainArg = requireKey(args, "parent_chain_code_bytes", ATOM);
  const index = requireKey(args, "index", ATOM);
  const privateKey = hexArg(keyArg, "parent_private_key_bytes", ATOM);
  const chainCode = hexArg(chainArg, "parent_chain_code_bytes", ATOM);
  if (!pyIsInt(index)) violation(ATOM, "index must be an integer");
  if (privateKey.length !== 32) violation(ATOM, "parent_private_key_bytes must be 32 bytes");
  if (chainCode.length !== 32) violation(ATOM, "parent_chain_code_bytes must be 32 bytes");
  const i = pyNum(index);
  if (i < 0 || i > 0xffffffff) violation(ATOM, "index must be a 32-bit unsigned integer");
  const child = bip32Child({ privateKey, chainCode }, i, ATOM);
  return {
    child_private_key_bytes: hex0x(child.privateKey),
    child_chain_code_bytes: hex0x(child.chainCode),
  };
}
