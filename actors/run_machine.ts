/**
 * Runs a compiled workflow as its generated machine: the machine of each graph is built
 * once per capability set with the capability actors provided, the root actor is created
 * with the trace inspector attached, and child runs join its actor system (children.ts).
 *
 * @module
 */
import { abortedRun } from "../errors.ts";
import { type AnyStateMachine, createActor, toPromise } from "xstate";
import type { ExecutionGraph } from "../snapshot/graph.ts";
import type { NodeTiming } from "../trace/record.ts";
import type { RunRecorder } from "../trace/recorder.ts";
import type { CapabilitySet, JsonObject } from "./capability.ts";
import { type GraphOutcome, runChildWorkflow, type WorkflowInput } from "./children.ts";
import { BudgetExceeded, CapabilityFault } from "./faults.ts";
import { TraceInspector } from "./inspect.ts";
import { createWorkflowMachine } from "./machine.ts";
import type { RunScope } from "./run_scope.ts";
import {
  ADMISSION_ACTOR,
  admissionLogic,
  capabilityActors,
  INTENT_ACTOR,
  intentLogic,
  type SpawnChild,
} from "./step_actors.ts";

const generated = new WeakSet<object>();
const cache = new WeakMap<CapabilitySet, WeakMap<ExecutionGraph, AnyStateMachine>>();

/**
 * The generated machine of `graph` with the actors of `capabilities` provided (built once
 * per graph and capability set, then cached).
 */
export function machineOf(graph: ExecutionGraph, capabilities: CapabilitySet): AnyStateMachine {
  let byGraph = cache.get(capabilities);
  if (!byGraph) {
    byGraph = new WeakMap();
    cache.set(capabilities, byGraph);
  }
  let machine = byGraph.get(graph);
  if (!machine) {
    const spawn: SpawnChild = (self, parent, wf, payload, label) =>
      runChildWorkflow((g) => machineOf(g, capabilities), self, parent, wf, payload, label);
    const transforms = new Set<string>();
    for (const node of Object.values(graph.nodes)) {
      if (node.type !== "CC") continue;
      for (const s of node.cc.steps) if (s.kind === "CT") transforms.add(s.capability);
    }
    machine = createWorkflowMachine(graph, {
      ...capabilityActors(capabilities, transforms, spawn),
      [INTENT_ACTOR]: intentLogic,
      [ADMISSION_ACTOR]: admissionLogic,
    });
    generated.add(machine);
    byGraph.set(graph, machine);
  }
  return machine;
}

/** What a run's trace collects besides its records. */
export interface RunObservers {
  /** The root run's recorder, its header already pushed. */
  readonly root: RunRecorder;
  /** Secret values found under suppressed fields (for redaction). */
  readonly secrets: Set<string>;
  /** Node timings (out of the hashed body). */
  readonly timings: NodeTiming[];
  /** Monotonic clock in ms for the timings. */
  readonly clock: () => number;
}

/**
 * Runs the root graph of `scope.compiled` on `payload` to its end. The trace records go to
 * `observers.root` (and nested child recorders) as the inspection stream produces them.
 *
 * @throws the error of a failed WF admission check of the root run (a storage error, not a
 *   capability fault): nothing of the run may be committed.
 */
export async function runWorkflowActor(
  payload: JsonObject,
  scope: RunScope,
  capabilities: CapabilitySet,
  observers: RunObservers,
  signal?: AbortSignal,
): Promise<GraphOutcome> {
  if (signal?.aborted) throw abortedRun(signal);
  const machine = machineOf(scope.compiled.root, capabilities);
  const inspector = new TraceInspector({
    root: observers.root,
    isWorkflow: (logic) => generated.has(logic as object),
    secrets: observers.secrets,
    timings: observers.timings,
    clock: observers.clock,
  });
  const input: WorkflowInput = { payload, scope };
  const actor = createActor(machine, { input, inspect: inspector.observe });
  const done = toPromise(actor);
  actor.start();
  let outcome: GraphOutcome;
  if (!signal) outcome = (await done) as GraphOutcome;
  else {
    // The abort stops the machine (and its child runs) where it is; a capability still
    // pending is left to settle into a transaction nobody commits.
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        reject(abortedRun(signal)); // first: stopping settles `done` too
        actor.stop();
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      outcome = (await Promise.race([done, aborted])) as GraphOutcome;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
  const error = outcome.error;
  if (
    error !== undefined && !(error instanceof CapabilityFault || error instanceof BudgetExceeded)
  ) {
    throw error;
  }
  return outcome;
}
