/**
 * ExecutionGraph → XState v5 machine: the only interpreter of a workflow. One state per
 * graph node; a CC node is a compound state with one child state per pipeline step, each
 * invoking the actor registered under its capability's FQDN; `on_result` routes
 * (continue / exit / step / evaluation, unlisted statuses failing closed) are guarded
 * transitions between step states; the CC's status selects the node's `next` transition;
 * EXIT nodes are final. Behaviour is provided through `setup()` (actors, actions, guards);
 * the run's resources arrive as machine input (see run_scope.ts).
 *
 * Every function in the config (input mappers, the output mapper) carries a `toJSON`
 * description, so {@link machineConfigJson} prints the generated machine as it is.
 *
 * @module
 */
import { type AnyActorLogic, assign, setup } from "xstate";
import { classify, FailureReason, RunClassification, spend } from "../semantics.ts";
import type { CcNode, CompiledStep, ExecutionGraph, InNode } from "../snapshot/graph.ts";
import type { JsonObject } from "./capability.ts";
import type { GraphOutcome, WorkflowInput } from "./children.ts";
import { BudgetExceeded, CapabilityFault } from "./faults.ts";
import { evaluateCondition, resolveBinding } from "./inputs.ts";
import type { RunScope } from "./run_scope.ts";
import {
  ADMISSION_ACTOR,
  type AdmissionInput,
  INTENT_ACTOR,
  type IntentInput,
  type IntentOutput,
  type StepInput,
  type StepOutput,
} from "./step_actors.ts";

/** Final state entered when an outcome has no `next` entry. */
export const NO_TRANSITION_STATE = "__no_transition";
/** Final state entered when an actor fails (fault or budget). */
export const HALTED_STATE = "__halted";
/** Initial state of a workflow with WF admission preconditions. */
export const ADMISSION_STATE = "__admission";
/** Final state entered when WF admission denies the payload. */
export const DENIED_STATE = "__denied";
/** Child state of a CC state that checks the visit (budget, required inputs). */
export const INPUTS_STATE = "@inputs";
/** Final child state of a CC state: the CC has its status. */
export const DONE_STATE = "@done";

/** How a run reached a final state (the output of that state). */
export type RunEnd =
  | { readonly end: "exit"; readonly node: string }
  | { readonly end: "no_transition" }
  | { readonly end: "halted" }
  | { readonly end: "denied" };

/** What one step contributed to its CC visit, for the trace. */
export interface StepResolution {
  /** The step. */
  readonly step: string;
  /** Mapped outputs. */
  readonly outputs: JsonObject;
  /** Output paths the capability did not produce (`name = path`). */
  readonly missingOutputs: readonly string[];
  /** What `on_result` said: continue, exit, a step name, an evaluation key, or "unlisted". */
  readonly route: string;
  /** The evaluation block run, when `route` names one. */
  readonly evaluation?: {
    readonly name: string;
    readonly condition: string;
    readonly value: boolean;
    readonly status: string;
  };
}

/** One visit of a CC node. */
export interface ContractVisit {
  /** Node key. */
  readonly node: string;
  /** 1-based visit number of this node in this run. */
  readonly visit: number;
  /** Resolved node inputs. */
  readonly inputs: JsonObject;
  /** Node input paths that did not resolve. */
  readonly missing: readonly string[];
  /** The visit could not be spent from the budget. */
  readonly overBudget: boolean;
  /** Declared required inputs that are missing (the CC ends with `on_input_failure`). */
  readonly inputFailure: readonly string[];
  /** Step results by step name: mapped outputs plus `capability_result`. */
  readonly steps: Record<string, JsonObject>;
  /** The CC's output surface: inputs overlaid with every step's mapped outputs. */
  readonly surface: JsonObject;
  /** Steps executed so far in this visit. */
  stepsRun: number;
  /** The CC's status so far. */
  status: string | null;
  /** What the last step contributed. */
  last: StepResolution | null;
}

/** Context of a workflow machine. */
export interface WorkflowContext {
  /** The run payload. */
  readonly payload: JsonObject;
  /**
   * The run's resources (internal).
   * @ignore
   */
  readonly scope: RunScope;
  /** CC surfaces by node key (one object per run, updated in place: long runs stay linear). */
  readonly results: Record<string, JsonObject>;
  /** Visits per node key. */
  readonly visits: Record<string, number>;
  /** Last outcome. */
  status: string | null;
  /** Node the last outcome came from. */
  lastNode: string | null;
  /**
   * The CC visit in progress (internal).
   * @ignore
   */
  cc: ContractVisit | null;
  /** Error that halted the run, and where. */
  fault: { readonly error: unknown; readonly node: string | null } | null;
  /** WF admission reasons, once checked. */
  denied: readonly string[] | null;
}

