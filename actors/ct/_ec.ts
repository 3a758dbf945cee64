/**
 * Elliptic-curve helpers shared by the key atoms: uncompressed public keys on secp256k1 /
 * secp256r1, Ethereum addresses, and BIP32 (secp256k1) master and child derivation.
 *
 * @module
 */
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { HDKey } from "@scure/bip32";
import { violation } from "./_guard.ts";
import { bigIntToBytes, hex0x } from "./_hex.ts";

/** Curves the key atoms accept. */
export type CurveName = "secp256k1" | "secp256r1";

/** True for the two supported curve names. */
export function isCurveName(v: unknown): v is CurveName {
  return v === "secp256k1" || v === "secp256r1";
}

/**
 * `0x04 ‖ X ‖ Y` for scalar `k` on `curve` (Python `cryptography` `derive_private_key`).
 *
 * @throws {CtViolation} when `k` is not in `1..n-1` for that curve.
 */
export function uncompressedPublicKey(k: bigint, curve: CurveName, atom: string): Uint8Array {
  const impl = curve === "secp256k1" ? secp256k1 : p256;
  if (k < 1n || k >= impl.Point.Fn.ORDER) {
    violation(atom, `private key is not a valid scalar for ${curve}`);
  }
  return impl.getPublicKey(bigIntToBytes(k, 32), false);
}

/** Lowercase `0x` address: the last 20 bytes of keccak256(X ‖ Y) (no EIP-55 checksum). */
export function ethAddress(uncompressed: Uint8Array): string {
  return hex0x(keccak_256(uncompressed.subarray(1)).subarray(12));
}

/** A BIP32 private node: key and chain code, 32 bytes each. */
export interface Bip32Node {
  /** 32-byte private key. */
  readonly privateKey: Uint8Array;
  /** 32-byte chain code. */
  readonly chainCode: Uint8Array;
}

const BITCOIN_SEED = utf8ToBytes("Bitcoin seed");

/**
 * BIP32 master node from a seed of any length: I = HMAC-SHA512("Bitcoin seed", seed).
 * Hand-rolled because @scure/bip32 refuses seeds over 64 bytes and bip_utils does not.
 * An invalid IL re-hashes I (SLIP-10, as bip_utils does); the odds are ~2^-127.
 */
export function bip32Master(seed: Uint8Array): Bip32Node {
  let i = hmac(sha512, BITCOIN_SEED, seed);
  while (!secp256k1.utils.isValidSecretKey(i.subarray(0, 32))) i = hmac(sha512, BITCOIN_SEED, i);
  return { privateKey: i.slice(0, 32), chainCode: i.slice(32) };
}

/**
 * BIP32 private child derivation (hardened when `index >= 2^31`).
 *
 * @throws {CtViolation} for an invalid parent key or an invalid child (IL ≥ n, key 0).
 */
export function bip32Child(parent: Bip32Node, index: number, atom: string): Bip32Node {
  let child: HDKey;
  try {
    child = new HDKey({ privateKey: parent.privateKey, chainCode: parent.chainCode })
      .deriveChild(index);
  } catch (e) {
    violation(atom, `cannot derive child ${index}: ${(e as Error).message}`);
  }
  return { privateKey: child.privateKey!, chainCode: child.chainCode! };
}
