/**
 * Transaction state: a group (one future commit) holding what was read from KV and what
 * earlier bodies of the group buffered, and one {@link BodyTxn} per run body layered on it.
 * A body's writes join the group only when the body returns, so a throwing body leaves
 * nothing behind and later bodies of a batch see exactly the effects that will commit.
 *
 * @module
 */
import { StorageError } from "../errors.ts";
import {
  type CommittedValue,
  listCommittedMap,
  readCommittedKeys,
  readCommittedLog,
  readCommittedMap,
  readCommittedValue,
  readStoreMeta,
  readStoreMetaWith,
} from "./_reads.ts";
import type { CacheEntry, GroupStore, ReadCache } from "./_cache.ts";
import type { KeyFilter } from "./_key_filter.ts";
import { decodeJson, encodeJson, type StoreMeta } from "./_codec.ts";
import { keyBytes, KV_LIMITS, mapPartKey, maxUserKeyBytes } from "./keys.ts";
import { importStoreFile } from "./import.ts";
import { commitImport } from "./_import_commit.ts";
import type { Mutation, StateTxn, StoreRef } from "./store.ts";

/** What a transaction needs from its store. */
export interface TxnEnv {
  /** The database. */
  readonly kv: Deno.Kv;
  /** Data root to import existing store files from, or null (KV URL without data root). */
  readonly dataRoot: string | null;
  /** The database keeps a commit epoch (see `_epoch.ts`): an import rewrites it too. */
  readonly epoch?: boolean;
  /** Runs a KV read, retrying "database is locked". */
  read<R>(what: string, fn: () => Promise<R>): Promise<R>;
}

/** Committed state of one store as this group saw it. */
export interface StoreBase {
  /** The ref the store was first opened with. */
  readonly ref: StoreRef;
  /** Versionstamp of the store meta when first read (null: the store did not exist). */
  readonly stamp: string | null;
  /** The committed meta, or null. */
  readonly meta: StoreMeta | null;
  /** Committed key-map values this group read from KV (null = absent). */
  readonly values: Map<string, CommittedValue | null>;
  /** The read-cache entry at `stamp` the group started from (see `_cache.ts`), or null. */
  readonly seed: CacheEntry | null;
  /** True when `values` holds the whole committed key map (store absent, or listed whole). */
  loaded: boolean;
  /** Every committed key is in this filter (a listing too large to keep whole), or null. */
  present: KeyFilter | null;
  /** The committed log, once read. */
  log: Uint8Array[] | null;
  /** The group read the log (the cache keeps only logs that something reads). */
  logRead: boolean;
}

/** Committed keys a complete store lists from memory rather than by a range read. */
const SCAN_MAX = 2048;

/** Buffered writes to one store. */
export class StoreLayer {
  /** The ref the writes were made with. */
  readonly ref: StoreRef;
  /** Creates an empty layer. */
  constructor(ref: StoreRef) {
    this.ref = ref;
  }
  /** Key-map writes (null = delete), last write per key. */
  readonly writes = new Map<string, Uint8Array | null>();
  /** Appended records, in order. */
  readonly appends: Uint8Array[] = [];
}

/** One buffered write, in the order it was made (a staged commit keeps this order). */
export type OrderEntry =
  | { readonly path: string; readonly kind: "k"; readonly key: string }
  | { readonly path: string; readonly kind: "l"; readonly seq: number }
  | { readonly kind: "b" };

/** Shared state of the bodies that will commit together. */
export class TxnGroup {
  /** Environment. */
  readonly env: TxnEnv;
  /** Stores opened by the group, by path. */
  readonly bases = new Map<string, StoreBase>();
  /** Writes of absorbed bodies, by path. */
  readonly layers = new Map<string, StoreLayer>();
  /** Absorbed writes in the order they were made. */
  readonly order: OrderEntry[] = [];
  readonly #opening = new Map<string, Promise<StoreBase>>();
  readonly #cache: ReadCache | null;

  /** Creates an empty group, seeded from `cache` when given. */
  constructor(env: TxnEnv, cache: ReadCache | null = null) {
    this.env = env;
    this.#cache = cache;
  }

