/**
 * Reads of committed state in the KV layout (strong consistency), reassembling split values.
 * Shared by transactions, views and trace reads. Every meta read here is settled: a meta
 * marked `redo` by a staged run's publish commit gets that stage applied first and is read
 * again (see `_stage.ts`), so what follows a meta read never sees part of a run.
 *
 * @module
 */
import { decodeJson, decodeStoreMeta, fromBlob, headParts, type StoreMeta } from "./_codec.ts";
import {
  logKey,
  logPartPrefix,
  mapKey,
  mapPartPrefix,
  mapPrefix,
  storeMetaKey,
  storeMetaPrefix,
  traceChunkPrefix,
  traceMetaKey,
  traceMetaPrefix,
} from "./keys.ts";
import type { ImportedStore } from "./import.ts";
import { settleStage } from "./_stage.ts";
import type { StoredTraceMeta } from "./_codec.ts";
import { KeyFilter } from "./_key_filter.ts";

/** Anything that can run KV reads with lock retries. */
export interface ReadEnv {
  /** The database. */
  readonly kv: Deno.Kv;
  /** Runs a KV read, retrying "database is locked". */
  read<R>(what: string, fn: () => Promise<R>): Promise<R>;
}

/** An imported store file (see import.ts). */
export type ImportedLike = ImportedStore;

/** A committed key-map value and how many parts it is stored in (0 = whole). */
export interface CommittedValue {
  /** Value bytes (JSON). */
  readonly bytes: Uint8Array;
  /** Parts at the part keys (to delete when overwritten). */
  readonly parts: number;
}

const LIST_BATCH = 1000;

/** A store's meta and the versionstamp to check at commit. */
export async function readStoreMeta(
  env: ReadEnv,
  path: string,
): Promise<{ stamp: string | null; meta: StoreMeta | null }> {
  const settled = new Set<string>();
  for (;;) {
    const entry = await env.read(
      `read store "${path}"`,
      () => env.kv.get<Uint8Array>(storeMetaKey(path)),
    );
    const meta = entry.value === null ? null : decodeStoreMeta(entry.value);
    if (await unsettled(env, meta, settled)) continue;
    return { stamp: entry.versionstamp, meta };
  }
}

/**
 * True when `meta` names a stage this read has not settled yet: it is settled now and the
 * caller reads again (a read made after the stage was seen applied is complete).
 */
async function unsettled(
  env: ReadEnv,
  meta: { readonly redo?: string } | null,
  settled: Set<string>,
): Promise<boolean> {
  const redo = meta?.redo;
  if (redo === undefined || settled.has(redo)) return false;
  await settleStage(env, redo);
  settled.add(redo);
  return true;
}

/**
 * A store's meta plus one key-map head in a single round trip (the common first access
 * of a run is `get`). `head` is undefined when the value is split and still needs its parts.
 */
export async function readStoreMetaWith(
  env: ReadEnv,
  path: string,
  key: string,
): Promise<
  { stamp: string | null; meta: StoreMeta | null; head: CommittedValue | null | undefined }
> {
  const settled = new Set<string>();
  let metaEntry: Deno.KvEntryMaybe<Uint8Array>;
  let valueEntry: Deno.KvEntryMaybe<Uint8Array>;
  let meta: StoreMeta | null;
  do {
    [metaEntry, valueEntry] = await env.read(
      `read store "${path}"`,
      () => env.kv.getMany<[Uint8Array, Uint8Array]>([storeMetaKey(path), mapKey(path, key)]),
    );
    meta = metaEntry.value === null ? null : decodeStoreMeta(metaEntry.value);
  } while (await unsettled(env, meta, settled));
  let head: CommittedValue | null | undefined = null;
  if (valueEntry.value !== null) {
    head = headParts(valueEntry.value) === 0 ? { bytes: valueEntry.value, parts: 0 } : undefined;
  }
  return { stamp: metaEntry.versionstamp, meta, head };
}

/** One committed key-map value, or null. */
export async function readCommittedValue(
  env: ReadEnv,
  path: string,
  key: string,
): Promise<CommittedValue | null> {
  const entry = await env.read(
    `read store "${path}"`,
    () => env.kv.get<Uint8Array>(mapKey(path, key)),
  );
  if (entry.value === null) return null;
  return await assemble(env, entry.value, mapPartPrefix(path, key), `key "${key}" of "${path}"`);
}

