/**
 * capability_transforms::CT_PURE_MNEMONIC_TO_SEED_V0: BIP39 seed (PBKDF2-HMAC-SHA512, 2048
 * rounds, NFKD) of a valid English mnemonic.
 *
 * @module
 */
import { mnemonicToSeedSync, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import type { JsonObject, TransformContext } from "../capability.ts";
import { getOr, requireKey, violation } from "./_guard.ts";
import { hex0x } from "./_hex.ts";

const ATOM = "CT_PURE_MNEMONIC_TO_SEED_V0";

/**
 * `{seed_bytes}`. `passphrase` is not a declared input, so under CT-IR it is always "".
 * The phrase is lower-cased and NFKD-normalised before validation and seeding, as
 * bip_utils' `Bip39Mnemonic._Normalize` does; @scure/bip39 alone would reject upper case.
 */
export function mnemonicToSeed(args: JsonObject, _ctx: TransformContext): JsonObject {
  const mnemonic = requireKey(args, "mnemonic", ATOM);
  const passphrase = getOr(args, "passphrase", "");
  if (typeof mnemonic !== "string") violation(ATOM, "mnemonic must be a string");
  if (typeof passphrase !== "string") violation(ATOM, "passphrase must be a string");
  const phrase = mnemonic.toLowerCase().normalize("NFKD");
  if (!validateMnemonic(phrase, wordlist)) violation(ATOM, "invalid BIP-39 mnemonic");
  return { seed_bytes: hex0x(mnemonicToSeedSync(phrase, passphrase)) };
}
