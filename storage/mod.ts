/**
 * Storage: the state database of a PGS runtime. Logical stores (one per declared PGS store
 * file) live in Deno KV, at a data root (`<dataRoot>/.pgs/state.kv`) or behind a KV Connect
 * URL; a run's effects and its trace commit together in one atomic, optimistically checked
 * commit. File views in the PGS on-disk formats are derived from KV under the data root, and
 * an existing data root is imported the first time each store is opened.
 *
 * In the data path this is the last stop: actors write through a {@link StateTxn}; the
 * trace writers read committed traces back with `readTrace`.
 *
 * @example
 * ```ts
 * import { openKvStore } from "./mod.ts";
 *
 * const store = await openKvStore({ dataRoot: await Deno.makeTempDir() });
 * const registry = { path: "registry/actors.json", format: "jsonl" } as const;
 * const { value, attempts } = await store.transact(async (txn) => {
 *   if (await txn.get(registry, "alice") !== undefined) {
 *     return { value: "ALREADY_EXISTS", trace: null };
 *   }
 *   const record = { key: "alice", address: "ADDR_1" };
 *   txn.set(registry, "alice", record);
 *   await txn.append(registry, () => record);
 *   return { value: "SUCCESS", trace: { traceId: "T1", lines: ['{"seq":0}'], meta: {} } };
 * });
 * console.log(value, attempts); // SUCCESS 1
 * console.log(await store.readTrace("T1")); // ['{"seq":0}']
 * await store.close(); // writes registry/actors.json: {"key":"alice","address":"ADDR_1"}\n
 * ```
 *
 * @module
 */
export type {
  BackoffOptions,
  BatchOutcome,
  CommitLimits,
  KvStore,
  Mutation,
  StateStore,
  StateTxn,
  Store,
  StoreRef,
  StoreStats,
  TraceCommit,
  TraceInfo,
  TraceSealer,
  TraceSigner,
  TransactResult,
  TxnBody,
  ViewFormat,
} from "./store.ts";

export {
  type KvStoreOptions,
  openKvStore,
  openStore,
  type OpenStoreOptions,
  prepareDataRoot,
} from "./kv_store.ts";
export { type MemoryStoreOptions, openMemoryStore } from "./memory_store.ts";
export { FileViews, type FileViewsOptions, renderJsonView, type ViewFlushStats } from "./views.ts";
export { type ImportedStore, importStoreFile, parseStoreFile } from "./import.ts";
