/**
 * Opens the Deno KV state database of a data root (`<dataRoot>/.pgs/state.kv`) or a KV
 * Connect URL (`DENO_KV_ACCESS_TOKEN` is read by Deno itself) as a {@link KvStore}.
 *
 * Guarantees (see also `_plan.ts`, `_commit.ts`, `_stage.ts`, `_epoch.ts`): every run is
 * all-or-nothing and serialisable, whatever its size. A run that fits one KV commit (≤ 1000
 * mutations, ≤ 800 KiB, ≤ 80 KiB of keys, ≤ 100 checks; 10 on KV Connect) is one atomic
 * commit holding a check on the meta version of every store it read or wrote, a check that
 * its trace id is new, its state changes, the bumped store versions and its trace. A larger
 * run is staged under a run-scoped prefix no reader looks at, then published by one small
 * commit holding the same checks (plus one on its stage), then applied; a reader that meets
 * a published but not yet applied run applies it first, and each open finishes or removes
 * what dead processes left (see `_stage.ts`). On KV Connect, where a run's store checks may
 * not fit one commit, every store-writing commit also rewrites a commit epoch, and a run
 * with too many store checks re-reads its store versions after reading the epoch and
 * commits with one check on the epoch instead (see `_epoch.ts`). A refused check or "database is locked" re-runs the body on a
 * fresh transaction after a random exponential backoff (at most `maxAttempts` runs, then
 * StorageError). Group commits (`transactBatch`) fill one commit with whole bodies. The
 * import of an existing PGS file is never part of a run's commit: it is committed first, on
 * its own, and becomes visible only when complete (`_import_commit.ts`).
 *
 * Values: key-map values and log records larger than 60 KiB are split into parts (each
 * ≤ 60 KiB) behind a small header and reassembled on read; keys longer than KV allows
 * (≈ 2 KiB minus the store path) are refused with a StorageError.
 *
 * Read cache (see `_cache.ts`): a handle keeps what its runs read and committed, per store
 * and per version of the store's meta, so later runs skip those KV reads; a store it created
 * or listed whole answers absent keys without a read. It changes no guarantee above: every
 * run still reads each store's meta (except on `:memory:`, which no other handle reaches)
 * and commits with a check on it, a cached version is used only when that meta read finds
 * exactly it, and what a run read joins the cache only once its commit proved it current.
 * It is bounded by `cacheBytes` (32 MiB by default; 0 turns it off).
 *
 * @module
 */
import { quoted, StorageError, UsageError } from "../errors.ts";
import { validateKvUrl } from "./kv_url.ts";
import { type CommitLimits, LOCAL_LIMITS, REMOTE_LIMITS } from "./_commit.ts";
import { createEngine } from "./_engine.ts";
import { DEFAULT_CACHE_BYTES } from "./_cache.ts";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./_retry.ts";
import type { KvStore, StateStore } from "./store.ts";
import { FileViews } from "./views.ts";
import { joinPath } from "./_paths.ts";

