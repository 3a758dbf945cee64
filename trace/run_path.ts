/**
 * Folds the flat record list of a `pgs.trace/1` trace into one path per (sub-)run: the
 * node visits in order, each with its outcome, steps, effects, faults and child runs.
 * Shared by the `.md` and `.png` renderers so both read a trace the same way.
 *
 * @module
 */

import { TraceError } from "../errors.ts";
import type {
  AdmissionRecord,
  ChildRunRecord,
  EffectRecord,
  FaultRecord,
  HeaderRecord,
  NodeRecord,
  ResultRecord,
  StepRecord,
  TraceRecord,
  WarningRecord,
} from "./record.ts";

/** Run id of the top-level run. */
export const ROOT_RUN = "root";

/** One entry into a node. */
export interface NodeVisit {
  /** 1-based position of the visit within its run. */
  index: number;
  /** Node key. */
  node: string;
  /** IN, CC or EXIT. */
  nodeType: NodeRecord["node_type"];
  /** Outcome that left the node (EXIT: the exit reason; fault: "FAULT"), or null if unknown. */
  outcome: string | null;
  /** Target of the transition; null when there was none or no edge matched. */
  to: string | null;
  /** True when a transition record said no edge matched the outcome. */
  noEdge: boolean;
  /** Pipeline steps run during the visit. */
  steps: StepRecord[];
  /** State changes made during the visit. */
  effects: EffectRecord[];
  /** Faults raised during the visit. */
  faults: FaultRecord[];
  /** Child runs started during the visit, in start order. */
  children: RunPath[];
}

/** The path of one (sub-)run. */
export interface RunPath {
  /** Run id ("root" or "<parent>/<node>/<step>/<index>"). */
  id: string;
  /** Workflow FQDN, from the header, child_run or result record. */
  workflow: string;
  /** The child_run record that started this run (absent for the root run). */
  start?: ChildRunRecord;
  /** Node visits in order. */
  visits: NodeVisit[];
  /** Admission records of this run. */
  admissions: AdmissionRecord[];
  /** The run's result, if the trace has it. */
  result?: ResultRecord;
}

/** A trace folded into runs. */
export interface TracePaths {
  /** The header record. */
  header: HeaderRecord;
  /** The root run, with child runs nested under the visits that started them. */
  root: RunPath;
  /** Every run by id, root included. */
  runs: Map<string, RunPath>;
  /** Warning records in file order. */
  warnings: WarningRecord[];
  /** Fault records in file order. */
  faults: FaultRecord[];
}

/** Folds trace records into per-run paths; throws {@link TraceError} when there is no header. */
export function collectPaths(records: readonly TraceRecord[]): TracePaths {
  if (!Array.isArray(records) || records.length === 0) {
    throw new TraceError("Cannot read trace records: expected a non-empty array");
  }
  const header = records[0];
  if (header?.type !== "header") {
    throw new TraceError(`Cannot read trace records: records[0].type must be "header"`);
  }
  const root = newRun(ROOT_RUN, header.workflow);
  const runs = new Map<string, RunPath>([[ROOT_RUN, root]]);
  const warnings: WarningRecord[] = [];
  const faults: FaultRecord[] = [];
  // Child runs announced before their parent visit is known still get a home.
  const orphans: RunPath[] = [];

  const runOf = (id: string): RunPath => {
    let run = runs.get(id);
    if (!run) {
      run = newRun(id, "");
      runs.set(id, run);
      orphans.push(run);
    }
    return run;
  };
  const current = (run: RunPath): NodeVisit | undefined => run.visits[run.visits.length - 1];

  for (const record of records.slice(1)) {
    const run = runOf(record.run);
    const visit = current(run);
    switch (record.type) {
      case "node":
        run.visits.push({
          index: run.visits.length + 1,
          node: record.node,
          nodeType: record.node_type,
          outcome: null,
          to: null,
          noEdge: false,
          steps: [],
          effects: [],
          faults: [],
          children: [],
        });
        break;
      case "transition":
        if (visit && visit.node === record.from && visit.outcome === null) {
          visit.outcome = record.outcome;
          visit.to = record.to;
          visit.noEdge = record.to === null;
        }
        break;
      case "admission":
        run.admissions.push(record);
        break;
      case "step":
        if (visit) visit.steps.push(record);
        break;
      case "effect":
        if (visit) visit.effects.push(record);
        break;
      case "fault":
        faults.push(record);
        if (visit) visit.faults.push(record);
        break;
      case "warning":
        warnings.push(record);
        break;
      case "child_run": {
        const child = runOf(record.child);
        child.start = record;
        child.workflow = record.workflow;
        const at = orphans.indexOf(child);
        if (at >= 0) orphans.splice(at, 1);
        if (visit) visit.children.push(child);
        else orphans.push(child);
        break;
      }
      case "result":
        run.result = record;
        if (!run.workflow) run.workflow = record.workflow;
        break;
      case "header":
        throw new TraceError(`Cannot read trace records: record ${record.seq} is a second header`);
    }
  }
  for (const run of runs.values()) settleOutcomes(run);
  // A child run whose child_run record is missing is attached to the root so it is not lost.
  for (const orphan of orphans) {
    const last = current(root);
    if (last) last.children.push(orphan);
  }
  return { header, root, runs, warnings, faults };
}

function newRun(id: string, workflow: string): RunPath {
  return { id, workflow, visits: [], admissions: [] };
}

/** Fills outcomes the transition records did not give: IN admission, EXIT reason, faults. */
function settleOutcomes(run: RunPath): void {
  for (const visit of run.visits) {
    if (visit.outcome !== null) continue;
    if (visit.faults.length > 0) {
      visit.outcome = "FAULT";
    } else if (visit.nodeType === "IN") {
      const admission = run.admissions.find((a) => a.kind === "IN" && a.node === visit.node);
      if (admission) visit.outcome = admission.outcome;
    } else if (visit.nodeType === "EXIT" && run.result?.exit_node === visit.node) {
      visit.outcome = run.result.reason ?? run.result.classification;
    }
  }
}
