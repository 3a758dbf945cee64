/**
 * The generated machine of a compiled workflow, for callers who drive it with XState
 * themselves (`createActor`), inspect its config, or hand it to a visualiser. Runs that
 * commit state and a trace go through `runWorkflow`; this is the same machine.
 *
 * @module
 */
import type { AnyStateMachine } from "xstate";
import { ErrorCode, UsageError } from "../errors.ts";
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import { createCapabilityRegistry, type CustomCapabilities } from "./capability_registry.ts";
import { machineOf } from "./run_machine.ts";

/**
 * A workflow's XState v5 machine: id = the workflow FQDN, one state per node, one
 * `pgs.outcome.<STATUS>` transition per declared outcome, one child state per CC step
 * invoking the capability actor named by its FQDN, EXIT nodes final. Its input comes
 * from `createWorkflowInput`; its output is a {@link GraphOutcome}.
 */
export type WorkflowMachine = AnyStateMachine;

/** Options of {@link workflowMachine}. */
export interface WorkflowMachineOptions {
  /**
   * Which graph: the root (default) or one of the sub-workflows the root reaches.
   * @default the compiled root
   */
  readonly workflow?: string;
  /** The application's CT atoms and CS kinds, as given to `runWorkflow`. */
  readonly capabilities?: CustomCapabilities;
}

/**
 * The machine of a compiled workflow (or of one of its sub-workflows), with the built-in
 * and custom capability actors provided. Pure and cached: the same graph and capabilities
 * give the same object.
 *
 * @example Drive the machine with XState's own createActor
 * ```ts
 * import { compileWorkflow, createCapabilityRegistry, loadSnapshot } from "../mod.ts";
 * import { createWorkflowInput, workflowMachine } from "./workflow_machine.ts";
 * import { createActor, toPromise } from "xstate";
 * import assert from "node:assert/strict";
 *
 * const workspace = new URL("../examples/workspace", import.meta.url).pathname;
 * const compiled = await compileWorkflow(
 *   await loadSnapshot(workspace),
 *   "club::WF_REGISTER_MEMBER_V0",
 *   createCapabilityRegistry().compileOptions,
 * );
 * const machine = workflowMachine(compiled);
 * assert.equal(machine.id, "club::WF_REGISTER_MEMBER_V0");
 * // Without a state transaction the CS steps fault; a NACK at the IN node needs none.
 * const input = createWorkflowInput(compiled, { member: { name: "Ada" } }, { seed: "01" });
 * const outcome = await toPromise(createActor(machine, { input }).start());
 * assert.equal(outcome.classification, "REJECTED");
 * ```
 * @throws {UsageError} WORKFLOW_NAME when `workflow` is not a graph of `compiled`; USAGE
 *   when `capabilities` is malformed.
 */
export function workflowMachine(
  compiled: CompiledWorkflow,
  options: WorkflowMachineOptions = {},
): WorkflowMachine {
  if (compiled === null || typeof compiled !== "object" || !(compiled.graphs instanceof Map)) {
    throw new UsageError("Invalid compiled: expected the result of compileWorkflow()");
  }
  const graph = options.workflow === undefined
    ? compiled.root
    : compiled.graphs.get(options.workflow);
  if (!graph) {
    throw new UsageError(
      `Unknown workflow "${options.workflow}": expected one of ${
        [...compiled.graphs.keys()].join(", ")
      }`,
      ErrorCode.WORKFLOW_NAME,
    );
  }
  return machineOf(graph, registryOf(options.capabilities).capabilities);
}

let builtins: ReturnType<typeof createCapabilityRegistry> | undefined;
const registries = new WeakMap<CustomCapabilities, ReturnType<typeof createCapabilityRegistry>>();

// One registry per capabilities object, so machineOf's cache (keyed by capability set)
// returns the same machine for the same inputs.
function registryOf(custom: CustomCapabilities | undefined) {
  if (custom === undefined) return builtins ??= createCapabilityRegistry();
  let r = registries.get(custom);
  if (!r) registries.set(custom, r = createCapabilityRegistry(custom));
  return r;
}

export type { GraphOutcome, WorkflowInput } from "./children.ts";
export { createWorkflowInput, type WorkflowInputOptions } from "./run_machine.ts";
