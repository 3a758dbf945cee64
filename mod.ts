/**
 * pgs-runtime: a deterministic execution engine for Protocol-Governed Systems.
 *
 * A compiled *protocol snapshot* (`<workspace>/protocol_snapshot/artifacts/`) declares
 * workflows; this library loads and verifies it ({@link loadSnapshot}), compiles a workflow
 * and everything it reaches ({@link compileWorkflow}), runs it on a JSON payload as a
 * generated XState machine ({@link executeWorkflow}, {@link workflowMachine}) against a
 * Deno KV state store ({@link openKvStore}: a data root or a KV Connect URL), and leaves a
 * hash-chained trace that can be verified ({@link verifyTrace}), examined
 * ({@link examineTrace}) and replayed ({@link replayTrace}).
 *
 * {@link runWorkflow} does all of it in one call. Applications add capabilities of their
 * own (CT = pure transform, CS = side effect), keyed by the FQDN the snapshot names,
 * next to the built-ins: see {@link CustomCapabilities}.
 *
 * Needs `--unstable-kv` (Deno KV).
 *
 * @example Run a workflow with a capability of your own
 * ```ts
 * import { runWorkflow, type TransformFn } from "./mod.ts";
 * import { fileURLToPath } from "node:url";
 *
 * // A pure CT atom: same inputs, same output; entropy and time only from `ctx`.
 * const memberId: TransformFn = (args) => ({
 *   id: `${args.prefix}_${String((args.data as { email: string }).email).toLowerCase()}`,
 * });
 * const workspace = fileURLToPath(new URL("./examples/workspace", import.meta.url));
 * const result = await runWorkflow({
 *   workspace,
 *   workflow: "club::WF_REGISTER_MEMBER_V0",
 *   payload: { member: { name: "Ada", email: "Ada@example.org" } },
 *   dataRoot: ":memory:",
 *   capabilities: { transforms: { "capability_transforms::CT_PURE_GENERATE_ID_V0": memberId } },
 *   seed: "01",
 *   startedAt: "2026-01-01T00:00:00.000Z",
 *   traceFiles: false,
 * });
 * console.log(result.classification, result.exitNode); // COMPLETED EXIT_DONE
 * console.log(result.lines.length > 0); // true: the hash-chained trace body
 * ```
 *
 * @module
 */
import type { AnyStateMachine } from "xstate";
import { ErrorCode, UsageError } from "./errors.ts";
import {
  type CapabilityRegistry,
  createCapabilityRegistry as createRegistry,
  type CustomCapabilities,
  executeWorkflow,
  machineOf,
  type ReplayReport,
  replayTrace as replayWithSnapshot,
  type RunResult,
} from "./actors/mod.ts";
import {
  type ArtifactKind,
  type CompiledWorkflow,
  type CompileOptions,
  compileWorkflow as compileFromSnapshot,
  isSafeFqdn,
  loadSnapshot as openSnapshot,
  parseFqdn,
  type Snapshot as LoadedSnapshot,
} from "./snapshot/mod.ts";
import { type KvStore, openKvStore, openMemoryStore, type Store } from "./storage/mod.ts";
import { checkTracesWritable, type TraceFiles, writeTraceFiles } from "./trace/mod.ts";

