/**
 * Executes one CC node: its pipeline of CT/CS steps with `on_ct_result`, `on_result`
 * (continue / exit / step / evaluation), output mapping and effect recording (SPEC §4).
 *
 * @module
 */
import { type CcNode, type CompiledStep, isWorkflowInvoking } from "../snapshot/graph.ts";
import type { StateTxn } from "../storage/store.ts";
import type { StepRecord } from "../trace/record.ts";
import { REDACTED_PREFIX, type RunRecorder } from "../trace/recorder.ts";
import {
  type CapabilitySet,
  type ChildRunResult,
  CtViolation,
  type JsonObject,
  type TransformContext,
} from "./capability.ts";
import { runCtIr } from "./ct/mod.ts";
import { evaluateCondition, nonJsonReason, resolveBinding } from "./inputs.ts";
import type { ReplaySource } from "./replay_source.ts";
import type { RunContext } from "./run_context.ts";

/** Shared, mutable step budget of a run and its children. */
export interface Budget {
  /** Steps and node visits so far. */
  used: number;
  /** Limit. */
  readonly max: number;
}

/** The run's budget is spent: the whole run (children included) ends STEP_BUDGET_EXCEEDED. */
export class BudgetExceeded extends Error {
  /** Creates the error (`what` overrides the default message). */
  constructor(max: number, what?: string) {
    super(what ?? `step budget of ${max} exhausted`);
    this.name = "BudgetExceeded";
  }
}

/** Deepest child-run nesting; deeper calls are runaway recursion and spend the budget. */
export const MAX_CHILD_DEPTH = 64;

