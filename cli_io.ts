/**
 * What every CLI command shares: the exit-code table, the I/O the commands print through
 * (injectable, so tests capture it), and one-line error text.
 *
 * @module
 */

/** Exit code of each outcome (documented in README and --help). */
export const ExitCode = {
  COMPLETED: 0,
  NOT_COMPLETED: 1,
  USAGE: 2,
  SNAPSHOT: 3,
  FAILED: 4,
  TRACE_DAMAGED: 5,
} as const;

export const HELP_EXIT_CODES = `
Exit codes:
  0  run COMPLETED (examine: trace intact; replay: identical)
  1  run REJECTED (NACK, admission denied) or ENDED_<STATUS> (declared non-success exit)
  2  usage or input error (bad flag, unreadable / non-object payload, bad workflow name,
     unknown workflow, invalid trace id)
  3  snapshot or compile error (missing, tampered or invalid artifacts)
  4  run FAILED (NO_TRANSITION, STEP_BUDGET_EXCEEDED) or FAULTED; internal error
  5  examine: damaged or tampered trace; replay: diverged or refused`;

/** Maps a run classification to its exit code. */
export function exitCodeOf(classification: string): number {
  if (classification === "COMPLETED") return ExitCode.COMPLETED;
  if (classification === "FAILED" || classification === "FAULTED") return ExitCode.FAILED;
  return ExitCode.NOT_COMPLETED;
}

/** I/O of the CLI, injectable for tests. */
export interface CliIo {
  /** Writes a line to standard output. */
  out(line: string): void;
  /** Writes a line to standard error. */
  err(line: string): void;
}

/** First line of an error's message (or the value as text). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}
