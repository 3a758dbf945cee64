/**
 * The engine's read cache: committed store state kept across transaction groups, so a group
 * does not read from KV again what an earlier group of this engine read or committed.
 *
 * An entry describes one store at one version, named by the versionstamp of the store's
 * meta key. Every commit that changes a store's key map or log also rewrites its meta (run
 * commits, staged publishes, imports), and a reader applies a published stage before it
 * reads past its meta (`_reads.ts`), so what a store holds at a versionstamp is fixed.
 *
 * 1. **Use**: a group that opens a store reads its meta as before; an entry at the stamp it
 *    reads seeds the group's view of the store, an entry at any other stamp is dropped
 *    (another process committed). On a database no other handle can reach (`:memory:`)
 *    the group takes the stamp from the entry instead of reading the meta.
 * 2. **Proof**: what a group read from KV joins the cache only after its commit succeeded.
 *    That commit checked every store the group opened at the stamp it used (per-store
 *    checks, or the commit epoch after re-reading them: `_epoch.ts`), so no commit changed
 *    those stores in between and the reads were of that version.
 * 3. **Update**: after a successful atomic commit a store the group wrote is at the commit's
 *    versionstamp (the commit set its meta) and holds the group's base plus its writes; its
 *    entry moves there. A store only read keeps its stamp and gains the group's reads. A
 *    staged commit, an import, a refused commit or a failed one drop the entries of the
 *    stores concerned instead (the next group reads them again).
 * 4. **Completeness**: an entry may know every key of its store — the whole key map
 *    (`complete`), or only a {@link KeyFilter} of its keys (`present`) — so a key it lacks
 *    is absent without a read. A store created by this engine is complete from the start.
 *    Another store is listed whole once the per-key reads it caused would have paid for it:
 *    after {@link MIN_MISSES} misses, a listing of at most {@link ENTRIES_PER_MISS} entries
 *    per miss so far, doubling the misses needed after each listing. A listed entry costs
 *    about an eighth of a read (5.5 µs against 40–180 µs on a local file), so listings
 *    never cost more than the reads they replace, and a process that makes a few runs
 *    (the CLI) never lists.
 * 5. **Bound**: entries are accounted in bytes (keys, values, log records, per-key
 *    overhead) against `maxBytes`. Over it, the least recently used entries first shed
 *    their values and logs, keeping what they know of their keys as a filter, then are
 *    dropped whole, until a quarter of the budget is free.
 *
 * A group whose seed entry moves on (another group of this engine committed to the store)
 * stops using it: its commit is bound to fail its check on that store and re-run.
 *
 * @module
 */
import type { StoreMeta } from "./_codec.ts";
import type { CommittedValue } from "./_reads.ts";
import { KeyFilter } from "./_key_filter.ts";
import { CHUNK_BYTES } from "./keys.ts";
import type { ViewFormat } from "./store.ts";

/** Misses on a store before its first load. */
export const MIN_MISSES = 32;
/** Entries a load may list per miss counted so far. */
export const ENTRIES_PER_MISS = 8;
/** Bytes accounted per cached key besides its key and value. */
const KEY_OVERHEAD = 96;
/** Bytes accounted per cached log record besides its bytes. */
const RECORD_OVERHEAD = 32;
/** Stores whose misses are counted at most (the counters are dropped beyond it). */
const MAX_COUNTED = 4096;

/** Default read-cache budget. */
export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

/** What the cache knows of one store at one version. */
export interface CacheEntry {
  /** Store path. */
  readonly path: string;
  /** View format the store has. */
  readonly format: ViewFormat;
  /** Versionstamp of the store meta this state belongs to (null: the store does not exist). */
  stamp: string | null;
  /** The store meta at `stamp`. */
  meta: StoreMeta | null;
  /** Known key-map values (null = known absent). */
  readonly values: Map<string, CommittedValue | null>;
  /** `values` holds every key of the key map. */
  complete: boolean;
  /** Every key of the key map is in this filter (when not `complete`), or null. */
  present: KeyFilter | null;
  /** The whole log (records 1..meta.logLength), or null when not cached. */
  log: Uint8Array[] | null;
  /** Bytes accounted to this entry. */
  bytes: number;
}

/** A group's view of one store, as the cache needs it after the group's commit. */
export interface GroupStore {
  /** Store path. */
  readonly path: string;
  /** View format. */
  readonly format: ViewFormat;
  /** Stamp the group used. */
  readonly stamp: string | null;
  /** Meta at that stamp. */
  readonly meta: StoreMeta | null;
  /** The entry that seeded the group, or null. */
  readonly seed: CacheEntry | null;
  /** Values the group read from KV. */
  readonly values: Map<string, CommittedValue | null>;
  /** The group knows the whole key map from `values` (store absent, or listed whole). */
  readonly loaded: boolean;
  /** A filter of every key the group listed, or null. */
  readonly present: KeyFilter | null;
  /** The committed log, when the group read it. */
  readonly log: Uint8Array[] | null;
}

