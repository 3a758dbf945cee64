/**
 * What a replay serves from a recorded trace instead of executing: CS step results and
 * their effects (no state is touched), CT results whose inputs were redacted or that drew
 * secret entropy (neither can be recomputed from the trace), WF admission verdicts, and
 * faults, and IN verdicts (the recorded payload may be redacted).
 * Workflow-invoking CS kinds are re-executed: their children are replayed the same way.
 * A served CS step also hands back what its capability did through `call.runChild` (the
 * child runs it started and the warnings starting them wrote), so that replay starts those
 * children again without running the capability.
 *
 * @module
 */
import { isWorkflowInvoking } from "../snapshot/graph.ts";
import type {
  ChildRunRecord,
  EffectRecord,
  FaultRecord,
  StepRecord,
  TraceRecord,
  WarningRecord,
} from "../trace/record.ts";
import { FailureReason } from "../semantics.ts";
import type { JsonObject } from "./capability.ts";

const REDACTED_PREFIX = "redacted:sha256:";

/**
 * Step warnings the pipeline writes around every step, executed or served (runStep's input
 * check, the inspector's CT violation, missing outputs and unlisted status): replay writes
 * them again itself (a served CT's violation message comes back with its result). Any other
 * warning of a step was written while its capability ran, so a served step hands it back
 * (e.g. UNKNOWN_CHILD_WORKFLOW from `call.runChild`).
 */
const PIPELINE_WARNINGS: ReadonlySet<string> = new Set([
  "INPUT_PATH_MISSING",
  "CT_VIOLATION",
  "OUTPUT_PATH_MISSING",
  "UNLISTED_STATUS",
]);

/**
 * Something a served step's capability did, in recorded order: a child run it started
 * (replayed from the recorded workflow, payload and label), or a warning it wrote.
 */
export type ServedCall =
  | {
    /** The recorded `child_run` record. */
    readonly child: ChildRunRecord;
    /** The label the capability passed to `runChild` (the child id's last part). */
    readonly label: string;
  }
  | {
    /** The recorded warning. */
    readonly warning: WarningRecord;
  };

/** A recorded step outcome handed back to the pipeline. */
export interface ServedStep {
  /** Recorded status. */
  readonly status: string;
  /** Recorded raw result. */
  readonly raw: JsonObject;
  /** Recorded effect records of the step. */
  readonly effects: readonly EffectRecord[];
  /** The step drew secret entropy (its results cannot be recomputed from the trace). */
  readonly secretEntropy: boolean;
  /** Child runs started and warnings written by the capability, in recorded order. */
  readonly calls: readonly ServedCall[];
  /** A CT's declared failure message (its CT_VIOLATION warning), or null. */
  readonly violation: string | null;
}

/** A step that recorded no result: it stopped the run. */
export interface ServedFault {
  /**
   * The step's own fault record's error text, exactly as recorded; null when it has none
   * (an error of one of its child runs, or the budget, stopped it).
   */
  readonly error: string | null;
  /** The run ended STEP_BUDGET_EXCEEDED (a step the budget stopped records no fault). */
  readonly budgetExceeded: boolean;
  /** Child runs started and warnings written by the capability before it stopped. */
  readonly calls: readonly ServedCall[];
}

/** One recorded execution of a step: its record (null if it stopped the run) and calls. */
interface Visit {
  step: StepRecord | null;
  readonly effects: EffectRecord[];
  readonly calls: ServedCall[];
  violation: string | null;
}

/** Indexes a trace's records for replay. */
export class ReplaySource {
  #steps = new Map<string, Visit[]>();
  #faults = new Map<string, FaultRecord>();
  #admissions = new Map<string, string[]>();
  #intents = new Map<string, { outcome: string; reasons: string[] }[]>();
  #warnings = new Map<string, WarningRecord>();
  #budgetStopped = new Set<string>();

