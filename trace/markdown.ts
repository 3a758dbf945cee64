/**
 * `.md` renderer: the summary an auditor reads next to the JSONL trace: result, header
 * facts, admission, the path (child runs nested under the visit that started them), steps,
 * effects, warnings, faults, and the commands to examine and replay the trace.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { NodeTiming, StepRecord, TraceRecord } from "./record.ts";
import { collectPaths, type NodeVisit, type RunPath } from "./run_path.ts";

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /**
   * Node durations (kept out of the hashed trace body); without them durations show "-".
   * @default []
   */
  timings?: NodeTiming[];
  /**
   * Path of the `.jsonl` file to name in the examine/replay commands.
   * @default "traces/<trace_id>/<trace_id>.jsonl"
   */
  tracePath?: string;
  /**
   * Workspace directory to name in the replay command.
   * @default "<workspace>"
   */
  workspace?: string;
  /**
   * Relative path of the rendered `.png`, to embed under the result; omitted when absent.
   * @default undefined
   */
  pngPath?: string;
  /**
   * The command lines to suggest (the CLI gives the ones that work for how it was started,
   * with absolute paths and least-privilege flags).
   * @default `pgs-runtime examine <trace>` and `pgs-runtime replay <trace> --workspace <ws>`
   */
  commands?: { examine: string; replay: string };
}

/** Payloads longer than this (pretty JSON) are cut: the JSONL has them in full. */
const PAYLOAD_LIMIT = 4000;

/**
 * Renders a human summary of a trace. Pure and deterministic: same records and options,
 * same text.
 *
 * @param records The trace records, header first.
 * @param opts Timings and the paths to name in the commands.
 * @returns Markdown text ending with a newline.
 * @throws {TraceError} TRACE when `records` does not start with a header.
 * @throws {UsageError} USAGE when `opts.timings` is not an array.
 * @example
 * ```ts ignore
 * const md = renderMarkdown(records, { tracePath: "traces/T1/T1.jsonl", workspace: "." });
 * ```
 */
