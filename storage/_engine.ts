/**
 * The Store implementation over an open Deno KV handle: optimistic transactions with
 * bounded retry, group commit, trace reads and view flushing. `openKvStore` and
 * `openMemoryStore` only differ in how they open the handle and where views go.
 *
 * @module
 */
import { ErrorCode, StorageError, UsageError } from "../errors.ts";
import { concat, fromUtf8 } from "./_codec.ts";
import {
  type Check,
  type Commit,
  type CommitLimits,
  type EncodedTrace,
  encodeTrace,
  markedWorkspace,
  singleCommit,
} from "./_commit.ts";
import { commitStaged, recoverStages } from "./_stage.ts";
import { epochPlan, validateEpoch } from "./_epoch.ts";
import { buildPlan, GroupBudget } from "./_plan.ts";
import { listTraceMetas, type ReadEnv, readStoredTraceMeta, readTraceChunks } from "./_reads.ts";
import { backoff, type BackoffOptions, isLockedError, retryLocked } from "./_retry.ts";
import { BodyTxn, TxnGroup } from "./_txn.ts";
import { DEFAULT_CACHE_BYTES, ReadCache } from "./_cache.ts";
import { traceFilesPendingKey, traceFilesPendingPrefix, traceMetaKey } from "./keys.ts";
import type { FileViews, ViewFlushStats } from "./views.ts";
import type {
  BatchOutcome,
  KvStore,
  StoreStats,
  TraceCommit,
  TraceInfo,
  TraceSealer,
  TraceSigner,
  TransactResult,
  TxnBody,
} from "./store.ts";
import { loadSigner } from "./signing_key.ts";
import { readBlob, writeBlob } from "./blob_cache.ts";

/** How an engine is configured. */
export interface EngineOptions {
  /** Open KV handle (closed by close()). */
  readonly kv: Deno.Kv;
  /** Data root for imports, or null. */
  readonly dataRoot: string | null;
  /** View writer, or null (no data root). */
  readonly views: FileViews | null;
  /** Per-commit limits. */
  readonly limits: CommitLimits;
  /**
   * Keep the commit epoch (see `_epoch.ts`): store-writing commits rewrite it, and a group
   * with more store checks than `limits` allow is validated against it. Every process on
   * one database must agree. @default false
   */
  readonly epoch?: boolean;
  /** Bodies re-run at most this many times per commit; also the lock-retry bound. */
  readonly maxAttempts: number;
  /** Backoff between attempts. */
  readonly backoff: BackoffOptions;
  /**
   * Read-cache budget in bytes (see `_cache.ts`); 0 turns the cache off.
   * @default DEFAULT_CACHE_BYTES (32 MiB)
   */
  readonly cacheBytes?: number;
  /**
   * No other handle can write the database (`:memory:`): groups take store versions from
   * the read cache without reading them. @default false
   */
  readonly exclusive?: boolean;
  /** Opened only to read: commits are refused, nothing is recovered, made or cached. */
  readonly readOnly?: boolean;
}

/** Creates the Store over an open KV handle. */
export function createEngine(options: EngineOptions): KvStore {
  return new KvEngine(options);
}

const caches = new WeakMap<KvStore, ReadCache>();

/** The read cache of a store made by {@link createEngine}, or null (tests inspect it). */
export function readCacheOf(store: KvStore): ReadCache | null {
  return caches.get(store) ?? null;
}

interface Member<T> {
  idx: number;
  value: T;
  trace: EncodedTrace | null;
  /** The body's trace as it returned it (sealed traces are encoded again with the seal). */
  source: TraceCommit | null;
  /** The seal line added at commit. */
  seal?: string;
}

interface RunState<T> {
  bodies: ReadonlyArray<TxnBody<T>>;
  single: boolean;
  results: Array<BatchOutcome<T> | undefined>;
  runs: number[];
}

