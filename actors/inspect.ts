/**
 * The XState inspection stream → `pgs.trace` records. Every record of a run body after the
 * header comes from here: node entries and transitions from `@xstate.microstep`, step
 * results and effects from the step actors' done events (also microsteps), warnings the
 * actors send themselves from `@xstate.event`, child runs from `@xstate.actor`, and each
 * run's result from its final `@xstate.snapshot`. docs/TRACE.md has the full table.
 *
 * Observation only: nothing here feeds back into routing. Records of each (child) run go
 * to that run's buffer in the {@link RunRecorder} tree, so concurrent children never
 * interleave in the trace.
 *
 * @module
 */
import type { AnyActorRef, AnyStateMachine, InspectionEvent } from "xstate";
import type { CcNode, ExecutionGraph } from "../snapshot/graph.ts";
import type { NodeTiming } from "../trace/record.ts";
import type { RunRecorder } from "../trace/recorder.ts";
import type { GraphOutcome, WorkflowInput } from "./children.ts";
import { CapabilityFault } from "./faults.ts";
import {
  ADMISSION_STATE,
  childStateKeys,
  MACHINE_META,
  NO_TRANSITION_STATE,
  type WorkflowContext,
} from "./machine.ts";
import { collectSecrets } from "./secrets.ts";
import { STEP_WARNING, type StepOutput, type WarningEvent } from "./step_actors.ts";

/** What the inspector needs besides the events. */
export interface InspectorOptions {
  /** The root run's recorder (its header is already pushed). */
  readonly root: RunRecorder;
  /** True for the generated workflow machines (their actors are runs). */
  readonly isWorkflow: (logic: unknown) => boolean;
  /** Secrets collected from suppressed fields (shared with the redaction). */
  readonly secrets: Set<string>;
  /** Node timings, out of the hashed body. */
  readonly timings: NodeTiming[];
  /** A monotonic clock in ms, for timings only. */
  readonly clock: () => number;
}

interface RunTrace {
  readonly runId: string;
  readonly graph: ExecutionGraph;
  readonly rec: RunRecorder;
  /** Current top-level state key, null before the initial entry is recorded. */
  node: string | null;
  /** Current child state of a CC state. */
  sub: string | null;
  /** Start of the current node visit (timings). */
  t0: number;
  /** Step done / state done event types of the current node, precomputed per graph. */
  readonly doneTypes: DoneTypes;
}

interface DoneTypes {
  readonly admission: string;
  readonly intent: ReadonlyMap<string, string>;
  readonly step: ReadonlyMap<string, string>;
  readonly state: ReadonlyMap<string, string>;
  /** Child-state keys of each CC state: input check, steps (by key), done. */
  readonly internal: ReadonlyMap<
    string,
    { inputs: string; done: string; steps: ReadonlyMap<string, string> }
  >;
}

const DONE_ACTOR = "xstate.done.actor.";
const DONE_STATE_EVENT = "xstate.done.state.";

const doneTypesCache = new WeakMap<AnyStateMachine, DoneTypes>();

/** The done event types a machine's actors and CC states produce, by node (and step). */
function doneTypesOf(machine: AnyStateMachine, graph: ExecutionGraph): DoneTypes {
  let t = doneTypesCache.get(machine);
  if (!t) {
    const intent = new Map<string, string>();
    const step = new Map<string, string>();
    const state = new Map<string, string>();
    const internal = new Map<
      string,
      { inputs: string; done: string; steps: ReadonlyMap<string, string> }
    >();
    for (const node of Object.values(graph.nodes)) {
      if (node.type === "IN") intent.set(node.key, DONE_ACTOR + MACHINE_META.intentId(node.key));
      if (node.type === "CC") {
        state.set(node.key, DONE_STATE_EVENT + machine.root.states[node.key].id);
        const keys = childStateKeys(node.cc);
        const steps = new Map<string, string>();
        node.cc.steps.forEach((s, i) => {
          steps.set(keys.steps[i], s.name);
          step.set(`${node.key}\0${keys.steps[i]}`, DONE_ACTOR + MACHINE_META.stepId(node.key, i));
        });
        internal.set(node.key, { inputs: keys.inputs, done: keys.done, steps });
      }
    }
    t = { admission: DONE_ACTOR + MACHINE_META.admissionId, intent, step, state, internal };
    doneTypesCache.set(machine, t);
  }
  return t;
}

/** Splits a workflow snapshot value into its node and CC child state. */
function locate(value: unknown): [string, string | null] {
  if (typeof value === "string") return [value, null];
  const [node, sub] = Object.entries(value as Record<string, unknown>)[0];
  return [node, typeof sub === "string" ? sub : null];
}

/** Maps the inspection events of one run (and its children) to trace records. */
export class TraceInspector {
  readonly #o: InspectorOptions;
  readonly #runs = new Map<AnyActorRef, RunTrace>();
  readonly #byId = new Map<string, RunTrace>();