export function renderMarkdown(
  records: readonly TraceRecord[],
  opts: MarkdownOptions = {},
): string {
  if (opts.timings !== undefined && !Array.isArray(opts.timings)) {
    throw new UsageError("Cannot render markdown: opts.timings must be an array of NodeTiming");
  }
  const paths = collectPaths(records);
  const { header, root } = paths;
  const timings = timingIndex(opts.timings ?? []);
  const out: string[] = [];

  out.push(`# ${header.workflow} — trace ${header.trace_id}`, "");
  out.push(...resultSection(root));
  if (opts.pngPath !== undefined) {
    out.push(`![workflow graph with the executed path](${linkTarget(opts.pngPath)})`, "");
  }
  out.push("## Run", "");
  out.push("| Field | Value |", "| --- | --- |");
  out.push(`| Trace id | ${code(header.trace_id)} |`);
  out.push(`| Workflow | ${code(header.workflow)} |`);
  out.push(`| Snapshot digest | ${code(header.snapshot_digest)} |`);
  out.push(`| Seed | ${code(header.seed)} |`);
  out.push(`| Started at | ${code(header.started_at)} |`);
  out.push(`| Runtime version | ${code(header.runtime_version)} |`);
  out.push(`| Semantics version | ${code(header.semantics_version)} |`);
  out.push(`| Step budget | ${header.budget} |`);
  out.push(`| Schema | ${code(header.schema)} |`);
  out.push(`| Records | ${records.length} |`, "");

  const payload = payloadText(header.payload);
  const fence = "`".repeat(Math.max(3, longestRun(payload, "`") + 1));
  out.push("## Payload", "", `${fence}json`, payload, fence, "");

  out.push("## Admission", "");
  const admissions = [...paths.runs.values()].flatMap((run) =>
    run.admissions.map((a) => ({ run, a }))
  );
  if (admissions.length === 0) out.push("No admission records.");
  for (const { run, a } of admissions) {
    const where = a.kind === "WF" ? "workflow" : `IN ${code(a.node)}`;
    const inRun = run.id === root.id ? "" : ` (run ${code(run.id)})`;
    out.push(`- ${where}${inRun}: **${text(a.outcome)}**`);
    for (const reason of a.reasons) out.push(`  - ${text(reason)}`);
  }
  out.push("");

  out.push("## Path", "");
  out.push("| # | Node | Type | Outcome | Duration (ms) |", "| ---: | --- | --- | --- | ---: |");
  pathRows(root, "", 0, timings, out);
  const total = (opts.timings ?? []).filter((t) => t.run === root.id)
    .reduce((sum, t) => sum + t.ms, 0);
  out.push("");
  if (timings.size > 0) out.push(`Root run node time: ${total.toFixed(2)} ms.`, "");

  const steps = collectVisits(root, "").flatMap(({ label, visit }) =>
    visit.steps.map((s) => ({ label, s }))
  );
  out.push("## Steps", "");
  if (steps.length === 0) out.push("No pipeline steps.", "");
  else {
    out.push(
      "| # | Node | Step | Kind | Capability | Op | Status | Route |",
      "| ---: | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const { label, s } of steps) {
      out.push(
        `| ${label} | ${code(s.node)} | ${code(s.step)} | ${s.kind} | ${code(s.capability)} | ${
          s.op === null ? "-" : code(s.op)
        } | ${text(s.status)} | ${routeCell(s)} |`,
      );
    }
    out.push("");
  }

  const effects = collectVisits(root, "").flatMap(({ label, visit }) =>
    visit.effects.map((e) => ({ label, e }))
  );
  out.push("## Effects", "");
  if (effects.length === 0) out.push("No state changes.", "");
  else {
    out.push(
      "| # | Node | Step | Store | Mutation | Key | Operation | Result |",
      "| ---: | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const { label, e } of effects) {
      out.push(
        `| ${label} | ${code(e.node)} | ${code(e.step)} | ${code(e.store)} | ${
          text(e.mutation)
        } | ${code(e.key)} | ${text(e.operation)} | ${text(e.result)} |`,
      );
    }
    out.push("");
  }

  out.push("## Warnings", "");
  if (paths.warnings.length === 0) out.push("None.", "");
  else {
    out.push(
      "| Seq | Run | Code | Node | Step | Message |",
      "| ---: | --- | --- | --- | --- | --- |",
    );
    for (const w of paths.warnings) {
      out.push(
        `| ${w.seq} | ${code(w.run)} | ${code(w.code)} | ${optCode(w.node)} | ${
          optCode(w.step)
        } | ${text(w.message)} |`,
      );
    }
    out.push("");
  }

  out.push("## Faults", "");
  if (paths.faults.length === 0) out.push("None.", "");
  else {
    out.push("| Seq | Run | Node | Step | Error |", "| ---: | --- | --- | --- | --- |");
    for (const f of paths.faults) {
      out.push(
        `| ${f.seq} | ${code(f.run)} | ${code(f.node)} | ${optCode(f.step)} | ${text(f.error)} |`,
      );
    }
    out.push("");
  }

  const jsonl = opts.tracePath ?? `traces/${header.trace_id}/${header.trace_id}.jsonl`;
  const workspace = opts.workspace === undefined ? "<workspace>" : shellWord(opts.workspace);
  out.push("## Examine and replay", "", "```sh");
  out.push(opts.commands?.examine ?? `pgs-runtime examine ${shellWord(jsonl)}`);
  out.push(
    opts.commands?.replay ?? `pgs-runtime replay ${shellWord(jsonl)} --workspace ${workspace}`,
  );
  out.push("```", "");
  return out.join("\n");
}

function resultSection(root: RunPath): string[] {
  const r = root.result;
  if (!r) {
    return [
      "**Result: missing** — the trace has no result record for the root run (incomplete).",
      "",
    ];
  }
  const lines = [`**Result: ${text(r.classification)}** (status ${code(r.status)})`, ""];
  lines.push("| Classification | Status | Exit node | Reason | Emit |");
  lines.push("| --- | --- | --- | --- | --- |");
  lines.push(
    `| ${text(r.classification)} | ${code(r.status)} | ${optCode(r.exit_node)} | ${
      optCode(r.reason)
    } | ${optCode(r.emit)} |`,
    "",
  );
  return lines;
}