  /** Opens a store for this group: reads its meta (or imports its file) once. */
  base(ref: StoreRef, prefetch?: string): Promise<StoreBase> {
    checkRef(ref);
    const known = this.bases.get(ref.path);
    if (known) return Promise.resolve(checkFormat(known, ref));
    let opening = this.#opening.get(ref.path);
    if (!opening) {
      opening = this.#open(ref, prefetch);
      this.#opening.set(ref.path, opening);
    }
    return opening.then((base) => checkFormat(base, ref));
  }

  async #open(ref: StoreRef, prefetch: string | undefined): Promise<StoreBase> {
    const cache = this.#cache;
    const cached = cache?.peek(ref.path) ?? null;
    // Nobody else writes the database: the cached version is current unless this
    // engine's own commit refutes it (then the commit's check fails and drops it). An
    // absent store is read again: a store file may have appeared to import.
    if (cache !== null && cache.exclusive && cached !== null && cached.stamp !== null) {
      cache.lookup(ref.path, cached.stamp);
      return this.#made(ref, cached.stamp, cached.meta, cached, undefined, undefined);
    }
    // The first access of a run is usually get(): fetch the meta and that key together,
    // unless the cache is likely to answer the key.
    const withKey = cached === null ? prefetch : undefined;
    let { stamp, meta, head } = withKey === undefined
      ? { ...(await readStoreMeta(this.env, ref.path)), head: undefined }
      : await readStoreMetaWith(this.env, ref.path, withKey);
    if (meta === null && this.env.dataRoot !== null) {
      // An existing PGS file becomes the store in commits of its own (see
      // _import_commit.ts), never as part of a run's commit.
      const file = await importStoreFile(this.env.dataRoot, ref);
      if (file) {
        await commitImport(this.env, ref, file);
        cache?.drop(ref.path);
        ({ stamp, meta } = await readStoreMeta(this.env, ref.path));
        head = undefined;
      }
    }
    const seed = cache === null ? null : cache.lookup(ref.path, stamp);
    return this.#made(ref, stamp, meta, seed, withKey, head);
  }

  #made(
    ref: StoreRef,
    stamp: string | null,
    meta: StoreMeta | null,
    seed: CacheEntry | null,
    prefetch: string | undefined,
    head: CommittedValue | null | undefined,
  ): StoreBase {
    const values = new Map<string, CommittedValue | null>();
    const base: StoreBase = {
      ref: { path: ref.path, format: meta?.format ?? ref.format },
      stamp,
      meta,
      values,
      seed,
      loaded: meta === null,
      present: null,
      log: meta === null ? [] : null,
      logRead: false,
    };
    if (meta !== null && prefetch !== undefined && head !== undefined) values.set(prefetch, head);
    this.bases.set(ref.path, base);
    return base;
  }

  /**
   * Drops stores that only a body which is not joining the group opened (it threw, was
   * discarded, or did not fit): they must not add checks or imports to the commit.
   */
  forget(paths: Iterable<string>): void {
    for (const p of paths) {
      if (this.layers.has(p)) continue;
      this.bases.delete(p);
      this.#opening.delete(p);
    }
  }

  /** Number of log records committed before this group. */
  baseLogLength(base: StoreBase): number {
    return base.meta?.logLength ?? 0;
  }

  /** The committed value of `key` if this group already knows it (null: absent), else undefined. */
  known(base: StoreBase, key: string): CommittedValue | null | undefined {
    const own = base.values.get(key);
    if (own !== undefined) return own;
    if (base.loaded) return null;
    if (base.present !== null && !base.present.has(key)) return null;
    const seed = seedOf(base);
    if (seed === null) return undefined;
    const cached = seed.values.get(key);
    if (cached !== undefined) return cached;
    if (seed.complete || (seed.present !== null && !seed.present.has(key))) return null;
    return undefined;
  }

  /** A committed key-map value, cached. */
  async committedValue(base: StoreBase, key: string): Promise<CommittedValue | null> {
    const known = this.known(base, key);
    if (known !== undefined) return known;
    if (this.#cache !== null && !knowsKeys(base)) {
      const limit = this.#cache.miss(base.ref.path);
      if (limit > 0 && await this.#list(base, limit)) return this.known(base, key) ?? null;
    }
    const value = await readCommittedValue(this.env, base.ref.path, key);
    base.values.set(key, value);
    return value;
  }

  /** Lists the store whole when it has at most `limit` keys; true when it did. */
  async #list(base: StoreBase, limit: number): Promise<boolean> {
    const cache = this.#cache!;
    const listed = await listCommittedMap(
      this.env,
      base.ref.path,
      limit,
      cache.maxListedBytes,
    );
    cache.listed(base.ref.path, listed !== null);
    if (listed === null) return false;
    if (listed.values !== null) {
      base.values.clear();
      for (const [k, v] of listed.values) base.values.set(k, v);
      base.loaded = true;
    } else {
      base.present = listed.present;
    }
    return true;
  }

  /** Committed keys with a prefix (not cached: an index range is small and read rarely). */
  committedKeys(base: StoreBase, prefix: string, limit: number): Promise<string[]> {
    return readCommittedKeys(this.env, base.ref.path, prefix, limit);
  }

  /**
   * Committed keys with a prefix, sorted, when the group knows the whole key map and it is
   * small enough to scan; else null (read the range instead).
   */
  scanKeys(base: StoreBase, prefix: string): string[] | null {
    const seed = base.loaded ? null : seedOf(base);
    if (!base.loaded && !seed?.complete) return null;
    if (base.values.size + (seed?.values.size ?? 0) > SCAN_MAX) return null;
    const out: string[] = [];
    for (const [k, v] of base.values) if (v !== null && k.startsWith(prefix)) out.push(k);
    if (seed !== null) {
      for (const [k, v] of seed.values) {
        if (v !== null && k.startsWith(prefix) && !base.values.has(k)) out.push(k);
      }
    }
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The whole committed key map (null values: absent keys). */
  async committedMap(base: StoreBase): Promise<Map<string, CommittedValue | null>> {
    if (base.loaded) return base.values;
    const seed = seedOf(base);
    if (seed?.complete) {
      const merged = new Map(seed.values);
      for (const [k, v] of base.values) merged.set(k, v);
      return merged;
    }
    const all = await readCommittedMap(this.env, base.ref.path);
    base.values.clear();
    for (const [k, v] of all) base.values.set(k, v);
    base.loaded = true;
    return base.values;
  }

  /** The committed log, cached. */
  async committedLog(base: StoreBase): Promise<Uint8Array[]> {
    if (base.log === null) {
      base.log = seedOf(base)?.log ??
        await readCommittedLog(this.env, base.ref.path, base.meta?.logLength ?? 0);
    }
    base.logRead = true;
    return base.log;
  }

  /** What the read cache needs of every store the group opened (see `_cache.ts`). */
  stores(): GroupStore[] {
    const out: GroupStore[] = [];
    for (const b of this.bases.values()) {
      out.push({
        path: b.ref.path,
        format: b.ref.format,
        stamp: b.stamp,
        meta: b.meta,
        seed: b.seed,
        values: b.values,
        loaded: b.loaded,
        present: b.present,
        log: b.logRead ? b.log : null,
      });
    }
    return out;
  }

  /** Buffered layer of a store (created on demand). */
  layer(ref: StoreRef): StoreLayer {
    let layer = this.layers.get(ref.path);
    if (!layer) {
      layer = new StoreLayer(ref);
      this.layers.set(ref.path, layer);
    }
    return layer;
  }

  /** Moves a finished body's writes into the group. */
  absorb(body: BodyTxn): void {
    for (const mine of body.layers.values()) {
      const layer = this.layer(mine.ref);
      for (const [k, v] of mine.writes) layer.writes.set(k, v);
      layer.appends.push(...mine.appends);
    }
    this.order.push(...body.order, { kind: "b" });
  }
}

