/**
 * An in-memory {@link KvStore} for tests and benchmarks: the same engine as the KV store on
 * `Deno.openKv(":memory:")`, so it has exactly the same semantics (checks, conflicts,
 * limits, staging). With `dataRoot` it also imports existing store files and writes views
 * there; its view watermark lives in memory, so a new memory store rewrites every view it
 * flushes once.
 *
 * @module
 */
import type { KvStore } from "./store.ts";
import { type KvStoreOptions, openKvStore } from "./kv_store.ts";

/** Options of {@link openMemoryStore}: those of the KV store minus `kvUrl`. */
export type MemoryStoreOptions = Omit<KvStoreOptions, "kvUrl">;

/**
 * Opens an empty in-memory state database.
 *
 * @example
 * ```ts
 * const store = await openMemoryStore();
 * const facts = { path: "facts.json", format: "json" } as const;
 * await store.transact(async (txn) => {
 *   txn.set(facts, "answer", 42);
 *   return { value: null, trace: null };
 * });
 * await store.close();
 * ```
 * @throws {StorageError} STORAGE when `dataRoot` is given and is not a writable directory.
 */
export function openMemoryStore(options: MemoryStoreOptions = {}): Promise<KvStore> {
  return openKvStore({ ...options, kvUrl: ":memory:" });
}
