/**
 * pgs-runtime: a deterministic execution engine for Protocol-Governed Systems.
 *
 * A compiled *protocol snapshot* (`<workspace>/protocol_snapshot/artifacts/`) declares
 * workflows. {@link runWorkflow} verifies the snapshot, compiles the workflow and what it
 * reaches, runs it on a JSON payload as a generated XState machine against a Deno KV state
 * store, commits its effects and its hash-chained, signed trace in one atomic commit, and
 * writes `<workspace>/traces/<ID>/<ID>.{jsonl,md,png}`. {@link runBatch} does the same for
 * many payloads with group commits. A trace can then be verified ({@link verifyTrace}),
 * examined ({@link examineTrace}) and replayed ({@link replayTrace}).
 *
 * Applications add capabilities of their own (CT = pure transform, CS = side effect),
 * keyed by the FQDN the snapshot names, next to the built-ins: see
 * {@link CustomCapabilities}. The machine itself is available for XState tooling
 * ({@link workflowMachine}).
 *
 * Needs `--unstable-kv` (Deno KV), or `"unstable": ["kv"]` in deno.json.
 *
 * @example Run a workflow with a capability of your own
 * ```ts
 * import { runWorkflow, type TransformFn } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * // A pure CT atom: same inputs, same output; entropy and time only from `ctx`.
 * const memberId: TransformFn = (args) => ({
 *   id: `${args.prefix}_${String((args.data as { email: string }).email).toLowerCase()}`,
 * });
 * const result = await runWorkflow({
 *   workspace: new URL("./examples/workspace", import.meta.url).pathname,
 *   workflow: "club::WF_REGISTER_MEMBER_V0",
 *   payload: { member: { name: "Ada", email: "Ada@example.org" } },
 *   kvUrl: ":memory:",
 *   capabilities: { transforms: { "capability_transforms::CT_PURE_GENERATE_ID_V0": memberId } },
 *   seed: "01",
 *   startedAt: "2026-01-01T00:00:00.000Z",
 *   traceFiles: false,
 * });
 * assert.equal(result.classification, "COMPLETED");
 * assert.equal(result.exitNode, "EXIT_DONE");
 * ```
 *
 * @module
 */

// mod.ts re-exports from the modules that define each name, not from the folders' barrels:
// an ES module import loads everything a barrel names, and `import "@pgs/runtime"` must not
// load the engine (XState), the compiler (zod, jsonpath-plus), the PNG stack or a crypto
// library until a call needs them. tests/library/mod_test.ts pins that.

// Errors: every refusal is a PgsError with a stable code.
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

// Running.
export {
  type BatchRunItem,
  DEFAULT_BUDGET,
  runBatch,
  type RunBatchOptions,
  type RunBatchResult,
  type RunCommonOptions,
  runWorkflow,
  type RunWorkflowOptions,
  type RunWorkflowResult,
  type StoreChoice,
} from "./actors/run_workflow.ts";
export type { RunResult } from "./actors/execute_workflow.ts";
export { RunClassification } from "./semantics.ts";

// Capabilities.
export {
  type CapabilitySet,
  type ChildRunResult,
  CtViolation,
  type JsonObject,
  type SideEffectCall,
  type SideEffectFn,
  type SideEffectResult,
  type TransformContext,
  type TransformFn,
} from "./actors/capability.ts";
export {
  type CapabilityRegistry,
  createCapabilityRegistry,
  type CustomCapabilities,
} from "./actors/capability_registry.ts";

// Snapshot.
export { type Artifact, loadSnapshot, type Snapshot } from "./snapshot/load.ts";
export { type CompileOptions, compileWorkflow } from "./snapshot/compile.ts";
export type { CompiledWorkflow } from "./snapshot/graph.ts";
export { ArtifactKind } from "./snapshot/resolve.ts";
export { canonicalJson, sha256Hex } from "./snapshot/canonical.ts";
export {
  type ArtifactKindName,
  authorArtifact,
  type AuthoredArtifact,
  type AuthorOptions,
  writeArtifacts,
  type WriteArtifactsOptions,
} from "./snapshot/author.ts";

// The machine, for XState tooling.
export {
  createWorkflowInput,
  type GraphOutcome,
  type WorkflowContext,
  type WorkflowEvent,
  type WorkflowInput,
  type WorkflowInputOptions,
  type WorkflowMachine,
  workflowMachine,
  type WorkflowMachineOptions,
} from "./actors/workflow_machine.ts";

// State.
export { openStore, type OpenStoreOptions } from "./storage/kv_store.ts";
export type { StateStore, StateTxn, StoreRef, TraceSigner, ViewFormat } from "./storage/store.ts";

// Traces: the record types of the pgs.trace format, files, verification, examination.
export type {
  AdmissionRecord,
  ChildRunRecord,
  EffectRecord,
  FaultRecord,
  HeaderRecord,
  NodeRecord,
  NodeTiming,
  RecordBase,
  ResultRecord,
  SealRecord,
  StepRecord,
  TraceRecord,
  TransitionRecord,
  WarningRecord,
} from "./trace/record.ts";
export { traceText, type TraceVerification, verifyTrace } from "./trace/jsonl.ts";
export type { TraceFiles } from "./trace/files.ts";
export {
  type Diagnosis,
  DiagnosisClass,
  type ExamineEffect,
  type ExamineOptions,
  type ExaminePathEntry,
  type ExamineReport,
  type ExamineResult,
  examineTrace,
  type ExamineWarning,
  formatExamine,
} from "./trace/examine/mod.ts";
export { type ReplayReport, replayTrace } from "./actors/replay.ts";