export {
  CompileError,
  type CompileProblem,
  ErrorCode,
  PgsError,
  SnapshotError,
  StorageError,
  TraceError,
  UsageError,
} from "./errors.ts";
export {
  type Admission,
  ArtifactKind,
  type ArtifactKindName,
  authorArtifact,
  type AuthoredArtifact,
  type AuthorOptions,
  type Binding,
  canonicalJson,
  type CcNode,
  type CompiledContract,
  type CompiledEvaluation,
  type CompiledStep,
  type CompiledWorkflow,
  type CompileOptions,
  type Condition,
  type ExecutionGraph,
  type ExitNode,
  type FieldSpec,
  type Fqdn,
  type GraphNode,
  type InNode,
  isSafeFqdn,
  parseFqdn,
  type Route,
  sha256Hex,
  writeArtifacts,
} from "./snapshot/mod.ts";
export {
  type BatchItem,
  type BatchOptions,
  BUILTIN_SIDE_EFFECTS,
  BUILTIN_TRANSFORMS,
  type CapabilityRegistry,
  type CapabilitySet,
  type ChildRunResult,
  CS_STORE_FORMATS,
  CtViolation,
  type CustomCapabilities,
  DEFAULT_BUDGET,
  executeBatch,
  type ExecuteOptions,
  executeWorkflow,
  type JsonObject,
  type ReplayReport,
  ReplaySource,
  RunClassification,
  type RunResult,
  RUNTIME_VERSION,
  type ServedFault,
  type ServedStep,
  type SideEffectCall,
  type SideEffectFn,
  type SideEffectResult,
  type TransformContext,
  type TransformFn,
} from "./actors/mod.ts";
export {
  type BackoffOptions,
  type BatchOutcome,
  type CommitLimits,
  type KvStore,
  type KvStoreOptions,
  type MemoryStoreOptions,
  type Mutation,
  openKvStore,
  openMemoryStore,
  type StateTxn,
  type Store,
  type StoreRef,
  type StoreStats,
  type TraceCommit,
  type TraceInfo,
  type TransactResult,
  type TxnBody,
  type ViewFlushStats,
  type ViewFormat,
} from "./storage/mod.ts";

export {
  type AdmissionRecord,
  type ChildRunRecord,
  type Diagnosis,
  DiagnosisClass,
  type EffectRecord,
  type ExamineEffect,
  type ExaminePathEntry,
  type ExamineReport,
  type ExamineResult,
  examineTrace,
  type ExamineWarning,
  type FaultRecord,
  formatExamine,
  type HeaderRecord,
  type NodeRecord,
  type NodeTiming,
  type RecordBase,
  type ResultRecord,
  SEMANTICS_VERSION,
  type StepRecord,
  TRACE_SCHEMA,
  type TraceFileOptions,
  type TraceFiles,
  type TraceRecord,
  traceText,
  type TraceVerification,
  type TransitionRecord,
  verifyTrace,
  type WarningRecord,
  writeTraceFiles,
} from "./trace/mod.ts";

const VIEW_FORMATS = new Set(["json", "jsonl"]);

/** A loaded artifact whose `content_hash`, type and schema were verified. */
export interface Artifact {
  /** Artifact kind (WF, CC, CT, CS, RB, IN, STRUCTURE). */
  readonly kind: ArtifactKind;
  /** `namespace::CODE`. */
  readonly fqdn: string;
  /** Workspace-relative file, e.g. `protocol_snapshot/artifacts/workflows/x__WF_Y.json`. */
  readonly file: string;
  /** Parsed, schema-checked frontmatter. */
  readonly frontmatter: Readonly<Record<string, unknown>>;
  /** CT IR (CT artifacts only). */
  readonly ctIr?: unknown;
  /** The executable parts, hashed into the snapshot digest. */
  readonly executable: { frontmatter: unknown; ct_ir?: unknown; cs_ir?: unknown };
}

/**
 * An opened protocol snapshot (`<workspace>/protocol_snapshot/`): artifacts are read
 * lazily, verified and cached. Obtain one from {@link loadSnapshot}.
 */
export interface Snapshot {
  /** The workspace path given to {@link loadSnapshot}. */
  readonly workspace: string;
  /**
   * The artifact of `kind` named `fqdn`, or null when no such file exists.
   *
   * @throws {SnapshotError} when the file is unreadable, malformed, tampered or of the wrong type.
   */
  get(kind: ArtifactKind, fqdn: string): Promise<Artifact | null>;
  /** Every workflow FQDN in the snapshot, sorted. */
  listWorkflows(): Promise<string[]>;
}

/**
 * Opens the protocol snapshot of a workspace. Artifacts are read when first needed, and
 * each is verified then: `content_hash == sha256(content)`, artifact type, schema.
 *
 * @example
 * ```ts
 * import { loadSnapshot } from "./mod.ts";
 * import { fileURLToPath } from "node:url";
 * const snapshot = await loadSnapshot(fileURLToPath(new URL("./examples/workspace", import.meta.url)));
 * console.log(await snapshot.listWorkflows()); // ["club::WF_REGISTER_MEMBER_V0"]
 * ```
 * @param workspace Directory holding `protocol_snapshot/artifacts/`.
 * @returns The opened snapshot.
 * @throws {SnapshotError} SNAPSHOT when `<workspace>/protocol_snapshot/artifacts` is missing.
 */
