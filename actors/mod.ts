/**
 * Actors: runs compiled workflows. Each execution graph becomes a generated XState v5
 * machine (one state per node, one `pgs.outcome.<STATUS>` transition per declared outcome);
 * node capabilities run as invoked actors through the static capability registry (built-in
 * CT atoms and CS kinds keyed by snapshot FQDN, plus the application's own); one run is one
 * atomic commit of its effects and its hash-chained trace. Replay re-executes a trace with
 * CS results served from it and reports the first diverging record.
 *
 * Time and entropy: a run reads the wall clock and OS entropy only when no `startedAt`,
 * `seed` or `traceId` is given, and records all three, so replay sees the same values.
 *
 * @example Register a CT of your own and run the example workflow in memory
 * ```ts
 * import { compileWorkflow, loadSnapshot } from "../snapshot/mod.ts";
 * import { openMemoryStore } from "../storage/mod.ts";
 * import { createCapabilityRegistry, executeWorkflow, type TransformFn } from "./mod.ts";
 * import { fileURLToPath } from "node:url";
 *
 * // Overrides the built-in id atom: same FQDN, different (still pure) logic.
 * const upperId: TransformFn = (args) => ({ id: `${args.prefix}_${JSON.stringify(args.data).length}` });
 * const registry = createCapabilityRegistry({
 *   transforms: { "capability_transforms::CT_PURE_GENERATE_ID_V0": upperId },
 * });
 * const workspace = fileURLToPath(new URL("../examples/workspace", import.meta.url));
 * const snapshot = await loadSnapshot(workspace);
 * const compiled = await compileWorkflow(snapshot, "club::WF_REGISTER_MEMBER_V0", registry.compileOptions);
 * const store = await openMemoryStore();
 * const result = await executeWorkflow(
 *   compiled,
 *   { member: { name: "Ada", email: "ada@example.org" } },
 *   { store, capabilities: registry.capabilities, seed: "01", startedAt: "2026-01-01T00:00:00.000Z" },
 * );
 * await store.close();
 * console.log(result.classification, result.exitNode); // COMPLETED EXIT_DONE
 * ```
 *
 * @module
 */
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
} from "./capability.ts";
export {
  type CapabilityRegistry,
  createCapabilityRegistry,
  type CustomCapabilities,
} from "./capability_registry.ts";
export {
  DEFAULT_BUDGET,
  type ExecuteOptions,
  executeWorkflow,
  type RunResult,
  RUNTIME_VERSION,
} from "./execute_workflow.ts";
export { type ReplayReport, replayTrace } from "./replay.ts";
export { ReplaySource, type ServedFault, type ServedStep } from "./replay_source.ts";
export {
  createWorkflowMachine,
  HALTED_STATE,
  machineConfigJson,
  NO_TRANSITION_STATE,
  type WorkflowContext,
  workflowMachineConfig,
} from "./machine.ts";
export { machineOf } from "./run_machine.ts";
export { RunClassification } from "../semantics.ts";
export type { ChildCaller, GraphOutcome, WorkflowInput } from "./children.ts";
export { type BatchItem, type BatchOptions, executeBatch } from "./execute_batch.ts";
export {
  type BatchRunItem,
  type OptionLabels,
  runBatch,
  type RunBatchOptions,
  type RunBatchResult,
  type RunCommonOptions,
  runWorkflow,
  type RunWorkflowOptions,
  type RunWorkflowResult,
  type StoreChoice,
} from "./run_workflow.ts";
export {
  createWorkflowInput,
  type WorkflowInputOptions,
  type WorkflowMachine,
  workflowMachine,
  type WorkflowMachineOptions,
} from "./workflow_machine.ts";
export { BUILTIN_TRANSFORMS } from "./ct/mod.ts";
export { BUILTIN_SIDE_EFFECTS, CS_STORE_FORMATS } from "./cs/mod.ts";
