/**
 * `examine`: reads a `pgs.trace/1` body and says whether it is intact (hash chain,
 * canonical form, schema, and a cross-check of the root result against the recorded
 * path) and, when it is, what happened and why: result, path, effects, warnings and a
 * diagnosis naming the node, step, inputs and artifact file to look at. Pure: the CLI
 * reads the file, prints {@link formatExamine} (or the report as JSON) and exits 5 when
 * the trace is not intact.
 *
 * @module
 */
import { TraceError } from "../errors.ts";
import { canonicalJson } from "../snapshot/canonical.ts";
import { artifactFile, type ArtifactKind, isSafeFqdn, parseFqdn } from "../snapshot/resolve.ts";
import { verifyTrace } from "./jsonl.ts";
import type {
  AdmissionRecord,
  FaultRecord,
  HeaderRecord,
  NodeRecord,
  ResultRecord,
  StepRecord,
  TraceRecord,
  TransitionRecord,
} from "./record.ts";
import { collectPaths, ROOT_RUN, type TracePaths } from "./run_path.ts";
import { validateRecord } from "./schema.ts";

/** What kind of thing went wrong (SPEC §7). */
export const DiagnosisClass = {
  NONE: "none",
  ADMISSION: "admission",
  BUSINESS_OUTCOME: "business_outcome",
  GOVERNANCE: "governance",
  FAULT: "fault",
} as const;
/** One of {@link DiagnosisClass}. */
export type DiagnosisClass = typeof DiagnosisClass[keyof typeof DiagnosisClass];

/** Why the run ended as it did, and where to look. */
export interface Diagnosis {
  /** Kind of cause. */
  class: DiagnosisClass;
  /** Run the cause is in ("root" or a child run id), or null. */
  run: string | null;
  /** Node key to look at, or null. */
  node: string | null;
  /** Step name to look at, or null. */
  step: string | null;
  /** Inputs / payload fields involved (missing, unresolved, refused, or the faulting call's). */
  inputs: string[];
  /** Workspace-relative artifact file to look at, or null. */
  file: string | null;
  /** One-paragraph explanation for an auditor. */
  hint: string;
}

/** The root run's result, as recorded. */
export interface ExamineResult {
  /** Outcome that led to the end. */
  status: string;
  /** COMPLETED, REJECTED, ENDED_<STATUS>, FAILED or FAULTED. */
  classification: string;
  /** EXIT node, or null. */
  exit_node: string | null;
  /** EXIT reason or failure reason. */
  reason: string | null;
  /** EXIT emit. */
  emit: string | null;
}

/** One visit of the root run's path. */
export interface ExaminePathEntry {
  /** Node key. */
  node: string;
  /** IN, CC or EXIT. */
  node_type: string;
  /** Outcome that left the node (EXIT: its reason; "FAULT"), or null. */
  outcome: string | null;
}

/** A state change, from an effect record. */
export interface ExamineEffect {
  /** Run id. */
  run: string;
  /** CC node key. */
  node: string;
  /** Step name. */
  step: string;
  /** Store path. */
  store: string;
  /** set / delete / append. */
  mutation: string;
  /** Key or sequence number. */
  key: string;
  /** CS op. */
  operation: string;
  /** Step status. */
  result: string;
}

/** A warning record. */
export interface ExamineWarning {
  /** Run id. */
  run: string;
  /** Warning code. */
  code: string;
  /** Node key, or null. */
  node: string | null;
  /** Step name, or null. */
  step: string | null;
  /** Detail. */
  message: string;
}

/** What {@link examineTrace} found; its JSON form is `examine --json`. */
export interface ExamineReport {
  /** False when any problem was found: nothing else in the report is then trustworthy. */
  intact: boolean;
  /** Integrity problems, "line N ...: ..." (empty when intact). */
  problems: string[];
  /** Trace id from the header, or null. */
  trace_id: string | null;
  /** Root workflow from the header, or null. */
  workflow: string | null;
  /** Snapshot digest from the header, or null. */
  snapshot_digest: string | null;
  /** Lines in the body. */
  records: number;
  /** The root run's result (null when damaged). */
  result: ExamineResult | null;
  /** The root run's node visits. */
  path: ExaminePathEntry[];
  /** Number of child runs. */
  child_runs: number;
  /** Every state change, in file order (a FAULTED run's effects were not committed). */
  effects: ExamineEffect[];
  /** Every warning, in file order. */
  warnings: ExamineWarning[];
  /** Why the run ended so (null when damaged). */
  diagnosis: Diagnosis | null;
}