class KvEngine implements KvStore {
  readonly #o: EngineOptions;
  readonly #stats: StoreStats = {
    commits: 0,
    conflicts: 0,
    lockedRetries: 0,
    chunkedRuns: 0,
    epochCommits: 0,
    bodyRuns: 0,
    cacheLoads: 0,
  };
  readonly #env: ReadEnv & { dataRoot: string | null; epoch: boolean };
  readonly #cache: ReadCache | null;
  #closed = false;

  constructor(options: EngineOptions) {
    this.#o = options;
    const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.#cache = cacheBytes > 0
      ? new ReadCache({ maxBytes: cacheBytes, exclusive: options.exclusive === true })
      : null;
    if (this.#cache !== null) caches.set(this, this.#cache);
    this.#env = {
      kv: options.kv,
      dataRoot: options.dataRoot,
      epoch: options.epoch === true,
      read: (what, fn) => retryLocked(what, fn, options.maxAttempts, options.backoff, this.#stats),
    };
  }

  async transact<T>(body: TxnBody<T>): Promise<TransactResult<T>> {
    const [outcome] = await this.#run([body], true);
    if (!outcome.ok) throw outcome.error;
    return outcome.seal === undefined
      ? { value: outcome.value, attempts: outcome.attempts }
      : { value: outcome.value, attempts: outcome.attempts, seal: outcome.seal };
  }

  transactBatch<T>(bodies: ReadonlyArray<TxnBody<T>>): Promise<Array<BatchOutcome<T>>> {
    return this.#run(bodies, false);
  }

  async #run<T>(bodies: ReadonlyArray<TxnBody<T>>, single: boolean): Promise<BatchOutcome<T>[]> {
    this.#open();
    this.#writable("commit");
    const state: RunState<T> = {
      bodies,
      single,
      results: new Array(bodies.length),
      runs: new Array<number>(bodies.length).fill(0),
    };
    let i = 0;
    while (i < bodies.length) {
      for (let attempt = 1;; attempt++) {
        const group = new TxnGroup(this.#env, this.#cache);
        const { members, next } = await this.#fill(group, state, i);
        const fail = (error: unknown) => {
          for (const m of members) {
            state.results[m.idx] ??= { ok: false, error, attempts: state.runs[m.idx] };
          }
        };
        let status: "ok" | "conflict" | "locked" = "ok";
        if (members.length > 0) {
          try {
            await sealMembers(members);
            status = await this.#commit(group, members.flatMap((m) => (m.trace ? [m.trace] : [])));
          } catch (err) {
            // Whether it committed is unknown (a lost connection): trust nothing it used.
            this.#forget(group);
            if (single) throw err;
            fail(err);
          }
        }
        if (status === "ok") {
          for (const m of members) {
            state.results[m.idx] ??= m.seal === undefined
              ? { ok: true, value: m.value, attempts: state.runs[m.idx] }
              : { ok: true, value: m.value, attempts: state.runs[m.idx], seal: m.seal };
          }
          i = next;
          break;
        }
        if (status === "conflict") this.#stats.conflicts++;
        for (const m of await this.#duplicates(members)) {
          const error = duplicateTrace(m.trace!.id);
          if (single) throw error;
          state.results[m.idx] = { ok: false, error, attempts: state.runs[m.idx] };
        }
        if (attempt >= this.#o.maxAttempts) {
          const error = new StorageError(
            `Cannot commit transaction: still conflicting after ${attempt} attempts`,
          );
          if (single) throw error;
          fail(error);
          i = next;
          break;
        }
        await backoff(attempt, this.#o.backoff);
      }
    }
    return state.results as BatchOutcome<T>[];
  }

  /**
   * Runs bodies from index `from` into `group` until the next one would not fit one
   * commit. A body that throws gets its failure recorded (or, for transact, rethrown).
   */
  async #fill<T>(
    group: TxnGroup,
    state: RunState<T>,
    from: number,
  ): Promise<{ members: Array<Member<T>>; next: number }> {
    const { bodies, single, results, runs } = state;
    const limits = this.#o.limits;
    const budget = new GroupBudget(this.#env.epoch);
    const members: Array<Member<T>> = [];
    const ids = new Set<string>();
    // Stores the admitted members touched; anything else a left-out body opened is dropped.
    const kept = new Set<string>();
    const leaveOut = (txn: BodyTxn) => group.forget([...txn.touched].filter((p) => !kept.has(p)));
    let j = from;
    for (; j < bodies.length; j++) {
      if (results[j]) continue;
      // A body with a trace needs at least one more check: commit what we have first
      // rather than run it only to find it does not fit.
      if (members.length > 0 && budget.tally.checks >= limits.maxChecks - 1) break;
      let txn = new BodyTxn(group);
      runs[j]++;
      this.#stats.bodyRuns++;
      let value: T;
      let trace: EncodedTrace | null;
      let source: TraceCommit | null;
      try {
        const out = await bodies[j](txn);
        source = out.trace;
        // A discarded body (a FAULTED run) commits its trace and none of its state.
        if (out.discardState) {
          if (!single) leaveOut(txn);
          txn = new BodyTxn(group);
        }
        await txn.finish();
        trace = out.trace === null ? null : encodeTrace(out.trace);
        if (trace && ids.has(trace.id)) throw duplicateTrace(trace.id);
        value = out.value;
      } catch (err) {
        if (single) throw err;
        results[j] = { ok: false, error: err, attempts: runs[j] };
        leaveOut(txn);
        continue;
      }
      if (!single) {
        const cost = await budget.costOf(group, txn, trace);
        if (members.length > 0 && !budget.tally.fits(limits, cost)) {
          runs[j]--; // not a conflict: it simply starts the next group
          leaveOut(txn);
          break;
        }
        budget.admit(cost, txn);
      }
      group.absorb(txn);
      for (const p of txn.touched) kept.add(p);
      if (trace) ids.add(trace.id);
      members.push({ idx: j, value, trace, source });
      if (!single && !budget.tally.fits(limits)) return { members, next: j + 1 };
    }
    return { members, next: j };
  }

  /**
   * Commits a group: one atomic commit when it fits, else staged and published by one
   * small commit (`_stage.ts`). "conflict"/"locked" when refused (nothing is visible then).
   */
  async #commit(
    group: TxnGroup,
    traces: EncodedTrace[],
  ): Promise<"ok" | "conflict" | "locked"> {
    if (this.#o.views) {
      // Refused before anything commits: a view is never written through a link.
      for (const path of group.layers.keys()) {
        const link = await this.#o.views.linkInTheWay(path);
        if (link !== null) {
          throw new UsageError(`Cannot write the view of store "${path}": ${link}`);
        }
      }
    }
    const limits = this.#o.limits;
    const epoch = this.#env.epoch;
    let plan = await buildPlan(group, traces, epoch);
    let commit = singleCommit(plan, limits);
    // Store checks that fit neither one commit nor a publish commit (one more check) are
    // replaced by one on the commit epoch, after validating the group's reads.
    let validate: (() => Promise<Check[] | null>) | undefined;
    if (commit === null && epoch && plan.checks.length + 1 > limits.maxChecks) {
      const stores = plan;
      validate = () => validateEpoch(this.#env, stores);
      plan = epochPlan(plan);
      commit = singleCommit(plan, limits);
    }
    const viaEpoch = validate ? 1 : 0;
    if (commit === null) {
      // The cache learns nothing from a staged commit: its writes land after its commit point.
      this.#forget(group);
      const staged = await commitStaged(this.#env, plan, limits, validate);
      this.#stats.commits += staged.commits;
      if (staged.status === "locked") this.#stats.lockedRetries++;
      if (staged.status === "ok") {
        this.#stats.chunkedRuns++;
        this.#stats.epochCommits += viaEpoch;
      }
      return staged.status;
    }
    if (validate) {
      let checks: Check[] | null;
      try {
        checks = await validate();
      } catch (err) {
        if (!isLockedError(err)) throw commitError(err);
        this.#stats.lockedRetries++;
        return "locked";
      }
      if (checks === null) {
        this.#cache?.rejected(group.stores());
        return "conflict";
      }
      commit = { checks, ops: commit.ops };
    }
    if (commit.checks.length === 0 && commit.ops.length === 0) {
      return "ok"; // touched nothing: no commit needed
    }
    let result: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      result = await this.#atomic(commit);
    } catch (err) {
      if (!isLockedError(err)) throw commitError(err);
      this.#stats.lockedRetries++;
      return "locked";
    }
    if (!result.ok) {
      this.#cache?.rejected(group.stores());
      return "conflict";
    }
    // Checked at every store's stamp (or at the epoch after validating them): the group's
    // reads were current at its commit, and the stores it wrote are at this commit's stamp.
    this.#cache?.committed(group.stores(), group.layers, plan.metas, result.versionstamp);
    this.#stats.commits++;
    this.#stats.epochCommits += viaEpoch;
    return "ok";
  }

  /** Drops the cache entries of every store `group` opened. */
  #forget(group: TxnGroup): void {
    if (this.#cache === null) return;
    for (const path of group.bases.keys()) this.#cache.drop(path);
  }

  #atomic(commit: Commit): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    const op = this.#o.kv.atomic();
    for (const c of commit.checks) op.check(c);
    for (const m of commit.ops) {
      if (m.value === null) op.delete(m.key);
      else op.set(m.key, m.value);
    }
    return op.commit();
  }

  async #duplicates<M extends { trace: EncodedTrace | null }>(members: M[]): Promise<M[]> {
    const out: M[] = [];
    for (const m of members) {
      if (!m.trace) continue;
      const entry = await this.#env.read(
        "read trace",
        () => this.#o.kv.get(traceMetaKey(m.trace!.id)),
      );
      if (entry.versionstamp !== null) out.push(m);
    }
    return out;
  }

  async pendingTraceFiles(workspace?: string): Promise<string[]> {
    this.#open();
    const ids: string[] = [];
    await this.#env.read("list pending trace files", async () => {
      ids.length = 0;
      for await (const e of this.#o.kv.list({ prefix: traceFilesPendingPrefix() })) {
        const id = e.key[e.key.length - 1];
        if (typeof id !== "string") continue;
        const marked = workspace === undefined ? null : markedWorkspace(e.value);
        if (marked === null || marked === workspace) ids.push(id);
      }
    });
    return ids;
  }

  async traceFilesWritten(traceIds: readonly string[]): Promise<void> {
    this.#open();
    this.#writable("mark trace files written");
    for (let i = 0; i < traceIds.length; i += 500) {
      const slice = traceIds.slice(i, i + 500);
      await this.#env.read("mark trace files written", async () => {
        const op = this.#o.kv.atomic();
        for (const id of slice) op.delete(traceFilesPendingKey(id));
        await op.commit();
      });
    }
  }

  #signer: Promise<TraceSigner | null> | null = null;

  signer(options: { create?: boolean } = {}): Promise<TraceSigner | null> {
    this.#open();
    // A read-only handle never makes the key: it can only find one.
    const create = (options.create ?? true) && !this.readOnly;
    if (this.#signer) {
      return this.#signer.then((s) => s ?? (create ? this.#loadSigner(true) : null));
    }
    return this.#loadSigner(create);
  }

  #loadSigner(create: boolean): Promise<TraceSigner | null> {
    const p = loadSigner(this.#env, create);
    this.#signer = p.catch(() => null);
    return p;
  }

  async readTrace(traceId: string): Promise<string[] | null> {
    this.#open();
    checkTraceId(traceId);
    const meta = await readStoredTraceMeta(this.#env, traceId);
    if (meta === null || meta.state !== "complete") return null;
    if (meta.lines === 0) return [];
    const chunks = await readTraceChunks(this.#env, traceId);
    const lines = fromUtf8(concat(chunks)).split("\n");
    if (chunks.length !== meta.chunks || lines.length !== meta.lines) {
      throw new StorageError(
        `Cannot read trace "${traceId}": expected ${meta.lines} lines in ${meta.chunks} chunks, found ${lines.length} in ${chunks.length}`,
      );
    }
    return lines;
  }

  async readTraceMeta(traceId: string): Promise<TraceInfo | null> {
    this.#open();
    checkTraceId(traceId);
    const meta = await readStoredTraceMeta(this.#env, traceId);
    if (meta === null || meta.state !== "complete") return null;
    return {
      lines: meta.lines,
      ...(meta.chunked === undefined ? {} : { chunked: meta.chunked }),
      meta: meta.meta,
    };
  }

  async listTraces(): Promise<string[]> {
    this.#open();
    const all = await listTraceMetas(this.#env);
    return all.filter((t) => t.meta.state === "complete").map((t) => t.id);
  }

  async flushViews(): Promise<void> {
    await this.flushViewsWithStats();
  }

  flushViewsWithStats(): Promise<ViewFlushStats> {
    this.#open();
    if (!this.#o.views) {
      return Promise.resolve({ rewritten: 0, appended: 0, skipped: 0, warnings: [] });
    }
    return this.#o.views.flush(this.#env);
  }

  readCache(name: string): Promise<Uint8Array | null> {
    this.#open();
    return readBlob(this.#env, name);
  }

  writeCache(name: string, bytes: Uint8Array): Promise<boolean> {
    this.#open();
    if (this.readOnly) return Promise.resolve(false); // a lost shortcut, never an error
    return writeBlob(this.#env, name, bytes);
  }

  stats(): StoreStats {
    return { ...this.#stats, cacheLoads: this.#cache?.counters.loads ?? 0 };
  }

  recoverStages(): Promise<number> {
    this.#open();
    this.#writable("recover staged commits");
    return recoverStages(this.#env);
  }

  async publicKey(): Promise<Uint8Array | null> {
    return (await this.signer({ create: false }))?.publicKey ?? null;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async close(options?: { readonly flushViews?: boolean }): Promise<void> {
    if (this.#closed) return;
    try {
      if (options?.flushViews !== false) await this.flushViews();
    } finally {
      this.#closed = true;
      this.#cache?.clear();
      this.#o.kv.close();
    }
  }

  #open(): void {
    if (this.#closed) throw new StorageError("Cannot use store: it is closed");
  }

  get readOnly(): boolean {
    return this.#o.readOnly === true;
  }

  #writable(what: string): void {
    if (this.readOnly) {
      throw new StorageError(`Cannot ${what}: the store was opened with readOnly: true`);
    }
  }
}

function duplicateTrace(id: string): UsageError {
  return new UsageError(
    `Cannot commit trace "${id}": a trace with this id already exists`,
    ErrorCode.TRACE_ID,
  );
}

function commitError(err: unknown): StorageError {
  return new StorageError(
    `Cannot commit transaction: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

function checkTraceId(traceId: string): void {
  if (typeof traceId !== "string" || traceId === "") {
    throw new StorageError(`Cannot read trace: "traceId" must be a non-empty string`);
  }
}

/**
 * Seals the traces of one commit that asked for it: one call per sealer with every head, in
 * commit order (one signature per commit), then each trace is encoded again with its seal
 * line. Their cost was counted with room for it (`SEAL_RESERVE_BYTES`).
 */
async function sealMembers(members: Array<Member<unknown>>): Promise<void> {
  const bySealer = new Map<TraceSealer, Array<Member<unknown>>>();
  for (const m of members) {
    const sealer = m.source?.seal?.sealer;
    if (!sealer || !m.trace) continue;
    const list = bySealer.get(sealer);
    if (list) list.push(m);
    else bySealer.set(sealer, [m]);
  }
  for (const [sealer, list] of bySealer) {
    const lines = await sealer(
      list.map((m) => ({ head: m.source!.seal!.head, seq: m.source!.lines.length })),
    );
    list.forEach((m, k) => {
      m.seal = lines[k];
      const { traceId, meta, filesIn } = m.source!;
      m.trace = encodeTrace({
        traceId,
        lines: [...m.source!.lines, lines[k]],
        meta,
        ...(filesIn === undefined ? {} : { filesIn }),
      });
    });
  }
}