/** Events a workflow machine receives from its actors (done / error). */
export type WorkflowEvent = { type: string; output?: unknown; error?: unknown };

/** Names of a machine's invoke ids and internal event types, for the trace inspector. */
export interface MachineMeta {
  /** The graph. */
  readonly graph: ExecutionGraph;
  /** Invoke id of the IN actor of node `key`. */
  readonly intentId: (key: string) => string;
  /** Invoke id of a step's actor (by step index). */
  readonly stepId: (node: string, index: number) => string;
  /** Invoke id of the WF admission actor. */
  readonly admissionId: string;
}

const ADMISSION_ID = "admission";
/** The node name WF admission records and faults carry. */
export const WF_ADMISSION_NODE = "(workflow)";
const intentId = (key: string) => `in:${key}`;
const stepId = (node: string, index: number) => `step:${node}:${index}`;

/** The generated machines' shared naming. */
export const MACHINE_META = { admissionId: ADMISSION_ID, intentId, stepId } as const;

/** A function of the config that prints as `description` in {@link machineConfigJson}. */
function described<F extends (...args: never[]) => unknown>(
  fn: F,
  description: Record<string, unknown>,
): F {
  return Object.assign(fn, { toJSON: () => description });
}

/**
 * Step states are targeted by id: a step name may be anything (dots, a leading `#`), which
 * XState's path syntax for relative targets cannot express. Node keys are plain names.
 */
function stepStateId(node: string, index: number): string {
  return `step/${node}/${index}`;
}

function doneStateId(node: string): string {
  return `done/${node}`;
}

const SAFE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * The child-state keys of a CC state: `@inputs`, one per step, `@done`. A step's key is its
 * name when that is a plain name; anything else (dots, a leading `#`, a repeated name),
 * which XState's state keys cannot carry, becomes `@step:<index>` (internal keys start
 * with `@`, plain names never do).
 */
export function childStateKeys(cc: CcNode["cc"]): {
  readonly inputs: string;
  readonly done: string;
  readonly steps: readonly string[];
} {
  const used = new Set<string>();
  const steps = cc.steps.map((s, i) => {
    const key = SAFE_KEY.test(s.name) && !used.has(s.name) ? s.name : `@step:${i}`;
    used.add(key);
    return key;
  });
  return { inputs: INPUTS_STATE, done: DONE_STATE, steps };
}

/** Resolves a CC visit's node inputs and checks the visit (pure but for the budget). */
function enterContract(node: CcNode, context: WorkflowContext): ContractVisit {
  const scope = context.scope;
  const visit = (context.visits[node.key] ?? 0) + 1;
  context.visits[node.key] = visit;
  const overBudget = !spend(scope.budget);
  const missing: string[] = [];
  const inputs = overBudget ? {} : resolveBinding(
    node.inputs,
    { payload: context.payload, results: context.results },
    scope.rc.startedAt,
    (p) => missing.push(p),
  ) as JsonObject;
  const inputFailure = overBudget
    ? []
    : node.cc.requiredInputs.filter((k) => inputs[k] === undefined || inputs[k] === null);
  return {
    node: node.key,
    visit,
    inputs,
    missing,
    overBudget,
    inputFailure,
    steps: {},
    surface: { ...inputs },
    stepsRun: 0,
    status: null,
    last: null,
  };
}

/** A step's outputs, evaluation and step result from its actor output (no mutation). */
function resolveStep(
  cc: CcNode["cc"],
  visit: ContractVisit,
  step: CompiledStep,
  output: StepOutput,
  route: string,
  now: string,
): StepResolution & { result: JsonObject } {
  const raw = output.raw ?? {};
  const missingOutputs: string[] = [];
  const outputs: JsonObject = {};
  for (const [name, b] of step.outputs) {
    outputs[name] = resolveBinding(
      b,
      { ...raw, capability_result: raw, results: visit.steps, inputs: visit.inputs },
      now,
      (p) => missingOutputs.push(`${name} = ${p}`),
    );
  }
  const result = { ...outputs, capability_result: raw };
  const ev = cc.evaluations[route];
  if (!ev || !Object.hasOwn(cc.evaluations, route)) {
    return { step: step.name, outputs, missingOutputs, route, result };
  }
  const results = { ...visit.steps, [step.name]: result };
  const value = evaluateCondition(
    ev.condition,
    { ...raw, ...outputs, capability_result: raw, inputs: visit.inputs, results },
    now,
  );
  return {
    step: step.name,
    outputs,
    missingOutputs,
    route,
    result,
    evaluation: {
      name: route,
      condition: ev.condition.text,
      value,
      status: value ? ev.onTrue : ev.onFalse,
    },
  };
}

