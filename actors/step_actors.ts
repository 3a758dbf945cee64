/**
 * Capabilities as XState actor logic. Every pipeline step state of a generated machine
 * invokes the actor registered under its capability's FQDN: a CT runs synchronously inside
 * the actor's start (no promise hop), a CS awaits its I/O. IN validation and WF admission are
 * actors of the same kind (`pgs.intent`, `pgs.admission`).
 *
 * A step actor spends one unit of the run's budget, reports unresolved input paths as
 * `pgs.warning` events to itself (so they enter the inspection stream where they happen),
 * takes its turn when concurrent siblings share the state, and ends with a
 * {@link StepOutput}. A capability exception ends it with a {@link CapabilityFault} error;
 * a spent budget with {@link BudgetExceeded}.
 *
 * @module
 */
import type { ActorLogic, AnyActorRef, EventObject, Snapshot } from "xstate";
import { type Budget, spend } from "../semantics.ts";
import { type CompiledStep, type InNode, isWorkflowInvoking } from "../snapshot/graph.ts";
import type { Admission } from "../snapshot/graph.ts";
import type { RunEvent } from "../trace/recorder.ts";
import { checkAdmission, validateIntent } from "./admission.ts";
import {
  type CapabilitySet,
  type ChildRunResult,
  CtViolation,
  type JsonObject,
  type SideEffectFn,
  type SideEffectResult,
  type TransformContext,
  type TransformFn,
} from "./capability.ts";
import { runCtIr } from "./ct/mod.ts";
import { abortedRun } from "../errors.ts";
import { BUILTIN_SIDE_EFFECTS } from "./cs/mod.ts";
import { stepState } from "./step_state.ts";
import type { Mutation } from "../storage/store.ts";
import { BudgetExceeded, CapabilityFault } from "./faults.ts";
import { nonJsonReason } from "./inputs.ts";
import type { RunScope } from "./run_scope.ts";
import type { ServedCall, ServedFault, ServedStep } from "./replay_source.ts";
import { type Branch, holdsAll, onTurn, passAll } from "./turns.ts";

/** Event a step actor sends itself when its work is done. */
export const STEP_DONE = "pgs.step.done";
/** Event a step actor sends itself when its work failed. */
export const STEP_FAILED = "pgs.step.failed";
/** Event a step actor sends itself to put a warning into the trace (inspection stream). */
export const STEP_WARNING = "pgs.warning";
/** Source name of the IN validation actor. */
export const INTENT_ACTOR = "pgs.intent";
/** Source name of the WF admission actor. */
export const ADMISSION_ACTOR = "pgs.admission";

/** A warning reported by an actor through the inspection stream. */
export interface WarningEvent extends EventObject {
  /** Always {@link STEP_WARNING}. */
  readonly type: typeof STEP_WARNING;
  /** Run id the warning belongs to. */
  readonly run: string;
  /** Stable warning code. */
  readonly code: string;
  /** Node key. */
  readonly node: string;
  /** Step name, when inside a pipeline. */
  readonly step?: string;
  /** Human-readable detail. */
  readonly message: string;
}

/** The invoke input of a pipeline step state. */
export interface StepInput {
  /** The run's resources. */
  readonly scope: RunScope;
  /** CC node key. */
  readonly node: string;
  /** The compiled step. */
  readonly step: CompiledStep;
  /** Resolved step inputs. */
  readonly inputs: JsonObject;
  /** Step input paths that did not resolve (passed as null). */
  readonly missing: readonly string[];
  /** Entropy scope of this step execution (run/node#visit/step#n). */
  readonly entropyScope: string;
}

/** One state change a CS step made. */
export interface StepEffect {
  /** Store path. */
  readonly store: string;
  /** set / delete / append. */
  readonly mutation: string;
  /** Key or sequence number. */
  readonly key: string;
}