export function loadSnapshot(workspace: string): Promise<Snapshot> {
  if (typeof workspace !== "string" || workspace === "") {
    throw new UsageError(`Invalid workspace: expected a non-empty directory path`);
  }
  return openSnapshot(workspace);
}

/**
 * Compiles `workflow` and every sub-workflow its steps name into execution graphs plus a
 * snapshot digest, checking the closure first (every reference resolves, every CT atom
 * and CS kind has an implementation in `options`, every binding parses). Nothing runs.
 *
 * @example
 * ```ts
 * import { compileWorkflow, createCapabilityRegistry, loadSnapshot } from "./mod.ts";
 * import { fileURLToPath } from "node:url";
 * const snapshot = await loadSnapshot(fileURLToPath(new URL("./examples/workspace", import.meta.url)));
 * const registry = createCapabilityRegistry();
 * const compiled = await compileWorkflow(snapshot, "club::WF_REGISTER_MEMBER_V0", registry.compileOptions);
 * console.log(compiled.root.start); // IN_MEMBER_APPLIED_V0
 * ```
 * @param snapshot From {@link loadSnapshot}.
 * @param workflow `<domain>::<WF_CODE>`.
 * @param options Bound implementations: `createCapabilityRegistry(...).compileOptions`.
 * @returns The compiled workflow.
 * @throws {UsageError} WORKFLOW_NAME when the name is malformed or no such workflow exists.
 * @throws {SnapshotError} when an artifact is malformed or tampered.
 * @throws {CompileError} COMPILE listing every closure problem.
 */
export function compileWorkflow(
  snapshot: Snapshot,
  workflow: string,
  options: CompileOptions,
): Promise<CompiledWorkflow> {
  if (!isSnapshot(snapshot)) {
    return Promise.reject(
      new UsageError("Invalid snapshot: expected the result of loadSnapshot()"),
    );
  }
  if (!isCompileOptions(options)) {
    return Promise.reject(
      new UsageError("Invalid options: expected createCapabilityRegistry(...).compileOptions"),
    );
  }
  return compileFromSnapshot(snapshot as LoadedSnapshot, workflow, options);
}

function isSnapshot(v: unknown): boolean {
  return typeof v === "object" && v !== null && typeof (v as Snapshot).get === "function" &&
    typeof (v as Snapshot).listWorkflows === "function";
}

function isCompileOptions(v: unknown): boolean {
  return typeof v === "object" && v !== null &&
    (v as CompileOptions).transforms instanceof Set &&
    (v as CompileOptions).sideEffects instanceof Map;
}

/**
 * Replays a trace body: re-executes the recorded run with CS results served from the trace
 * (no state is read or written) and CTs recomputed with the recorded seed and clock, then
 * compares the new body with the recorded one line by line.
 *
 * @example
 * ```ts
 * import { createCapabilityRegistry, loadSnapshot, replayTrace, runWorkflow, traceText } from "./mod.ts";
 * import { fileURLToPath } from "node:url";
 * const workspace = fileURLToPath(new URL("./examples/workspace", import.meta.url));
 * const run = await runWorkflow({
 *   workspace,
 *   workflow: "club::WF_REGISTER_MEMBER_V0",
 *   payload: { member: { name: "Ada", email: "ada@example.org" } },
 *   dataRoot: ":memory:",
 *   traceFiles: false,
 * });
 * const report = await replayTrace(traceText(run.lines), await loadSnapshot(workspace), createCapabilityRegistry());
 * console.log(report.identical); // true
 * ```
 * @param text The trace body (the `.jsonl` file's text).
 * @param snapshot The snapshot the run used (its digest must match the header's).
 * @param registry The capabilities the run used (custom ones included).
 * @returns `identical`, or the first diverging line.
 * @throws {TraceError} TRACE when the trace is damaged, was recorded under another
 *   semantics version, or the snapshot digest differs.
 */
