/**
 * Value encoding shared by the KV store, views and import: every stored value is UTF-8 JSON
 * bytes (so commit sizes are exact and reads return fresh copies), and a value larger than
 * {@link CHUNK_BYTES} is split into parts behind a small header.
 *
 * @module
 */
import { StorageError } from "../errors.ts";
import { CHUNK_BYTES } from "./keys.ts";
import type { ViewFormat } from "./store.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** String of UTF-8 bytes. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * JSON bytes of a value. Refuses values JSON cannot represent (undefined, functions,
 * bigint, cycles) with a StorageError naming `what`.
 */
export function encodeJson(value: unknown, what: string): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new StorageError(`Cannot store ${what}: value is not JSON-serializable (${err})`, {
      cause: err,
    });
  }
  if (text === undefined) {
    throw new StorageError(
      `Cannot store ${what}: value is not JSON-serializable (${typeof value})`,
    );
  }
  return encoder.encode(text);
}

/** Value of JSON bytes. */
export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}

/** First byte of a split header; JSON text never starts with NUL. */
const SPLIT_MARK = 0;

/** How a (possibly large) value is laid out: the head goes at the main key. */
export interface Blob {
  /** What is stored at the main key: the whole value, or a split header. */
  readonly head: Uint8Array;
  /** Parts stored under the part keys (empty when the value fits). */
  readonly parts: readonly Uint8Array[];
}

/** Splits value bytes into a head plus parts when they exceed {@link CHUNK_BYTES}. */
export function toBlob(bytes: Uint8Array): Blob {
  if (bytes.length <= CHUNK_BYTES) return { head: bytes, parts: [] };
  const parts = chunk(bytes);
  const header = utf8(JSON.stringify({ parts: parts.length, bytes: bytes.length }));
  const head = new Uint8Array(header.length + 1);
  head[0] = SPLIT_MARK;
  head.set(header, 1);
  return { head, parts };
}

/** Number of parts a stored head announces (0 for a whole value). */
export function headParts(head: Uint8Array): number {
  if (head.length === 0 || head[0] !== SPLIT_MARK) return 0;
  const header = JSON.parse(decoder.decode(head.subarray(1))) as { parts: number };
  return header.parts;
}

/** Reassembles value bytes from a head and the parts it announces. */
export function fromBlob(
  head: Uint8Array,
  parts: readonly Uint8Array[],
  where: string,
): Uint8Array {
  const expected = headParts(head);
  if (expected === 0) return head;
  if (parts.length !== expected) {
    throw new StorageError(
      `Cannot read ${where}: expected ${expected} parts, found ${parts.length}`,
    );
  }
  return concat(parts);
}

/** Splits bytes into consecutive slices of at most {@link CHUNK_BYTES}. */
export function chunk(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
    out.push(bytes.subarray(at, Math.min(bytes.length, at + CHUNK_BYTES)));
  }
  return out;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Committed per-store bookkeeping, stored at the store's meta key. */
export interface StoreMeta {
  /** View format the store was created with; a StoreRef with another one is refused. */
  readonly format: ViewFormat;
  /** Bumped by every commit that writes the store (views compare against it). */
  readonly version: number;
  /** Highest sequence number handed out by the log (records 1..logLength). */
  readonly logLength: number;
  /** How many key-map values are currently split into parts (0 → no stale parts to clean). */
  readonly splitKeys: number;
  /** Set by the publish commit of a staged run whose writes may not all be in place yet. */
  readonly redo?: string;
}

/** Decodes a store meta value. */
export function decodeStoreMeta(bytes: Uint8Array): StoreMeta {
  return decodeJson(bytes) as StoreMeta;
}

/**
 * Trace meta as stored: complete (`pending` was written by the chunked commits of older
 * versions, and is never written now).
 */
export type StoredTraceMeta =
  | { readonly state: "pending"; readonly chunked: number }
  | {
    readonly state: "complete";
    /** Number of body lines. */
    readonly lines: number;
    /** Number of body chunks. */
    readonly chunks: number;
    /** Number of commits the run took when it exceeded KV's per-commit limits (> 1). */
    readonly chunked?: number;
    /** The caller's out-of-body metadata. */
    readonly meta: Record<string, unknown>;
    /** The stage that published it, when its writes may not all be in place yet. */
    readonly redo?: string;
  };