/** Visit number label: "3" in the root run, "3.1.2" for visit 2 of child run 1 of visit 3. */
function collectVisits(
  run: RunPath,
  prefix: string,
): Array<{ label: string; visit: NodeVisit }> {
  return run.visits.flatMap((visit) => {
    const label = `${prefix}${visit.index}`;
    return [
      { label, visit },
      ...visit.children.flatMap((child, i) => collectVisits(child, `${label}.${i + 1}.`)),
    ];
  });
}

function pathRows(
  run: RunPath,
  prefix: string,
  depth: number,
  timings: Map<string, number[]>,
  out: string[],
): void {
  const indent = "↳ ".repeat(depth);
  const seen = new Map<string, number>();
  for (const visit of run.visits) {
    const nth = seen.get(visit.node) ?? 0;
    seen.set(visit.node, nth + 1);
    const ms = timings.get(timingKey(run.id, visit.node))?.[nth];
    const label = `${prefix}${visit.index}`;
    out.push(
      `| ${label} | ${indent}${code(visit.node)} | ${visit.nodeType} | ${outcomeCell(visit)} | ${
        ms === undefined ? "-" : ms.toFixed(2)
      } |`,
    );
    visit.children.forEach((child, i) => {
      const childLabel = `${label}.${i + 1}`;
      const r = child.result;
      const status = r ? `${text(r.classification)} (${code(r.status)})` : "no result";
      const step = child.start ? `step ${code(child.start.step)}, ` : "";
      out.push(
        `| ${childLabel} | ${"↳ ".repeat(depth + 1)}child run ${code(child.id)}: ${step}${
          code(child.workflow || "?")
        } | run | ${status} | - |`,
      );
      pathRows(child, `${childLabel}.`, depth + 1, timings, out);
    });
  }
}

function routeCell(step: StepRecord): string {
  const e = step.evaluation;
  if (!e) return text(step.route);
  return `${text(step.route)} (${code(e.name)}: ${code(e.condition)} = ${e.value} → ${
    text(e.status)
  })`;
}

function outcomeCell(visit: NodeVisit): string {
  if (visit.outcome === null) return "-";
  let cell = code(visit.outcome);
  if (visit.noEdge) cell += " (no edge)";
  else if (visit.to !== null) cell += ` → ${code(visit.to)}`;
  return cell;
}

function timingKey(run: string, node: string): string {
  return JSON.stringify([run, node]);
}

/** (run, node) → durations of its visits in order. */
function timingIndex(timings: NodeTiming[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  timings.forEach((t, i) => {
    if (typeof t?.run !== "string" || typeof t.node !== "string" || typeof t.ms !== "number") {
      throw new UsageError(
        `Cannot render markdown: opts.timings[${i}] must have string run, node and number ms`,
      );
    }
    const key = timingKey(t.run, t.node);
    index.set(key, [...(index.get(key) ?? []), t.ms]);
  });
  return index;
}

function payloadText(payload: unknown): string {
  const json = JSON.stringify(payload, null, 2) ?? "null";
  return json.length <= PAYLOAD_LIMIT
    ? json
    : `${json.slice(0, PAYLOAD_LIMIT)}\n… (truncated; the .jsonl has the full payload)`;
}

/** Table-safe plain text: one line, pipes escaped, no raw HTML. */
function text(value: unknown): string {
  return String(value)
    .replace(/\r\n|\r|\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|");
}

/** Table-safe code span, fenced with more backticks than the value's longest run. */
function code(value: unknown): string {
  const s = String(value).replace(/\r\n|\r|\n/g, " ").replace(/\|/g, "\\|");
  if (!s.includes("`")) return `\`${s}\``;
  const fence = "`".repeat(longestRun(s, "`") + 1);
  return `${fence} ${s} ${fence}`;
}

function longestRun(s: string, char: string): number {
  let best = 0;
  let run = 0;
  for (const c of s) {
    run = c === char ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

function optCode(value: string | null | undefined): string {
  return value === null || value === undefined ? "-" : code(value);
}

/** A Markdown link target: URI-encoded, parentheses included (they would end the link). */
function linkTarget(path: string): string {
  return encodeURI(path).replace(/\(/g, "%28").replace(/\)/g, "%29");
}

/** Quotes a path for a POSIX shell only when it needs it. */
function shellWord(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