/**
 * Examines a trace body (the `.jsonl` file's text).
 *
 * @throws {TraceError} TRACE when `text` is not a string.
 */
export function examineTrace(text: string): ExamineReport {
  if (typeof text !== "string") {
    throw new TraceError("Cannot examine trace: expected the .jsonl text as a string");
  }
  const verified = verifyTrace(text);
  const records = verified.records;
  let problems = [...verified.problems, ...schemaProblems(text)];
  if (problems.length === 0) problems = crossCheck(records);
  const first = records[0] as Partial<HeaderRecord> | undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const report: ExamineReport = {
    intact: problems.length === 0,
    problems: sortByLine(problems),
    trace_id: first?.type === "header" ? str(first.trace_id) : null,
    workflow: first?.type === "header" ? str(first.workflow) : null,
    snapshot_digest: first?.type === "header" ? str(first.snapshot_digest) : null,
    records: countLines(text),
    result: null,
    path: [],
    child_runs: 0,
    effects: [],
    warnings: [],
    diagnosis: null,
  };
  if (!report.intact) return report;

  const paths = collectPaths(records);
  const result = records[records.length - 1] as ResultRecord;
  report.result = {
    status: result.status,
    classification: result.classification,
    exit_node: result.exit_node,
    reason: result.reason,
    emit: result.emit,
  };
  report.path = paths.root.visits.map((v) => ({
    node: v.node,
    node_type: v.nodeType,
    outcome: v.outcome,
  }));
  report.child_runs = paths.runs.size - 1;
  for (const r of records) {
    if (r.type === "effect") {
      const { run, node, step, store, mutation, key, operation, result } = r;
      report.effects.push({ run, node, step, store, mutation, key, operation, result });
    }
  }
  report.warnings = paths.warnings.map((w) => ({
    run: w.run,
    code: w.code,
    node: w.node ?? null,
    step: w.step ?? null,
    message: w.message,
  }));
  report.diagnosis = diagnose(records, paths, report.warnings);
  return report;
}

/** The human form of a report: a few lines for an auditor. */
export function formatExamine(report: ExamineReport): string[] {
  const id = report.trace_id ?? "(unknown id)";
  if (!report.intact) {
    return [
      `trace ${id}: DAMAGED, ${report.problems.length} problem(s); do not trust its content`,
      ...report.problems.map((p) => `  ${p}`),
    ];
  }
  const out = [`trace ${id}  workflow ${report.workflow}  (${report.records} records, intact)`];
  const r = report.result!;
  out.push(
    `result: ${r.classification}  status ${r.status}  exit ${r.exit_node ?? "-"}  ` +
      `reason ${r.reason ?? "-"}  emit ${r.emit ?? "-"}`,
  );
  const path = report.path.map((v) => `${v.node} [${v.outcome ?? "?"}]`).join(" → ");
  out.push(`path: ${path || "(no node ran)"}`);
  if (report.child_runs > 0) out.push(`child runs: ${report.child_runs}`);
  const discarded = r.classification === "FAULTED" ? ", not committed: the run FAULTED" : "";
  out.push(
    report.effects.length === 0
      ? "effects: none"
      : `effects (${report.effects.length}${discarded}):`,
  );
  for (const e of report.effects) {
    const run = e.run === ROOT_RUN ? "" : `[${e.run}] `;
    out.push(
      `  ${run}${e.node}/${e.step}: ${e.mutation} ${e.store} key ${shown(e.key)}  ` +
        `${e.operation} → ${e.result}`,
    );
  }
  out.push(
    report.warnings.length === 0 ? "warnings: none" : `warnings (${report.warnings.length}):`,
  );
  for (const w of report.warnings) {
    const run = w.run === ROOT_RUN ? "" : `[${w.run}] `;
    const where = [w.node, w.step].filter((x) => x !== null).join("/");
    out.push(`  ${run}${w.code}${where ? ` at ${where}` : ""}: ${w.message}`);
  }
  const d = report.diagnosis!;
  out.push(`diagnosis: ${d.class}: ${d.hint}`);
  const facts = [
    d.run && d.run !== ROOT_RUN ? `run ${d.run}` : "",
    d.node ? `node ${d.node}` : "",
    d.step ? `step ${d.step}` : "",
    d.inputs.length ? `inputs ${d.inputs.join(", ")}` : "",
    d.file ? `file ${d.file}` : "",
  ].filter(Boolean);
  if (facts.length > 0) out.push(`  ${facts.join(" · ")}`);
  return out;
}