/** The machine config of a graph (plain data plus described functions). */
export function workflowMachineConfig(graph: ExecutionGraph): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  const halted = `#${HALTED_STATE}`;
  const fault = (node: string) => ({
    target: halted,
    actions: [{ type: "pgs.fault", params: { node } }],
  });
  if (graph.admission) {
    const admission = graph.admission;
    states[ADMISSION_STATE] = {
      invoke: {
        id: ADMISSION_ID,
        src: ADMISSION_ACTOR,
        input: described(
          ({ context }: { context: WorkflowContext }): AdmissionInput => ({
            scope: context.scope,
            admission,
            payload: context.payload,
          }),
          { input: "wf-admission", requires: admission.requires, forbids: admission.forbids },
        ),
        onDone: [
          { guard: "pgs.admitted", target: graph.start, actions: "pgs.admission" },
          { target: DENIED_STATE, actions: "pgs.admission" },
        ],
        onError: fault(WF_ADMISSION_NODE),
      },
    };
  }
  for (const node of Object.values(graph.nodes)) {
    if (node.type === "EXIT") {
      states[node.key] = { type: "final", output: { end: "exit", node: node.key } };
    } else if (node.type === "IN") {
      states[node.key] = inState(node, fault);
    } else {
      states[node.key] = ccState(node, fault);
    }
  }
  states[NO_TRANSITION_STATE] = { type: "final", output: { end: "no_transition" } };
  states[HALTED_STATE] = { id: HALTED_STATE, type: "final", output: { end: "halted" } };
  if (graph.admission) states[DENIED_STATE] = { type: "final", output: { end: "denied" } };
  return {
    id: graph.workflow,
    initial: graph.admission ? ADMISSION_STATE : graph.start,
    context: described(
      ({ input }: { input: WorkflowInput }): WorkflowContext => ({
        payload: input.payload,
        scope: input.scope,
        results: {},
        visits: {},
        status: null,
        lastNode: null,
        cc: null,
        fault: null,
        denied: null,
      }),
      { context: "payload, scope and empty results from the input" },
    ),
    states,
    output: described(
      ({ context, event }: { context: WorkflowContext; event: { output?: RunEnd } }) =>
        outcomeOf(graph, context, event.output ?? { end: "halted" }),
      { output: "GraphOutcome: status, classification, exit node, reason, emit, results" },
    ),
  };
}

function inState(
  node: InNode,
  fault: (node: string) => unknown,
): Record<string, unknown> {
  const next = Object.keys(node.next);
  return {
    invoke: {
      id: intentId(node.key),
      src: INTENT_ACTOR,
      input: described(
        ({ context }: { context: WorkflowContext }): IntentInput => ({
          scope: context.scope,
          node: node.key,
          intent: node.intent,
          next,
          payload: context.payload,
        }),
        { input: "intent", node: node.key, intent: node.intent?.fqdn ?? null },
      ),
      onDone: [
        ...Object.entries(node.next).map(([outcome, to]) => ({
          guard: { type: "pgs.verdict", params: { is: outcome } },
          target: to,
          actions: [{ type: "pgs.verdictOf", params: { node: node.key } }],
        })),
        {
          target: NO_TRANSITION_STATE,
          actions: [{ type: "pgs.verdictOf", params: { node: node.key } }],
        },
      ],
      onError: fault(node.key),
    },
  };
}

