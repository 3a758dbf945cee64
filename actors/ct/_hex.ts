/**
 * hex_string inputs and outputs of the crypto atoms (capabilities.md §2): a leading `0x`
 * is stripped (`0X` only where the atom says so), then Python `bytes.fromhex` rules apply.
 *
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { violation } from "./_guard.ts";

const PY_ASCII_WS = new Set([" ", "\t", "\n", "\r", "\x0b", "\x0c"]);

function hexDigit(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Python `bytes.fromhex(s)`: case-insensitive, ASCII whitespace allowed between byte pairs
 * (not inside one), odd length rejected. Returns null where Python raises.
 */
export function pyFromHex(s: string): Uint8Array | null {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    if (PY_ASCII_WS.has(s[i])) {
      i++;
      continue;
    }
    if (i + 1 >= s.length) return null;
    const hi = hexDigit(s[i]);
    const lo = hexDigit(s[i + 1]);
    if (hi < 0 || lo < 0) return null;
    out.push(hi * 16 + lo);
    i += 2;
  }
  return Uint8Array.from(out);
}

/** Options of {@link hexArg}. */
export interface HexArgOptions {
  /** Also strip an uppercase `0X` prefix (KECCAK256_HASH, BUILD_ETH_TRANSACTION, wallet keypairs). */
  upperPrefix?: boolean;
}

/**
 * Decodes a hex_string input the way the reference atom does; raw bytes pass through.
 *
 * @throws {CtViolation} when the value is not a string (or bytes) or not valid hex.
 */
export function hexArg(
  value: unknown,
  field: string,
  atom: string,
  options: HexArgOptions = {},
): Uint8Array {
  if (value instanceof Uint8Array) return value.slice();
  if (typeof value !== "string") violation(atom, `${field} must be a hex string`);
  let body = value;
  if (body.startsWith("0x") || (options.upperPrefix && body.startsWith("0X"))) {
    body = body.slice(2);
  }
  const bytes = pyFromHex(body);
  if (bytes === null) violation(atom, `${field} is not valid hex`);
  return bytes;
}

/** Lowercase `0x`-prefixed hex, the output form of every hex_string output but one. */
export function hex0x(bytes: Uint8Array): string {
  return `0x${bytesToHex(bytes)}`;
}

/** Big-endian unsigned integer of a byte string (Python `int.from_bytes(b, "big")`). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** `n` as exactly `len` big-endian bytes (caller guarantees it fits). */
export function bigIntToBytes(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let v = n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
