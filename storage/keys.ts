/**
 * The whole Deno KV key layout of a PGS state database, in one place, plus the KV limits
 * the commit packer works against.
 *
 * Every key starts with {@link ROOT} so a shared KV Connect database can hold other data.
 * Logical stores are identified by their StoreRef `path`:
 *
 * | key                                  | value (always a Uint8Array)                      |
 * | ------------------------------------ | ------------------------------------------------ |
 * | `[ROOT, "m", path]`                  | store meta JSON `{format, version, logLength, splitKeys}`; bumped by every commit that writes the store, checked by every commit that read it |
 * | `[ROOT, "k", path, key]`             | key-map value: JSON bytes, or a split header     |
 * | `[ROOT, "kp", path, key, i]`         | part `i` of a split key-map value                |
 * | `[ROOT, "l", path, seq]`             | log record `seq` (1-based, gap-free): JSON bytes or a split header |
 * | `[ROOT, "lp", path, seq, i]`         | part `i` of a split log record                   |
 * | `[ROOT, "tm", traceId]`              | trace meta JSON (complete; "pending" only from older versions) |
 * | `[ROOT, "tb", traceId, i]`           | trace body chunk `i`: lines joined by "\n"       |
 * | `[ROOT, "tf", traceId]`              | marker: the trace's files are not written yet; set by its commit, removed once they are |
 * | `[ROOT, "sk", "ed25519"]`            | the data root's trace signing key (32-byte Ed25519 seed), created on first use |
 * | `[ROOT, "c", id, "h" or i]`          | a derived blob (e.g. a compiled workflow): head JSON `{parts, sum, name}` and parts, see `blob_cache.ts` |
 * | `[ROOT, "sr", stageId]`              | registration of a staged commit (a run too large for one KV commit, see `_stage.ts`): JSON `{state, entries}` |
 * | `[ROOT, "s", stageId, i]`            | staged write `i` (binary, see `_stage.ts`); never read except to publish it |
 * | `[ROOT, "sx", stageId]`              | a later open's observation of a stage that made no progress (stale-stage detection) |
 * | `[ROOT, "e"]`                        | the commit epoch (KV Connect only): blindly rewritten by every commit that writes a store; its version stamp is what a run with more store checks than one commit allows checks instead (see `_epoch.ts`) |
 *
 * A store or trace meta carrying `redo: <stageId>` was published by a staged commit whose
 * writes may not all be in place yet: a reader finishes that stage before it reads on.
 *
 * @module
 */

/** First part of every key this runtime writes. */
export const ROOT = "pgs";

/** Deno KV limits (local SQLite backend); a denokv server allows fewer checks. */
export const KV_LIMITS = {
  /** Largest encoded key a write may use. */
  maxKeyBytes: 2048,
  /** Largest value. */
  maxValueBytes: 65536,
  /** Checks per atomic commit (local). */
  maxChecks: 100,
  /** Checks per atomic commit on a denokv / KV Connect server. */
  maxChecksRemote: 10,
  /** Mutations per atomic commit. */
  maxMutations: 1000,
  /** Σ(check keys) + Σ(set: 2×key + value) + Σ(delete keys) per commit (measured). */
  maxCommitBytes: 819200,
  /** Σ of all encoded keys (checks and mutations) per commit. */
  maxCommitKeyBytes: 81920,
} as const;

/** Largest value or chunk this layout writes; leaves headroom under the 64 KiB KV limit. */
export const CHUNK_BYTES = 60 * 1024;

/** Meta key of a store: its version stamp is what optimistic concurrency checks. */
export function storeMetaKey(path: string): Deno.KvKey {
  return [ROOT, "m", path];
}

/** Prefix listing every store meta (used by views). */
export function storeMetaPrefix(): Deno.KvKey {
  return [ROOT, "m"];
}

/** Key of one key-map entry. */
export function mapKey(path: string, key: string): Deno.KvKey {
  return [ROOT, "k", path, key];
}

/** Prefix listing a store's key map in key order. */
export function mapPrefix(path: string): Deno.KvKey {
  return [ROOT, "k", path];
}

/** Key of part `i` of a split key-map value. */
export function mapPartKey(path: string, key: string, i: number): Deno.KvKey {
  return [ROOT, "kp", path, key, i];
}

