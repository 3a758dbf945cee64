/**
 * Runs a compiled workflow: WF admission, then the generated machine with node actors,
 * child runs for the workflow-invoking CS kinds, a shared step budget, and the XState
 * inspection stream turned into node and transition records.
 *
 * @module
 */
import { type AnyActorRef, createActor, type InspectionEvent, toPromise } from "xstate";
import type { CompiledWorkflow, ExecutionGraph } from "../snapshot/graph.ts";
import type { StateTxn } from "../storage/store.ts";
import type { NodeTiming, ResultRecord } from "../trace/record.ts";
import type { RunRecorder } from "../trace/recorder.ts";
import { checkAdmission, validateIntent } from "./admission.ts";
import type { CapabilitySet, ChildRunResult, JsonObject } from "./capability.ts";
import { resolveBinding } from "./inputs.ts";
import {
  createWorkflowMachine,
  HALTED_STATE,
  type MachineEnv,
  NO_TRANSITION_STATE,
  OUTCOME_EVENT_PREFIX,
} from "./machine.ts";
import {
  type Budget,
  BudgetExceeded,
  CapabilityFault,
  MAX_CHILD_DEPTH,
  type NodeEnv,
  runContract,
  spend,
} from "./pipeline.ts";
import type { ReplaySource } from "./replay_source.ts";
import { type Branch, onTurn, TurnGroup } from "./turns.ts";
import type { RunContext } from "./run_context.ts";

/** Run classifications. */
export const RunClassification = {
  COMPLETED: "COMPLETED",
  REJECTED: "REJECTED",
  FAILED: "FAILED",
  FAULTED: "FAULTED",
} as const;

