/**
 * What a replay serves from a recorded trace instead of executing: CS step results and
 * their effects (no state is touched), CT results whose inputs were redacted or that drew
 * secret entropy (neither can be recomputed from the trace), WF admission verdicts, and
 * faults, and IN verdicts (the recorded payload may be redacted).
 * Workflow-invoking CS kinds are re-executed: their children are replayed the same way.
 *
 * @module
 */
import { isWorkflowInvoking } from "../snapshot/graph.ts";
import type {
  EffectRecord,
  FaultRecord,
  StepRecord,
  TraceRecord,
  WarningRecord,
} from "../trace/record.ts";
import type { JsonObject } from "./capability.ts";

const REDACTED_PREFIX = "redacted:sha256:";

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
}

/** A recorded fault handed back to the pipeline. */
export interface ServedFault {
  /** Recorded error text (`Name: message`). */
  readonly error: string;
}

/** Indexes a trace's records for replay. */
export class ReplaySource {
  #steps = new Map<string, { step: StepRecord; effects: EffectRecord[] }[]>();
  #faults = new Map<string, FaultRecord>();
  #admissions = new Map<string, string[]>();
  #intents = new Map<string, { outcome: string; reasons: string[] }[]>();
  #warnings = new Map<string, WarningRecord>();

  /** Indexes `records` (a verified trace). */
  constructor(records: readonly TraceRecord[]) {
    let last: { step: StepRecord; effects: EffectRecord[] } | null = null;
    for (const r of records) {
      if (r.type === "step") {
        last = { step: r, effects: [] };
        const k = key(r.run, r.node, r.step);
        const q = this.#steps.get(k) ?? [];
        q.push(last);
        this.#steps.set(k, q);
        continue;
      }
      if (r.type === "effect" && last && last.step.run === r.run && last.step.step === r.step) {
        last.effects.push(r);
        continue;
      }
      last = null;
      if (r.type === "fault") this.#faults.set(key(r.run, r.node, r.step ?? ""), r);
      if (r.type === "warning") this.#warnings.set(`${r.run}\0${r.code}`, r);
      if (r.type === "admission" && r.kind === "WF") this.#admissions.set(r.run, r.reasons);
      if (r.type === "admission" && r.kind === "IN") {
        const k = key(r.run, r.node, "");
        const q = this.#intents.get(k) ?? [];
        q.push({ outcome: r.outcome, reasons: r.reasons });
        this.#intents.set(k, q);
      }
    }
  }

  /**
   * The recorded outcome of a step, if replay serves it: CS steps (except the
   * workflow-invoking kinds) and CT steps fed redacted inputs. Null: execute it.
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
      : hasRedacted(inputs) || q?.[0]?.step.secret_entropy === true;
    if (!served) {
      q?.shift();
      return null;
    }
    const next = q?.shift();
    if (next) {
      return {
        status: next.step.status,
        raw: (next.step.result ?? {}) as JsonObject,
        effects: next.effects,
        secretEntropy: next.step.secret_entropy === true,
      };
    }
    const fault = this.#faults.get(key(run, node, step));
    return {
      error: fault ? fault.error : `replay: no recorded result for step ${step} of ${node}`,
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
