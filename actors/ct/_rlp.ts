/**
 * The reference's hand-written RLP encoder (BUILD_ETH_TRANSACTION): lists, byte strings
 * and non-negative integers (minimal big-endian, 0 → empty string) only.
 *
 * @module
 */
import { concatBytes } from "@noble/hashes/utils.js";
import { violation } from "./_guard.ts";

/** Minimal big-endian bytes of a positive integer. */
function bigEndian(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function withLength(offset: number, payload: Uint8Array): Uint8Array {
  if (payload.length <= 55) return concatBytes(Uint8Array.of(offset + payload.length), payload);
  const len = bigEndian(BigInt(payload.length));
  return concatBytes(Uint8Array.of(offset + 55 + len.length), len, payload);
}

/**
 * RLP of `item`: arrays are lists, Uint8Array is bytes, bigint / integral number / boolean
 * is an int (Python's `bool` is an `int`).
 *
 * @throws {CtViolation} for negative integers and any other type (str, float, null, dict).
 */
export function rlpEncode(item: unknown, atom: string): Uint8Array {
  if (Array.isArray(item)) {
    return withLength(0xc0, concatBytes(...item.map((x) => rlpEncode(x, atom))));
  }
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0] < 0x80) return item.slice();
    return withLength(0x80, item);
  }
  let n: bigint;
  if (typeof item === "boolean") n = item ? 1n : 0n;
  else if (typeof item === "bigint") n = item;
  else if (typeof item === "number" && Number.isInteger(item)) n = BigInt(item);
  else return violation(atom, `RLP: unsupported type ${typeof item}`);
  if (n < 0n) violation(atom, "RLP: negative integers not supported");
  return rlpEncode(n === 0n ? new Uint8Array(0) : bigEndian(n), atom);
}