function ccState(node: CcNode, fault: (node: string) => unknown): Record<string, unknown> {
  const { cc } = node;
  const names = childStateKeys(cc);
  const done = `#${doneStateId(node.key)}`;
  const stepTarget = (i: number) => `#${stepStateId(node.key, i)}`;
  const sub: Record<string, unknown> = {};
  sub[names.inputs] = {
    always: [
      { guard: "pgs.overBudget", target: `#${HALTED_STATE}`, actions: "pgs.budgetSpent" },
      { guard: "pgs.inputsMissing", target: done, actions: "pgs.inputFailure" },
      { target: cc.steps.length > 0 ? stepTarget(0) : done },
    ],
  };
  cc.steps.forEach((step, i) => {
    const stepDone = (route: string, status?: string) => [{
      type: "pgs.stepDone",
      params: { node: node.key, step: step.name, route, ...(status ? { status } : {}) },
    }];
    const onDone: unknown[] = [];
    for (const [status, route] of Object.entries(step.onResult)) {
      const is = { type: "pgs.stepStatus", params: { is: status } };
      if (route.kind === "continue") {
        const to = i + 1 < cc.steps.length ? stepTarget(i + 1) : done;
        onDone.push({ guard: is, target: to, actions: stepDone("continue") });
      } else if (route.kind === "exit") {
        onDone.push({ guard: is, target: done, actions: stepDone("exit") });
      } else if (route.kind === "step") {
        onDone.push({
          guard: is,
          target: stepTarget(route.index),
          reenter: true,
          actions: stepDone(route.name),
        });
      } else {
        const ev = cc.evaluations[route.name];
        onDone.push({
          guard: {
            type: "pgs.evaluation",
            params: { node: node.key, step: step.name, is: status, evaluation: route.name },
          },
          target: done,
          actions: stepDone(route.name, ev.onTrue),
        }, { guard: is, target: done, actions: stepDone(route.name, ev.onFalse) });
      }
    }
    // A status on_result does not list ends the CC with it (fail closed).
    onDone.push({ target: done, actions: stepDone("unlisted") });
    sub[names.steps[i]] = {
      id: stepStateId(node.key, i),
      invoke: {
        id: stepId(node.key, i),
        src: step.capability,
        input: stepInputOf(node, step),
        onDone,
        onError: fault(node.key),
      },
    };
  });
  sub[names.done] = { id: doneStateId(node.key), type: "final" };
  return {
    entry: [{ type: "pgs.enterContract", params: { node: node.key } }],
    initial: names.inputs,
    states: sub,
    onDone: [
      ...Object.entries(node.next).map(([outcome, to]) => ({
        guard: { type: "pgs.outcome", params: { is: outcome } },
        target: to,
        actions: [{ type: "pgs.contractDone", params: { node: node.key } }],
      })),
      {
        target: NO_TRANSITION_STATE,
        actions: [{ type: "pgs.contractDone", params: { node: node.key } }],
      },
    ],
  };
}

function stepInputOf(node: CcNode, step: CompiledStep) {
  return described(
    ({ context }: { context: WorkflowContext }): StepInput => {
      const cc = context.cc!;
      const missing: string[] = [];
      const inputs = resolveBinding(
        step.inputs,
        { inputs: cc.inputs, results: cc.steps },
        context.scope.rc.startedAt,
        (p) => missing.push(p),
      ) as JsonObject;
      return {
        scope: context.scope,
        node: node.key,
        step,
        inputs,
        missing,
        // The entropy scope counts steps within this node visit, so it does not depend on
        // how concurrent siblings interleave.
        entropyScope: `${context.scope.runId}/${node.key}#${cc.visit}/${step.name}#${
          cc.stepsRun + 1
        }`,
      };
    },
    { input: "step", node: node.key, step: step.name, op: step.op },
  );
}

/** The run's outcome from its context and the final state it reached. */
function outcomeOf(graph: ExecutionGraph, context: WorkflowContext, end: RunEnd): GraphOutcome {
  const results = context.results;
  const fail = (
    classification: RunClassification,
    status: string,
    reason: string,
  ): GraphOutcome => ({
    status: status || reason,
    classification,
    exitNode: null,
    reason,
    emit: null,
    results,
  });
  switch (end.end) {
    case "exit": {
      const exit = graph.nodes[end.node];
      const reason = exit.type === "EXIT" ? exit.reason : null;
      const status = context.status ?? "";
      return {
        status,
        classification: classify(status, reason),
        exitNode: end.node,
        reason,
        emit: exit.type === "EXIT" ? exit.emit : null,
        results,
      };
    }
    case "no_transition":
      return fail(RunClassification.FAILED, context.status ?? "", FailureReason.NO_TRANSITION);
    case "denied":
      return {
        status: FailureReason.ADMISSION_DENIED,
        classification: RunClassification.REJECTED,
        exitNode: null,
        reason: FailureReason.ADMISSION_DENIED,
        emit: null,
        results: {},
      };
    case "halted": {
      const error = context.fault?.error;
      if (error instanceof BudgetExceeded) {
        const reason = FailureReason.STEP_BUDGET_EXCEEDED;
        return { ...fail(RunClassification.FAILED, reason, reason), error };
      }
      // The WF admission check itself failing (storage) is not a capability's fault: its
      // error surfaces as it is (the root run is refused; a parent CS sees it).
      const admission = context.fault?.node === WF_ADMISSION_NODE;
      const wrapped = error instanceof CapabilityFault || admission
        ? error
        : new CapabilityFault(context.fault?.node ?? context.lastNode ?? "", undefined, error);
      return {
        ...fail(RunClassification.FAULTED, FailureReason.FAULT, FailureReason.FAULT),
        error: wrapped,
      };
    }
  }
}