/** What a step actor outputs. */
export interface StepOutput {
  /** Routable status (after `on_ct_result` for CT steps). */
  readonly status: string;
  /** The capability's raw result. */
  readonly raw: JsonObject;
  /** The resolved inputs the step ran with (echoed for the trace). */
  readonly inputs?: JsonObject;
  /** The state changes this step made (workflow-invoking steps report none themselves). */
  readonly effects?: readonly StepEffect[];
  /** During replay: the recorded effect records served for this step. */
  readonly servedEffects?: readonly RunEvent[] | null;
  /** The step drew secret entropy (replay serves its recorded result). */
  readonly secretEntropy?: boolean;
  /** A CT's declared failure message (status is then `on_ct_result.on_failure`). */
  readonly violation?: string | null;
}

/** Input of the IN validation actor. */
export interface IntentInput {
  /** The run's resources. */
  readonly scope: RunScope;
  /** IN node key. */
  readonly node: string;
  /** The intent's input spec, or null (an IN node without intent admits). */
  readonly intent: InNode["intent"];
  /** Transition keys of the node (`ACK` or `default` is the verdict without an intent). */
  readonly next: readonly string[];
  /** The run payload. */
  readonly payload: JsonObject;
}

/** Output of the IN validation actor. */
export interface IntentOutput {
  /** ACK, NACK or `default`. */
  readonly outcome: string;
  /** Every reason for a NACK. */
  readonly reasons: readonly string[];
}

/** Input of the WF admission actor. */
export interface AdmissionInput {
  /** The run's resources. */
  readonly scope: RunScope;
  /** The workflow's admission preconditions. */
  readonly admission: Admission;
  /** The run payload. */
  readonly payload: JsonObject;
}

/** Events of a step actor: its own done / failed / warning events (others are ignored). */
export type StepEvent = EventObject & { readonly output?: unknown; readonly error?: unknown };

/** Snapshot of a step actor. */
export type StepSnapshot<O> = Snapshot<O> & { readonly input: unknown };

/**
 * Actor logic around a function that runs at start and returns its output, synchronously
 * (the actor is done before its parent's next macrostep, no promise involved) or as a
 * promise. A throw or rejection ends the actor with that error.
 */
