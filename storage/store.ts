/**
 * The storage contract: logical stores inside one state database, read and written
 * through a transaction that commits a run's effects together with its trace, all or
 * nothing, whatever the run's size.
 *
 * @module
 */
import type { ViewFlushStats } from "./views.ts";

/** How a logical store is rendered as a file view in the PGS on-disk formats. */
export type ViewFormat = "jsonl" | "json";

/**
 * A logical store: one declared PGS store file. `path` is relative to the data root,
 * "/"-separated, already validated (no "..", no absolute path), e.g.
 * `blockchain/identity/registry/actors.json`.
 */
export interface StoreRef {
  /** Data-root-relative path of the store's file view; also its identity in KV. */
  readonly path: string;
  /** "jsonl": the view is the store's ordered log; "json": the view is its key map. */
  readonly format: ViewFormat;
}

/** One state change made by a transaction, in the order it was made. */
export interface Mutation {
  /** Store path. */
  readonly store: string;
  /** What changed. */
  readonly kind: "set" | "delete" | "append";
  /** Key set/deleted, or the decimal sequence number appended. */
  readonly key: string;
}

/**
 * A run's view of state. Reads see committed state plus this transaction's own writes;
 * writes are buffered and become visible to others only at commit. Every store read or
 * written is checked at commit, so a concurrent writer forces a re-execution instead of a
 * lost update (optimistic concurrency, store granularity).
 */
export interface StateTxn {
  /** Value under `key` in the store's key map, or undefined. */
  get(store: StoreRef, key: string): Promise<unknown | undefined>;
  /** Buffers `key = value` in the store's key map. */
  set(store: StoreRef, key: string, value: unknown): void;
  /** Buffers removal of `key` from the store's key map. */
  delete(store: StoreRef, key: string): void;
  /** Every `[key, value]` of the store's key map, sorted by key. */
  entries(store: StoreRef): Promise<Array<[string, unknown]>>;
  /**
   * Keys of the store's key map that start with `prefix`, sorted, at most `limit` of them
   * (committed ones merged with this transaction's writes). Reads only the range, so an
   * index kept under a key prefix is consulted without loading the whole map.
   */
  keys(store: StoreRef, prefix: string, limit?: number): Promise<string[]>;
  /**
   * Appends one record to the store's ordered log. `make` receives the gap-free 1-based
   * sequence number the record gets and returns the record. Returns that number.
   */
  append(store: StoreRef, make: (sequence: number) => unknown): Promise<number>;
  /** The store's ordered log (committed records, then this transaction's). */
  log(store: StoreRef): Promise<unknown[]>;
  /**
   * Marks a consistent point (the end of a CC node). Kept for compatibility: every run now
   * commits all-or-nothing whatever its size, so no commit is split at such points.
   */
  boundary(): void;
  /**
   * Mutations buffered so far, in order (the runtime turns these into effect records).
   * @ignore
   */
  mutations(): readonly Mutation[];
}

/** What a transaction body hands back to be committed with its state changes. */
export interface TraceCommit {
  /** Trace id; the commit fails if a trace with this id already exists. */
  readonly traceId: string;
  /** The JSONL body lines, without trailing newlines. */
  readonly lines: readonly string[];
  /** Out-of-body metadata (timings, file names); never hashed. */
  readonly meta: Record<string, unknown>;
  /**
   * Seal the body when it commits: the store hands the chain heads of every sealed trace
   * of one commit to `sealer` in one call (one signature per commit, whatever its size)
   * and appends the line returned for each trace (`seq` = its line count).
   */
  readonly seal?: { readonly head: string; readonly sealer: TraceSealer };
  /**
   * The workspace (an absolute path) whose `traces/` folder is to get this trace's files:
   * the commit marks them pending there until {@link KvStore.traceFilesWritten}, so a
   * process dying in between leaves them for the next run in that workspace. Absent: no
   * files are wanted and nothing is marked.
   */
  readonly filesIn?: string;
}

/** Makes the seal lines of the traces of one commit, in order (see {@link TraceCommit.seal}). */
export type TraceSealer = (
  traces: readonly { readonly head: string; readonly seq: number }[],
) => Promise<string[]>;

/** Result of {@link Store.transact}. */
export interface TransactResult<T> {
  /** What the body returned on the attempt that committed. */
  readonly value: T;
  /** How many attempts the commit took (1 = no conflict). */
  readonly attempts: number;
  /** The seal line appended to the committed trace, when it asked for one. */
  readonly seal?: string;
}