/** A capability threw: the run ends FAULTED. */
export class CapabilityFault extends Error {
  /** Node key. */
  readonly node: string;
  /** Step name. */
  readonly step: string | undefined;
  /** Creates a fault wrapping the original error. */
  constructor(node: string, step: string | undefined, cause: unknown) {
    super(
      `${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
      { cause },
    );
    this.node = node;
    this.step = step;
    this.name = "CapabilityFault";
  }
}

/** What a node needs from its run. */
export interface NodeEnv {
  /** State transaction of the whole run. */
  readonly txn: StateTxn;
  /** Clock and entropy. */
  readonly rc: RunContext;
  /** This run's recorder. */
  readonly rec: RunRecorder;
  /** Bound capabilities. */
  readonly caps: CapabilitySet;
  /** Shared budget. */
  readonly budget: Budget;
  /** Secret values to redact from the trace. */
  readonly secrets: Set<string>;
  /** Set during replay: recorded results to serve instead of executing. */
  readonly replay?: ReplaySource;
  /** Runs state-touching work on this run's turn (concurrent siblings interleave by turns). */
  readonly onTurn: <T>(work: () => Promise<T>) => Promise<T>;
  /** Runs a child workflow (serialised, in call order). */
  readonly runChild: (
    workflow: string,
    payload: JsonObject,
    label: string,
    node: string,
    step: string,
  ) => Promise<ChildRunResult>;
}

/** Result of a CC node. */
export interface ContractResult {
  /** Final CC status (selects `next`). */
  readonly status: string;
  /** Output surface exposed as `$.results.<NODE>`. */
  readonly surface: JsonObject;
}

/** Counts one unit of work against the budget. */
export function spend(budget: Budget): void {
  if (++budget.used > budget.max) throw new BudgetExceeded(budget.max);
}

/**
 * Runs a CC node's pipeline.
 *
 * @throws {CapabilityFault} when a capability throws (not a declared VIOLATION).
 * @throws {BudgetExceeded} when the run's step budget is spent.
 */
export async function runContract(
  node: CcNode,
  nodeInputs: JsonObject,
  env: NodeEnv,
  visit: string,
): Promise<ContractResult> {
  const cc = node.cc;
  const missing = cc.requiredInputs.filter((k) =>
    nodeInputs[k] === undefined || nodeInputs[k] === null
  );
  if (missing.length > 0) {
    env.rec.push({
      type: "warning",
      code: "INPUT_FAILURE",
      node: node.key,
      message: `required CC input(s) ${missing.join(", ")} missing; status ${cc.onInputFailure} ` +
        `(on_input_failure of ${cc.file})`,
    });
    return { status: cc.onInputFailure, surface: { ...nodeInputs } };
  }
  collectSecrets(nodeInputs, cc.suppress, env.secrets);
  const results: Record<string, JsonObject> = {};
  const surface: JsonObject = { ...nodeInputs };
  let i = 0;
  let stepsRun = 0;
  while (true) {
    spend(env.budget);
    const step = cc.steps[i];
    const warn = (code: string, message: string) =>
      env.rec.push({ type: "warning", code, node: node.key, step: step.name, message });
    const inputs = resolveBinding(
      step.inputs,
      { inputs: nodeInputs, results },
      env.rc.startedAt,
      (p) => warn("INPUT_PATH_MISSING", `step input path ${p} did not resolve; passed null`),
    ) as JsonObject;
    // The entropy scope counts steps within this node visit, so it does not depend on how
    // concurrent siblings interleave.
    const base = env.rc.transformContext(`${visit}/${step.name}#${++stepsRun}`);
    let secretEntropy = false;
    const ctx: TransformContext = {
      now: base.now,
      randomBytes: base.randomBytes,
      secretBytes: (n) => {
        secretEntropy = true;
        return base.secretBytes(n);
      },
    };
    const served = env.replay?.take(
      env.rec.runId,
      node.key,
      step.name,
      step.kind,
      step.capability,
      inputs,
    );
    if (served && "error" in served) {
      const [name, ...rest] = served.error.split(": ");
      const cause = Object.assign(new Error(rest.join(": ")), { name });
      throw new CapabilityFault(node.key, step.name, cause);
    }
    collectSecrets(inputs, cc.suppress, env.secrets);
    const orchestrates = isWorkflowInvoking(step.capability);
    const execute = async () => {
      const mark = env.txn.mutations().length;
      const r = served ?? await runStep(step, inputs, ctx, env, node.key);
      // A workflow-invoking step changes state only through its children, which record
      // their own effects; keys starting with NUL are a CS kind's private index (e.g. the
      // registry's address index), not declared state. Neither is reported here.
      const own = orchestrates
        ? []
        : env.txn.mutations().slice(mark).filter((m) => !m.key.startsWith("\u0000"));
      return { ...r, own };
    };
    // An orchestrating step only waits for its children, which take turns themselves.
    const { status, raw, own } = orchestrates ? await execute() : await env.onTurn(execute);
    if (served?.secretEntropy) secretEntropy = true;
    const outputs: JsonObject = {};
    for (const [name, b] of step.outputs) {
      outputs[name] = resolveBinding(
        b,
        { ...raw, capability_result: raw, results, inputs: nodeInputs },
        env.rc.startedAt,
        (p) =>
          warn(
            "OUTPUT_PATH_MISSING",
            `output ${name} = ${p}: the capability did not produce it; null`,
          ),
      );
    }
    collectSecrets({ ...inputs, ...outputs, ...raw }, cc.suppress, env.secrets);
    results[step.name] = { ...outputs, capability_result: raw };
    Object.assign(surface, outputs);
    const route = step.onResult[status];
    let evaluation: StepRecord["evaluation"];
    if (route?.kind === "evaluation") {
      const ev = cc.evaluations[route.name];
      const value = evaluateCondition(
        ev.condition,
        { ...raw, ...outputs, capability_result: raw, inputs: nodeInputs, results },
        env.rc.startedAt,
      );
      evaluation = {
        name: route.name,
        condition: ev.condition.text,
        value,
        status: value ? ev.onTrue : ev.onFalse,
      };
    }
    env.rec.push({
      type: "step",
      node: node.key,
      step: step.name,
      kind: step.kind,
      capability: step.capability,
      op: step.op,
      inputs,
      outputs,
      // Replay serves CS results, and CT results it cannot recompute (secret entropy or
      // redacted inputs), from `result`; a plain CT's result is recomputed, so it is not
      // stored twice (its mapped outputs are).
      ...(step.kind === "CS" || secretEntropy || cc.suppress.length > 0 ? { result: raw } : {}),
      status,
      route: route
        ? (route.kind === "continue" || route.kind === "exit" ? route.kind : route.name)
        : "unlisted",
      ...(evaluation ? { evaluation } : {}),
      ...(secretEntropy ? { secret_entropy: true } : {}),
    });
    if (served) {
      for (const { seq: _s, prev: _p, run: _r, ...effect } of served.effects) env.rec.push(effect);
    }
    for (const m of own) {
      env.rec.push({
        type: "effect",
        node: node.key,
        step: step.name,
        store: m.store,
        mutation: m.kind,
        key: m.key,
        operation: step.op ?? "",
        result: status,
      });
    }
    if (!route) {
      warn(
        "UNLISTED_STATUS",
        `status ${status} is not listed in on_result of step ${step.name} (${cc.file}); ` +
          `the CC ends with it (fail closed)`,
      );
      return { status, surface };
    }
    if (evaluation) return { status: evaluation.status, surface };
    if (route.kind === "exit") return { status, surface };
    if (route.kind === "step") {
      i = route.index;
      continue;
    }
    if (++i >= cc.steps.length) return { status, surface };
  }
}

async function runStep(
  step: CompiledStep,
  inputs: JsonObject,
  ctx: TransformContext,
  env: NodeEnv,
  nodeKey: string,
): Promise<{ status: string; raw: JsonObject }> {
  try {
    if (step.kind === "CT") {
      try {
        // deno-lint-ignore no-explicit-any
        const raw = runCtIr(step.ctIr as any, inputs, ctx, env.caps.transforms);
        return { status: step.onCtResult.success, raw: plainJson(raw, step) };
      } catch (e) {
        if (!(e instanceof CtViolation)) throw e;
        env.rec.push({
          type: "warning",
          code: "CT_VIOLATION",
          node: nodeKey,
          step: step.name,
          message: e.message,
        });
        return { status: step.onCtResult.failure, raw: {} };
      }
    }
    const fn = env.caps.sideEffects[step.capability];
    const r = await fn({
      capability: step.capability,
      op: step.op ?? "",
      inputs,
      store: step.store,
      policy: step.policy,
      state: env.txn,
      ctx,
      runChild: (wf, payload, label) => env.runChild(wf, payload, label, nodeKey, step.name),
    });
    if (typeof r?.status !== "string") {
      throw new TypeError(`${step.capability} returned no string status`);
    }
    return { status: r.status, raw: plainJson(r.result ?? {}, step) };
  } catch (e) {
    if (e instanceof BudgetExceeded || env.budget.used > env.budget.max) {
      throw e instanceof BudgetExceeded ? e : new BudgetExceeded(env.budget.max);
    }
    if (e instanceof CapabilityFault) throw e;
    throw new CapabilityFault(nodeKey, step.name, e);
  }
}

/** A capability result that is not plain JSON is the capability's fault, not the trace's. */
function plainJson(raw: JsonObject, step: CompiledStep): JsonObject {
  const why = nonJsonReason(raw);
  if (why) {
    throw new TypeError(`${step.capability} returned a result that is not plain JSON: ${why}`);
  }
  return raw;
}

/**
 * Adds every string found under a suppressed field name, at any depth of `value`, to the
 * run's secrets (redacted wherever they appear in the trace). Already-redacted values
 * (replay of a redacted trace) are not secrets.
 */
export function collectSecrets(
  value: unknown,
  fields: ReadonlySet<string> | readonly string[],
  into: Set<string>,
): void {
  const names = fields instanceof Set ? fields : new Set(fields as readonly string[]);
  if (names.size === 0) return;
  const take = (v: unknown): void => {
    if (typeof v === "string") {
      if (v.length > 0 && !v.startsWith(REDACTED_PREFIX)) into.add(v);
    } else if (Array.isArray(v)) v.forEach(take);
    else if (v && typeof v === "object") Object.values(v).forEach(take);
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) names.has(k) ? take(x) : walk(x);
    }
  };
  walk(value);
}
