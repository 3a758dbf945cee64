/**
 * What one (child) run of a workflow machine works with: its id in the trace, the shared
 * state transaction, clock and entropy, budget and turn groups. It reaches the machine as
 * input and the step actors through their invoke input. It carries resources and data
 * only; all behaviour is in the machine's provided actors, actions and guards.
 *
 * @module
 */
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import type { StateTxn } from "../storage/store.ts";
import type { Budget } from "../semantics.ts";
import type { ReplaySource } from "./replay_source.ts";
import type { RunContext } from "./run_context.ts";
import type { Branch, TurnGroup } from "./turns.ts";

/** The resources of one run; children get a copy with their own id, branch and depth. */
export interface RunScope {
  /** Trace run id: `root`, or `<parent run>/<node>/<step>/<label>`. */
  readonly runId: string;
  /** The parent run's id (null for the root run). */
  readonly parentRunId: string | null;
  /** The compiled closure (child workflows are looked up here). */
  readonly compiled: CompiledWorkflow;
  /** State transaction shared by the run and its children; null when driven without state. */
  readonly txn: StateTxn | null;
  /** Run clock and seeded entropy. */
  readonly rc: RunContext;
  /** Step budget shared with the children. */
  readonly budget: Budget;
  /** This run's place in the turn groups of concurrent children (empty for the root). */
  readonly branch: Branch;
  /** Turn groups of the child runs in flight, by parent run, node and step (shared). */
  readonly groups: Map<string, TurnGroup>;
  /** Child-run nesting depth (0 for the root). */
  readonly depth: number;
  /** Set during replay: recorded results to serve instead of executing. */
  readonly replay?: ReplaySource;
  /** The caller's abort signal, handed to every CS (children share it). */
  readonly signal?: AbortSignal;
}