/** Seals traces with a data root's key (the secret never leaves the store). */
export interface TraceSigner {
  /** 16 hex digits: the first 8 bytes of sha256(public key). */
  readonly keyId: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Ed25519 signature of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * An open state database, as a library user holds it (from `openStore`): read committed
 * traces, get the key that seals them, write the file views, close. Supports
 * `await using`, which closes it (flushing the views) at the end of the scope.
 */
export interface StateStore extends AsyncDisposable {
  /** Opened with `readOnly: true`: it reads traces and keys, and refuses runs and writes. */
  readonly readOnly: boolean;
  /** The committed trace body lines for `traceId`, or null when there is none. */
  readTrace(traceId: string): Promise<string[] | null>;
  /** Ids of committed traces, in key order. */
  listTraces(): Promise<string[]>;
  /**
   * The raw 32-byte Ed25519 public key that verifies this database's trace seals (pass it
   * to `examineTrace`), or null before the first sealed run made the key.
   */
  publicKey(): Promise<Uint8Array | null>;
  /**
   * Rewrites stale file views under the data root from the committed state. A view that
   * cannot be written (a link or a directory in its place, a read-only or full disk) is
   * left for the next flush; it never fails a committed run.
   */
  flushViews(): Promise<void>;
  /**
   * Flushes views and releases the database. `{ flushViews: false }` releases it without
   * touching the data root (after a refused run, which committed nothing).
   */
  close(options?: { readonly flushViews?: boolean }): Promise<void>;
}

/** One state database (a data root or a KV Connect URL) with its transaction contract. */
export interface Store extends StateStore {
  /**
   * Runs `body` against a fresh transaction, then atomically commits its buffered
   * mutations together with the trace it returns. On a conflicting concurrent commit or
   * "database is locked", re-runs `body` on a fresh transaction (bounded attempts with
   * random backoff). Nothing is written when `body` throws. With `discardState`, only the
   * trace is committed and the state mutations are dropped (a FAULTED run applies nothing).
   */
  transact<T>(
    body: (
      txn: StateTxn,
    ) => Promise<{ value: T; trace: TraceCommit | null; discardState?: boolean }>,
  ): Promise<TransactResult<T>>;
  /**
   * The signer of this database's traces; with `create` (the default) its key is made on
   * first use, else null when there is none yet.
   */
  signer(options?: { create?: boolean }): Promise<TraceSigner | null>;
}

/** Per-commit budget the packer respects. */
export interface CommitLimits {
  /** Checks per commit. */
  readonly maxChecks: number;
  /** Mutations per commit. */
  readonly maxMutations: number;
  /** Σ(check keys) + Σ(set: 2×key + value) + Σ(delete keys). */
  readonly maxCommitBytes: number;
  /** Σ of all keys. */
  readonly maxCommitKeyBytes: number;
}

/** How retries wait between attempts. */
export interface BackoffOptions {
  /** First delay bound in ms; doubles per attempt. @default 1 */
  readonly baseMs: number;
  /** Largest delay bound in ms. @default 100 */
  readonly capMs: number;
}

/** A run body: reads and buffers writes on `txn`, returns its value and trace. */
export type TxnBody<T> = (
  txn: StateTxn,
) => Promise<{ value: T; trace: TraceCommit | null; discardState?: boolean }>;

/** Result of one body of {@link KvStore.transactBatch}. */
export type BatchOutcome<T> =
  | {
    readonly ok: true;
    readonly value: T;
    readonly attempts: number;
    /** The seal line appended to the committed trace, when it asked for one. */
    readonly seal?: string;
  }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number };

/** Committed trace metadata. */
export interface TraceInfo {
  /** Number of body lines. */
  readonly lines: number;
  /** Commits the run took when it exceeded KV's per-commit limits (absent when 1). */
  readonly chunked?: number;
  /** The meta the body returned with its trace. */
  readonly meta: Record<string, unknown>;
}

/** Counters since the store was opened (for benchmarks and tests). */
export interface StoreStats {
  /** Atomic commits that succeeded. */
  commits: number;
  /** Commit attempts refused by a check (a concurrent writer) → bodies re-run. */
  conflicts: number;
  /** "database is locked" errors retried (commits and reads). */
  lockedRetries: number;
  /** Groups too large for one commit, committed through a stage (still atomic). */
  chunkedRuns: number;
  /**
   * Groups whose store checks did not fit one commit, committed with one check on the
   * commit epoch after validating their reads (KV Connect; see `_epoch.ts`).
   */
  epochCommits: number;
  /** Body executions, re-runs included. */
  bodyRuns: number;
  /** Stores listed whole into the read cache once their key reads had paid for it. */
  cacheLoads: number;
}

/** The Store contract plus group commit, trace listing and counters. */
export interface KvStore extends Store {
  /**
   * Runs several bodies in order and commits them together (as few atomic commits as KV
   * limits allow, splitting only between bodies). Each body sees the effects of the bodies
   * before it. A body that throws, or whose trace id exists, gets `ok: false` and writes
   * nothing; the others are unaffected. On a conflict the bodies of the failed commit are
   * re-run.
   */
  transactBatch<T>(bodies: ReadonlyArray<TxnBody<T>>): Promise<Array<BatchOutcome<T>>>;
  /**
   * Ids of committed traces whose files are not known to be written (a process died
   * between its commit and writing them), in key order. With `workspace` (an absolute
   * path): only those whose files belong there (and those committed before markers named
   * their workspace).
   */
  pendingTraceFiles(workspace?: string): Promise<string[]>;
  /** Records that the files of these traces are written. */
  traceFilesWritten(traceIds: readonly string[]): Promise<void>;
  /** Committed trace metadata, or null. */
  readTraceMeta(traceId: string): Promise<TraceInfo | null>;
  /**
   * Like {@link Store.flushViews}, returning what was done; a view that could not be
   * written is a line in `warnings` (retried by the next flush), never an exception.
   */
  flushViewsWithStats(): Promise<ViewFlushStats>;
  /** Counters since open. */
  stats(): StoreStats;
  /** A derived blob kept in the database (see blob_cache.ts), or null. */
  readCache(name: string): Promise<Uint8Array | null>;
  /** Keeps a derived blob; false when it was not kept (too large, refused). */
  writeCache(name: string, bytes: Uint8Array): Promise<boolean>;
  /**
   * Finishes the staged commits of processes that died after publishing them and removes
   * stale unpublished stages (openKvStore does it once); returns how many it handled.
   */
  recoverStages(): Promise<number>;
}
