/**
 * The binary form of one staged write (see `_stage.ts`).
 *
 * @module
 */
import { StorageError } from "../errors.ts";
import { utf8 } from "./_codec.ts";

/** Entry kind: delete the key. */
export const KIND_DELETE = 0;
/** Entry kind: set the key to the value. */
export const KIND_SET = 1;
/** Entry kind: a meta key whose `redo` marker is cleared once the stage is applied. */
export const KIND_MARK = 2;

/** A staged write: kind, target key, value (sets only). */
export interface StageEntry {
  readonly kind: number;
  readonly key: Deno.KvKey;
  readonly value: Uint8Array | null;
}

/**
 * Binary form of a staged write: kind byte, part count, each key part (0 + u32 length +
 * UTF-8, or 1 + float64), then the value bytes. Its size stays within a KV value: a value
 * is at most 60 KiB and a key at most 2 KiB.
 */
export function encodeEntry(
  kind: number,
  key: Deno.KvKey,
  value: Uint8Array | null = null,
): Uint8Array {
  let size = 2 + (value?.length ?? 0);
  const parts = key.map((p) => {
    if (typeof p === "string") {
      const bytes = utf8(p);
      size += 5 + bytes.length;
      return bytes;
    }
    if (typeof p !== "number") throw new StorageError("Cannot stage a write: unsupported key part");
    size += 9;
    return p;
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = kind;
  out[1] = parts.length;
  let at = 2;
  for (const p of parts) {
    if (typeof p === "number") {
      out[at] = 1;
      view.setFloat64(at + 1, p);
      at += 9;
    } else {
      out[at] = 0;
      view.setUint32(at + 1, p.length);
      out.set(p, at + 5);
      at += 5 + p.length;
    }
  }
  if (value !== null) out.set(value, at);
  return out;
}

const decoder = new TextDecoder();

/** Reads a staged write back. */
export function decodeEntry(bytes: Uint8Array): StageEntry {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = bytes[0];
  const key: Array<string | number> = [];
  let at = 2;
  for (let i = 0; i < bytes[1]; i++) {
    if (bytes[at] === 1) {
      key.push(view.getFloat64(at + 1));
      at += 9;
    } else {
      const n = view.getUint32(at + 1);
      key.push(decoder.decode(bytes.subarray(at + 5, at + 5 + n)));
      at += 5 + n;
    }
  }
  return { kind, key, value: kind === KIND_SET ? bytes.slice(at) : null };
}
