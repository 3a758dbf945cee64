/**
 * The one orchestration of a run, shared by the library (`runWorkflow`, `runBatch`) and the
 * command line: check every option, open the state store, compile the workflow (kept
 * results reused, see snapshot/compile_cache.ts), write the trace files of runs an
 * interrupted process committed, claim the trace folder, run and commit, write the trace
 * files, flush the views.
 *
 * Before the commit every problem is a refusal (a thrown PgsError) and changes nothing.
 * After it, the result stands: a file that cannot be written is a warning (`warnings`,
 * `onWarning`) saying which files are pending and how they get written, never an error.
 *
 * Light to import: the engine (XState, the capabilities), the snapshot loader and the PNG
 * renderer are loaded when a run needs them.
 *
 * @module
 */
import { abortedRun, ErrorCode, quoted, StorageError, UsageError } from "../errors.ts";
import { DEFAULT_BUDGET } from "../semantics.ts";
import { compileCached } from "../snapshot/compile_cache.ts";
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import { parseFqdn } from "../snapshot/resolve.ts";
import { openKvStore } from "../storage/kv_store.ts";
import type { KvStore, StateStore, TraceSigner } from "../storage/mod.ts";
import {
  checkTraceIdUnused,
  checkTracesWritable,
  claimTraceFolder,
  claimTraceFolders,
  releaseTraceFolder,
  type TraceFiles,
  writeMissingTraceFiles,
  writeTraceFiles,
  writeTracePng,
} from "../trace/files.ts";
import { startPngRender } from "../trace/png.ts";
import type { TraceRecord } from "../trace/record.ts";
import { keyIdOf, verifyingSigner } from "../trace/seal.ts";
import meta from "../deno.json" with { type: "json" };
import type { JsonObject } from "./capability.ts";
import type { CapabilityRegistry, CustomCapabilities } from "./capability_registry.ts";
import { createCapabilityRegistry } from "./capability_registry.ts";
import type { BatchItem } from "./execute_batch.ts";
import type { RunResult } from "./execute_workflow.ts";
import { nonJsonReason } from "./inputs.ts";
import { validateKvUrl } from "../storage/kv_url.ts";
import { unsafeMonotonicMs, validateClock, validateSeed, validateTraceId } from "./run_context.ts";

/** What names the options carry in messages (the CLI says `--trace-id`, the library `traceId`). */
export interface OptionLabels {
  /**
   * How the `workflow` option is named in messages.
   * @default "workflow"
   */
  readonly workflow?: string;
  /**
   * How the `traceId` option is named in messages.
   * @default "traceId"
   */
  readonly traceId?: string;
  /**
   * How the `seed` option is named in messages.
   * @default "seed"
   */
  readonly seed?: string;
  /**
   * How the `startedAt` option is named in messages.
   * @default "startedAt"
   */
  readonly startedAt?: string;
  /**
   * How the `budget` option is named in messages.
   * @default "budget"
   */
  readonly budget?: string;
  /**
   * How the `secretSeed` option is named in messages (the CLI reads it from the environment).
   * @default "secretSeed"
   */
  readonly secretSeed?: string;
}

/** The state store a run uses: give exactly one. */
export interface StoreChoice {
  /**
   * State directory: `<dataRoot>/.pgs/state.kv` plus the PGS file views; created when
   * missing.
   */
  readonly dataRoot?: string;
  /**
   * KV Connect URL (Deno Deploy KV, a self-hosted denokv), or `":memory:"` for a fresh
   * in-memory database. With `dataRoot` too, the views are written there. Deno reads the
   * access token from `DENO_KV_ACCESS_TOKEN`.
   */
  readonly kvUrl?: string;
  /** An open store (from `openStore`); it is left open. */
  readonly store?: StateStore;
}