/** `text`, JSON-quoted when it holds control characters (storage keys may hold NUL). */
function shown(text: string): string {
  const control = [...text].some((c) => c.charCodeAt(0) < 0x20 || c === "\x7f");
  return control || text === "" ? JSON.stringify(text) : text;
}

// ---- integrity beyond the chain --------------------------------------------------------

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function countLines(text: string): number {
  return splitLines(text).length;
}

/** Schema problems with true line numbers (verifyTrace skips lines that do not parse). */
function schemaProblems(text: string): string[] {
  const out: string[] = [];
  for (const [i, line] of splitLines(text).entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // verifyTrace already reports it
    }
    out.push(...validateRecord(value, i + 1));
  }
  return out;
}

function sortByLine(problems: string[]): string[] {
  const lineOf = (p: string) => Number(/^line (\d+)/.exec(p)?.[1] ?? 0);
  return problems.map((p, i) => [p, i] as const)
    .sort((a, b) => lineOf(a[0]) - lineOf(b[0]) || a[1] - b[1])
    .map(([p]) => p);
}

/** Failure reasons of a run that reached no EXIT, with their classification. */
const FAILURE_CLASS: Record<string, string> = {
  NO_TRANSITION: "FAILED",
  STEP_BUDGET_EXCEEDED: "FAILED",
  FAULT: "FAULTED",
  ADMISSION_DENIED: "REJECTED",
};

/** Outcomes whose declared effect holds (mirrors `SUCCESS_LIKE` of actors/run.ts). */
const SUCCESS_LIKE = new Set(["SUCCESS", "ACK", "ALREADY_EXISTS", "default"]);

/**
 * Classification of a run that reached an EXIT (SPEC §4). Mirrors `classify` of
 * actors/run.ts, which trace/ may not import; tests/trace/examine_test.ts fails if they drift.
 */
function classifyExit(status: string, reason: string | null): string {
  if (status === "NACK") return "REJECTED";
  if (reason === "COMPLETED") return "COMPLETED";
  if (SUCCESS_LIKE.has(status)) {
    return reason === null || reason === "EXITED" ? "COMPLETED" : `ENDED_${reason}`;
  }
  return `ENDED_${status}`;
}

/**
 * Evidence of STEP_BUDGET_EXCEEDED: the recorded units of work (IN verdicts, CC visits,
 * steps, in every run) reached the budget, or child runs nested to the depth limit.
 */
function budgetSpent(records: readonly TraceRecord[], budget: number): boolean {
  let used = 0;
  const parent = new Map<string, string>();
  for (const r of records) {
    if (r.type === "step" || (r.type === "admission" && r.kind === "IN")) used++;
    else if (r.type === "node" && r.node_type === "CC") used++;
    else if (r.type === "child_run") parent.set(r.child, r.run);
  }
  if (used >= budget) return true;
  let deepest = 0;
  for (const child of parent.keys()) {
    let depth = 0;
    for (let run: string | undefined = child; run && run !== "root"; run = parent.get(run)) depth++;
    deepest = Math.max(deepest, depth);
  }
  return deepest >= MAX_CHILD_DEPTH;
}

/** Child-run nesting limit of the runtime (actors/pipeline.ts MAX_CHILD_DEPTH). */
const MAX_CHILD_DEPTH = 64;

/**
 * The last line is chained to nothing after it, so an edit of it alone keeps the chain
 * whole. Everything in it that the path already records must agree with the path.
 */