  /** Indexes `records` (a verified trace). */
  constructor(records: readonly TraceRecord[]) {
    // A step's calls come before its step record (children finish before the step does);
    // a visit stays open until that record closes it, or to the end when the step stopped
    // the run (then it is the last visit of its step in that run).
    const open = new Map<string, Visit>();
    const openVisit = (k: string): Visit => {
      let v = open.get(k);
      if (!v) {
        v = { step: null, effects: [], calls: [], violation: null };
        open.set(k, v);
        this.#queue(k).push(v);
      }
      return v;
    };
    let last: Visit | null = null;
    for (const r of records) {
      if (r.type === "step") {
        const k = key(r.run, r.node, r.step);
        const v = open.get(k);
        if (v) {
          v.step = r;
          open.delete(k);
          last = v;
        } else {
          last = { step: r, effects: [], calls: [], violation: null };
          this.#queue(k).push(last);
        }
        continue;
      }
      if (r.type === "effect" && last?.step?.run === r.run && last.step.step === r.step) {
        last.effects.push(r);
        continue;
      }
      last = null;
      if (r.type === "child_run") {
        const prefix = `${r.run}/${r.node}/${r.step}/`;
        const label = r.child.startsWith(prefix) ? r.child.slice(prefix.length) : r.child;
        openVisit(key(r.run, r.node, r.step)).calls.push({ child: r, label });
      }
      if (r.type === "warning") {
        this.#warnings.set(`${r.run}\0${r.code}`, r);
        if (r.node !== undefined && r.step !== undefined) {
          const visit = () => openVisit(key(r.run, r.node!, r.step!));
          // A served CT's violation is served with its result; the inspector writes it.
          if (r.code === "CT_VIOLATION") visit().violation = r.message;
          else if (!PIPELINE_WARNINGS.has(r.code)) visit().calls.push({ warning: r });
        }
      }
      if (r.type === "fault") this.#faults.set(key(r.run, r.node, r.step ?? ""), r);
      if (r.type === "result" && r.reason === FailureReason.STEP_BUDGET_EXCEEDED) {
        this.#budgetStopped.add(r.run);
      }
      if (r.type === "admission" && r.kind === "WF") this.#admissions.set(r.run, r.reasons);
      if (r.type === "admission" && r.kind === "IN") {
        const k = key(r.run, r.node, "");
        const q = this.#intents.get(k) ?? [];
        q.push({ outcome: r.outcome, reasons: r.reasons });
        this.#intents.set(k, q);
      }
    }
  }

  #queue(k: string): Visit[] {
    let q = this.#steps.get(k);
    if (!q) {
      q = [];
      this.#steps.set(k, q);
    }
    return q;
  }

  /**
   * The recorded outcome of a step, if replay serves it: CS steps (except the
   * workflow-invoking kinds) and CT steps fed redacted inputs or that drew secret entropy.
   * Null: execute it.
   */
  take(
    run: string,
    node: string,
    step: string,
    kind: "CT" | "CS",
    capability: string,
    inputs: unknown,
  ): ServedStep | ServedFault | null {
    const q = this.#steps.get(key(run, node, step));
    const served = kind === "CS"
      ? !isWorkflowInvoking(capability)
      : hasRedacted(inputs) || q?.[0]?.step?.secret_entropy === true;
    const next = q?.shift();
    if (!served) return null;
    const calls = next?.calls ?? [];
    if (next?.step) {
      return {
        status: next.step.status,
        raw: (next.step.result ?? {}) as JsonObject,
        effects: next.effects,
        secretEntropy: next.step.secret_entropy === true,
        calls,
        violation: next.violation,
      };
    }
    return {
      error: this.#faults.get(key(run, node, step))?.error ?? null,
      budgetExceeded: this.#budgetStopped.has(run),
      calls,
    };
  }

  /**
   * The recorded verdict of an IN node visit: the payload in a trace may be redacted, so
   * re-validating it could disagree with what the run saw.
   */
  intent(run: string, node: string): { outcome: string; reasons: string[] } | undefined {
    return this.#intents.get(key(run, node, ""))?.shift();
  }

  /** A recorded warning of a run by its code (the last one), without its chain fields. */
  warning(
    run: string,
    code: string,
  ): { type: "warning"; code: string; message: string } | undefined {
    const w = this.#warnings.get(`${run}\0${code}`);
    return w ? { type: "warning", code: w.code, message: w.message } : undefined;
  }

  /** The recorded WF admission reasons of a run (empty when admitted or not recorded). */
  admission(run: string): string[] {
    return this.#admissions.get(run) ?? [];
  }
}

function key(run: string, node: string, step: string): string {
  return `${run}\0${node}\0${step}`;
}

function hasRedacted(v: unknown): boolean {
  if (typeof v === "string") return v.startsWith(REDACTED_PREFIX);
  if (Array.isArray(v)) return v.some(hasRedacted);
  if (v && typeof v === "object") return Object.values(v).some(hasRedacted);
  return false;
}
