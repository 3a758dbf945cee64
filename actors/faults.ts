/**
 * The two ways a step can stop a run instead of producing a status: a capability fault (the
 * run ends FAULTED, nothing applied) and a spent budget (the run ends FAILED /
 * STEP_BUDGET_EXCEEDED). Both travel as XState actor errors (`xstate.error.actor.*`).
 *
 * @module
 */

/** The run's budget is spent: the whole run (children included) ends STEP_BUDGET_EXCEEDED. */
export class BudgetExceeded extends Error {
  /** True when the unit that could not be spent was the step or visit itself (nothing ran). */
  readonly atStart: boolean;
  /** Creates the error (`what` overrides the default message). */
  constructor(max: number, what?: string, atStart = false) {
    super(what ?? `step budget of ${max} exhausted`);
    this.name = "BudgetExceeded";
    this.atStart = atStart;
  }
}

/** A capability threw: the run ends FAULTED. */
export class CapabilityFault extends Error {
  /** Node key. */
  readonly node: string;
  /** Step name. */
  readonly step: string | undefined;
  /** Creates a fault wrapping the original error. */
  constructor(node: string, step: string | undefined, cause: unknown) {
    super(`${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, {
      cause,
    });
    this.node = node;
    this.step = step;
    this.name = "CapabilityFault";
  }
}