export function replayTrace(
  text: string,
  snapshot: Snapshot,
  registry: CapabilityRegistry,
): Promise<ReplayReport> {
  if (typeof text !== "string") {
    return Promise.reject(new UsageError("Invalid trace: expected the .jsonl text as a string"));
  }
  if (!isSnapshot(snapshot)) {
    return Promise.reject(
      new UsageError("Invalid snapshot: expected the result of loadSnapshot()"),
    );
  }
  if (
    typeof registry !== "object" || registry === null || !isCompileOptions(registry.compileOptions)
  ) {
    return Promise.reject(
      new UsageError("Invalid registry: expected the result of createCapabilityRegistry()"),
    );
  }
  return replayWithSnapshot(text, snapshot as LoadedSnapshot, registry);
}

/**
 * The XState v5 machine of a workflow graph (xstate's `AnyStateMachine`). Its input is
 * `{ payload, env }`, where `env.visit(node, payload, results)` runs a node; pass it to
 * xstate's `createActor` to drive it yourself, or to a visualiser to draw it.
 */
export type WorkflowMachine = AnyStateMachine;

/**
 * Builds the capability registry: the built-in CT atoms and CS kinds plus `custom`
 * (same FQDN = override). Unlike the bare registry, it checks `custom` first, so a
 * JavaScript caller or a typo'd key fails here rather than in the middle of a run.
 *
 * @example
 * ```ts
 * import { createCapabilityRegistry } from "./mod.ts";
 * const registry = createCapabilityRegistry({
 *   transforms: { "shop::CT_VAT_V0": (args) => ({ vat: Math.round(Number(args.net) * 0.2) }) },
 * });
 * registry.compileOptions.transforms.has("shop::CT_VAT_V0"); // true
 * ```
 * @param custom The application's CT atoms and CS kinds, keyed by snapshot FQDN.
 * @returns Implementations plus what the compiler needs to know about them.
 * @throws {UsageError} USAGE when a key is not `<namespace>::<CODE>`, an implementation is
 *   not a function, or a CS `storeFormat` is not "json", "jsonl" or null.
 */
export function createCapabilityRegistry(custom: CustomCapabilities = {}): CapabilityRegistry {
  checkCapabilities(custom);
  return createRegistry(custom);
}

/**
 * The XState v5 machine of a compiled workflow (or of one of its sub-workflows): one state
 * per node, one `pgs.outcome.<STATUS>` transition per declared outcome, EXIT nodes final.
 * Pure and cached; node behaviour comes in through the machine input at run time. Useful to
 * inspect or visualise the graph; {@link executeWorkflow} runs it.
 *
 * @example
 * ```ts
 * import { compileWorkflow, createCapabilityRegistry, loadSnapshot, workflowMachine } from "./mod.ts";
 * import { fileURLToPath } from "node:url";
 * const snapshot = await loadSnapshot(fileURLToPath(new URL("./examples/workspace", import.meta.url)));
 * const compiled = await compileWorkflow(
 *   snapshot,
 *   "club::WF_REGISTER_MEMBER_V0",
 *   createCapabilityRegistry().compileOptions,
 * );
 * const machine = workflowMachine(compiled);
 * console.log(Object.keys(machine.config.states ?? {}).length); // 10 (8 nodes + 2 halt states)
 * ```
 * @param compiled A compiled workflow.
 * @param workflow Which graph: the root (default) or a reachable sub-workflow's FQDN.
 * @returns The machine (the same object for the same graph).
 * @throws {UsageError} WORKFLOW_NAME when `workflow` is not one of `compiled.graphs`.
 */
export function workflowMachine(compiled: CompiledWorkflow, workflow?: string): WorkflowMachine {
  const graph = workflow === undefined ? compiled.root : compiled.graphs.get(workflow);
  if (!graph) {
    throw new UsageError(
      `Unknown workflow "${workflow}": expected one of ${[...compiled.graphs.keys()].join(", ")}`,
      ErrorCode.WORKFLOW_NAME,
    );
  }
  return machineOf(graph, defaultRegistry().capabilities);
}

let builtins: CapabilityRegistry | undefined;
function defaultRegistry(): CapabilityRegistry {
  return builtins ??= createRegistry();
}

