/**
 * blockchain::CT_PURE_DERIVE_WALLET_KEYPAIRS_V0: entropy → BIP39 mnemonic → seed → BIP32
 * tree, returning only public material for an EOA and a UTXO branch.
 *
 * @module
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { entropyToMnemonic, mnemonicToSeedSync } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import type { JsonObject, TransformContext } from "../capability.ts";
import {
  bip32Child,
  bip32Master,
  type Bip32Node,
  ethAddress,
  isCurveName,
  uncompressedPublicKey,
} from "./_ec.ts";
import { getOr, requireKey, violation } from "./_guard.ts";
import { bytesToBigInt, hexArg } from "./_hex.ts";
import { pyIsInt, pyIsList, pyNum, pyNumStr } from "./_python.ts";

const ATOM = "CT_PURE_DERIVE_WALLET_KEYPAIRS_V0";
const ALLOWED_BITS = [128, 160, 192, 224, 256];
const HARDENED = 0x80000000;

/** A validated index list (ints incl. bools, 0 … 2^32 − 1). */
function indices(v: unknown, name: string): Array<number | boolean> {
  if (!pyIsList(v)) violation(ATOM, `${name} must be a list`);
  for (const idx of v) {
    if (!pyIsInt(idx) || pyNum(idx) < 0 || pyNum(idx) > 0xffffffff) {
      violation(ATOM, `${name} contains invalid index: ${JSON.stringify(idx)}`);
    }
  }
  return v as Array<number | boolean>;
}

/** `m/44'/66'/0'/0/0`; Python prints a bool index as True/False. */
function pathString(...lists: Array<Array<number | boolean>>): string {
  const parts = ["m"];
  for (const idx of lists.flat()) {
    const n = pyNum(idx);
    parts.push(n >= HARDENED ? `${n - HARDENED}'` : pyNumStr(idx));
  }
  return parts.join("/");
}

function derive(node: Bip32Node, path: Array<number | boolean>): Bip32Node {
  return path.reduce((acc, idx) => bip32Child(acc, pyNum(idx), ATOM), node);
}

/**
 * The seven public outputs. Public keys are uncompressed hex **without** `0x`; addresses
 * are lowercase `0x` hex. `curve` defaults to secp256k1 and `passphrase` to "" only when the
 * key is absent: under CT-IR a null is a VIOLATION, as in the reference.
 *
 * Decision: without `entropy_bytes` (how its only caller, CC_DERIVE_WALLET_KEYS, calls
 * it) the entropy comes from the run's secret stream (`ctx.secretBytes`), never from the
 * recorded seed, so no trace lets anyone rebuild the wallet's keys.
 */
export function deriveWalletKeypairs(args: JsonObject, ctx: TransformContext): JsonObject {
  const bits = requireKey(args, "entropy_bits", ATOM);
  const rootArg = requireKey(args, "root_path_indices", ATOM);
  const eoaArg = requireKey(args, "eoa_child_indices", ATOM);
  const utxoArg = requireKey(args, "utxo_child_indices", ATOM);
  const passphrase = getOr(args, "passphrase", "");
  const curve = getOr(args, "curve", "secp256k1");
  if (!pyIsInt(bits) || typeof bits === "boolean" || !ALLOWED_BITS.includes(pyNum(bits))) {
    violation(ATOM, `entropy_bits must be one of ${ALLOWED_BITS.join(", ")}`);
  }
  const root = indices(rootArg, "root_path_indices");
  const eoa = indices(eoaArg, "eoa_child_indices");
  const utxo = indices(utxoArg, "utxo_child_indices");
  const byteLen = pyNum(bits) / 8;
  const given = args.entropy_bytes ?? null;
  let entropy: Uint8Array;
  if (given !== null) {
    entropy = hexArg(given, "entropy_bytes", ATOM, { upperPrefix: true });
    if (entropy.length !== byteLen) {
      violation(ATOM, `entropy_bytes length ${entropy.length} does not match ${byteLen} bytes`);
    }
  } else {
    entropy = ctx.secretBytes(byteLen);
  }
  if (typeof passphrase !== "string") violation(ATOM, "passphrase must be a string");
  const seed = mnemonicToSeedSync(entropyToMnemonic(entropy, wordlist), passphrase);
  const master = bip32Master(seed);
  const fingerprint = ripemd160(sha256(secp256k1.getPublicKey(master.privateKey, true)));
  const rootNode = derive(master, root);
  const eoaNode = derive(rootNode, eoa);
  const utxoNode = derive(rootNode, utxo);
  if (!isCurveName(curve)) violation(ATOM, `unsupported curve: ${String(curve)}`);
  const eoaPub = uncompressedPublicKey(bytesToBigInt(eoaNode.privateKey), curve, ATOM);
  const utxoPub = uncompressedPublicKey(bytesToBigInt(utxoNode.privateKey), curve, ATOM);
  return {
    eoa_public_key_hex: bytesToHex(eoaPub),
    eoa_address: ethAddress(eoaPub),
    eoa_derivation_path: pathString(root, eoa),
    utxo_public_key_hex: bytesToHex(utxoPub),
    utxo_address: ethAddress(utxoPub),
    utxo_derivation_path: pathString(root, utxo),
    master_fingerprint: bytesToHex(fingerprint.subarray(0, 4)),
  };
}
