/**
 * The step budget as a trace evidences it: the units the engine charged (semantics.ts
 * `spend`), recounted from the records, with where they went. Shared by the integrity
 * check (a STEP_BUDGET_EXCEEDED result must be backed by a spent budget) and the diagnosis
 * (what consumed it).
 *
 * The engine charges one unit, before the work starts, for each IN verdict, each CC visit
 * and each pipeline step, in every run of the tree. A charge the budget could not pay for
 * leaves no record (the IN node is entered but has no verdict; the CC visit is not
 * recorded; the step never ran). A paid charge is evidenced by its `admission` (IN), `node`
 * (CC) or `step` record, except for a step that started child runs and never finished: its
 * `step` record would come after its children, and a budget spent inside them ends the
 * whole tree first. Its `child_run` records are its evidence instead. One paid charge has
 * no evidence at all: a step refused at the child-nesting limit (MAX_CHILD_DEPTH) before it
 * started a child; the nesting itself is the evidence of that end.
 *
 * @module
 */
import { ROOT_RUN } from "../run_path.ts";
import type { HeaderRecord, TraceRecord } from "../record.ts";

/** A pipeline step of a workflow, as charged across all runs of it. */
export interface StepUse {
  /** Workflow FQDN the step's node belongs to. */
  readonly workflow: string;
  /** CC node key. */
  readonly node: string;
  /** Step name. */
  readonly step: string;
  /** Units it was charged (once per run of the step), over every run of the workflow. */
  readonly times: number;
}

/** A step that started child runs, and what its children spent. */
export interface CallerUse {
  /** The run the step ran in. */
  readonly run: string;
  /** CC node key. */
  readonly node: string;
  /** Step name. */
  readonly step: string;
  /** Child runs it started directly. */
  readonly children: number;
  /** Workflows of those child runs, in first-start order. */
  readonly workflows: readonly string[];
  /** Units spent in its child runs and their descendants. */
  readonly units: number;
}

/** The recounted budget of a trace. */
export interface BudgetUse {
  /** Units the records evidence as charged (paid for), all runs included. */
  readonly units: number;
  /** Units by kind: IN verdicts, CC visits, steps. */
  readonly verdicts: number;
  /** CC visits paid for. */
  readonly visits: number;
  /** Steps paid for (finished, or still waiting on child runs when the run ended). */
  readonly steps: number;
  /** Units charged in each run itself (children not included), by run id. */
  readonly own: ReadonlyMap<string, number>;
  /** Workflow of each run, by run id. */
  readonly workflow: ReadonlyMap<string, string>;
  /** The node and step that started each child run, by child run id. */
  readonly caller: ReadonlyMap<string, { readonly node: string; readonly step: string }>;
  /** Chain of run ids from the root to the deepest child run (the root alone when none). */
  readonly deepest: readonly string[];
  /** Steps by charge count, most first (ties in first-charge order). */
  readonly repeated: readonly StepUse[];
  /** Steps that started child runs, by units their children spent, most first. */
  readonly callers: readonly CallerUse[];
}

const KEY = "\u0000";

/**
 * Recounts the budget units a trace body evidences.
 *
 * @param records The trace records, header first.
 * @returns The units, where they were charged, and the child-run structure.
 */
export function budgetUse(records: readonly TraceRecord[]): BudgetUse {
  const header = records[0] as HeaderRecord;
  const own = new Map<string, number>([[ROOT_RUN, 0]]);
  const workflow = new Map<string, string>([[ROOT_RUN, header.workflow]]);
  const parent = new Map<string, string>();
  const caller = new Map<string, { node: string; step: string }>();
  const children = new Map<string, string[]>();
  const stepTimes = new Map<string, number>();
  // Steps (run, node, step) that started a child run and have no `step` record yet.
  const open = new Set<string>();
  let verdicts = 0, visits = 0, steps = 0;
  const charge = (run: string) => own.set(run, (own.get(run) ?? 0) + 1);
  const chargeStep = (run: string, node: string, step: string) => {
    steps++;
    charge(run);
    const k = [workflow.get(run) ?? "", node, step].join(KEY);
    stepTimes.set(k, (stepTimes.get(k) ?? 0) + 1);
  };
  for (const r of records) {
    if (r.type === "admission" && r.kind === "IN") {
      verdicts++;
      charge(r.run);
    } else if (r.type === "node" && r.node_type === "CC") {
      visits++;
      charge(r.run);
    } else if (r.type === "step") {
      const k = [r.run, r.node, r.step].join(KEY);
      if (!open.delete(k)) chargeStep(r.run, r.node, r.step);
    } else if (r.type === "child_run") {
      const k = [r.run, r.node, r.step].join(KEY);
      if (!open.has(k)) {
        open.add(k);
        chargeStep(r.run, r.node, r.step);
      }
      parent.set(r.child, r.run);
      workflow.set(r.child, r.workflow);
      caller.set(r.child, { node: r.node, step: r.step });
      const list = children.get(k) ?? [];
      list.push(r.child);
      children.set(k, list);
    }
  }

  const depthOf = new Map<string, number>([[ROOT_RUN, 0]]);
  const depth = (run: string): number => {
    const chain: string[] = [];
    let at = run;
    while (!depthOf.has(at) && parent.has(at)) {
      chain.push(at);
      at = parent.get(at)!;
    }
    let d = depthOf.get(at) ?? 0;
    for (const c of chain.reverse()) depthOf.set(c, ++d);
    return depthOf.get(run) ?? 0;
  };
  let deepestRun = ROOT_RUN;
  for (const child of parent.keys()) if (depth(child) > depth(deepestRun)) deepestRun = child;
  const deepest: string[] = [];
  for (let run: string | undefined = deepestRun; run !== undefined; run = parent.get(run)) {
    deepest.unshift(run);
  }

  // Units of each run's subtree, children before parents (a child's id extends its parent's).
  const subtree = new Map(own);
  for (const child of [...parent.keys()].sort((a, b) => depth(b) - depth(a))) {
    const p = parent.get(child)!;
    subtree.set(p, (subtree.get(p) ?? 0) + (subtree.get(child) ?? 0));
  }
  const callers: CallerUse[] = [...children.entries()].map(([k, list]) => {
    const [run, node, step] = k.split(KEY);
    return {
      run,
      node,
      step,
      children: list.length,
      workflows: [...new Set(list.map((c) => workflow.get(c) ?? ""))],
      units: list.reduce((n, c) => n + (subtree.get(c) ?? 0), 0),
    };
  });
  callers.sort((a, b) => b.units - a.units);
  const repeated: StepUse[] = [...stepTimes.entries()].map(([k, times]) => {
    const [wf, node, step] = k.split(KEY);
    return { workflow: wf, node, step, times };
  });
  repeated.sort((a, b) => b.times - a.times);
  return {
    units: verdicts + visits + steps,
    verdicts,
    visits,
    steps,
    own,
    workflow,
    caller,
    deepest,
    repeated,
    callers,
  };
}