/** Options of {@link runWorkflow}. Give exactly one of `dataRoot`, `kvUrl` (with or without `dataRoot`) or `store`. */
export interface RunWorkflowOptions {
  /** Workspace holding `protocol_snapshot/`; trace files go to `<workspace>/traces/<ID>/`. */
  workspace: string;
  /** `<domain>::<WF_CODE>`. */
  workflow: string;
  /** The run payload: a JSON object. */
  payload: Record<string, unknown>;
  /**
   * State directory: `<dataRoot>/.pgs/state.kv` plus the PGS file views; created when
   * missing. `":memory:"` runs against a fresh in-memory database (nothing persists).
   */
  dataRoot?: string;
  /**
   * KV Connect URL (e.g. a self-hosted denokv) used instead of the local database; Deno
   * reads the token from `DENO_KV_ACCESS_TOKEN`. With `dataRoot`, views are written there.
   */
  kvUrl?: string;
  /** An open store to run against; it is not closed. Excludes `dataRoot` and `kvUrl`. */
  store?: Store;
  /**
   * The application's CT atoms and CS kinds by FQDN, added to (or overriding) the built-ins.
   * @default {}
   */
  capabilities?: CustomCapabilities;
  /**
   * Trace id, `[A-Za-z0-9_-]{1,128}`.
   * @default time + 64 random bits
   */
  traceId?: string;
  /**
   * Hex seed of the run's CSPRNG.
   * @default OS entropy (recorded in the trace)
   */
  seed?: string;
  /**
   * Run clock, ISO-8601.
   * @default now (recorded in the trace)
   */
  startedAt?: string;
  /**
   * Step budget (node visits + steps, children included).
   * @default 100000
   */
  budget?: number;
  /**
   * Write `<workspace>/traces/<ID>/<ID>.{jsonl,md,png}`. The trace is committed to the
   * store either way; false only skips the files.
   * @default true
   */
  traceFiles?: boolean;
  /**
   * Render the `.png` (the slowest file; a failure is only a warning).
   * @default true
   */
  png?: boolean;
}

/** What {@link runWorkflow} returns: the run's result plus where its trace files went. */
export interface RunWorkflowResult extends RunResult {
  /** The workflow that ran. */
  readonly workflow: string;
  /** Snapshot digest recorded in the trace header. */
  readonly snapshotDigest: string;
  /** Trace file paths and rendering warnings, or null with `traceFiles: false`. */
  readonly files: TraceFiles | null;
}

/**
 * Loads and verifies the snapshot, compiles `workflow` with the built-in plus the given
 * capabilities, runs it on `payload` against the state store and writes the trace files.
 * An outcome (COMPLETED, REJECTED, ENDED_*, FAILED, FAULTED) is a result, never an
 * exception; only refusals before the run throw.
 *
 * Reads the wall clock and OS entropy only when `startedAt`, `seed` or `traceId` are not
 * given; all three are recorded, so {@link replayTrace} sees the same values.
 *
 * @example
 * ```ts
 * import { runWorkflow } from "./mod.ts";
 * import { fileURLToPath } from "node:url";
 * const result = await runWorkflow({
 *   workspace: fileURLToPath(new URL("./examples/workspace", import.meta.url)),
 *   workflow: "club::WF_REGISTER_MEMBER_V0",
 *   payload: { member: { name: "Ada", email: "not-an-email" } },
 *   dataRoot: ":memory:",
 *   traceFiles: false,
 * });
 * console.log(result.classification); // REJECTED (the intent requires an email)
 * ```
 * @param options What to run, on what, against which state.
 * @returns The run result, the snapshot digest and the trace file paths.
 * @throws {UsageError} USAGE / PAYLOAD / WORKFLOW_NAME / TRACE_ID for bad options, or
 *   when `<workspace>/traces` is not writable (checked before the run commits anything).
 * @throws {SnapshotError} when an artifact is missing, tampered or invalid.
 * @throws {CompileError} COMPILE listing every closure problem of the workflow.
 * @throws {StorageError} STORAGE when the data root or KV endpoint cannot be used.
 */
