/**
 * The run rules, in one leaf module that `actors/` (which applies them) and `trace/` (which
 * checks a recorded run against them) both import: how a run is classified, which outcomes
 * count as success, and the limits every run obeys (SPEC §4).
 *
 * @example
 * ```ts
 * import { classify } from "./semantics.ts";
 * classify("ALREADY_EXISTS", "EXITED"); // "COMPLETED": execution ≠ effect
 * classify("NOT_FOUND", "EXITED"); // "ENDED_NOT_FOUND"
 * ```
 *
 * @module
 */

/** The fixed classifications of a run; a declared non-success exit adds `ENDED_<STATUS>`. */
export const RunClassification = {
  /** Reached an EXIT after success (or an EXIT whose reason is COMPLETED). */
  COMPLETED: "COMPLETED",
  /** NACK at an IN node, or WF admission denied. */
  REJECTED: "REJECTED",
  /** Governance failure: no `next` entry for an outcome, or the step budget spent. */
  FAILED: "FAILED",
  /** A capability or storage fault: nothing of the run is applied. */
  FAULTED: "FAULTED",
} as const;

/** How a run ended: one of {@link RunClassification}, or `ENDED_<STATUS>`. */
export type RunClassification =
  | (typeof RunClassification)[keyof typeof RunClassification]
  | `ENDED_${string}`;

/** Why a run that reached no EXIT node ended. */
export const FailureReason = {
  /** An outcome had no `next` entry. */
  NO_TRANSITION: "NO_TRANSITION",
  /** The step budget was spent, or child runs nested deeper than {@link MAX_CHILD_DEPTH}. */
  STEP_BUDGET_EXCEEDED: "STEP_BUDGET_EXCEEDED",
  /** A capability threw. */
  FAULT: "FAULT",
  /** WF admission (requires/forbids events) refused the payload. */
  ADMISSION_DENIED: "ADMISSION_DENIED",
} as const;

/** One of {@link FailureReason}. */
export type FailureReason = (typeof FailureReason)[keyof typeof FailureReason];

/** The classification each {@link FailureReason} gives. */
export const FAILURE_CLASSIFICATION: Readonly<Record<FailureReason, RunClassification>> = {
  NO_TRANSITION: RunClassification.FAILED,
  STEP_BUDGET_EXCEEDED: RunClassification.FAILED,
  FAULT: RunClassification.FAULTED,
  ADMISSION_DENIED: RunClassification.REJECTED,
};

/**
 * Outcomes that mean "the declared effect holds": ALREADY_EXISTS is an idempotent success
 * (execution ≠ effect), visible as the status but not a failure; `default` is the
 * transition key of IN nodes without an intent.
 */
export const SUCCESS_LIKE: ReadonlySet<string> = new Set([
  "SUCCESS",
  "ACK",
  "ALREADY_EXISTS",
  "default",
]);

/** Deepest child-run nesting; deeper calls are runaway recursion and end the run FAILED. */
export const MAX_CHILD_DEPTH = 64;

/** Default step budget: node visits plus pipeline steps, child runs included. */
export const DEFAULT_BUDGET = 100_000;

/**
 * Classification of a run that reached an EXIT node (SPEC §4): NACK → REJECTED; reason
 * COMPLETED, or EXITED / no reason after a success-like outcome → COMPLETED; any other
 * declared exit → `ENDED_<STATUS>` (`ENDED_<REASON>` when the status itself was success-like).
 *
 * @param status The outcome that led to the EXIT node.
 * @param reason The EXIT node's declared reason, or null.
 * @returns The run's classification.
 */
export function classify(status: string, reason: string | null): RunClassification {
  if (status === "NACK") return RunClassification.REJECTED;
  if (reason === "COMPLETED") return RunClassification.COMPLETED;
  const plainExit = reason === null || reason === "EXITED";
  if (SUCCESS_LIKE.has(status)) return plainExit ? RunClassification.COMPLETED : `ENDED_${reason}`;
  return `ENDED_${status}`;
}

/** A shared, mutable step budget of a run and its children. */
export interface Budget {
  /** Units spent so far: node visits and pipeline steps. */
  used: number;
  /** The limit. */
  readonly max: number;
}

/**
 * Spends one unit of `budget`.
 *
 * @returns False when the budget is now exceeded (the run must end STEP_BUDGET_EXCEEDED).
 */
export function spend(budget: Budget): boolean {
  return ++budget.used <= budget.max;
}