  /** Creates an inspector writing the root run's records into `options.root`. */
  constructor(options: InspectorOptions) {
    this.#o = options;
  }

  /** The inspection callback (pass as `inspect` to `createActor`). */
  readonly observe = (ev: InspectionEvent): void => {
    switch (ev.type) {
      case "@xstate.actor":
        return this.#actor(ev.actorRef as AnyActorRef);
      case "@xstate.event": {
        const type = ev.event.type;
        if (type === STEP_WARNING) return this.#warning(ev.event as WarningEvent);
        if (type === "xstate.init") {
          const ref = ev.actorRef as AnyActorRef;
          const run = this.#runs.get(ref);
          if (run && run.node === null) {
            this.#enterInitial(run, ref.getSnapshot().context);
          }
        }
        return;
      }
      case "@xstate.microstep": {
        const run = this.#runs.get(ev.actorRef as AnyActorRef);
        if (run) {
          this.#microstep(
            run,
            ev.event as { type: string; output?: unknown },
            ev.snapshot as unknown as { value: unknown; context: unknown },
          );
        }
        return;
      }
      case "@xstate.snapshot": {
        const run = this.#runs.get(ev.actorRef as AnyActorRef);
        const snap = ev.snapshot as { status: string; output?: unknown };
        if (run && snap.status === "done") this.#result(run, snap.output as GraphOutcome);
        return;
      }
    }
  };

  #actor(ref: AnyActorRef): void {
    const logic = (ref as unknown as { logic: AnyStateMachine }).logic;
    if (!this.#o.isWorkflow(logic)) return;
    const input = (ref as unknown as { options: { input: WorkflowInput } }).options.input;
    const scope = input.scope;
    const graph = scope.compiled.graphs.get(logic.id)!;
    let rec: RunRecorder;
    if (scope.parentRunId === null) rec = this.#o.root;
    else {
      const parent = this.#byId.get(scope.parentRunId)!;
      parent.rec.push({
        type: "child_run",
        child: scope.runId,
        workflow: graph.workflow,
        node: input.caller!.node,
        step: input.caller!.step,
        payload: input.payload,
      });
      rec = parent.rec.child(scope.runId);
    }
    const run: RunTrace = {
      runId: scope.runId,
      graph,
      rec,
      node: null,
      sub: null,
      t0: 0,
      doneTypes: doneTypesOf(logic, graph),
    };
    this.#runs.set(ref, run);
    this.#byId.set(scope.runId, run);
  }

  #warning(e: WarningEvent): void {
    this.#byId.get(e.run)?.rec.push({
      type: "warning",
      code: e.code,
      node: e.node,
      ...(e.step === undefined ? {} : { step: e.step }),
      message: e.message,
    });
  }

  #enterInitial(run: RunTrace, context: WorkflowContext): void {
    const initial = run.graph.admission ? ADMISSION_STATE : run.graph.start;
    run.node = initial;
    run.sub = run.doneTypes.internal.get(initial)?.inputs ?? null;
    this.#enter(run, initial, context);
  }

  #microstep(
    run: RunTrace,
    event: { type: string; output?: unknown },
    snapshot: { value: unknown; context: unknown },
  ): void {
    const context = snapshot.context as WorkflowContext;
    if (run.node === null) this.#enterInitial(run, context);
    const [node, sub] = locate(snapshot.value);
    const from = run.node!;
    const rec = run.rec;
    const t = run.doneTypes;
    const type = event.type;
    const fromNode = run.graph.nodes[from];
    if (type === t.admission) {
      const reasons = event.output as string[];
      rec.push({
        type: "admission",
        kind: "WF",
        node: "(workflow)",
        outcome: reasons.length ? "ADMISSION_DENIED" : "ADMITTED",
        reasons,
      });
    } else if (fromNode?.type === "IN" && type === t.intent.get(from)) {
      const out = event.output as { outcome: string; reasons: string[] };
      rec.push({
        type: "admission",
        kind: "IN",
        node: from,
        outcome: out.outcome,
        reasons: out.reasons,
      });
      this.#timing(run, from, out.outcome);
      this.#transition(run, from, out.outcome, node, context);
    } else if (fromNode?.type === "CC") {
      if (type === t.step.get(`${from}\0${run.sub}`)) {
        const stepName = t.internal.get(from)!.steps.get(run.sub!)!;
        this.#step(run, fromNode, stepName, event.output as StepOutput, context);
      } else if (type === t.state.get(from)) {
        const status = context.status ?? "";
        this.#timing(run, from, status);
        this.#transition(run, from, status, node, context);
      } else if (
        node === from && run.sub === t.internal.get(from)!.inputs &&
        sub === t.internal.get(from)!.done
      ) {
        const cc = fromNode.cc;
        rec.push({
          type: "warning",
          code: "INPUT_FAILURE",
          node: from,
          message: `required CC input(s) ${
            context.cc!.inputFailure.join(", ")
          } missing; status ${cc.onInputFailure} (on_input_failure of ${cc.file})`,
        });
      }
    }
    if (node !== from) {
      run.node = node;
      run.sub = sub;
      this.#enter(run, node, context);
    } else run.sub = sub;
  }

  #transition(
    run: RunTrace,
    from: string,
    outcome: string,
    to: string,
    context: WorkflowContext,
  ): void {
    run.rec.push({
      type: "transition",
      from,
      outcome,
      to: to === NO_TRANSITION_STATE ? null : to,
      outputs: context.results[from] ?? null,
    });
  }

  #enter(run: RunTrace, key: string, context: WorkflowContext): void {
    const node = run.graph.nodes[key];
    if (!node) return;
    run.t0 = this.#o.clock();
    if (node.type === "IN") {
      run.rec.push({ type: "node", node: key, node_type: "IN", fqdn: node.intent?.fqdn });
    } else if (node.type === "EXIT") {
      // Reason and emit are recorded here too, so the (unchained) result line can be
      // checked against a hashed record.
      run.rec.push({
        type: "node",
        node: key,
        node_type: "EXIT",
        reason: node.reason,
        emit: node.emit,
      });
    } else {
      const cc = context.cc!;
      // A visit the budget could not pay for did not happen.
      if (cc.overBudget) return;
      run.rec.push({
        type: "node",
        node: key,
        node_type: "CC",
        fqdn: node.cc.fqdn,
        inputs: cc.inputs,
      });
      for (const p of cc.missing) {
        run.rec.push({
          type: "warning",
          code: "INPUT_PATH_MISSING",
          node: key,
          message: `node input path ${p} did not resolve; passed null`,
        });
      }
      if (cc.inputFailure.length === 0) {
        collectSecrets(cc.inputs, node.cc.suppress, this.#o.secrets);
      }
    }
  }

  #step(
    run: RunTrace,
    node: CcNode,
    stepName: string,
    out: StepOutput,
    context: WorkflowContext,
  ): void {
    const cc = node.cc;
    const step = cc.steps.find((s) => s.name === stepName)!;
    const last = context.cc!.last!;
    const rec = run.rec;
    const inputs = out.inputs ?? {};
    const raw = out.raw ?? {};
    const secrets = this.#o.secrets;
    collectSecrets(inputs, cc.suppress, secrets);
    if (out.violation) {
      rec.push({
        type: "warning",
        code: "CT_VIOLATION",
        node: node.key,
        step: stepName,
        message: out.violation,
      });
    }
    for (const m of last.missingOutputs) {
      rec.push({
        type: "warning",
        code: "OUTPUT_PATH_MISSING",
        node: node.key,
        step: stepName,
        message: `output ${m}: the capability did not produce it; null`,
      });
    }
    collectSecrets({ ...inputs, ...last.outputs, ...raw }, cc.suppress, secrets);
    const secretEntropy = out.secretEntropy === true;
    rec.push({
      type: "step",
      node: node.key,
      step: stepName,
      kind: step.kind,
      capability: step.capability,
      op: step.op,
      inputs,
      outputs: last.outputs,
      // Replay serves CS results, and CT results it cannot recompute (secret entropy or
      // redacted inputs), from `result`; a plain CT's result is recomputed, so it is not
      // stored twice (its mapped outputs are).
      ...(step.kind === "CS" || secretEntropy || cc.suppress.length > 0 ? { result: raw } : {}),
      status: out.status,
      route: last.route,
      ...(last.evaluation ? { evaluation: { ...last.evaluation } } : {}),
      ...(secretEntropy ? { secret_entropy: true } : {}),
    });
    for (const e of out.servedEffects ?? []) rec.push(e);
    for (const m of out.effects ?? []) {
      rec.push({
        type: "effect",
        node: node.key,
        step: stepName,
        store: m.store,
        mutation: m.mutation,
        key: m.key,
        operation: step.op ?? "",
        result: out.status,
      });
    }
    if (last.route === "unlisted") {
      rec.push({
        type: "warning",
        code: "UNLISTED_STATUS",
        node: node.key,
        step: stepName,
        message:
          `status ${out.status} is not listed in on_result of step ${stepName} (${cc.file}); ` +
          `the CC ends with it (fail closed)`,
      });
    }
  }

  #timing(run: RunTrace, node: string, outcome: string): void {
    this.#o.timings.push({ run: run.runId, node, outcome, ms: this.#o.clock() - run.t0 });
  }

  #result(run: RunTrace, out: GraphOutcome): void {
    if (out.error instanceof CapabilityFault) {
      run.rec.push({
        type: "fault",
        node: out.error.node,
        ...(out.error.step ? { step: out.error.step } : {}),
        error: out.error.message,
      });
    }
    run.rec.push({
      type: "result",
      workflow: run.graph.workflow,
      status: out.status,
      classification: out.classification,
      exit_node: out.exitNode,
      reason: out.reason,
      emit: out.emit,
      results: out.results,
    });
  }
}