/** Looks up a CC node and step of `graph` (params of the generated config). */
function lookup(graph: ExecutionGraph, node: string, step: string): [CcNode, CompiledStep] {
  const n = graph.nodes[node] as CcNode;
  return [n, n.cc.steps.find((s) => s.name === step)!];
}

/** Caches a step's resolution per actor output, shared by its guard and its action. */
const resolutions = new WeakMap<object, StepResolution & { result: JsonObject }>();

function resolutionOf(
  graph: ExecutionGraph,
  context: WorkflowContext,
  output: StepOutput,
  params: { node: string; step: string; route: string },
) {
  let r = resolutions.get(output);
  if (!r || r.route !== params.route) {
    const [node, step] = lookup(graph, params.node, params.step);
    r = resolveStep(node.cc, context.cc!, step, output, params.route, context.scope.rc.startedAt);
    resolutions.set(output, r);
  }
  return r;
}

type Args = { context: WorkflowContext; event: WorkflowEvent };

/**
 * Builds the XState machine of a compiled workflow graph with the given actors (capability
 * FQDN → logic, plus `pgs.intent` and `pgs.admission`).
 */
export function createWorkflowMachine(
  graph: ExecutionGraph,
  actors: Record<string, AnyActorLogic>,
) {
  return setup({
    types: {} as {
      context: WorkflowContext;
      input: WorkflowInput;
      output: GraphOutcome;
      events: WorkflowEvent;
    },
    actors,
    guards: {
      "pgs.admitted": ({ event }: Args) => (event.output as readonly string[]).length === 0,
      "pgs.verdict": ({ event }: Args, p: { is: string }) =>
        (event.output as IntentOutput).outcome === p.is,
      "pgs.overBudget": ({ context }: Args) => context.cc!.overBudget,
      "pgs.inputsMissing": ({ context }: Args) => context.cc!.inputFailure.length > 0,
      "pgs.stepStatus": ({ event }: Args, p: { is: string }) =>
        (event.output as StepOutput).status === p.is,
      "pgs.evaluation": (
        { context, event }: Args,
        p: { node: string; step: string; is: string; evaluation: string },
      ) => {
        const out = event.output as StepOutput;
        if (out.status !== p.is) return false;
        return resolutionOf(graph, context, out, { ...p, route: p.evaluation }).evaluation!
          .value;
      },
      "pgs.outcome": ({ context }: Args, p: { is: string }) => context.cc!.status === p.is,
    },
    actions: {
      "pgs.admission": assign(({ event }: Args) => ({
        denied: event.output as readonly string[],
      })),
      "pgs.verdictOf": assign(({ event }: Args, p: { node: string }) => ({
        status: (event.output as IntentOutput).outcome,
        lastNode: p.node,
      })),
      "pgs.enterContract": assign(({ context }: Args, p: { node: string }) => ({
        cc: enterContract(graph.nodes[p.node] as CcNode, context),
      })),
      "pgs.budgetSpent": assign(({ context }: Args) => ({
        fault: {
          error: new BudgetExceeded(context.scope.budget.max, undefined, true),
          node: context.cc!.node,
        },
      })),
      "pgs.inputFailure": assign(({ context }: Args) => {
        const cc = context.cc!;
        cc.status = (graph.nodes[cc.node] as CcNode).cc.onInputFailure;
        return { cc };
      }),
      "pgs.stepDone": assign((
        { context, event }: Args,
        p: { node: string; step: string; route: string; status?: string },
      ) => {
        const cc = context.cc!;
        const out = event.output as StepOutput;
        const r = resolutionOf(graph, context, out, p);
        cc.steps[p.step] = r.result;
        Object.assign(cc.surface, r.outputs);
        cc.stepsRun++;
        cc.status = p.status ?? out.status;
        cc.last = r;
        return { cc };
      }),
      "pgs.contractDone": assign(({ context }: Args, p: { node: string }) => {
        const cc = context.cc!;
        context.results[p.node] = cc.surface;
        // A CC's writes form one unit when a large run must be split across commits.
        context.scope.txn?.boundary();
        return { status: cc.status, lastNode: p.node };
      }),
      "pgs.fault": assign(({ event }: Args, p: { node: string }) => ({
        fault: { error: event.error, node: p.node },
      })),
    },
    // deno-lint-ignore no-explicit-any
  }).createMachine(workflowMachineConfig(graph) as any);
}

/** The generated machine config of a graph as JSON text (for `check --machine`). */
export function machineConfigJson(graph: ExecutionGraph): string {
  return JSON.stringify(workflowMachineConfig(graph), null, 2);
}
