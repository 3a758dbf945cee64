/**
 * Why an intact run ended as it did, and where to look: the node, step, inputs and artifact
 * file, with a one-paragraph hint for an auditor.
 *
 * @module
 */
import { artifactFile, type ArtifactKind, isSafeFqdn, parseFqdn } from "../../snapshot/resolve.ts";
import type {
  AdmissionRecord,
  FaultRecord,
  NodeRecord,
  ResultRecord,
  StepRecord,
  TraceRecord,
  TransitionRecord,
} from "../record.ts";
import { MAX_CHILD_DEPTH } from "../../semantics.ts";
import { ROOT_RUN, type TracePaths } from "../run_path.ts";
import { type BudgetUse, budgetUse } from "./budget.ts";
import type { Diagnosis, ExamineWarning } from "./types.ts";

function fileOf(fqdn: string | undefined | null, kind: ArtifactKind): string | null {
  if (!fqdn || !isSafeFqdn(fqdn)) return null;
  return `protocol_snapshot/${artifactFile(kind, parseFqdn(fqdn))}`;
}

function lastOf<T extends TraceRecord>(
  records: readonly TraceRecord[],
  match: (r: TraceRecord) => r is T,
  before = records.length,
): T | undefined {
  for (let i = Math.min(before, records.length) - 1; i >= 0; i--) {
    const r = records[i];
    if (match(r)) return r;
  }
  return undefined;
}

const isNode = (run: string, node: string) => (r: TraceRecord): r is NodeRecord =>
  r.type === "node" && r.run === run && r.node === node;
const isStep = (run: string, node: string, step?: string) => (r: TraceRecord): r is StepRecord =>
  r.type === "step" && r.run === run && r.node === node && (step === undefined || r.step === step);

/** A warning as a short note, and the input (name or binding path) it names, if any. */
function noteOf(w: ExamineWarning): { note: string; input?: string[] } {
  const at = w.step ? `step ${w.step}: ` : "";
  let m: RegExpExecArray | null;
  if (w.code === "INPUT_FAILURE" && (m = /required CC input\(s\) (.+?) missing/.exec(w.message))) {
    const names = m[1].split(", ");
    return {
      note: `required input(s) ${m[1]} missing, so no step ran (on_input_failure)`,
      input: names,
    };
  }
  if (w.code === "INPUT_PATH_MISSING" && (m = /input path (\S+) did not resolve/.exec(w.message))) {
    return {
      note: `${at || "node "}input path ${m[1]} did not resolve (null was passed)`,
      input: [m[1]],
    };
  }
  if (w.code === "OUTPUT_PATH_MISSING" && (m = /^output (\S+) = (\S+):/.exec(w.message))) {
    return { note: `${at}output ${m[1]} (${m[2]}) was not produced by the capability (null)` };
  }
  if (w.code === "UNLISTED_STATUS" && (m = /^status (\S+) is not listed/.exec(w.message))) {
    return {
      note: `${at}status ${m[1]} is not listed in on_result, so the CC ended with it (fail closed)`,
    };
  }
  return { note: `${at}${w.code}: ${w.message}` };
}

/** Notes on the warnings a node raised in a run, and the inputs they name. */
function warningNotes(
  warnings: readonly ExamineWarning[],
  run: string,
  node: string,
): { notes: string[]; inputs: string[]; inputFailure: boolean } {
  const mine = warnings.filter((x) => x.run === run && x.node === node);
  const notes = mine.map((w) => noteOf(w));
  return {
    notes: notes.map((n) => n.note),
    inputs: [...new Set(notes.flatMap((n) => n.input ?? []))],
    inputFailure: mine.some((w) => w.code === "INPUT_FAILURE"),
  };
}