/** Options of {@link openStore}: where the state database is. Give `dataRoot`, `kvUrl` or both. */
export interface OpenStoreOptions {
  /**
   * Data root: `<dataRoot>/.pgs/state.kv` plus the PGS file views; created when missing
   * (unless `readOnly`).
   */
  readonly dataRoot?: string;
  /**
   * KV Connect URL (Deno Deploy KV, a self-hosted denokv; Deno reads the token from
   * `DENO_KV_ACCESS_TOKEN`), or `":memory:"` for a fresh in-memory database. With
   * `dataRoot` too, the file views are written there.
   */
  readonly kvUrl?: string;
  /**
   * Open an existing database only to read: nothing is created, imported or written.
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * Opens a state database to pass to `runWorkflow`/`runBatch` (`store` option) or to read
 * its traces and seal key. Close it, or hold it with `await using`.
 *
 * @example
 * ```ts
 * import { openStore } from "./kv_store.ts";
 * import assert from "node:assert/strict";
 * await using store = await openStore({ kvUrl: ":memory:" });
 * assert.deepEqual(await store.listTraces(), []);
 * assert.equal(await store.publicKey(), null); // made by the first sealed run
 * ```
 * @throws {StorageError} STORAGE when the data root is not a writable directory (or, with
 *   `readOnly`, holds no database), the database cannot be opened, or Deno KV is not
 *   enabled (`--unstable-kv`).
 * @throws {UsageError} USAGE when an option is unknown, missing (neither `dataRoot` nor
 *   `kvUrl`) or malformed (e.g. a `kvUrl` that is neither an
 *   http(s) URL nor `":memory:"`).
 */
export async function openStore(options: OpenStoreOptions): Promise<StateStore> {
  if (options === null || typeof options !== "object") {
    throw new UsageError(`Invalid options: expected { dataRoot?, kvUrl?, readOnly? }`);
  }
  if (options.kvUrl !== undefined) validateKvUrl(options.kvUrl, "kvUrl", true);
  if (options.readOnly !== undefined && typeof options.readOnly !== "boolean") {
    throw new UsageError(`Invalid options: "readOnly" must be a boolean when given`);
  }
  for (const k of Object.keys(options)) {
    if (k !== "dataRoot" && k !== "kvUrl" && k !== "readOnly") {
      throw new UsageError(
        `Invalid options: unknown option ${quoted(k)} (expected dataRoot, kvUrl, readOnly)`,
      );
    }
  }
  if (options.dataRoot === undefined && options.kvUrl === undefined) {
    throw new UsageError(`Invalid options: one of "dataRoot" or "kvUrl" is required`);
  }
  if (
    options.dataRoot !== undefined && (typeof options.dataRoot !== "string" || !options.dataRoot)
  ) {
    throw new UsageError(`Invalid options: "dataRoot" must be a non-empty string when given`);
  }
  return await openKvStore({
    dataRoot: options.dataRoot,
    kvUrl: options.kvUrl,
    readOnly: options.readOnly,
  });
}

/** Options of {@link openKvStore}. */
export interface KvStoreOptions {
  /**
   * Data root: holds the KV database (`.pgs/state.kv`, unless `kvUrl` is given), the file
   * views, and the files imported on first open. Created when missing.
   */
  readonly dataRoot?: string;
  /**
   * KV Connect URL (`https://…`), or any `Deno.openKv` argument (`":memory:"`), used
   * instead of the data-root database. Without `dataRoot` there are no views or imports.
   */
  readonly kvUrl?: string;
  /** Body runs per commit, and "database is locked" retries per KV call. @default 50 */
  readonly maxAttempts?: number;
  /**
   * Per-commit limits (tests lower them to exercise staging). A check limit below a local
   * database's (100) makes the store keep the commit epoch, as on KV Connect: every process
   * on one database must use the same check limit. @default KV's limits
   */
  readonly limits?: Partial<CommitLimits>;
  /** Backoff between attempts. @default { baseMs: 1, capMs: 100 } */
  readonly backoff?: Partial<BackoffOptions>;
  /**
   * Open an existing database to read (examine, replay, public-key): nothing is created,
   * imported or written (no views).
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Budget of the read cache in bytes: committed store state kept across runs so later
   * runs need not read it again (see `_cache.ts`); 0 turns it off. @default 32 MiB
   */
  readonly cacheBytes?: number;
}

/**
 * Opens a state database.
 *
 * @example
 * ```ts
 * const store = await openKvStore({ dataRoot: await Deno.makeTempDir() });
 * const events = { path: "events/log.jsonl", format: "jsonl" } as const;
 * await store.transact(async (txn) => {
 *   await txn.append(events, (seq) => ({ seq, what: "hello" }));
 *   return { value: null, trace: { traceId: "t1", lines: ['{"seq":0}'], meta: {} } };
 * });
 * await store.close(); // writes <dataRoot>/events/log.jsonl
 * ```
 * @throws {StorageError} STORAGE when the data root is not a writable directory or the
 *   database cannot be opened.
 */
export async function openKvStore(options: KvStoreOptions): Promise<KvStore> {
  const { dataRoot, kvUrl } = options;
  if (dataRoot !== undefined && (typeof dataRoot !== "string" || dataRoot === "")) {
    throw new StorageError(`Cannot open store: "dataRoot" must be a non-empty string`);
  }
  if (kvUrl !== undefined && (typeof kvUrl !== "string" || kvUrl === "")) {
    throw new StorageError(`Cannot open store: "kvUrl" must be a non-empty string`);
  }
  if (dataRoot === undefined && kvUrl === undefined) {
    throw new StorageError(`Cannot open store: "dataRoot" or "kvUrl" is required`);
  }
  if (dataRoot === ":memory:") {
    throw new StorageError(
      `Cannot open store: "dataRoot" ":memory:" is not a directory; ` +
        `give "kvUrl": ":memory:" for an in-memory database`,
    );
  }
  const maxAttempts = options.maxAttempts ?? 50;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new StorageError(`Cannot open store: "maxAttempts" must be a positive integer`);
  }
  const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
  if (typeof cacheBytes !== "number" || !(cacheBytes >= 0) || !Number.isFinite(cacheBytes)) {
    throw new StorageError(`Cannot open store: "cacheBytes" must be a non-negative number`);
  }
  const readOnly = options.readOnly === true;
  // A local database lives in the data root; with a URL the data root only holds views,
  // made once the database answered (a refused URL creates nothing).
  const made = dataRoot !== undefined && !readOnly && kvUrl === undefined
    ? await prepareDataRoot(dataRoot)
    : [];
  const target = kvUrl ?? `${dataRoot!.replace(/\/+$/, "")}/.pgs/state.kv`;
  if (readOnly && kvUrl === undefined) {
    try {
      await Deno.stat(target);
    } catch (err) {
      throw new StorageError(
        `Cannot open data root "${dataRoot}": ${
          err instanceof Deno.errors.NotFound ? "it holds no state database (.pgs/state.kv)" : (
            err instanceof Error ? err.message : String(err)
          )
        }`,
        { cause: err },
      );
    }
  }
  if (typeof Deno.openKv !== "function") {
    throw new StorageError(
      `Cannot open store: Deno KV is not enabled; run Deno with --unstable-kv ` +
        `(or add "unstable": ["kv"] to deno.json)`,
    );
  }
  let kv: Deno.Kv;
  try {
    kv = await Deno.openKv(target);
  } catch (err) {
    // A refused open leaves no trace: the folders made for it go (each only while empty).
    for (const dir of made) await Deno.remove(dir).catch(() => undefined);
    throw new StorageError(
      `Cannot open KV database "${target}": ${err instanceof Error ? err.message : err}`,
      { cause: err },
    );
  }
  const remote = kvUrl !== undefined && /^https?:\/\//i.test(kvUrl);
  const memory = kvUrl === ":memory:";
  let views: FileViews | null = null;
  if (dataRoot !== undefined && !readOnly) {
    const source = kvUrl !== undefined ? `kv:${kvUrl}` : await fileIdentity(target);
    views = new FileViews(dataRoot, { source, persist: !memory });
  }
  const limits = { ...(remote ? REMOTE_LIMITS : LOCAL_LIMITS), ...options.limits };
  const engine = createEngine({
    kv,
    dataRoot: readOnly ? null : dataRoot ?? null,
    views,
    limits,
    // Where a run's store checks may not fit one commit (KV Connect), commits keep the
    // epoch that such a run is validated against (_epoch.ts).
    epoch: limits.maxChecks < LOCAL_LIMITS.maxChecks,
    maxAttempts,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    cacheBytes,
    // Only this handle reaches an in-memory database: cached store versions are current.
    exclusive: memory,
    readOnly,
  });
  // A new in-memory database has nothing to recover; a reader leaves recovery to writers
  // (what a staged commit left unpublished is invisible to it).
  if (!memory && !readOnly) {
    try {
      await engine.recoverStages();
    } catch (err) {
      kv.close();
      throw err instanceof StorageError ? err : new StorageError(
        `Cannot recover staged commits in "${target}": ${err instanceof Error ? err.message : err}`,
        { cause: err },
      );
    }
  }
  if (dataRoot !== undefined && !readOnly && kvUrl !== undefined) {
    try {
      await prepareDataRoot(dataRoot);
    } catch (err) {
      kv.close();
      throw err;
    }
  }
  return engine;
}

