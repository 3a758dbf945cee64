/**
 * Derived data a store keeps for the processes that use it: named blobs (e.g. compiled
 * workflows keyed by their artifacts' content) at `[ROOT, "c", <name hash>, i]`. A blob is
 * written in one atomic commit with a checksum, so a reader sees all of it or a miss; being
 * derived, a blob that is missing, partial or too large for one commit is simply a miss.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { chunk, concat, utf8 } from "./_codec.ts";
import { ROOT } from "./keys.ts";

/** Largest blob kept: what one KV commit carries with room to spare. */
const MAX_BLOB_BYTES = 600 * 1024;

interface CacheEnv {
  readonly kv: Deno.Kv;
  read<R>(what: string, fn: () => Promise<R>): Promise<R>;
}

function keyOf(name: string): string {
  return bytesToHex(sha256(utf8(name))).slice(0, 32);
}

/** The blob named `name`, or null when there is none (or it is not whole). */
export async function readBlob(env: CacheEnv, name: string): Promise<Uint8Array | null> {
  const id = keyOf(name);
  const parts: Uint8Array[] = [];
  let head: { parts: number; sum: string; name: string } | null = null;
  await env.read("read cache", async () => {
    parts.length = 0;
    head = null;
    for await (const e of env.kv.list<Uint8Array>({ prefix: [ROOT, "c", id] })) {
      const i = e.key[e.key.length - 1];
      if (i === "h") head = JSON.parse(new TextDecoder().decode(e.value));
      else if (typeof i === "number") parts[i] = e.value;
    }
  });
  const h = head as { parts: number; sum: string; name: string } | null;
  if (!h || h.name !== name || parts.length !== h.parts) return null;
  const bytes = concat(parts);
  return bytesToHex(sha256(bytes)) === h.sum ? bytes : null;
}

/** Keeps `bytes` as the blob `name` (one commit); false when it is too large to keep. */
export async function writeBlob(env: CacheEnv, name: string, bytes: Uint8Array): Promise<boolean> {
  if (bytes.length > MAX_BLOB_BYTES) return false;
  const id = keyOf(name);
  const parts = chunk(bytes);
  const head = utf8(JSON.stringify({ parts: parts.length, sum: bytesToHex(sha256(bytes)), name }));
  const op = env.kv.atomic();
  // Old parts beyond the new count would be ignored (the head says how many), so no delete.
  op.set([ROOT, "c", id, "h"], head);
  parts.forEach((p, i) => op.set([ROOT, "c", id, i], p));
  const res = await env.read("write cache", () => op.commit());
  return res.ok;
}