/** The diagnosis of an intact run. */
export function diagnose(
  records: readonly TraceRecord[],
  paths: TracePaths,
  warnings: readonly ExamineWarning[],
): Diagnosis {
  const result = records[records.length - 1] as ResultRecord;
  const c = result.classification;
  if (c === "COMPLETED") return completed(warnings);
  if (c === "REJECTED") return rejected(records, result);
  if (c === "FAULTED") return faulted(records, paths, warnings);
  if (c.startsWith("ENDED_")) return endedAt(records, paths, result, warnings);
  if (result.reason === "STEP_BUDGET_EXCEEDED") return overBudget(records, paths);
  return noTransition(records, paths, result, warnings);
}

function diagnosis(d: Partial<Diagnosis> & Pick<Diagnosis, "class" | "hint">): Diagnosis {
  return {
    class: d.class,
    run: d.run ?? null,
    node: d.node ?? null,
    step: d.step ?? null,
    inputs: d.inputs ?? [],
    file: d.file ?? null,
    hint: d.hint,
  };
}

function join(parts: Array<string | false | null | undefined>): string {
  return parts.filter((p): p is string => typeof p === "string" && p !== "").join("; ");
}

function completed(warnings: readonly ExamineWarning[]): Diagnosis {
  if (warnings.length === 0) {
    return diagnosis({ class: "none", hint: "the run completed; nothing to diagnose" });
  }
  const w = warnings[0];
  const notes = warnings.map((x) => {
    const run = x.run === ROOT_RUN ? "" : ` (run ${x.run})`;
    return `${x.node ?? "run"}${run}: ${noteOf(x).note}`;
  });
  return diagnosis({
    class: "none",
    run: w.run,
    node: w.node,
    step: w.step,
    inputs: [...new Set(warnings.flatMap((x) => noteOf(x).input ?? []))],
    hint: `the run completed, but review ${warnings.length} warning(s): ${notes.join("; ")}`,
  });
}

function rejected(records: readonly TraceRecord[], result: ResultRecord): Diagnosis {
  const isAdmission = (kind: string, outcome: string) => (r: TraceRecord): r is AdmissionRecord =>
    r.type === "admission" && r.run === ROOT_RUN && r.kind === kind && r.outcome === outcome;
  const wf = lastOf(records, isAdmission("WF", "ADMISSION_DENIED"));
  if (wf) {
    const file = fileOf(result.workflow, "WF");
    const fields = wf.reasons.flatMap((r) =>
      [...r.matchAll(/payload field "([^"]+)"/g)].map((m) => m[1])
    );
    return diagnosis({
      class: "admission",
      run: ROOT_RUN,
      node: wf.node,
      inputs: [...new Set(fields)],
      file,
      hint: join([
        "workflow admission denied the run before any node ran",
        wf.reasons.join("; "),
        `the requires/forbids rules are core.admission of ${file ?? result.workflow}`,
      ]),
    });
  }
  const nack = lastOf(records, isAdmission("IN", "NACK"));
  if (!nack) {
    return diagnosis({
      class: "admission",
      hint: `the run was rejected with status ${result.status}`,
    });
  }
  const file = fileOf(lastOf(records, isNode(ROOT_RUN, nack.node))?.fqdn, "IN");
  const fields = nack.reasons.map((r) => /^(\$[^:]*):/.exec(r)?.[1]).filter((f): f is string =>
    !!f
  );
  return diagnosis({
    class: "admission",
    run: ROOT_RUN,
    node: nack.node,
    inputs: [...new Set(fields)],
    file,
    hint: join([
      `${nack.node} refused the payload (NACK): ${nack.reasons.join("; ") || "no reason recorded"}`,
      `the field rules are core.inputs of ${file ?? "the intent"}`,
    ]),
  });
}

/** "last step s (CT X) returned S (message)[, evaluation ...]" for the node's last visit. */
function lastStepNote(step: StepRecord | undefined): string {
  if (!step) return "no step ran";
  const ev = step.evaluation;
  const raw = step.result as Record<string, unknown> | null;
  const said = raw && typeof raw === "object"
    ? [raw.message, raw.error, raw.reason].find((v) => typeof v === "string" && v !== "")
    : undefined;
  return `last step ${step.step} (${step.kind} ${step.capability}) returned ${step.status}` +
    (said ? ` (${JSON.stringify(said)})` : "") +
    (ev ? `, evaluation ${ev.name} (${ev.condition}) was ${ev.value} → ${ev.status}` : "");
}