/** Options shared by {@link runWorkflow} and {@link runBatch}. */
export interface RunCommonOptions extends StoreChoice {
  /** Workspace holding `protocol_snapshot/`; trace files go to `<workspace>/traces/<ID>/`. */
  readonly workspace: string;
  /** `<domain>::<WF_CODE>`. */
  readonly workflow: string;
  /** The application's CT atoms and CS kinds by FQDN, added to or replacing the built-ins. */
  readonly capabilities?: CustomCapabilities;
  /**
   * Hex seed of the run's CSPRNG (recorded in the trace).
   * @default OS entropy
   */
  readonly seed?: string;
  /**
   * Run clock, RFC 3339 with a time zone (recorded in the trace).
   * @default now
   */
  readonly startedAt?: string;
  /**
   * Step budget: node visits + pipeline steps, child runs included.
   * @default 100000
   */
  readonly budget?: number;
  /**
   * Hex secret seed for generated key material; never recorded. Fix it only for
   * reproducible tests (whoever knows it can rebuild the keys).
   * @default OS entropy
   */
  readonly secretSeed?: string;
  /**
   * Write `<workspace>/traces/<ID>/<ID>.{jsonl,md,png}` (the trace is committed to the
   * store either way).
   * @default true
   */
  readonly traceFiles?: boolean;
  /**
   * Render the `.png` (a rendering failure is only a warning). In a batch: after the runs.
   * @default true
   */
  readonly png?: boolean;
  /**
   * Seal traces with this signer; null: unsealed. By default the store's key (created on
   * first use).
   */
  readonly signer?: TraceSigner | null;
  /**
   * Before running, write the trace files of runs an interrupted process committed.
   * @default true
   */
  readonly healPendingFiles?: boolean;
  /** Receives each warning line as it happens (they are also returned). */
  readonly onWarning?: (warning: string) => void;
  /**
   * How options are named in messages (the CLI names its flags).
   * @ignore
   */
  readonly labels?: OptionLabels;
  /**
   * The examine and replay commands the `.md` of a trace suggests, given the trace file's
   * path (the CLI gives the command lines that work for how it was started).
   * @ignore
   */
  readonly traceCommands?: (tracePath: string) => { examine: string; replay: string };
  /**
   * Stops the run when it aborts (a deadline: `AbortSignal.timeout(ms)`, or a capability that
   * never settles): the call rejects with a `PgsError` of code ABORTED and nothing of the
   * run is committed. In a batch, runs committed before the abort stay; each run not yet
   * committed fails its own item with that error.
   */
  readonly signal?: AbortSignal;
}

/** Options of {@link runWorkflow}. */
export interface RunWorkflowOptions extends RunCommonOptions {
  /** The run payload: a JSON object (checked at run time too). */
  readonly payload: JsonObject;
  /**
   * Trace id, `[A-Za-z0-9_-]{1,128}`.
   * @default time + 64 random bits
   */
  readonly traceId?: string;
}

/** What {@link runWorkflow} returns. */
export interface RunWorkflowResult extends RunResult {
  /** The workflow that ran. */
  readonly workflow: string;
  /** Snapshot digest recorded in the trace header. */
  readonly snapshotDigest: string;
  /** Trace file paths (null with `traceFiles: false`). */
  readonly files: TraceFiles | null;
  /** Every warning: files pending, views pending or restored, rendering problems. */
  readonly warnings: readonly string[];
}

/** One string option: absent, or a non-empty string. */
function optString(o: Record<string, unknown>, name: string): string | undefined {
  const v = o[name];
  if (v !== undefined && (typeof v !== "string" || v === "")) {
    throw new UsageError(`Invalid options: "${name}" must be a non-empty string when given`);
  }
  return v as string | undefined;
}