/**
 * Makes sure `dataRoot` is a writable directory (creating it and `.pgs/` when missing).
 *
 * @returns the directories it created, deepest first (to remove if the open then fails).
 * @throws {StorageError} STORAGE with a one-line message naming the path.
 */
export async function prepareDataRoot(dataRoot: string): Promise<string[]> {
  let info: Deno.FileInfo | null = null;
  try {
    info = await Deno.stat(dataRoot);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw rootError(dataRoot, err);
  }
  if (info !== null && !info.isDirectory) {
    throw new StorageError(`Cannot use data root "${dataRoot}": not a directory`);
  }
  if (info === null && (await Deno.lstat(dataRoot).catch(() => null))?.isSymlink) {
    throw new StorageError(
      `Cannot use data root "${dataRoot}": it is a symbolic link to a path that does not exist`,
    );
  }
  // The state database and the view watermark are never reached through a link.
  for (const name of [".pgs", ".pgs/state.kv", ".pgs/state.kv-wal", ".pgs/state.kv-shm"]) {
    const entry = await Deno.lstat(joinPath(dataRoot, name)).catch(() => null);
    if (entry?.isSymlink) {
      throw new StorageError(
        `Cannot use data root "${dataRoot}": "${joinPath(dataRoot, name)}" is a symbolic link`,
      );
    }
  }
  const made: string[] = [];
  try {
    await makeFolders(joinPath(dataRoot, ".pgs"), made);
    const probe = await Deno.makeTempFile({ dir: dataRoot, prefix: ".pgs-probe-" });
    await Deno.remove(probe);
  } catch (err) {
    for (const dir of made) await Deno.remove(dir).catch(() => undefined);
    throw rootError(dataRoot, err);
  }
  return made;
}