function crossCheck(records: readonly TraceRecord[]): string[] {
  const header = records[0] as HeaderRecord;
  const result = records[records.length - 1] as ResultRecord;
  const at = `line ${records.length} (result)`;
  const q = (v: unknown) => JSON.stringify(v);
  const out: string[] = [];
  const root = records.filter((r) => r.run === ROOT_RUN);
  const transitions = root.filter((r): r is TransitionRecord => r.type === "transition");
  const lastT = transitions.at(-1);
  const lastNode = root.filter((r): r is NodeRecord => r.type === "node").at(-1);
  if (result.workflow !== header.workflow) {
    out.push(`${at}: workflow ${q(result.workflow)} is not the header's ${q(header.workflow)}`);
  }
  if (result.exit_node !== null) {
    if (lastNode?.node_type !== "EXIT" || lastNode.node !== result.exit_node) {
      out.push(`${at}: exit_node ${q(result.exit_node)} is not the EXIT node the root run entered`);
    } else if (
      ("reason" in lastNode && (lastNode.reason ?? null) !== result.reason) ||
      ("emit" in lastNode && (lastNode.emit ?? null) !== result.emit)
    ) {
      out.push(
        `${at}: reason ${q(result.reason)} / emit ${q(result.emit)} are not those of ` +
          `${result.exit_node} (${q(lastNode.reason ?? null)} / ${q(lastNode.emit ?? null)})`,
      );
    } else if (lastT?.to !== result.exit_node || lastT.outcome !== result.status) {
      out.push(
        `${at}: status ${q(result.status)} is not the outcome that led to ${result.exit_node}`,
      );
    }
    const expected = classifyExit(result.status, result.reason);
    if (result.classification !== expected) {
      out.push(
        `${at}: classification ${q(result.classification)} does not follow from status ` +
          `${q(result.status)} and reason ${q(result.reason)} (expected ${q(expected)})`,
      );
    }
  } else {
    const expected = FAILURE_CLASS[result.reason ?? ""];
    if (!expected) {
      out.push(`${at}: reason ${q(result.reason)} is not a failure reason of a run without exit`);
    } else if (result.classification !== expected) {
      out.push(
        `${at}: classification ${q(result.classification)} does not follow from reason ${
          q(result.reason)
        }`,
      );
    }
    if (lastNode?.node_type === "EXIT") {
      out.push(`${at}: exit_node is null but the root run entered ${lastNode.node}`);
    }
    const rootFault = root.some((r) => r.type === "fault");
    const noTransition = lastT?.to === null;
    const evidence = {
      NO_TRANSITION: noTransition && lastT.outcome === result.status && !rootFault,
      ADMISSION_DENIED: result.status === "ADMISSION_DENIED" &&
        root.some((r) =>
          r.type === "admission" && r.kind === "WF" && r.outcome === "ADMISSION_DENIED"
        ),
      // A halted run's status is its reason (it did not end on an outcome).
      FAULT: rootFault && !noTransition && result.status === "FAULT",
      STEP_BUDGET_EXCEEDED: !rootFault && !noTransition &&
        result.status === "STEP_BUDGET_EXCEEDED" && budgetSpent(records, header.budget),
    }[result.reason ?? ""];
    if (expected && !evidence) {
      out.push(
        `${at}: reason ${q(result.reason)} / status ${
          q(result.status)
        } is not what the root run recorded`,
      );
    }
  }
  // `results` is the root run's CC surfaces, each also recorded on the node's last transition.
  const surfaces: Record<string, unknown> = {};
  for (const t of transitions) {
    if (t.outputs !== undefined && t.outputs !== null) surfaces[t.from] = t.outputs;
  }
  if (canonicalJson(surfaces) !== canonicalJson(result.results)) {
    out.push(`${at}: results do not match the outputs recorded on the root run's transitions`);
  }
  return out;
}

// ---- diagnosis ------------------------------------------------------------------------

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

function diagnose(
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
  const node = lastOf(records, (r): r is NodeRecord => r.type === "node");
  const step = lastOf(records, (r): r is StepRecord => r.type === "step");
  const run = node?.run ?? ROOT_RUN;
  const stepInNode = step && node && step.seq > node.seq && step.run === run ? step : undefined;
  const visits = new Map<string, number>();
  for (const r of records) {
    if (r.type === "node") {
      visits.set(`${r.run} ${r.node}`, (visits.get(`${r.run} ${r.node}`) ?? 0) + 1);
    }
  }
  const [busiest, count] = [...visits.entries()].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
  const busiestNode = busiest.split(" ")[1];
  const file = fileOf(paths.runs.get(run)?.workflow, "WF");
  const budget = paths.header.budget;
  return diagnosis({
    class: "governance",
    run,
    node: node?.node ?? null,
    step: stepInNode?.step ?? null,
    file,
    hint: join([
      `the step budget of ${budget} (node visits + steps, child runs included) ran out after ` +
      `${node ? node.node : "the start"}${stepInNode ? ` step ${stepInNode.step}` : ""}` +
      (run !== ROOT_RUN ? ` in child run ${run}` : "") + " (STEP_BUDGET_EXCEEDED)",
      count > 1 && `${busiestNode} was entered ${count} times`,
      `if the work is legitimately this long, rerun with --budget <n> above ${budget}; ` +
      `otherwise look for a cycle in ${file ?? "the workflow"}`,
    ]),
  });
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