/** Committed key-map keys starting with `prefix`, in key order (values not assembled). */
export async function readCommittedKeys(
  env: ReadEnv,
  path: string,
  prefix: string,
  limit: number,
): Promise<string[]> {
  return await env.read(`list keys of store "${path}"`, async () => {
    const out: string[] = [];
    const selector = { start: mapKey(path, prefix), end: mapKey(path, `${prefix}\u{10FFFF}`) };
    for await (const e of env.kv.list(selector, { limit, batchSize: Math.min(limit, 500) })) {
      out.push(e.key[e.key.length - 1] as string);
    }
    return out;
  });
}

/** The whole committed key map in key order. */
export async function readCommittedMap(
  env: ReadEnv,
  path: string,
): Promise<Map<string, CommittedValue>> {
  const out = new Map<string, CommittedValue>();
  const entries = await listAll(env, `list store "${path}"`, { prefix: mapPrefix(path) });
  for (const entry of entries) {
    const key = entry.key[entry.key.length - 1] as string;
    out.set(
      key,
      await assemble(env, entry.value, mapPartPrefix(path, key), `key "${key}" of "${path}"`),
    );
  }
  return out;
}

/** A store's key map listed whole by {@link listCommittedMap}. */
export interface ListedMap {
  /** Every value (null when they did not fit `keepBytes`: only `present` is known then). */
  readonly values: Map<string, CommittedValue> | null;
  /** Every key, when `values` is null. */
  readonly present: KeyFilter | null;
}

/**
 * The whole committed key map if it has at most `limit` keys, else null (having listed
 * `limit + 1`). Values are kept while their bytes stay within `keepBytes`; beyond that only
 * a filter of the keys is, so memory stays bounded whatever the limit.
 */
export async function listCommittedMap(
  env: ReadEnv,
  path: string,
  limit: number,
  keepBytes: number,
): Promise<ListedMap | null> {
  const listed = await env.read(`list store "${path}"`, async () => {
    let heads: Array<[string, Uint8Array]> | null = [];
    let present: KeyFilter | null = null;
    let bytes = 0;
    let n = 0;
    const selector = { prefix: mapPrefix(path) };
    const iter = env.kv.list<Uint8Array>(selector, { limit: limit + 1, batchSize: LIST_BATCH });
    for await (const e of iter) {
      if (++n > limit) return null;
      const key = e.key[e.key.length - 1] as string;
      if (heads !== null) {
        heads.push([key, e.value]);
        bytes += key.length + e.value.length;
        if (bytes > keepBytes) {
          present = new KeyFilter(heads.length * 2);
          for (const [k] of heads) present.add(k);
          heads = null;
        }
      } else {
        present!.add(key);
      }
    }
    return { heads, present };
  });
  if (listed === null) return null;
  if (listed.heads === null) return { values: null, present: listed.present };
  const values = new Map<string, CommittedValue>();
  for (const [key, head] of listed.heads) {
    values.set(
      key,
      await assemble(env, head, mapPartPrefix(path, key), `key "${key}" of "${path}"`),
    );
  }
  return { values, present: null };
}

/**
 * Committed log records with sequence in (after, upTo], in order. A record missing after a
 * crashed chunked commit of an older version is skipped; `seqs` reports which sequences were
 * found.
 */
export async function readLogRange(
  env: ReadEnv,
  path: string,
  after: number,
  upTo: number,
): Promise<{ records: Uint8Array[]; seqs: number[] }> {
  const records: Uint8Array[] = [];
  const seqs: number[] = [];
  if (upTo <= after) return { records, seqs };
  const entries = await listAll(env, `read log of "${path}"`, {
    start: logKey(path, after + 1),
    end: logKey(path, upTo + 1),
  });
  for (const entry of entries) {
    const seq = entry.key[entry.key.length - 1] as number;
    const value = await assemble(env, entry.value, logPartPrefix(path, seq), `record ${seq}`);
    records.push(value.bytes);
    seqs.push(seq);
  }
  return { records, seqs };
}