/** Child runs started by the last visit of a root node that did not complete, and how they ended. */
function childNotes(paths: TracePaths, node: string | null): string[] {
  const visit = paths.root.visits.findLast((v) => v.node === node);
  return (visit?.children ?? [])
    .filter((c) => c.result && c.result.classification !== "COMPLETED")
    .map((c) => {
      const last = c.visits.findLast((v) => v.nodeType !== "EXIT");
      const at = last ? `: ${last.node} ended with ${last.outcome ?? "?"}` : "";
      return `child run ${c.id} (${c.workflow}) ended ${c.result!.classification}${at}`;
    });
}

/** " (reason R, emit E)" of an EXIT, or "". */
function exitFacts(result: ResultRecord): string {
  const facts = [result.reason && `reason ${result.reason}`, result.emit && `emit ${result.emit}`];
  const text = facts.filter(Boolean).join(", ");
  return text ? ` (${text})` : "";
}

function endedAt(
  records: readonly TraceRecord[],
  paths: TracePaths,
  result: ResultRecord,
  warnings: readonly ExamineWarning[],
): Diagnosis {
  const isExitEdge = (r: TraceRecord): r is TransitionRecord =>
    r.type === "transition" && r.run === ROOT_RUN && r.to === result.exit_node;
  const edge = lastOf(records, isExitEdge);
  const node = edge?.from ?? null;
  const at = edge ? records.indexOf(edge) : records.length;
  const nodeRec = node ? lastOf(records, isNode(ROOT_RUN, node), at) : undefined;
  const step = node ? lastOf(records, isStep(ROOT_RUN, node), at) : undefined;
  const stepInVisit = step && nodeRec && step.seq > nodeRec.seq ? step : undefined;
  const file = fileOf(nodeRec?.fqdn, nodeRec?.node_type === "IN" ? "IN" : "CC");
  const w = node
    ? warningNotes(warnings, ROOT_RUN, node)
    : { notes: [], inputs: [], inputFailure: false };
  return diagnosis({
    class: "business_outcome",
    run: ROOT_RUN,
    node,
    step: stepInVisit?.step ?? null,
    inputs: w.inputs,
    file,
    hint: join([
      `${node ?? "the last node"} ended with ${result.status}, which the workflow routes to ` +
      `${result.exit_node}${
        exitFacts(result)
      }: a declared non-success outcome, not an engine error`,
      nodeRec?.node_type === "CC" && !w.inputFailure && lastStepNote(stepInVisit),
      ...w.notes,
      ...childNotes(paths, node),
      file && `see on_result / on_input_failure in ${file}`,
    ]),
  });
}