/** The StateTxn one run body sees. */
export class BodyTxn implements StateTxn {
  /** This body's own writes, by path. */
  readonly layers = new Map<string, StoreLayer>();
  /** This body's writes in order. */
  readonly order: OrderEntry[] = [];
  /** Paths this body read or wrote. */
  readonly touched = new Set<string>();
  readonly #group: TxnGroup;
  readonly #mutations: Mutation[] = [];

  /** Creates a body transaction on a group. */
  constructor(group: TxnGroup) {
    this.#group = group;
  }

  /** Value under `key`, or undefined. */
  async get(store: StoreRef, key: string): Promise<unknown | undefined> {
    checkRef(store);
    checkKey(store, key);
    const base = await this.#open(store, key);
    const bytes = this.#buffered(store.path, key);
    if (bytes !== undefined) return bytes === null ? undefined : decodeJson(bytes);
    const committed = await this.#group.committedValue(base, key);
    return committed === null ? undefined : decodeJson(committed.bytes);
  }

  /** Buffers `key = value`. */
  set(store: StoreRef, key: string, value: unknown): void {
    checkRef(store);
    checkKey(store, key);
    const bytes = encodeJson(value, `value of key "${key}" in store "${store.path}"`);
    this.#write(store, key, bytes, "set");
  }