/**
 * Makes `dir` and its missing parents, adding to `made` (deepest first) each folder this call
 * created. A parent is made only when making its child found it missing (as a recursive
 * mkdir does); not judged by a look beforehand, which a path through a missing folder and
 * `..` fools (`new/../kept` does not resolve until `new` exists, so the user's `kept` looked
 * missing), and which would claim a folder another process makes meanwhile.
 */
async function makeFolders(dir: string, made: string[]): Promise<void> {
  try {
    await Deno.mkdir(dir);
    made.unshift(dir);
    return;
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return;
    const cut = Math.max(dir.lastIndexOf("/"), dir.lastIndexOf("\\"));
    if (!(err instanceof Deno.errors.NotFound) || cut <= 0) throw err;
    try {
      await makeFolders(dir.slice(0, cut), made);
    } catch (e) {
      // A parent outside what this process may write (--allow-write=<data-root>): made as
      // before, by a recursive mkdir, and not counted as ours.
      if (!(e instanceof Deno.errors.NotCapable)) throw e;
      await Deno.mkdir(dir, { recursive: true });
      return;
    }
  }
  try {
    await Deno.mkdir(dir);
    made.unshift(dir);
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
}

function rootError(dataRoot: string, err: unknown): StorageError {
  const why = err instanceof Deno.errors.PermissionDenied
    ? "not writable"
    : err instanceof Deno.errors.NotADirectory
    ? "not a directory"
    : err instanceof Error
    ? err.message
    : String(err);
  return new StorageError(`Cannot use data root "${dataRoot}": ${why}`, { cause: err });
}

/** Identity of a KV file: a recreated database gets a new inode/birth time. */
async function fileIdentity(path: string): Promise<string> {
  try {
    const info = await Deno.stat(path);
    return `file:${info.dev}:${info.ino}:${info.birthtime?.getTime() ?? ""}`;
  } catch {
    return `file:${path}`;
  }
}