/** The committed log records 1..logLength. */
export async function readCommittedLog(
  env: ReadEnv,
  path: string,
  logLength: number,
): Promise<Uint8Array[]> {
  return (await readLogRange(env, path, 0, logLength)).records;
}

/** A trace's stored meta, or null. */
export async function readStoredTraceMeta(
  env: ReadEnv,
  traceId: string,
): Promise<StoredTraceMeta | null> {
  const settled = new Set<string>();
  for (;;) {
    const entry = await env.read(
      `read trace "${traceId}"`,
      () => env.kv.get<Uint8Array>(traceMetaKey(traceId)),
    );
    const meta = entry.value === null ? null : decodeJson(entry.value) as StoredTraceMeta;
    if (meta === null || meta.state !== "complete" || !(await unsettled(env, meta, settled))) {
      return meta;
    }
  }
}

/** A trace's body chunks in order. */
export async function readTraceChunks(env: ReadEnv, traceId: string): Promise<Uint8Array[]> {
  const entries = await listAll(env, `read trace "${traceId}"`, {
    prefix: traceChunkPrefix(traceId),
  });
  return entries.map((e) => e.value);
}

/** Ids of every trace meta (pending ones included), sorted. */
export async function listTraceMetas(
  env: ReadEnv,
): Promise<Array<{ id: string; meta: StoredTraceMeta }>> {
  const settled = new Set<string>();
  for (;;) {
    const entries = await listAll(env, "list traces", { prefix: traceMetaPrefix() });
    const out = entries.map((e) => ({
      id: e.key[e.key.length - 1] as string,
      meta: decodeJson(e.value) as StoredTraceMeta,
    }));
    if (!(await unsettledAny(env, out.map((t) => t.meta), settled))) return out;
  }
}

async function unsettledAny(
  env: ReadEnv,
  metas: ReadonlyArray<{ readonly redo?: string } | { readonly state: "pending" }>,
  settled: Set<string>,
): Promise<boolean> {
  let again = false;
  for (const m of metas) {
    if ("redo" in m && await unsettled(env, m, settled)) again = true;
  }
  return again;
}

/** Lists a selector completely (with lock retries), values as bytes. */
export function listAll(
  env: ReadEnv,
  what: string,
  selector: Deno.KvListSelector,
): Promise<Array<Deno.KvEntry<Uint8Array>>> {
  return env.read(what, async () => {
    const out: Array<Deno.KvEntry<Uint8Array>> = [];
    const iter = env.kv.list<Uint8Array>(selector, { batchSize: LIST_BATCH });
    for await (const entry of iter) out.push(entry);
    return out;
  });
}

async function assemble(
  env: ReadEnv,
  head: Uint8Array,
  partPrefix: Deno.KvKey,
  where: string,
): Promise<CommittedValue> {
  const parts = headParts(head);
  if (parts === 0) return { bytes: head, parts: 0 };
  const entries = await listAll(env, `read ${where}`, { prefix: partPrefix });
  return { bytes: fromBlob(head, entries.map((e) => e.value), where), parts };
}

/** Every store meta, by path, in key order. */
export async function listStoreMetas(env: ReadEnv): Promise<Array<[string, StoreMeta]>> {
  return (await listStoreMetaEntries(env)).map((e) => [e.path, e.meta]);
}

/** Every store meta with its versionstamp, in key order. */
export async function listStoreMetaEntries(
  env: ReadEnv,
): Promise<Array<{ path: string; meta: StoreMeta; stamp: string }>> {
  const settled = new Set<string>();
  for (;;) {
    const entries = await listAll(env, "list stores", { prefix: storeMetaPrefix() });
    const out = entries.map((e) => ({
      path: e.key[e.key.length - 1] as string,
      meta: decodeStoreMeta(e.value),
      stamp: e.versionstamp,
    }));
    if (!(await unsettledAny(env, out.map((e) => e.meta), settled))) return out;
  }
}

/** The versionstamp of a store's meta now (null when absent), without settling. */
export async function storeMetaStamp(env: ReadEnv, path: string): Promise<string | null> {
  const entry = await env.read(
    `read store "${path}"`,
    () => env.kv.get<Uint8Array>(storeMetaKey(path)),
  );
  return entry.versionstamp;
}
