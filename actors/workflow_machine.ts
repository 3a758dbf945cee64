/**
 * The generated machine of a compiled workflow, for callers who drive it with XState
 * themselves (`createActor`), inspect its config, or hand it to a visualiser. Runs that
 * commit state and a trace go through `runWorkflow`; this is the same machine.
 *
 * @module
 */
import type { AnyStateMachine } from "xstate";
import { ErrorCode, quoted, UsageError } from "../errors.ts";
import { DEFAULT_BUDGET } from "../semantics.ts";
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import type { StateTxn } from "../storage/store.ts";
import type { JsonObject } from "./capability.ts";
import { createCapabilityRegistry, type CustomCapabilities } from "./capability_registry.ts";
import type { WorkflowInput } from "./children.ts";
import { nonJsonReason } from "./inputs.ts";
import { createRunContext } from "./run_context.ts";

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
 * and custom capability actors provided. Cached: the same graph and capabilities give the
 * same object. Asynchronous because XState and the actors load on first use, not with the
 * library.
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
 * const machine = await workflowMachine(compiled);
 * assert.equal(machine.id, "club::WF_REGISTER_MEMBER_V0");
 * // Without a state transaction the CS steps fault; a NACK at the IN node needs none.
 * const input = createWorkflowInput(compiled, { member: { name: "Ada" } }, { seed: "01" });
 * const outcome = await toPromise(createActor(machine, { input }).start());
 * assert.equal(outcome.classification, "REJECTED");
 * ```
 * @throws {UsageError} WORKFLOW_NAME when `workflow` is not a graph of `compiled`; USAGE
 *   when `capabilities` is malformed.
 */
export async function workflowMachine(
  compiled: CompiledWorkflow,
  options: WorkflowMachineOptions = {},
): Promise<WorkflowMachine> {
  checkCompiled(compiled);
  checkOptions(options, "workflowMachine");
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
  const registry = registryOf(options.capabilities);
  const { machineOf } = await import("./run_machine.ts");
  return machineOf(graph, registry.capabilities);
}

/** Refuses what is not a compileWorkflow() result, before anything reads it. */
function checkCompiled(compiled: CompiledWorkflow): void {
  if (compiled === null || typeof compiled !== "object" || !(compiled.graphs instanceof Map)) {
    throw new UsageError("Invalid compiled: expected the result of compileWorkflow()");
  }
}

function checkOptions(options: unknown, fn: string): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new UsageError(`Invalid options of ${fn}: expected an object`);
  }
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
export type { WorkflowContext, WorkflowEvent } from "./machine.ts";

/** Options of {@link createWorkflowInput}. */
export interface WorkflowInputOptions {
  /** Hex seed of the run CSPRNG; default: OS entropy. */
  readonly seed?: string;
  /** Run clock (RFC 3339 with zone); default: now. */
  readonly startedAt?: string;
  /** Hex secret seed for key material; default: OS entropy. */
  readonly secretSeed?: string;
  /** Step budget. @default DEFAULT_BUDGET */
  readonly budget?: number;
  /** State transaction the built-in CS actors work on; without one, provide CS actors. */
  readonly state?: StateTxn;
}

/**
 * The input of a workflow machine for driving it with XState's own `createActor`: the
 * payload and a root run scope (clock, entropy, budget, optional state). Reads the wall
 * clock and OS entropy only for values not given.
 *
 * @throws {UsageError} when `compiled` is not a compiled workflow, `payload` not a JSON object
 *   (PAYLOAD), or an option (`seed`, `startedAt`, `secretSeed`, `budget`, `state`) is malformed.
 */
export function createWorkflowInput(
  compiled: CompiledWorkflow,
  payload: JsonObject,
  options: WorkflowInputOptions = {},
): WorkflowInput {
  checkCompiled(compiled);
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new UsageError("Invalid payload: expected a JSON object", ErrorCode.PAYLOAD);
  }
  const notJson = nonJsonReason(payload);
  if (notJson) {
    throw new UsageError(`Invalid payload: expected plain JSON, but ${notJson}`, ErrorCode.PAYLOAD);
  }
  checkOptions(options, "createWorkflowInput");
  const budget = options.budget;
  if (budget !== undefined && (!Number.isSafeInteger(budget) || budget < 1)) {
    throw new UsageError(`Invalid budget ${quoted(budget)}: expected a positive integer`);
  }
  const state = options.state as unknown as Record<string, unknown> | null | undefined;
  if (
    state !== undefined &&
    (state === null || typeof state !== "object" || typeof state.get !== "function")
  ) {
    throw new UsageError(`Invalid state: expected a store transaction (StateTxn) when given`);
  }
  return {
    payload,
    scope: {
      runId: "root",
      parentRunId: null,
      compiled,
      txn: options.state ?? null,
      rc: createRunContext({
        seed: options.seed,
        startedAt: options.startedAt,
        secretSeed: options.secretSeed,
      }),
      budget: { used: 0, max: options.budget ?? DEFAULT_BUDGET },
      branch: [],
      groups: new Map(),
      depth: 0,
    },
  };
}