/** Prefix listing the parts of one split key-map value. */
export function mapPartPrefix(path: string, key: string): Deno.KvKey {
  return [ROOT, "kp", path, key];
}

/** Key of log record `seq`. */
export function logKey(path: string, seq: number): Deno.KvKey {
  return [ROOT, "l", path, seq];
}

/** Prefix listing a store's log in sequence order. */
export function logPrefix(path: string): Deno.KvKey {
  return [ROOT, "l", path];
}

/** Key of part `i` of a split log record. */
export function logPartKey(path: string, seq: number, i: number): Deno.KvKey {
  return [ROOT, "lp", path, seq, i];
}

/** Prefix listing the parts of one split log record. */
export function logPartPrefix(path: string, seq: number): Deno.KvKey {
  return [ROOT, "lp", path, seq];
}

/** Meta key of a trace; "does not exist" is what a commit checks. */
export function traceMetaKey(traceId: string): Deno.KvKey {
  return [ROOT, "tm", traceId];
}

/** Prefix listing every trace meta. */
export function traceMetaPrefix(): Deno.KvKey {
  return [ROOT, "tm"];
}

/** Marker key: the trace's files (.jsonl, .md, .png) are not known to be written yet. */
export function traceFilesPendingKey(traceId: string): Deno.KvKey {
  return [ROOT, "tf", traceId];
}

/** Prefix listing every trace whose files are pending. */
export function traceFilesPendingPrefix(): Deno.KvKey {
  return [ROOT, "tf"];
}

/** Key of the data root's trace signing key. */
export function signingKeyKey(): Deno.KvKey {
  return [ROOT, "sk", "ed25519"];
}

/** Key of trace body chunk `i`. */
export function traceChunkKey(traceId: string, i: number): Deno.KvKey {
  return [ROOT, "tb", traceId, i];
}

/** Prefix listing a trace's body chunks in order. */
export function traceChunkPrefix(traceId: string): Deno.KvKey {
  return [ROOT, "tb", traceId];
}

/** Registration key of a staged commit. */
export function stageRegKey(stageId: string): Deno.KvKey {
  return [ROOT, "sr", stageId];
}

/** Prefix listing every staged commit's registration. */
export function stageRegPrefix(): Deno.KvKey {
  return [ROOT, "sr"];
}

/** Key of staged write `i`. */
export function stageEntryKey(stageId: string, i: number): Deno.KvKey {
  return [ROOT, "s", stageId, i];
}

/** Prefix listing a stage's writes in order. */
export function stageEntryPrefix(stageId: string): Deno.KvKey {
  return [ROOT, "s", stageId];
}

/** Key of the commit epoch (see `_epoch.ts`). */
export function epochKey(): Deno.KvKey {
  return [ROOT, "e"];
}

/** Key recording that an open saw a stage without progress. */
export function stageSeenKey(stageId: string): Deno.KvKey {
  return [ROOT, "sx", stageId];
}

/**
 * Encoded size of a key as Deno KV counts it: a string part is its UTF-8 bytes (NUL
 * escaped to two bytes) plus a type byte and a terminator; a number part is 9 bytes.
 */
export function keyBytes(key: Deno.KvKey): number {
  let size = 0;
  for (const part of key) {
    if (typeof part === "string") {
      size += 2 + utf8KeyLength(part);
    } else if (typeof part === "number") {
      size += 9;
    } else if (part instanceof Uint8Array) {
      size += 2 + part.length + countZeros(part);
    } else {
      // bigint and boolean parts are not used by this layout; over-estimate.
      size += 18;
    }
  }
  return size;
}

/**
 * UTF-8 length of a string with NUL counted twice (KV escapes it), computed without
 * encoding: this runs for every key of every commit estimate.
 */
function utf8KeyLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) n += 2;
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

function countZeros(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b === 0) n++;
  return n;
}

/** Longest user key (in encoded bytes) that still leaves room for its part keys. */
export function maxUserKeyBytes(path: string): number {
  // mapPartKey adds 9 bytes for the part index to mapKey; keep the part key under the limit.
  return KV_LIMITS.maxKeyBytes - keyBytes(mapPartKey(path, "", 0));
}