export async function runWorkflow(options: RunWorkflowOptions): Promise<RunWorkflowResult> {
  const o = checkRunOptions(options);
  parseFqdn(o.workflow, "workflow");
  const registry = createCapabilityRegistry(o.capabilities ?? {});
  const snapshot = await loadSnapshot(o.workspace);
  const compiled = await compileWorkflow(snapshot, o.workflow, registry.compileOptions);
  // Trace files are written after the commit; find an unwritable trace folder before it.
  if (o.traceFiles !== false) await checkTracesWritable(o.workspace);
  const store = o.store ?? await openStore(o);
  try {
    const result = await executeWorkflow(compiled, o.payload, {
      store,
      capabilities: registry.capabilities,
      traceId: o.traceId,
      seed: o.seed,
      startedAt: o.startedAt,
      budget: o.budget,
    });
    const files = o.traceFiles === false ? null : await writeTraceFiles({
      workspace: o.workspace,
      compiled,
      traceId: result.traceId,
      lines: result.lines,
      records: result.records,
      timings: result.timings,
      png: o.png,
    });
    if (files && !files.pending && "traceFilesWritten" in store) {
      await (store as KvStore).traceFilesWritten([result.traceId]);
    }
    return { ...result, workflow: o.workflow, snapshotDigest: compiled.digest, files };
  } finally {
    if (!o.store) await store.close();
  }
}

function openStore(o: RunWorkflowOptions): Promise<Store> {
  if (o.dataRoot === ":memory:") {
    if (o.kvUrl !== undefined) {
      throw new UsageError(
        `Invalid options: "dataRoot" ":memory:" cannot be combined with "kvUrl"`,
      );
    }
    return openMemoryStore();
  }
  return openKvStore({ dataRoot: o.dataRoot, kvUrl: o.kvUrl });
}

function checkRunOptions(options: RunWorkflowOptions): RunWorkflowOptions {
  if (options === null || typeof options !== "object") {
    throw new UsageError("Invalid options: expected an object");
  }
  const o = options;
  for (const field of ["workspace", "workflow"] as const) {
    if (typeof o[field] !== "string" || o[field] === "") {
      throw new UsageError(`Invalid options: "${field}" must be a non-empty string`);
    }
  }
  for (const field of ["dataRoot", "kvUrl", "traceId", "seed", "startedAt"] as const) {
    if (o[field] !== undefined && (typeof o[field] !== "string" || o[field] === "")) {
      throw new UsageError(`Invalid options: "${field}" must be a non-empty string when given`);
    }
  }
  const targets = [o.dataRoot, o.kvUrl].filter((x) => x !== undefined).length;
  if (o.store !== undefined) {
    if (targets > 0) {
      throw new UsageError(`Invalid options: "store" excludes "dataRoot" and "kvUrl"`);
    }
    if (typeof o.store?.transact !== "function") {
      throw new UsageError(`Invalid options: "store" must be an open Store`);
    }
  } else if (targets === 0) {
    throw new UsageError(`Invalid options: one of "dataRoot", "kvUrl" or "store" is required`);
  }
  if (o.payload === null || typeof o.payload !== "object" || Array.isArray(o.payload)) {
    throw new UsageError(`Invalid options: "payload" must be a JSON object`, "PAYLOAD");
  }
  return o;
}

function checkCapabilities(custom: CustomCapabilities): void {
  if (custom === null || typeof custom !== "object") {
    throw new UsageError("Invalid capabilities: expected { transforms?, sideEffects? }");
  }
  for (const [fqdn, fn] of Object.entries(custom.transforms ?? {})) {
    checkKey("transforms", fqdn);
    if (typeof fn !== "function") {
      throw new UsageError(`Invalid capabilities.transforms["${fqdn}"]: expected a function`);
    }
  }
  for (const [fqdn, cs] of Object.entries(custom.sideEffects ?? {})) {
    checkKey("sideEffects", fqdn);
    if (cs === null || typeof cs !== "object" || typeof cs.run !== "function") {
      throw new UsageError(
        `Invalid capabilities.sideEffects["${fqdn}"]: expected { run: function, storeFormat }`,
      );
    }
    if (cs.storeFormat !== null && !VIEW_FORMATS.has(cs.storeFormat)) {
      throw new UsageError(
        `Invalid capabilities.sideEffects["${fqdn}"].storeFormat "${cs.storeFormat}": ` +
          `expected "json", "jsonl" or null`,
      );
    }
  }
}

function checkKey(kind: string, fqdn: string): void {
  if (!isSafeFqdn(fqdn)) {
    throw new UsageError(
      `Invalid capabilities.${kind} key "${fqdn.slice(0, 80)}": expected <namespace>::<CODE> ` +
        `with each part matching [A-Za-z0-9_.]+`,
    );
  }
}
