/**
 * Sub-workflows as child actors. A workflow-invoking CS step (gateway, loop, concurrent)
 * starts the child workflow's own generated machine as a child of its step actor, in the
 * parent run's actor system: the child shares the parent's transaction, trace (its records
 * arrive through the same inspection stream), budget and commit.
 *
 * Children started by one step are the members of a turn group (declaration order, see
 * turns.ts): their state-touching steps alternate deterministically, whatever order their
 * promises settle in.
 *
 * @module
 */
import { type AnyActorRef, type AnyStateMachine, createActor, toPromise } from "xstate";
import { abortedRun } from "../errors.ts";
import { MAX_CHILD_DEPTH, RunClassification } from "../semantics.ts";
import type { ExecutionGraph } from "../snapshot/graph.ts";
import type { ChildRunResult, JsonObject } from "./capability.ts";
import { BudgetExceeded } from "./faults.ts";
import type { RunScope } from "./run_scope.ts";
import { type StepInput, warn } from "./step_actors.ts";
import { TurnGroup } from "./turns.ts";

/** Where a child run was started from: the parent's CC node and step. */
export interface ChildCaller {
  /** Parent CC node key. */
  readonly node: string;
  /** Parent step name. */
  readonly step: string;
}

/** The machine input of a (child) workflow run. */
export interface WorkflowInput {
  /** The run payload. */
  readonly payload: JsonObject;
  /**
   * The run's resources (clock, entropy, budget, state): internal, made by
   * `createWorkflowInput`.
   * @ignore
   */
  readonly scope: RunScope;
  /**
   * Set for a child run: the parent node and step that started it.
   * @ignore
   */
  readonly caller?: ChildCaller;
}

/** How a (child) run ended, as the machine outputs it. */
export interface GraphOutcome {
  /** Outcome status that led to the end. */
  readonly status: string;
  /** COMPLETED, REJECTED, ENDED_<STATUS>, FAILED or FAULTED. */
  readonly classification: RunClassification;
  /** EXIT node reached, or null. */
  readonly exitNode: string | null;
  /** EXIT reason, or the failure reason. */
  readonly reason: string | null;
  /** EXIT emit. */
  readonly emit: string | null;
  /** CC surfaces by node key. */
  readonly results: Record<string, JsonObject>;
  /** Set when the run halted on an error that must end the parent too. */
  readonly error?: unknown;
}

/** Finds the generated machine of a workflow of the closure. */
export type MachineOf = (graph: ExecutionGraph) => AnyStateMachine;

/**
 * Starts `workflow` as a child actor of the step actor `self` and resolves with its result.
 * An unknown workflow is reported (warning) and answered NOT_FOUND; nesting deeper than
 * {@link MAX_CHILD_DEPTH} is runaway recursion and stops the whole run.
 */
export async function runChildWorkflow(
  machineOf: MachineOf,
  self: AnyActorRef,
  parent: StepInput,
  workflow: string,
  payload: JsonObject,
  label: string,
): Promise<ChildRunResult> {
  const { scope, node } = parent;
  const signal = scope.signal;
  if (signal?.aborted) throw abortedRun(signal);
  const step = parent.step.name;
  const graph = scope.compiled.graphs.get(workflow);
  if (!graph) {
    warn(
      self,
      scope.runId,
      "UNKNOWN_CHILD_WORKFLOW",
      node,
      step,
      `child workflow ${workflow} is not in the compiled closure; reported NOT_FOUND`,
    );
    return { status: "NOT_FOUND", classification: RunClassification.FAILED, results: {} };
  }
  if (scope.depth + 1 > MAX_CHILD_DEPTH) {
    throw new BudgetExceeded(
      scope.budget.max,
      `child runs nested deeper than ${MAX_CHILD_DEPTH} levels (runaway recursion)`,
    );
  }
  const childId = `${scope.runId}/${node}/${step}/${label}`;
  // Children of one step take turns; they join synchronously, in call order, so the
  // rotation is the declaration order.
  const key = `${scope.runId}\0${node}\0${step}`;
  let group = scope.groups.get(key);
  if (!group) {
    group = new TurnGroup();
    scope.groups.set(key, group);
  }
  group.join(childId);
  const input: WorkflowInput = {
    payload: payload ?? {},
    caller: { node, step },
    scope: {
      ...scope,
      runId: childId,
      parentRunId: scope.runId,
      branch: [...scope.branch, { group, member: childId }],
      depth: scope.depth + 1,
    },
  };
  let outcome: GraphOutcome;
  try {
    const child = createActor(machineOf(graph), { parent: self, id: childId, input });
    const done = toPromise(child);
    child.start();
    outcome = (await done) as GraphOutcome;
  } finally {
    group.leave(childId);
  }
  // Stopping the root does not reach a child actor (XState stops only its own children):
  // after an abort a child's next step refuses to start (runStep), and its parent learns
  // here that the run is gone.
  if (signal?.aborted) throw abortedRun(signal);
  if (outcome.error) throw outcome.error;
  return {
    status: outcome.status,
    classification: outcome.classification,
    results: outcome.results,
  };
}