/** Checks the options every run takes; throws a UsageError naming the option. */
function checkCommon(options: RunCommonOptions, own: readonly string[]): void {
  if (options === null || typeof options !== "object") {
    throw new UsageError("Invalid options: expected an object");
  }
  const o = options as unknown as Record<string, unknown>;
  // A misspelt option would otherwise be a default silently taken (`traceFile: false`
  // writing files, `dataroot` refused as missing for the wrong reason).
  for (const k of Object.keys(o)) {
    if (!COMMON_OPTIONS.includes(k) && !own.includes(k)) {
      throw new UsageError(
        `Invalid options: unknown option ${quoted(k)} (expected ${
          [...COMMON_OPTIONS, ...own].join(", ")
        })`,
      );
    }
  }
  const labels = options.labels ?? {};
  for (const field of ["workspace", "workflow"]) {
    if (typeof o[field] !== "string" || o[field] === "") {
      throw new UsageError(`Invalid options: "${field}" must be a non-empty string`);
    }
  }
  parseFqdn(options.workflow, labels.workflow ?? "workflow");
  for (const f of ["dataRoot", "kvUrl", "seed", "startedAt", "secretSeed"]) optString(o, f);
  // Deno KV would take a mistyped URL for a file path and create a database there.
  if (options.kvUrl !== undefined) validateKvUrl(options.kvUrl, "kvUrl", true);
  for (const f of ["traceFiles", "png", "healPendingFiles"]) {
    if (o[f] !== undefined && typeof o[f] !== "boolean") {
      throw new UsageError(`Invalid options: "${f}" must be true or false when given`);
    }
  }
  for (const f of ["onWarning", "traceCommands"]) {
    if (o[f] !== undefined && typeof o[f] !== "function") {
      throw new UsageError(`Invalid options: "${f}" must be a function when given`);
    }
  }
  if (o.labels !== undefined && (o.labels === null || typeof o.labels !== "object")) {
    throw new UsageError(`Invalid options: "labels" must be an object when given`);
  }
  checkSigner(o.signer);
  const targets = [options.dataRoot, options.kvUrl].filter((x) => x !== undefined).length;
  if (options.store !== undefined) {
    if (targets > 0) {
      throw new UsageError(`Invalid options: "store" excludes "dataRoot" and "kvUrl"`);
    }
    const store = options.store as unknown as Record<string, unknown> | null;
    if (
      store === null || typeof store !== "object" ||
      STORE_METHODS.some((m) => typeof store[m] !== "function")
    ) {
      throw new UsageError(`Invalid options: "store" must be an open store (from openStore)`);
    }
    if (store.readOnly === true) {
      throw new UsageError(
        `Invalid options: "store" was opened with readOnly: true; a run commits its effects ` +
          `and trace (open it without readOnly)`,
      );
    }
  } else if (targets === 0) {
    throw new UsageError(`Invalid options: one of "dataRoot", "kvUrl" or "store" is required`);
  }
  if (options.seed !== undefined) validateSeed(options.seed, labels.seed);
  if (options.startedAt !== undefined) validateClock(options.startedAt, labels.startedAt);
  if (options.secretSeed !== undefined) {
    validateSeed(options.secretSeed, labels.secretSeed ?? "secretSeed");
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new UsageError(`Invalid options: "signal" must be an AbortSignal when given`);
  }
  // Aborted already: refused before anything is compiled, opened or created.
  if (options.signal?.aborted) throw abortedRun(options.signal);
  const budget = options.budget;
  if (budget !== undefined && (!Number.isSafeInteger(budget) || budget < 1)) {
    throw new UsageError(
      `Invalid ${labels.budget ?? "budget"} ${quoted(budget)}: expected a positive integer`,
    );
  }
}

/** The options both {@link runWorkflow} and {@link runBatch} take. */
const COMMON_OPTIONS: readonly string[] = [
  "workspace",
  "workflow",
  "dataRoot",
  "kvUrl",
  "store",
  "capabilities",
  "seed",
  "startedAt",
  "budget",
  "secretSeed",
  "traceFiles",
  "png",
  "signer",
  "healPendingFiles",
  "onWarning",
  "labels",
  "traceCommands",
  "signal",
];

