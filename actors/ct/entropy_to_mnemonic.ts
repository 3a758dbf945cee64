/**
 * capability_transforms::CT_PURE_ENTROPY_TO_MNEMONIC_V0: BIP39 English mnemonic of 16, 20,
 * 24, 28 or 32 bytes of entropy.
 *
 * @module
 */
import { entropyToMnemonic as bip39EntropyToMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { hexArg } from "./_hex.ts";

const ATOM = "CT_PURE_ENTROPY_TO_MNEMONIC_V0";

/** `{mnemonic}`: lowercase words joined by single spaces. */
export function entropyToMnemonic(args: JsonObject, _ctx: TransformContext): JsonObject {
  const entropy = hexArg(requireKey(args, "entropy_bytes", ATOM), "entropy_bytes", ATOM);
  if (![16, 20, 24, 28, 32].includes(entropy.length)) {
    violation(ATOM, `invalid entropy length: ${entropy.length * 8} bits`);
  }
  return { mnemonic: bip39EntropyToMnemonic(entropy, wordlist) };
}