/** A group's writes to one store. */
export interface GroupWrites {
  /** Key-map writes (null = delete). */
  readonly writes: ReadonlyMap<string, Uint8Array | null>;
  /** Appended records in order. */
  readonly appends: readonly Uint8Array[];
}

/** Options of a {@link ReadCache}. */
export interface ReadCacheOptions {
  /** Budget in accounted bytes. */
  readonly maxBytes: number;
  /** No other handle can write the database: a group may skip its meta reads. */
  readonly exclusive: boolean;
}

/** Counters of a read cache. */
export interface CacheCounters {
  /** Stores listed whole after their misses paid for it. */
  loads: number;
  /** Listings that stopped at their limit (the store was larger). */
  loadsTooLarge: number;
  /** Entries dropped because a meta read found another version. */
  stale: number;
  /** Entries shed to a filter or dropped for the budget. */
  evictions: number;
}

/** The engine-level read cache. */
export class ReadCache {
  /** No other handle can write the database. */
  readonly exclusive: boolean;
  /** Counters. */
  readonly counters: CacheCounters = { loads: 0, loadsTooLarge: 0, stale: 0, evictions: 0 };
  readonly #max: number;
  /** Entries in least-recently-used order. */
  readonly #entries = new Map<string, CacheEntry>();
  readonly #misses = new Map<string, { count: number; next: number }>();
  #bytes = 0;

  /** A cache with a budget. */
  constructor(options: ReadCacheOptions) {
    this.#max = options.maxBytes;
    this.exclusive = options.exclusive;
  }

  /** Bytes accounted now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry of `path`, whatever its stamp. */
  peek(path: string): CacheEntry | null {
    return this.#entries.get(path) ?? null;
  }

  /** The entry of `path` at `stamp`; an entry at another stamp is dropped. */
  lookup(path: string, stamp: string | null): CacheEntry | null {
    const e = this.#entries.get(path);
    if (e === undefined) return null;
    if (e.stamp !== stamp) {
      this.counters.stale++;
      this.drop(path);
      return null;
    }
    this.#touch(e);
    return e;
  }

  /** Forgets what is cached of `path`. */
  drop(path: string): void {
    const e = this.#entries.get(path);
    if (e === undefined) return;
    this.#entries.delete(path);
    this.#bytes -= e.bytes;
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#misses.clear();
    this.#bytes = 0;
  }