export function stepLogic<I, O>(
  run: (input: I, self: AnyActorRef) => O | Promise<O>,
): ActorLogic<StepSnapshot<O>, StepEvent, I> {
  return {
    config: run,
    transition(snapshot, event) {
      if (snapshot.status !== "active") return snapshot;
      if (event.type === STEP_DONE) {
        return { ...snapshot, status: "done", output: event.output as O, input: undefined };
      }
      if (event.type === STEP_FAILED) {
        return { ...snapshot, status: "error", error: event.error, input: undefined };
      }
      if (event.type === "xstate.stop") return { ...snapshot, status: "stopped", input: undefined };
      return snapshot;
    },
    start(snapshot, { self }) {
      if (snapshot.status !== "active") return;
      let out: O | Promise<O>;
      try {
        out = run(snapshot.input as I, self);
      } catch (error) {
        self.send({ type: STEP_FAILED, error });
        return;
      }
      if (out instanceof Promise) {
        out.then(
          (output) => {
            if (self.getSnapshot().status === "active") self.send({ type: STEP_DONE, output });
          },
          (error) => {
            if (self.getSnapshot().status === "active") self.send({ type: STEP_FAILED, error });
          },
        );
      } else self.send({ type: STEP_DONE, output: out });
    },
    getInitialSnapshot: (_scope, input) =>
      ({ status: "active", output: undefined, error: undefined, input }) as StepSnapshot<O>,
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}

/** Sends a warning into the inspection stream (the trace records it where it happens). */
export function warn(
  self: AnyActorRef,
  run: string,
  code: string,
  node: string,
  step: string | undefined,
  message: string,
): void {
  const event: WarningEvent = {
    type: STEP_WARNING,
    run,
    code,
    node,
    ...(step === undefined ? {} : { step }),
    message,
  };
  self.send(event);
}

/**
 * Runs `work` on this run's turn: at once when no concurrent sibling shares the state or
 * the turn is held at every level (synchronous work stays synchronous), else when it comes.
 */
export function withTurn<T>(branch: Branch, work: () => T | Promise<T>): T | Promise<T> {
  if (branch.length === 0) return work();
  if (!holdsAll(branch)) return onTurn(branch, async () => await work());
  let out: T | Promise<T>;
  try {
    out = work();
  } catch (e) {
    passAll(branch);
    throw e;
  }
  if (out instanceof Promise) return out.finally(() => passAll(branch));
  passAll(branch);
  return out;
}

/** Spends one unit of the budget for the work about to start, or throws. */
export function spendOrStop(budget: Budget): void {
  if (!spend(budget)) throw new BudgetExceeded(budget.max, undefined, true);
}

/** How one step's capability is executed, once the common preamble is done. */
type Execute = (
  input: StepInput,
  ctx: TransformContext,
  self: AnyActorRef,
) => Executed | Promise<Executed>;

/** What a capability's execution gave: its result, and for a CS the writes it made. */
interface Executed {
  status: string;
  raw: JsonObject;
  violation?: string | null;
  own?: readonly Mutation[];
}

/**
 * The common body of every pipeline step: budget, input warnings, entropy scope, replay,
 * turn, effects capture, fault wrapping.
 */
function runStep(
  input: StepInput,
  self: AnyActorRef,
  execute: Execute,
  spawnChild?: SpawnChild,
) {
  const { scope, node, step } = input;
  // An aborted run calls no capability again, in the root or in any child still running.
  if (scope.signal?.aborted) throw abortedRun(scope.signal);
  spendOrStop(scope.budget);
  for (const p of input.missing) {
    warn(
      self,
      scope.runId,
      "INPUT_PATH_MISSING",
      node,
      step.name,
      `step input path ${p} did not resolve; passed null`,
    );
  }
  const base = scope.rc.transformContext(input.entropyScope);
  let secretEntropy = false;
  const ctx: TransformContext = {
    now: base.now,
    randomBytes: base.randomBytes,
    secretBytes: (n) => {
      secretEntropy = true;
      return base.secretBytes(n);
    },
  };
  const served = scope.replay?.take(
    scope.runId,
    node,
    step.name,
    step.kind,
    step.capability,
    input.inputs,
  );
  const orchestrates = step.kind === "CS" && isWorkflowInvoking(step.capability);
  const txn = scope.txn;
  const finish = (r: Executed, mark: number): StepOutput => {
    // A workflow-invoking step changes state only through its children, which record
    // their own effects; keys starting with NUL are a CS kind's private index (e.g. the
    // registry's address index), not declared state. Neither is reported here. A CS step's
    // effects are the writes made through its own handle (not its children's).
    const made = orchestrates || !txn ? [] : r.own ?? txn.mutations().slice(mark);
    const effects = made.flatMap((m) =>
      m.key.startsWith("\u0000") ? [] : [{ store: m.store, mutation: m.kind, key: m.key }]
    );
    return {
      status: r.status,
      raw: r.raw,
      inputs: input.inputs,
      effects,
      servedEffects: null,
      secretEntropy,
      violation: r.violation ?? null,
    };
  };
  // A served step ends as recorded: with its result (its capability caught any error of its
  // children), its own fault (the recorded text, whatever it looks like), the error of a
  // child it did not catch, or the budget.
  const serve = (s: ServedStep | ServedFault, childError: { error: unknown } | null) => {
    if (!("error" in s)) {
      return {
        status: s.status,
        raw: s.raw,
        inputs: input.inputs,
        effects: [],
        servedEffects: s.effects.map(({ seq: _s, prev: _p, run: _r, ...e }) => e),
        secretEntropy: s.secretEntropy,
        violation: s.violation,
      } satisfies StepOutput;
    }
    if (s.error !== null) throw new CapabilityFault(node, step.name, s.error);
    if (childError) throw childError.error;
    if (s.budgetExceeded) throw new BudgetExceeded(scope.budget.max);
    throw new CapabilityFault(
      node,
      step.name,
      `replay: no recorded result for step ${step.name} of ${node}`,
    );
  };
  const work = (): StepOutput | Promise<StepOutput> => {
    if (served) {
      if (served.calls.length === 0) return serve(served, null);
      if (!spawnChild) throw new TypeError(`${step.capability}: only a CS starts child runs`);
      return replayCalls(served.calls, spawnChild, self, input).then((e) => serve(served, e));
    }
    const mark = txn ? txn.mutations().length : 0;
    let r;
    try {
      r = execute(input, ctx, self);
    } catch (e) {
      throw asFault(e, scope.budget, node, step);
    }
    if (r instanceof Promise) {
      return r.then((x) => finish(x, mark), (e) => {
        throw asFault(e, scope.budget, node, step);
      });
    }
    return finish(r, mark);
  };
  // An orchestrating step only waits for its children, which take turns themselves.
  return orchestrates ? work() : withTurn(scope.branch, work);
}

/**
 * Replay of what a served CS step's capability did through `call.runChild`, without running
 * it: each recorded child run is started again (recorded workflow, payload and label, so
 * the same child id; its own steps are served or recomputed as usual) and each warning is
 * written again, one after the other in recorded order. Resolves with the first error a
 * child ended with (the capability saw it; whether it caught it is in the trace), if any.
 */
async function replayCalls(
  calls: readonly ServedCall[],
  spawnChild: SpawnChild,
  self: AnyActorRef,
  input: StepInput,
): Promise<{ error: unknown } | null> {
  let first: { error: unknown } | null = null;
  for (const call of calls) {
    if ("warning" in call) {
      const w = call.warning;
      warn(self, input.scope.runId, w.code, w.node ?? input.node, w.step, w.message);
      continue;
    }
    const { workflow, payload } = call.child;
    try {
      await spawnChild(self, input, workflow, (payload ?? {}) as JsonObject, call.label);
    } catch (error) {
      first ??= { error };
    }
  }
  return first;
}

function asFault(e: unknown, budget: Budget, node: string, step: CompiledStep): Error {
  if (e instanceof BudgetExceeded) return e;
  if (budget.used > budget.max) return new BudgetExceeded(budget.max);
  if (e instanceof CapabilityFault) return e;
  return new CapabilityFault(node, step.name, e);
}

/** A capability result that is not plain JSON is the capability's fault, not the trace's. */
function plainJson(raw: JsonObject, step: CompiledStep): JsonObject {
  const why = nonJsonReason(raw);
  if (why) {
    throw new TypeError(`${step.capability} returned a result that is not plain JSON: ${why}`);
  }
  return raw;
}

/** Actor logic of a CT step: runs the CT-IR with `transforms` synchronously. */
export function transformStepLogic(
  transforms: Readonly<Record<string, TransformFn>>,
): ActorLogic<StepSnapshot<StepOutput>, StepEvent, StepInput> {
  return stepLogic<StepInput, StepOutput>((input, self) =>
    runStep(input, self, ({ step, inputs }, ctx) => {
      try {
        // deno-lint-ignore no-explicit-any
        const raw = runCtIr(step.ctIr as any, inputs, ctx, transforms);
        return { status: step.onCtResult.success, raw: plainJson(raw, step) };
      } catch (e) {
        if (!(e instanceof CtViolation)) throw e;
        return { status: step.onCtResult.failure, raw: {}, violation: e.message };
      }
    })
  );
}

/** How a workflow-invoking step starts a child run (see children.ts). */
export type SpawnChild = (
  self: AnyActorRef,
  parent: StepInput,
  workflow: string,
  payload: JsonObject,
  label: string,
) => Promise<ChildRunResult>;

/** The built-in CS kinds: trusted to keep to the stores their declarations name. */
const BUILTIN_KINDS: ReadonlySet<SideEffectFn> = new Set(Object.values(BUILTIN_SIDE_EFFECTS));

/** Actor logic of a CS step: awaits the side-effect function on the run's transaction. */
export function sideEffectStepLogic(
  fn: SideEffectFn,
  spawnChild: SpawnChild,
): ActorLogic<StepSnapshot<StepOutput>, StepEvent, StepInput> {
  const builtin = BUILTIN_KINDS.has(fn);
  return stepLogic<StepInput, StepOutput>((input, self) =>
    runStep(input, self, async (inp, ctx, me) => {
      const { step, scope } = inp;
      if (!scope.txn) {
        throw new TypeError(
          `${step.capability} needs a state transaction: run the workflow with runWorkflow(), ` +
            `give createWorkflowInput() a state transaction, or provide an actor for it`,
        );
      }
      const handle = builtin
        ? stepState(scope.txn, step.capability, step.name)
        : stepState(scope.txn, step.capability, step.name, step.store?.path ?? null);
      // Child runs belong to the step that started them: it ends when they have (awaited or
      // not), and none starts once it has ended. Otherwise a child would run beside the
      // parent's later steps, or after the commit, and the trace would not replay.
      let open = true;
      const children: Promise<unknown>[] = [];
      const runChild = (wf: string, payload: JsonObject, label: string) => {
        if (!open) {
          return Promise.reject(
            new Error(
              `${step.capability} started a child run after its step ${step.name} ended: a ` +
                `capability must start its child runs before its result settles`,
            ),
          );
        }
        const child = spawnChild(me, inp, wf, payload, label);
        children.push(child.catch(() => undefined));
        return child;
      };
      let r: SideEffectResult;
      try {
        r = await fn({
          capability: step.capability,
          op: step.op ?? "",
          inputs: inp.inputs,
          store: step.store,
          policy: step.policy,
          state: handle.state,
          ctx,
          runChild,
          ...(scope.signal ? { signal: scope.signal } : {}),
        });
      } finally {
        while (children.length > 0) await children.shift();
        open = false;
        handle.end();
      }
      if (typeof r?.status !== "string") {
        throw new TypeError(`${step.capability} returned no string status`);
      }
      return { status: r.status, raw: plainJson(r.result ?? {}, step), own: handle.own };
    }, spawnChild)
  );
}

/** Actor logic of IN nodes: validates the payload against the intent (ACK / NACK). */
export const intentLogic: ActorLogic<StepSnapshot<IntentOutput>, StepEvent, IntentInput> =
  stepLogic<IntentInput, IntentOutput>(({ scope, node, intent, next, payload }) => {
    spendOrStop(scope.budget);
    const served = scope.replay?.intent(scope.runId, node);
    if (served) return served;
    if (!intent) return { outcome: next.includes("ACK") ? "ACK" : "default", reasons: [] };
    const reasons = validateIntent(payload, intent.inputs);
    return { outcome: reasons.length ? "NACK" : "ACK", reasons };
  });

/** Actor logic of WF admission: the reasons the payload is denied (empty: admitted). */
export const admissionLogic: ActorLogic<
  StepSnapshot<readonly string[]>,
  StepEvent,
  AdmissionInput
> = stepLogic<AdmissionInput, readonly string[]>(({ scope, admission, payload }) => {
  if (scope.replay) return scope.replay.admission(scope.runId);
  const txn = scope.txn;
  if (!txn) throw new TypeError("WF admission needs a state transaction");
  return withTurn(scope.branch, () => checkAdmission(admission, payload, txn));
});

/**
 * The actor of every capability a set binds, keyed by FQDN: CT FQDNs (as steps name them)
 * run their CT-IR with the set's atoms, CS FQDNs their side-effect function.
 */
export function capabilityActors(
  caps: CapabilitySet,
  ctFqdns: Iterable<string>,
  spawnChild: SpawnChild,
): Record<string, ActorLogic<StepSnapshot<StepOutput>, StepEvent, StepInput>> {
  const out: Record<string, ActorLogic<StepSnapshot<StepOutput>, StepEvent, StepInput>> = {};
  const transform = transformStepLogic(caps.transforms);
  for (const fqdn of ctFqdns) out[fqdn] = transform;
  for (const [fqdn, fn] of Object.entries(caps.sideEffects)) {
    out[fqdn] = sideEffectStepLogic(fn, spawnChild);
  }
  return out;
}