/** The options only {@link runBatch} takes. */
const BATCH_OPTIONS: readonly string[] = [
  "payloads",
  "traceIdPrefix",
  "onItem",
  "onProgress",
  "onPngProgress",
  "keepItems",
];

/** What the orchestration calls on a given store: a store of this runtime has them all. */
const STORE_METHODS = [
  "transact",
  "transactBatch",
  "readTrace",
  "signer",
  "pendingTraceFiles",
  "traceFilesWritten",
  "readCache",
  "writeCache",
  "flushViewsWithStats",
  "close",
];

/** What a single run and a batch hand the engine alike. */
async function engineOptions(options: RunCommonOptions, p: Prepared, files: boolean) {
  return {
    store: p.store,
    capabilities: p.registry.capabilities,
    seed: options.seed,
    startedAt: options.startedAt,
    secretSeed: options.secretSeed,
    budget: options.budget,
    ...(options.signer !== undefined ? { signer: callerSigner(options.signer) } : {}),
    // Where the trace files go, so a crash's missing files are written there and only there.
    ...(files ? { traceFilesIn: await Deno.realPath(options.workspace) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** A caller's signer, its signatures checked before they are committed. */
function callerSigner(signer: TraceSigner | null): TraceSigner | null {
  return signer === null ? null : verifyingSigner(signer);
}

/** `signer`: absent, null (unsealed), or { keyId, publicKey, sign }. */
function checkSigner(signer: unknown): void {
  if (signer === undefined || signer === null) return;
  const s = signer as Partial<TraceSigner>;
  if (
    typeof signer !== "object" || typeof s.keyId !== "string" || !/^[0-9a-f]{16}$/.test(s.keyId) ||
    !(s.publicKey instanceof Uint8Array) || s.publicKey.length !== 32 ||
    typeof s.sign !== "function"
  ) {
    throw new UsageError(
      `Invalid options: "signer" must be null or { keyId: 16 hex digits, publicKey: 32-byte ` +
        `Uint8Array, sign(message): Promise<Uint8Array> } (a store's signer())`,
    );
  }
  if (s.keyId !== keyIdOf(s.publicKey!)) {
    throw new UsageError(
      `Invalid options: "signer" key id ${s.keyId} is not the id of its public key ` +
        `(${keyIdOf(s.publicKey!)})`,
    );
  }
}

/** Checks one payload: a plain JSON object. */
export function checkPayload(payload: unknown, what = "payload"): Record<string, unknown> {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new UsageError(`Invalid ${what}: expected a JSON object`, ErrorCode.PAYLOAD);
  }
  const notJson = nonJsonReason(payload);
  if (notJson) {
    throw new UsageError(`Invalid ${what}: expected plain JSON, but ${notJson}`, ErrorCode.PAYLOAD);
  }
  return payload as Record<string, unknown>;
}

/** True when the data root already holds a state database (a store opened there creates none). */
async function hasDatabase(dataRoot: string): Promise<boolean> {
  try {
    return (await Deno.lstat(`${dataRoot.replace(/\/+$/, "")}/.pgs/state.kv`)).isFile;
  } catch {
    return false;
  }
}

/** An open store, the compiled workflow and the run's registry: what every run starts with. */
interface Prepared {
  readonly store: KvStore;
  readonly ownStore: boolean;
  readonly compiled: CompiledWorkflow;
  readonly registry: CapabilityRegistry;
  readonly warnings: string[];
  readonly warn: (w: string) => void;
}

/**
 * Opens the store and compiles the workflow. A data root that does not exist yet is created
 * only after the workflow compiled: a refused run creates nothing.
 */
async function prepare(options: RunCommonOptions): Promise<Prepared> {
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    options.onWarning?.(w);
  };
  const registry = createCapabilityRegistry(options.capabilities);
  const open = () => openStoreOf(options);
  // checkCommon made sure a given store is one of ours (openStore returns the engine).
  let store: KvStore | null = (options.store as KvStore | undefined) ?? null;
  const ownStore = store === null;
  const early = store !== null || options.kvUrl !== undefined ||
    await hasDatabase(options.dataRoot!);
  try {
    if (!store && early) store = await open();
    const compiled = await compileCached(
      options.workspace,
      options.workflow,
      registry.compileOptions,
      store,
      meta.version,
    );
    store ??= await open();
    if (options.healPendingFiles !== false && options.traceFiles !== false) {
      await writeMissingTraceFiles(store, options.workspace, {
        warn,
        wrote: (id) =>
          warn(`note: wrote the missing trace files of ${id} (committed by an interrupted run)`),
      });
    }
    return { store, ownStore, compiled, registry, warnings, warn };
  } catch (e) {
    if (store && ownStore) await store.close({ flushViews: false }).catch(() => undefined);
    throw e;
  }
}

function openStoreOf(o: StoreChoice): Promise<KvStore> {
  if (o.kvUrl === ":memory:" && o.dataRoot !== undefined) {
    throw new UsageError(`Invalid options: "kvUrl" ":memory:" cannot be combined with "dataRoot"`);
  }
  return openKvStore({ dataRoot: o.dataRoot, kvUrl: o.kvUrl });
}

/**
 * Flushes the views (their warnings kept) and closes a store this orchestration opened.
 * After a refusal nothing new was committed, so no view is flushed: a view an earlier run
 * left pending stays pending, and the refusal is the one thing reported.
 */
async function finish(p: Prepared, refused: boolean): Promise<void> {
  if (!p.ownStore) return;
  if (refused) return await p.store.close({ flushViews: false });
  try {
    const stats = await p.store.flushViewsWithStats();
    for (const w of stats.warnings ?? []) p.warn(w);
  } finally {
    await p.store.close();
  }
}

/**
 * Bookkeeping after a commit (marking trace files written, flushing views, closing): the
 * run stands whatever happens here, so a failure is a warning, never the call's result. The
 * next run on the data root rewrites files still marked pending and rebuilds stale views.
 */
async function afterCommit(p: Prepared, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    p.warn(
      `AFTER_COMMIT_FAILED: ${e instanceof Error ? e.message.split("\n")[0] : String(e)} ` +
        `(the run is committed; the next run on this store completes the rest)`,
    );
  }
}

/**
 * Runs `workflow` on `payload` and commits its effects and trace in one atomic commit,
 * then writes the trace files. An outcome (COMPLETED, REJECTED, ENDED_*, FAILED, FAULTED)
 * is a result, never an exception; only refusals before the run reject.
 *
 * Reads the wall clock and OS entropy only when `startedAt`, `seed` or `traceId` are not
 * given; all three are recorded, so a replay sees the same values.
 *
 * @example
 * ```ts
 * import { runWorkflow } from "./run_workflow.ts";
 * import assert from "node:assert/strict";
 * const result = await runWorkflow({
 *   workspace: new URL("../examples/workspace", import.meta.url).pathname,
 *   workflow: "club::WF_REGISTER_MEMBER_V0",
 *   payload: { member: { name: "Ada", email: "not-an-email" } },
 *   kvUrl: ":memory:",
 *   traceFiles: false,
 * });
 * assert.equal(result.classification, "REJECTED"); // the intent requires an email
 * ```
 * @throws {UsageError} for a bad option or payload, or an unusable traces folder.
 * @throws {SnapshotError} when an artifact is missing, tampered or invalid.
 * @throws {CompileError} listing every closure problem of the workflow.
 * @throws {StorageError} when the data root or KV endpoint cannot be used.
 */
export async function runWorkflow(options: RunWorkflowOptions): Promise<RunWorkflowResult> {
  checkCommon(options, ["payload", "traceId"]);
  const payload = checkPayload(options.payload);
  const labels = options.labels ?? {};
  const files = options.traceFiles !== false;
  if (options.traceId !== undefined) {
    validateTraceId(options.traceId, labels.traceId);
    if (files) await checkTraceIdUnused(options.workspace, options.traceId, labels.traceId);
  }
  if (files) await checkTracesWritable(options.workspace);
  // The engines load (and their WASM compiles on V8's background threads) while the
  // workflow compiles and runs.
  const png = files && options.png !== false ? startPngRender() : null;
  let p: Prepared;
  try {
    p = await prepare(options);
  } catch (e) {
    png?.cancel();
    throw e;
  }
  try {
    const { executeWorkflow } = await import("./execute_workflow.ts");
    const { unsafeNewTraceId } = await import("./run_context.ts");
    const traceId = options.traceId ?? unsafeNewTraceId();
    // A given id's folder is claimed before the commit: of several processes sharing the
    // workspace with one trace id, one runs and the others are refused. A generated id is
    // unique by construction; its folder appears only with its files, after the commit, so
    // a process killed mid-run leaves no empty folder behind.
    const claimed = files && options.traceId !== undefined;
    if (claimed) await claimTraceFolder(options.workspace, traceId, labels.traceId);
    let result: RunResult;
    try {
      result = await executeWorkflow(p.compiled, payload, {
        ...(await engineOptions(options, p, files)),
        traceId,
      });
    } catch (e) {
      png?.cancel();
      if (claimed) await releaseTraceFolder(options.workspace, traceId);
      throw commitFailure(e);
    }
    let written: TraceFiles | null = null;
    if (files) {
      written = await writeTraceFiles({
        workspace: options.workspace,
        compiled: p.compiled,
        traceId: result.traceId,
        lines: result.lines,
        records: result.records,
        timings: result.timings,
        png: png !== null,
        ...(png ? { pngRender: png } : {}),
        commands: options.traceCommands,
      });
      for (const w of written.warnings) p.warn(w);
      if (!written.pending) {
        await afterCommit(p, () => p.store.traceFilesWritten([result.traceId]));
      }
    }
    await afterCommit(p, () => finish(p, false));
    return {
      ...result,
      workflow: options.workflow,
      snapshotDigest: p.compiled.digest,
      files: written,
      warnings: p.warnings,
    };
  } catch (e) {
    await finish(p, true).catch(() => undefined);
    throw e;
  }
}

/** Options of {@link runBatch}. */
export interface RunBatchOptions extends RunCommonOptions {
  /** One payload per run, in order (each a JSON object; a bad one fails only its item). */
  readonly payloads: readonly JsonObject[];
  /**
   * Trace ids are `<prefix>-000001`, … (`[A-Za-z0-9_-]`, at most 121 characters).
   * @default a new time-based id
   */
  readonly traceIdPrefix?: string;
  /**
   * Called as each run is committed and its files written, in order. If it throws, the
   * batch stops there and rejects with that error: the runs already committed stay
   * committed (their trace files are written), the rest are not run.
   */
  readonly onItem?: (item: BatchRunItem) => void | Promise<void>;
  /** Called after each group commit with the runs done so far. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Called as each picture is drawn after the runs (when `png`): a batch item's
   * `files.png` is null, because its picture comes later; this says which trace's it is
   * and where it was written (null: it could not be drawn, a warning says why).
   */
  readonly onPngProgress?: (
    done: number,
    total: number,
    picture: { readonly traceId: string; readonly png: string | null },
  ) => void;
  /**
   * Keep every run in the result's `items`. With false, `items` stays empty and only
   * `onItem` sees each run, so a batch of any length holds no finished trace in memory.
   * @default true
   */
  readonly keepItems?: boolean;
}

/** One run of a batch, as {@link runBatch} reports it. */
export type BatchRunItem =
  | {
    readonly ok: true;
    /** 0-based index of the payload. */
    readonly index: number;
    readonly result: RunResult;
    readonly files: TraceFiles | null;
  }
  | {
    readonly ok: false;
    /** 0-based index of the payload. */
    readonly index: number;
    readonly traceId: string;
    /** Why the run did not happen (nothing of it was committed). */
    readonly error: unknown;
  };

/** What {@link runBatch} returns. */
export interface RunBatchResult {
  /** Every run, in payload order (empty with `keepItems: false`). */
  readonly items: readonly BatchRunItem[];
  /** Number of runs reported (committed, or refused as items). */
  readonly runs: number;
  /** Runs per classification (`ERROR`: runs that could not run). */
  readonly classifications: Readonly<Record<string, number>>;
  /** Wall time of the runs, their trace files and the pictures, in seconds. */
  readonly seconds: number;
  /** The trace id prefix used. */
  readonly traceIdPrefix: string;
  /** Every warning. */
  readonly warnings: readonly string[];
}

/**
 * Runs `workflow` once per payload in one process, group-committing the runs (many per
 * atomic KV commit; each run sees the effects of the runs before it), writes each run's
 * trace files as its group commits, and draws the pictures after every run.
 *
 * @throws {UsageError} for a bad option or an unusable traces folder (a bad payload fails
 *   only its own item).
 * @throws {SnapshotError} / {CompileError} when the workflow does not load or compile.
 * @throws {StorageError} when the data root or KV endpoint cannot be used.
 */
export async function runBatch(options: RunBatchOptions): Promise<RunBatchResult> {
  checkCommon(options, BATCH_OPTIONS);
  if (!Array.isArray(options.payloads)) {
    throw new UsageError(`Invalid options: "payloads" must be an array`);
  }
  const o = options as unknown as Record<string, unknown>;
  if (o.traceIdPrefix !== undefined && (typeof o.traceIdPrefix !== "string" || !o.traceIdPrefix)) {
    throw new UsageError(
      `Invalid options: "traceIdPrefix" must be a non-empty string when given`,
      ErrorCode.TRACE_ID,
    );
  }
  if (o.keepItems !== undefined && typeof o.keepItems !== "boolean") {
    throw new UsageError(`Invalid options: "keepItems" must be a boolean when given`);
  }
  for (const f of ["onItem", "onProgress", "onPngProgress"]) {
    if (o[f] !== undefined && typeof o[f] !== "function") {
      throw new UsageError(`Invalid options: "${f}" must be a function when given`);
    }
  }
  // A sparse array's holes would be skipped by the engine's iteration: each is a payload
  // that is not an object, failing its own item like any other.
  const payloads = Array.from(options.payloads, (p) => p);
  const labels = options.labels ?? {};
  const files = options.traceFiles !== false;
  const { unsafeNewTraceId } = await import("./run_context.ts");
  const prefix = options.traceIdPrefix ?? unsafeNewTraceId();
  const idOf = (i: number) => `${prefix}-${String(i + 1).padStart(6, "0")}`;
  try {
    validateTraceId(idOf(payloads.length), labels.traceId);
  } catch {
    throw new UsageError(
      `Invalid ${labels.traceId ?? "traceIdPrefix"} ${quoted(prefix)}: as a batch prefix ` +
        `it must leave room for "-NNNNNN" (at most 121 characters of [A-Za-z0-9_-])`,
      ErrorCode.TRACE_ID,
    );
  }
  if (files) {
    await checkTracesWritable(options.workspace);
    if (options.traceIdPrefix !== undefined) {
      for (let i = 0; i < payloads.length; i++) {
        await checkTraceIdUnused(options.workspace, idOf(i), labels.traceId);
      }
    }
  }
  const t0 = unsafeMonotonicMs();
  const p = await prepare(options);
  const counts: Record<string, number> = {};
  const items: BatchRunItem[] = [];
  let reported = 0;
  const drawn: { traceId: string; records: readonly TraceRecord[] }[] = [];
  try {
    const { executeBatch } = await import("./execute_batch.ts");
    if (files && options.traceIdPrefix !== undefined) {
      // A given prefix may be shared by processes on one workspace: claim every folder
      // before the first commit (a generated prefix is unique by construction).
      await claimTraceFolders(
        options.workspace,
        payloads.map((_, i) => idOf(i)),
        labels.traceId,
      );
    }
    // A storage failure inside the batch means the group being committed was not applied;
    // the groups reported before it were.
    await executeBatch(p.compiled, payloads, {
      keepItems: false,
      // Results are reported (and their trace files written) every 100 runs: what is held
      // in memory at once, and how often progress moves.
      chunkSize: 100,
      ...(await engineOptions(options, p, files)),
      traceIdPrefix: prefix,
      onCommitted: async (chunk: readonly BatchItem[], done: number, total: number) => {
        // The files of a committed group are independent: written a few at a time, so the
        // waits on the file system overlap; reported in input order.
        const written = files
          ? await mapLimit(chunk, TRACE_FILE_WRITERS, (item) =>
            item.ok
              ? writeTraceFiles({
                workspace: options.workspace,
                compiled: p.compiled,
                traceId: item.result.traceId,
                lines: item.result.lines,
                records: item.result.records,
                timings: item.result.timings,
                png: false,
                commands: options.traceCommands,
              })
              : releaseTraceFolder(options.workspace, item.traceId).then(() => null))
          : chunk.map(() => null);
        const filesWritten: string[] = [];
        for (const [k, item] of chunk.entries()) {
          let out: BatchRunItem;
          if (!item.ok) {
            counts.ERROR = (counts.ERROR ?? 0) + 1;
            // As for one run: a storage failure of its group means nothing of it was applied.
            out = { ...item, error: commitFailure(item.error) };
          } else {
            const r = item.result;
            counts[r.classification] = (counts[r.classification] ?? 0) + 1;
            const w = written[k];
            if (w) {
              for (const warning of w.warnings) p.warn(warning);
              if (!w.pending) {
                filesWritten.push(r.traceId);
                // Only kept when pictures are drawn after the runs.
                if (options.png !== false) drawn.push({ traceId: r.traceId, records: r.records });
              }
            }
            out = { ok: true, index: item.index, result: r, files: w };
          }
          reported++;
          if (options.keepItems !== false) items.push(out);
          await options.onItem?.(out);
        }
        if (filesWritten.length > 0) {
          await afterCommit(p, () => p.store.traceFilesWritten(filesWritten));
        }
        options.onProgress?.(done, total);
      },
    }).catch((e) => {
      throw commitFailure(e);
    });
    if (files && options.png !== false) {
      // After every run is committed and reported: pictures never hold up a commit.
      for (const [i, d] of drawn.entries()) {
        const png = await writeTracePng(options.workspace, p.compiled, d.traceId, d.records)
          .catch((e) => {
            p.warn(
              `PNG_RENDER_FAILED: ${d.traceId}: ${
                e instanceof Error ? e.message.split("\n")[0] : e
              }`,
            );
            return null;
          });
        options.onPngProgress?.(i + 1, drawn.length, { traceId: d.traceId, png });
      }
    }
  } catch (e) {
    await finish(p, reported === 0).catch(() => undefined);
    throw e;
  }
  await afterCommit(p, () => finish(p, false));
  return {
    items,
    runs: reported,
    classifications: counts,
    seconds: (unsafeMonotonicMs() - t0) / 1000,
    traceIdPrefix: prefix,
    warnings: p.warnings,
  };
}

export { DEFAULT_BUDGET };

/**
 * A storage failure while a run executes or commits (the endpoint went away, conflicts
 * never settled) is not a refused input: nothing of the run was applied, and the CLI
 * exits 4.
 */
function commitFailure(e: unknown): unknown {
  if (!(e instanceof StorageError) || e.code !== ErrorCode.STORAGE) return e;
  return new StorageError(`Cannot commit the run, nothing of it was applied: ${e.message}`, {
    cause: e,
    code: ErrorCode.COMMIT,
  });
}

/** Trace files written at once after a batch group commits. */
const TRACE_FILE_WRITERS = 8;

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