  /** Buffers removal of `key`. */
  delete(store: StoreRef, key: string): void {
    checkRef(store);
    checkKey(store, key);
    this.#write(store, key, null, "delete");
  }

  /** Every `[key, value]`, sorted by key (UTF-16 code units). */
  async entries(store: StoreRef): Promise<Array<[string, unknown]>> {
    const base = await this.#open(store);
    const merged = new Map<string, Uint8Array | null>();
    for (const [k, v] of await this.#group.committedMap(base)) merged.set(k, v?.bytes ?? null);
    for (const layer of [this.#group.layers.get(store.path), this.layers.get(store.path)]) {
      if (layer) { for (const [k, v] of layer.writes) merged.set(k, v); }
    }
    const out: Array<[string, unknown]> = [];
    for (const [k, v] of merged) if (v !== null) out.push([k, decodeJson(v)]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Key-map keys starting with `prefix`, sorted, at most `limit`. */
  async keys(store: StoreRef, prefix: string, limit = Infinity): Promise<string[]> {
    checkRef(store);
    const base = await this.#open(store);
    const merged = new Map<string, boolean>();
    const scanned = this.#group.scanKeys(base, prefix);
    if (scanned !== null) {
      for (const k of scanned) merged.set(k, true);
    } else {
      // Ask for enough committed keys that buffered deletes cannot starve the limit.
      const pending = this.#pendingDeletes(store.path, prefix);
      const want = Number.isFinite(limit) ? limit + pending : 1_000_000_000;
      for (const k of await this.#group.committedKeys(base, prefix, want)) merged.set(k, true);
    }
    for (const layer of [this.#group.layers.get(store.path), this.layers.get(store.path)]) {
      if (!layer) continue;
      for (const [k, v] of layer.writes) if (k.startsWith(prefix)) merged.set(k, v !== null);
    }
    const out = [...merged].filter(([, live]) => live).map(([k]) => k);
    out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return Number.isFinite(limit) ? out.slice(0, limit) : out;
  }

  #pendingDeletes(path: string, prefix: string): number {
    let n = 0;
    for (const layer of [this.#group.layers.get(path), this.layers.get(path)]) {
      if (!layer) continue;
      for (const [k, v] of layer.writes) if (v === null && k.startsWith(prefix)) n++;
    }
    return n;
  }

  /** Appends a record with the next gap-free sequence number. */
  async append(store: StoreRef, make: (sequence: number) => unknown): Promise<number> {
    const base = await this.#open(store);
    const sequence = this.#group.baseLogLength(base) +
      (this.#group.layers.get(store.path)?.appends.length ?? 0) +
      (this.layers.get(store.path)?.appends.length ?? 0) + 1;
    const bytes = encodeJson(make(sequence), `record ${sequence} of store "${store.path}"`);
    this.#layer(store).appends.push(bytes);
    this.order.push({ path: store.path, kind: "l", seq: sequence });
    this.#mutations.push({ store: store.path, kind: "append", key: String(sequence) });
    return sequence;
  }

  /** Committed records, then the group's, then this body's. */
  async log(store: StoreRef): Promise<unknown[]> {
    const base = await this.#open(store);
    const out: unknown[] = [];
    for (const bytes of await this.#group.committedLog(base)) out.push(decodeJson(bytes));
    for (const layer of [this.#group.layers.get(store.path), this.layers.get(store.path)]) {
      if (layer) { for (const bytes of layer.appends) out.push(decodeJson(bytes)); }
    }
    return out;
  }

  /** Opens every store this body wrote (import, format check) before it joins the group. */
  async finish(): Promise<void> {
    for (const layer of this.layers.values()) await this.#group.base(layer.ref);
  }

  /** Marks the end of a CC node (kept for compatibility: no commit is split any more). */
  boundary(): void {
    const last = this.order[this.order.length - 1];
    if (last !== undefined && last.kind !== "b") this.order.push({ kind: "b" });
  }

  /** Mutations buffered by this body, in order. */
  mutations(): readonly Mutation[] {
    return this.#mutations; // a live view: steps take marks and slices of it
  }

  #open(store: StoreRef, prefetch?: string): Promise<StoreBase> {
    this.touched.add(store.path);
    return this.#group.base(store, prefetch);
  }

  #buffered(path: string, key: string): Uint8Array | null | undefined {
    const mine = this.layers.get(path)?.writes;
    if (mine?.has(key)) return mine.get(key)!;
    const group = this.#group.layers.get(path)?.writes;
    if (group?.has(key)) return group.get(key)!;
    return undefined;
  }

  #write(store: StoreRef, key: string, bytes: Uint8Array | null, kind: "set" | "delete"): void {
    const known = this.#group.bases.get(store.path);
    if (known) checkFormat(known, store);
    this.touched.add(store.path);
    this.#layer(store).writes.set(key, bytes);
    this.order.push({ path: store.path, kind: "k", key });
    this.#mutations.push({ store: store.path, kind, key });
  }

  #layer(ref: StoreRef): StoreLayer {
    let layer = this.layers.get(ref.path);
    if (!layer) {
      layer = new StoreLayer({ path: ref.path, format: ref.format });
      this.layers.set(ref.path, layer);
    }
    return layer;
  }
}

/** Refuses a malformed StoreRef. */
export function checkRef(ref: StoreRef): void {
  if (typeof ref !== "object" || ref === null || typeof ref.path !== "string" || ref.path === "") {
    throw new StorageError(`Cannot use store: "path" must be a non-empty string`);
  }
  const segments = ref.path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..") || segments[0] === ".pgs") {
    throw new StorageError(
      `Cannot use store "${ref.path}": "path" must be relative, "/"-separated, without "." or ".." segments, outside ".pgs/"`,
    );
  }
  if (ref.format !== "jsonl" && ref.format !== "json") {
    throw new StorageError(
      `Cannot use store "${ref.path}": "format" must be "jsonl" or "json", got ${
        JSON.stringify(ref.format)
      }`,
    );
  }
  if (keyBytes(mapPartKey(ref.path, "", 0)) > KV_LIMITS.maxKeyBytes - 64) {
    throw new StorageError(`Cannot use store "${ref.path.slice(0, 80)}…": path is too long`);
  }
}

function checkKey(store: StoreRef, key: string): void {
  if (typeof key !== "string") {
    throw new StorageError(`Cannot use key in store "${store.path}": key must be a string`);
  }
  const size = keyBytes([key]) - 2;
  if (size > maxUserKeyBytes(store.path)) {
    throw new StorageError(
      `Cannot use key in store "${store.path}": key is ${size} bytes, at most ${
        maxUserKeyBytes(store.path)
      } fit a KV key`,
    );
  }
}

/** True when the group can tell an absent key without reading it. */
function knowsKeys(base: StoreBase): boolean {
  if (base.loaded || base.present !== null) return true;
  const seed = seedOf(base);
  return seed !== null && (seed.complete || seed.present !== null);
}

/** The base's seed entry while it is still at the base's stamp (see `_cache.ts`). */
function seedOf(base: StoreBase): CacheEntry | null {
  const seed = base.seed;
  return seed !== null && seed.stamp === base.stamp ? seed : null;
}

function checkFormat(base: StoreBase, ref: StoreRef): StoreBase {
  if (base.ref.format !== ref.format) {
    throw new StorageError(
      `Cannot open store "${ref.path}" as "${ref.format}": it was created as "${base.ref.format}"`,
    );
  }
  return base;
}
