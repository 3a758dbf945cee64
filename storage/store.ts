/**
 * The storage contract: logical stores inside one state database, read and written
 * through a transaction that commits a run's effects together with its trace, all or
 * nothing, whatever the run's size.
 *
 * @module
 */

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
