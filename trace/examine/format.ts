/**
 * The human form of an `examine` report: a few lines for an auditor.
 *
 * @module
 */
import { TraceError } from "../../errors.ts";
import { ROOT_RUN } from "../run_path.ts";
import type { ExamineReport } from "./types.ts";

/** Most problems the human form lists; the rest are counted. */
const MAX_PROBLEM_LINES = 50;

/**
 * The human form of a report: a few lines (newline-separated) for an auditor.
 *
 * @throws {TraceError} TRACE when `report` is not an examineTrace() report.
 */
export function formatExamine(report: ExamineReport): string {
  if (
    report === null || typeof report !== "object" || typeof report.intact !== "boolean" ||
    !Array.isArray(report.problems)
  ) {
    throw new TraceError("Cannot format: expected the report of examineTrace()");
  }
  return formatLines(report).join("\n");
}

function checks(report: ExamineReport): string {
  const against = report.checked_against === "store"
    ? "equal to the body committed in the state store"
    : "checked only against itself (give --data-root or --kv to compare it with the store)";
  const sig = {
    verified: `seal verified (key ${report.key_id})`,
    not_checked: `sealed by key ${report.key_id}, signature not checked (give --public-key ` +
      `or --data-root)`,
    unsealed: report.version === 1 ? "pgs.trace/1: no seal" : "not sealed",
  }[report.signature];
  return `checks: ${against}; ${sig}`;
}

function formatLines(report: ExamineReport): string[] {
  const id = report.trace_id ?? "(unknown id)";
  if (!report.intact) {
    // A file that is not a trace at all (a log, a binary) has a problem per line: the first
    // ones say what it is; a million more would only bury them.
    const shown = report.problems.slice(0, MAX_PROBLEM_LINES);
    const more = report.problems.length - shown.length;
    return [
      `trace ${id}: DAMAGED, ${report.problems.length} problem(s); do not trust its content`,
      ...shown.map((p) => `  ${p}`),
      ...(more > 0 ? [`  … and ${more} more (examine --json lists them all)`] : []),
    ];
  }
  const out = [
    `trace ${id}  workflow ${report.workflow}  (${report.records} records, intact)`,
    checks(report),
  ];
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