  /**
   * Counts a read of a key the cache could not answer; returns the limit of a listing to
   * make now (see rule 4), or 0.
   */
  miss(path: string): number {
    let m = this.#misses.get(path);
    if (m === undefined) {
      if (this.#misses.size >= MAX_COUNTED) this.#misses.clear();
      m = { count: 0, next: MIN_MISSES };
      this.#misses.set(path, m);
    }
    m.count++;
    if (m.count < m.next) return 0;
    const limit = Math.min(m.count * ENTRIES_PER_MISS, this.maxListed);
    // A store too large to hold even as a filter is never listed again in this process.
    m.next = limit >= this.maxListed ? Infinity : m.count * 2;
    return limit;
  }

  /**
   * Records a listing's outcome: the store was listed whole, or was larger than its limit.
   * Misses count again from zero after a whole listing, but the next listing still needs
   * twice as many: a store whose entry keeps being dropped (another process writing it) is
   * listed ever more rarely, so listings stay a bounded share of the reads they replace.
   */
  listed(path: string, whole: boolean): void {
    if (whole) {
      this.counters.loads++;
      const m = this.#misses.get(path);
      if (m !== undefined) m.count = 0;
    } else {
      this.counters.loadsTooLarge++;
    }
  }

  /** Most keys a listing may cover: their filter may take half the budget. */
  get maxListed(): number {
    return Math.floor(this.#max / 16);
  }

  /** Values bytes a listing may keep (beyond it, it keeps only a filter of the keys). */
  get maxListedBytes(): number {
    return Math.floor(this.#max / 2);
  }

  /**
   * Moves the cache to the state a successful atomic commit made (rules 2 and 3).
   *
   * @param stores Every store the group opened.
   * @param writes The group's writes, by path.
   * @param metas The metas the commit set, by path.
   * @param stamp The commit's versionstamp.
   */
  committed(
    stores: Iterable<GroupStore>,
    writes: ReadonlyMap<string, GroupWrites>,
    metas: ReadonlyMap<string, StoreMeta>,
    stamp: string,
  ): void {
    for (const s of stores) {
      const w = writes.get(s.path);
      const meta = metas.get(s.path);
      if (w !== undefined && meta === undefined) {
        this.drop(s.path); // not expected: a written store always gets a meta
        continue;
      }
      const e = this.#knowledge(s);
      if (w !== undefined) {
        const filterBytes = e.present?.bytes ?? 0;
        for (const [key, bytes] of w.writes) {
          this.#set(e, key, bytes === null ? null : { bytes, parts: partsOf(bytes.length) });
          if (bytes !== null) e.present?.add(key);
        }
        const grown = (e.present?.bytes ?? 0) - filterBytes;
        e.bytes += grown;
        this.#bytes += grown;
        if (e.log !== null) {
          for (const r of w.appends) {
            e.log.push(r);
            e.bytes += r.length + RECORD_OVERHEAD;
            this.#bytes += r.length + RECORD_OVERHEAD;
          }
        }
        e.meta = meta!;
        e.stamp = stamp;
      }
    }
    this.#evict();
  }

  /**
   * A commit was refused or failed: drops the entries the group used at the stamps it
   * used (whatever moved them on, the group's stamps are not to be trusted again).
   */
  rejected(stores: Iterable<GroupStore>): void {
    for (const s of stores) {
      const e = this.#entries.get(s.path);
      if (e !== undefined && e.stamp === s.stamp) this.drop(s.path);
    }
  }

  /** The entry for `s` at its stamp with the group's reads merged in (created if needed). */
  #knowledge(s: GroupStore): CacheEntry {
    let e = this.#entries.get(s.path);
    if (e !== undefined && e.stamp !== s.stamp) {
      // Moved on meanwhile: the group's commit proves its stamp was current at its commit,
      // so the entry is from before it; start again from the group's own knowledge.
      this.drop(s.path);
      e = undefined;
    }
    if (e === undefined) {
      e = {
        path: s.path,
        format: s.format,
        stamp: s.stamp,
        meta: s.meta,
        values: s.loaded ? s.values : new Map(),
        complete: s.loaded,
        present: s.loaded ? null : s.present,
        log: s.log,
        bytes: 0,
      };
      if (s.loaded) {
        for (const [k, v] of s.values) e.bytes += valueBytes(k, v);
      }
      if (e.present !== null) e.bytes += e.present.bytes;
      if (e.log !== null) e.bytes += logBytes(e.log);
      this.#bytes += e.bytes;
      this.#entries.set(s.path, e);
      if (s.loaded) return e;
    } else {
      this.#touch(e);
      if (s.loaded && !e.complete) {
        const shed = e.present?.bytes ?? 0;
        e.bytes -= shed;
        this.#bytes -= shed;
        e.complete = true;
        e.present = null;
      } else if (!e.complete && e.present === null && s.present !== null) {
        e.present = s.present;
        e.bytes += s.present.bytes;
        this.#bytes += s.present.bytes;
      }
      if (e.log === null && s.log !== null) {
        e.log = s.log;
        const n = logBytes(s.log);
        e.bytes += n;
        this.#bytes += n;
      }
    }
    for (const [k, v] of s.values) this.#set(e, k, v);
    return e;
  }

  #set(e: CacheEntry, key: string, value: CommittedValue | null): void {
    const old = e.values.get(key);
    const delta = valueBytes(key, value) - (old === undefined ? 0 : valueBytes(key, old));
    e.values.set(key, value);
    e.bytes += delta;
    this.#bytes += delta;
  }

  #touch(e: CacheEntry): void {
    this.#entries.delete(e.path);
    this.#entries.set(e.path, e);
  }

  /**
   * Keeps the budget (rule 5). An entry is replaced, never emptied in place: a group that
   * still holds it as its seed keeps a consistent view.
   */
  #evict(): void {
    if (this.#bytes <= this.#max) return;
    const target = (this.#max * 3) / 4;
    for (const e of [...this.#entries.values()]) {
      if (this.#bytes <= target) return;
      if (e.values.size === 0 && e.log === null) continue;
      this.counters.evictions++;
      this.drop(e.path);
      const present = e.present ?? (e.complete ? filterOf(e.values) : null);
      if (present === null || present.bytes > this.#max / 2) continue;
      const shed: CacheEntry = {
        path: e.path,
        format: e.format,
        stamp: e.stamp,
        meta: e.meta,
        values: new Map(),
        complete: false,
        present,
        log: null,
        bytes: present.bytes,
      };
      this.#entries.set(e.path, shed);
      this.#bytes += shed.bytes;
    }
    for (const e of [...this.#entries.values()]) {
      if (this.#bytes <= target) return;
      this.counters.evictions++;
      this.drop(e.path);
    }
  }
}

/** Parts a value of `length` bytes is stored in (0: whole; see `toBlob`). */
export function partsOf(length: number): number {
  return length <= CHUNK_BYTES ? 0 : Math.ceil(length / CHUNK_BYTES);
}

function valueBytes(key: string, value: CommittedValue | null): number {
  return KEY_OVERHEAD + key.length + (value === null ? 0 : value.bytes.length);
}

function logBytes(log: readonly Uint8Array[]): number {
  let n = 0;
  for (const r of log) n += r.length + RECORD_OVERHEAD;
  return n;
}

function filterOf(values: ReadonlyMap<string, CommittedValue | null>): KeyFilter {
  const f = new KeyFilter(values.size);
  for (const [k, v] of values) if (v !== null) f.add(k);
  return f;
}