function noTransition(
  records: readonly TraceRecord[],
  paths: TracePaths,
  result: ResultRecord,
  warnings: readonly ExamineWarning[],
): Diagnosis {
  const isDeadEnd = (r: TraceRecord): r is TransitionRecord =>
    r.type === "transition" && r.run === ROOT_RUN && r.to === null;
  const edge = result.reason === "NO_TRANSITION" ? lastOf(records, isDeadEnd) : undefined;
  const file = fileOf(result.workflow, "WF");
  if (!edge) {
    return diagnosis({
      class: "governance",
      run: ROOT_RUN,
      file,
      hint: `the run FAILED (${result.reason ?? result.status}); see ${file ?? result.workflow}`,
    });
  }
  const at = records.indexOf(edge);
  const nodeRec = lastOf(records, isNode(ROOT_RUN, edge.from), at);
  const step = lastOf(records, isStep(ROOT_RUN, edge.from), at);
  const stepInVisit = step && nodeRec && step.seq > nodeRec.seq ? step : undefined;
  const nack = lastOf(
    records,
    (r): r is AdmissionRecord =>
      r.type === "admission" && r.run === ROOT_RUN && r.node === edge.from,
    at,
  );
  const w = warningNotes(warnings, ROOT_RUN, edge.from);
  const ccFile = nodeRec?.node_type === "CC" ? fileOf(nodeRec.fqdn, "CC") : null;
  return diagnosis({
    class: "governance",
    run: ROOT_RUN,
    node: edge.from,
    step: stepInVisit?.step ?? null,
    inputs: w.inputs,
    file,
    hint: join([
      `${edge.from} ended with ${edge.outcome}, but the workflow declares no next["${edge.outcome}"] ` +
      "for it (NO_TRANSITION)",
      nodeRec?.node_type === "CC" && !w.inputFailure && lastStepNote(stepInVisit),
      nack && nack.reasons.length > 0 && `admission reasons: ${nack.reasons.join("; ")}`,
      ...w.notes,
      ...childNotes(paths, edge.from),
      `add the edge to core.nodes.${edge.from}.next in ${file ?? result.workflow}` +
      (ccFile ? `, or make ${ccFile} end with a routed status` : ""),
    ]),
  });
}