/** How a (child) run ended. */
export interface GraphOutcome {
  /** Outcome status that led to the end. */
  readonly status: string;
  /** COMPLETED, REJECTED, ENDED_<STATUS>, FAILED or FAULTED. */
  readonly classification: string;
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

/** Everything shared by a root run and its children. */
export interface RunShared {
  /** Compiled closure. */
  readonly compiled: CompiledWorkflow;
  /** State transaction. */
  readonly txn: StateTxn;
  /** Clock and entropy. */
  readonly rc: RunContext;
  /** Capabilities. */
  readonly caps: CapabilitySet;
  /** Budget. */
  readonly budget: Budget;
  /** Secrets to redact. */
  readonly secrets: Set<string>;
  /** Node timings (out of the hashed body). */
  readonly timings: NodeTiming[];
  /** Reads a monotonic clock in ms for timings only (never enters the body). */
  readonly clock: () => number;
  /** Set during replay: recorded results to serve instead of executing. */
  readonly replay?: ReplaySource;
  /** Turn groups of the child runs in flight, by parent run, node and step. */
  readonly groups: Map<string, TurnGroup>;
}

const machines = new WeakMap<ExecutionGraph, ReturnType<typeof createWorkflowMachine>>();

/** The (cached) machine of a graph. */
export function machineOf(graph: ExecutionGraph): ReturnType<typeof createWorkflowMachine> {
  let m = machines.get(graph);
  if (!m) {
    m = createWorkflowMachine(graph);
    machines.set(graph, m);
  }
  return m;
}

/** Runs one graph (root or child) to its end and records its result. */
export async function runGraph(
  graph: ExecutionGraph,
  payload: JsonObject,
  rec: RunRecorder,
  shared: RunShared,
  branch: Branch = [],
): Promise<GraphOutcome> {
  let outcome: GraphOutcome;
  const admission = graph.admission;
  const denied = !admission
    ? []
    : shared.replay
    ? shared.replay.admission(rec.runId)
    : await onTurn(branch, () => checkAdmission(admission, payload, shared.txn));
  if (graph.admission) {
    rec.push({
      type: "admission",
      kind: "WF",
      node: "(workflow)",
      outcome: denied.length ? "ADMISSION_DENIED" : "ADMITTED",
      reasons: denied,
    });
  }
  if (denied.length > 0) {
    outcome = {
      status: "ADMISSION_DENIED",
      classification: RunClassification.REJECTED,
      exitNode: null,
      reason: "ADMISSION_DENIED",
      emit: null,
      results: {},
    };
  } else {
    outcome = await traverse(graph, payload, rec, shared, branch);
  }
  if (outcome.error instanceof CapabilityFault) {
    rec.push({
      type: "fault",
      node: outcome.error.node,
      ...(outcome.error.step ? { step: outcome.error.step } : {}),
      error: outcome.error.message,
    });
  }
  const result: Omit<ResultRecord, "seq" | "prev" | "run"> = {
    type: "result",
    workflow: graph.workflow,
    status: outcome.status,
    classification: outcome.classification,
    exit_node: outcome.exitNode,
    reason: outcome.reason,
    emit: outcome.emit,
    results: outcome.results,
  };
  rec.push(result);
  return outcome;
}

async function traverse(
  graph: ExecutionGraph,
  payload: JsonObject,
  rec: RunRecorder,
  shared: RunShared,
  branch: Branch,
): Promise<GraphOutcome> {
  const visits = new Map<string, number>();
  const nodeEnv: NodeEnv = {
    txn: shared.txn,
    rc: shared.rc,
    rec,
    caps: shared.caps,
    budget: shared.budget,
    secrets: shared.secrets,
    replay: shared.replay,
    onTurn: (work) => onTurn(branch, work),
    runChild: (wf, p, label, node, step) =>
      runChild(wf, p, `${rec.runId}/${node}/${step}/${label}`, rec, node, step, shared, branch),
  };
  const env: MachineEnv = {
    async visit(key, payload, results) {
      spend(shared.budget);
      const node = graph.nodes[key];
      const n = (visits.get(key) ?? 0) + 1;
      visits.set(key, n);
      const t0 = shared.clock();
      let status: string;
      let surface: JsonObject | undefined;
      if (node.type === "IN") {
        const served = shared.replay?.intent(rec.runId, key);
        if (served) {
          status = served.outcome;
          rec.push({
            type: "admission",
            kind: "IN",
            node: key,
            outcome: status,
            reasons: served.reasons,
          });
        } else if (node.intent) {
          const reasons = validateIntent(payload, node.intent.inputs);
          status = reasons.length ? "NACK" : "ACK";
          rec.push({ type: "admission", kind: "IN", node: key, outcome: status, reasons });
        } else {
          status = "ACK" in node.next ? "ACK" : "default";
          rec.push({ type: "admission", kind: "IN", node: key, outcome: status, reasons: [] });
        }
      } else if (node.type === "CC") {
        const missing: string[] = [];
        const inputs = resolveBinding(
          node.inputs,
          { payload, results },
          shared.rc.startedAt,
          (p) => missing.push(p),
        ) as JsonObject;
        rec.push({ type: "node", node: key, node_type: "CC", fqdn: node.cc.fqdn, inputs });
        for (const p of missing) {
          rec.push({
            type: "warning",
            code: "INPUT_PATH_MISSING",
            node: key,
            message: `node input path ${p} did not resolve; passed null`,
          });
        }
        const r = await runContract(node, inputs, nodeEnv, `${rec.runId}/${key}#${n}`);
        // A CC's writes form one unit when a large run must be split across commits.
        shared.txn.boundary();
        status = r.status;
        surface = r.surface;
      } else {
        throw new Error(`EXIT node ${key} cannot be visited`);
      }
      shared.timings.push({ run: rec.runId, node: key, outcome: status, ms: shared.clock() - t0 });
      return { status, surface };
    },
  };
  const machine = machineOf(graph);
  const self: { ref?: AnyActorRef } = {};
  let current = graph.start;
  const inspect = (e: InspectionEvent) => {
    if (e.type !== "@xstate.microstep" || e.actorRef !== self.ref) return;
    const type = e.event.type;
    if (!type.startsWith(OUTCOME_EVENT_PREFIX)) return;
    const from = current;
    const to = String((e.snapshot as unknown as { value: unknown }).value);
    current = to;
    const outcome = type.slice(OUTCOME_EVENT_PREFIX.length);
    const target = to === NO_TRANSITION_STATE ? null : to;
    const ctx =
      (e.snapshot as unknown as { context: { results: Record<string, JsonObject> } }).context;
    rec.push({ type: "transition", from, outcome, to: target, outputs: ctx.results[from] ?? null });
    const node = target ? graph.nodes[target] : undefined;
    if (node?.type === "IN") {
      rec.push({ type: "node", node: node.key, node_type: "IN", fqdn: node.intent?.fqdn });
    }
    if (node?.type === "EXIT") {
      // Reason and emit are recorded here too, so the (unchained) result line can be
      // checked against a hashed record.
      rec.push({
        type: "node",
        node: node.key,
        node_type: "EXIT",
        reason: node.reason,
        emit: node.emit,
      });
    }
  };
  const startNode = graph.nodes[graph.start];
  if (startNode.type === "IN") {
    rec.push({ type: "node", node: startNode.key, node_type: "IN", fqdn: startNode.intent?.fqdn });
  }
  const actor = createActor(machine, { input: { payload, env }, inspect });
  self.ref = actor;
  actor.start();
  await toPromise(actor).catch(() => undefined);
  const snap = actor.getSnapshot();
  const ctx = snap.context;
  const at = String(snap.value);
  if (at === NO_TRANSITION_STATE) {
    return fail("FAILED", ctx.status ?? "", "NO_TRANSITION", ctx.results);
  }
  if (at === HALTED_STATE) {
    if (ctx.error instanceof BudgetExceeded) {
      return {
        ...fail("FAILED", "STEP_BUDGET_EXCEEDED", "STEP_BUDGET_EXCEEDED", ctx.results),
        error: ctx.error,
      };
    }
    const fault = ctx.error instanceof CapabilityFault
      ? ctx.error
      : new CapabilityFault(ctx.lastNode ?? current, undefined, ctx.error);
    return { ...fail("FAULTED", "FAULT", "FAULT", ctx.results), error: fault };
  }
  const exit = graph.nodes[at];
  const reason = exit.type === "EXIT" ? exit.reason : null;
  const status = ctx.status ?? "";
  return {
    status,
    classification: classify(status, reason),
    exitNode: at,
    reason,
    emit: exit.type === "EXIT" ? exit.emit : null,
    results: ctx.results,
  };
}

/**
 * Outcomes that mean "the declared effect holds": ALREADY_EXISTS is an idempotent
 * success (execution ≠ effect), visible as the status but not a failure.
 */
const SUCCESS_LIKE = new Set(["SUCCESS", "ACK", "ALREADY_EXISTS", "default"]);

/**
 * Classification of a run that reached an EXIT (SPEC §4): NACK → REJECTED; reason
 * COMPLETED, or EXITED / no reason after a success-like outcome → COMPLETED; any other
 * declared exit → ENDED_<STATUS> (ENDED_<REASON> when the status itself was success-like).
 */
export function classify(status: string, reason: string | null): string {
  if (status === "NACK") return RunClassification.REJECTED;
  if (reason === "COMPLETED") return RunClassification.COMPLETED;
  const plainExit = reason === null || reason === "EXITED";
  if (SUCCESS_LIKE.has(status)) return plainExit ? RunClassification.COMPLETED : `ENDED_${reason}`;
  return `ENDED_${status}`;
}

function fail(
  classification: string,
  status: string,
  reason: string,
  results: Record<string, JsonObject>,
): GraphOutcome {
  return { status: status || reason, classification, exitNode: null, reason, emit: null, results };
}

async function runChild(
  workflow: string,
  payload: JsonObject,
  childId: string,
  rec: RunRecorder,
  node: string,
  step: string,
  shared: RunShared,
  branch: Branch,
): Promise<ChildRunResult> {
  const graph = shared.compiled.graphs.get(workflow);
  if (!graph) {
    rec.push({
      type: "warning",
      code: "UNKNOWN_CHILD_WORKFLOW",
      node,
      step,
      message: `child workflow ${workflow} is not in the compiled closure; reported NOT_FOUND`,
    });
    return { status: "NOT_FOUND", classification: RunClassification.FAILED, results: {} };
  }
  const childRec = (() => {
    rec.push({ type: "child_run", child: childId, workflow, node, step, payload });
    return rec.child(childId);
  })();
  if (branch.length + 1 > MAX_CHILD_DEPTH) {
    throw new BudgetExceeded(
      shared.budget.max,
      `child runs nested deeper than ${MAX_CHILD_DEPTH} levels (runaway recursion)`,
    );
  }
  // Children of one step take turns (see turns.ts); joining happens synchronously, in call
  // order, so the rotation is the declaration order.
  const key = `${rec.runId}\0${node}\0${step}`;
  let group = shared.groups.get(key);
  if (!group) {
    group = new TurnGroup();
    shared.groups.set(key, group);
  }
  group.join(childId);
  let outcome: GraphOutcome;
  try {
    outcome = await runGraph(graph, payload ?? {}, childRec, shared, [...branch, {
      group,
      member: childId,
    }]);
  } finally {
    group.leave(childId);
  }
  if (outcome.error) throw outcome.error;
  return {
    status: outcome.status,
    classification: outcome.classification,
    results: outcome.results,
  };
}