function overBudget(records: readonly TraceRecord[], paths: TracePaths): Diagnosis {
  // Each run of the tree ends STEP_BUDGET_EXCEEDED and records its result after its
  // children's, so the first such result is a run where a charge was refused.
  const spentIn = records.find((r): r is ResultRecord =>
    r.type === "result" && r.reason === "STEP_BUDGET_EXCEEDED"
  );
  const run = spentIn?.run ?? ROOT_RUN;
  const node = lastOf(records, (r): r is NodeRecord => r.type === "node" && r.run === run);
  const step = lastOf(records, (r): r is StepRecord => r.type === "step" && r.run === run);
  const stepInNode = step && node && step.seq > node.seq ? step : undefined;
  const verdictOwed = node?.node_type === "IN" &&
    !records.some((r) => r.type === "admission" && r.run === run && r.seq > node.seq);
  const use = budgetUse(records);
  const file = fileOf(paths.runs.get(run)?.workflow, "WF");
  const budget = paths.header.budget;
  const next = node &&
    lastOf(records, (r): r is TransitionRecord => r.type === "transition" && r.run === run);
  const left = next && next.seq > node.seq && next.to !== null ? next.to : null;
  const where = !node
    ? "at the start"
    : verdictOwed
    ? `at ${node.node} (its IN verdict)`
    : left
    ? `entering ${left}`
    : stepInNode
    ? `after ${node.node} step ${stepInNode.step}`
    : `at the first step of ${node.node}`;
  const consumer = consumedBy(records, use, budget);
  const rerun = `if the work is legitimately this long, rerun with --budget <n> above ${budget}`;
  return diagnosis({
    class: "governance",
    run,
    node: node?.node ?? null,
    step: stepInNode?.step ?? null,
    file,
    hint: join([
      `the step budget of ${budget} (node visits + steps, child runs included) ran out ` +
      where + (run !== ROOT_RUN ? ` in child run ${run}` : "") + " (STEP_BUDGET_EXCEEDED)",
      `spent: ${count(use.verdicts, "IN verdict")}, ${count(use.visits, "CC visit")} and ` +
      `${count(use.steps, "step")} in ${count(paths.runs.size, "run")}`,
      consumer.what,
      consumer.advice ? `${rerun}; otherwise ${consumer.advice}` : rerun,
    ]),
  });
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/**
 * What consumed the budget: a workflow recursing into itself through child runs, a step
 * whose child runs spent most of it, or a step that ran most often; with what to change.
 */
function consumedBy(
  records: readonly TraceRecord[],
  use: BudgetUse,
  budget: number,
): { what: string; advice?: string } {
  const ccFile = (run: string, node: string) =>
    fileOf(lastOf(records, isNode(run, node))?.fqdn, "CC");
  const chain = use.deepest;
  const depth = chain.length - 1;
  const wfOf = (run: string) => use.workflow.get(run) ?? "?";
  const again = chain.findIndex((run, i) => chain.slice(0, i).some((r) => wfOf(r) === wfOf(run)));
  if (again > 0 || depth >= MAX_CHILD_DEPTH) {
    const at = again > 0 ? again : chain.length - 1;
    const by = use.caller.get(chain[at])!;
    const from = chain[at - 1];
    const file = ccFile(from, by.node);
    const limit = depth >= MAX_CHILD_DEPTH
      ? `, the nesting limit of ${MAX_CHILD_DEPTH} (a larger --budget does not help)`
      : "";
    const nested = `child runs nested ${depth} deep${limit} (deepest: ${chain.at(-1)})`;
    return {
      what: again > 0
        ? `runaway recursion: ${wfOf(chain[at])} runs again inside itself, started by ` +
          `${by.node} step ${by.step} of ${wfOf(from)}; ${nested}`
        : `${nested}, the last started by ${by.node} step ${by.step} of ${wfOf(from)}`,
      advice: `give the recursion an end: see ${by.node} step ${by.step}` +
        (file ? ` in ${file}` : ""),
    };
  }
  const top = use.callers[0];
  if (top && top.units * 2 >= budget) {
    const file = ccFile(top.run, top.node);
    return {
      what: `${top.node} step ${top.step}` + (top.run !== ROOT_RUN ? ` (run ${top.run})` : "") +
        ` started ${count(top.children, "child run")} of ${top.workflows.join(", ")}, which ` +
        `spent ${top.units} of the ${budget} units`,
      advice: `give ${top.node} step ${top.step} less to do` + (file ? ` (see ${file})` : ""),
    };
  }
  const most = use.repeated[0];
  if (most && most.times > 1) {
    return {
      what: `the most repeated: ${most.node} step ${most.step} of ${most.workflow}, ${
        count(most.times, "time")
      }`,
    };
  }
  return { what: "" };
}

function faulted(
  records: readonly TraceRecord[],
  paths: TracePaths,
  warnings: readonly ExamineWarning[],
): Diagnosis {
  // A fault is recorded by the run it happened in and again by each parent it ends, so
  // the first fault record is the origin.
  const fault = records.find((r): r is FaultRecord => r.type === "fault");
  if (!fault) {
    return diagnosis({ class: "fault", hint: "the run FAULTED; no fault record names the cause" });
  }
  const at = records.indexOf(fault);
  const nodeRec = lastOf(records, isNode(fault.run, fault.node), at);
  const step = fault.step
    ? lastOf(records, isStep(fault.run, fault.node, fault.step), at)
    : undefined;
  const source = step && nodeRec && step.seq > nodeRec.seq ? step.inputs : nodeRec?.inputs;
  const inputs = source && typeof source === "object" && !Array.isArray(source)
    ? Object.keys(source)
    : [];
  const file = fileOf(nodeRec?.fqdn, "CC");
  const w = warningNotes(warnings, fault.run, fault.node);
  const where = `${fault.node}${fault.step ? ` step ${fault.step}` : ""}` +
    (fault.run !== ROOT_RUN
      ? ` (child run ${fault.run}, ${paths.runs.get(fault.run)?.workflow ?? "?"})`
      : "");
  return diagnosis({
    class: "fault",
    run: fault.run,
    node: fault.node,
    step: fault.step ?? null,
    inputs: [...new Set([...w.inputs, ...inputs])],
    file,
    hint: join([
      `a capability threw in ${where}: ${fault.error}`,
      `${source === nodeRec?.inputs ? "node" : "step"} inputs: ${inputs.join(", ") || "(none)"}`,
      ...w.notes,
      "the run's state changes were discarded",
      file && `see the step in ${file}`,
    ]),
  });
}
