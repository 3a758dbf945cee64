/**
 * `run` and `run --batch`: check every flag and read the payload(s) before anything is
 * opened, then hand over to the one orchestration (actors/run_workflow.ts) and report:
 * the classification, path, REJECTED reasons and trace file, or with `--json` one object
 * (a batch: one object per run as it commits, then a summary object).
 *
 * @module
 */
import {
  type BatchRunItem,
  runBatch,
  type RunBatchResult,
  runWorkflow,
  type RunWorkflowResult,
} from "./actors/mod.ts";
import { type Flags, optional, required } from "./cli_args.ts";
import {
  type CliIo,
  errorText,
  ExitCode,
  exitCodeOf,
  exitCodeOfError,
  invocation,
  shellWord,
} from "./cli_io.ts";
import { readBatchFile, readPayloadFile } from "./cli_payload.ts";
import { Progress } from "./cli_progress.ts";
import { PgsError, quoted, UsageError } from "./errors.ts";
import { validateKvUrl } from "./storage/kv_url.ts";
import type { TraceRecord } from "./trace/mod.ts";

const LABELS = {
  workflow: "--wf",
  traceId: "--trace-id",
  seed: "--seed",
  startedAt: "--clock",
  budget: "--budget",
  secretSeed: "PGS_SECRET_SEED",
} as const;

/** The flags every run takes, as orchestration options. */
function commonOptions(flags: Flags, io: CliIo, json: boolean) {
  const dataRoot = optional(flags, "data-root");
  const kv = optional(flags, "kv");
  if (!dataRoot && !kv) throw new UsageError("Missing --data-root <dir> (or --kv <url>)");
  if (kv !== undefined) validateKvUrl(kv, "--kv");
  const budgetText = optional(flags, "budget");
  const budget = budgetText === undefined
    ? undefined
    : /^\d+$/.test(budgetText)
    ? Number(budgetText)
    : NaN;
  if (budget !== undefined && (!Number.isSafeInteger(budget) || budget < 1)) {
    throw new UsageError(`Invalid --budget ${quoted(budgetText)}: expected a positive integer`);
  }
  const workspace = required(flags, "workspace", "dir");
  return {
    workflow: required(flags, "wf", "domain::WF_CODE"),
    workspace,
    dataRoot,
    kvUrl: kv,
    seed: optional(flags, "seed"),
    startedAt: optional(flags, "clock"),
    budget,
    secretSeed: readEnv("PGS_SECRET_SEED"),
    png: flags["no-png"] !== true,
    labels: LABELS,
    // With --json, warnings are in the JSON (once); else each is one stderr line.
    onWarning: json
      ? undefined
      : (w: string) => io.err(w.startsWith("note: ") ? w : `warning: ${w}`),
    traceCommands: traceCommands(workspace, dataRoot, kv),
  };
}

/** The commands the `.md` suggests: this CLI as it was started, least privilege. */
function traceCommands(workspace: string, dataRoot: string | undefined, kv: string | undefined) {
  const abs = (p: string) => p.startsWith("/") ? p : `${Deno.cwd()}/${p}`;
  return (tracePath: string) => {
    // Absolute, like the rest: the .md is read (and its commands pasted) from anywhere.
    const trace = abs(tracePath);
    const ws = abs(workspace);
    const store = kv !== undefined ? ["--kv", kv] : ["--data-root", abs(dataRoot!)];
    // The state database the commands open: with --kv (which wins over --data-root) it is
    // remote, and the data root (views only) is none of their business.
    const kvFile = kv === undefined ? `${abs(dataRoot!)}/.pgs` : null;
    const net = kv !== undefined
      ? [`--allow-net=${new URL(kv).host}`, "--allow-env=DENO_KV_ACCESS_TOKEN"]
      : [];
    const traceDir = trace.slice(0, trace.lastIndexOf("/"));
    const perms = (reads: string[]) => [
      "--unstable-kv",
      `--allow-read=${[...reads, ...(kvFile ? [kvFile] : [])].join(",")}`,
      ...(kvFile ? [`--allow-write=${kvFile}`] : []),
      ...net,
    ];
    const cmd = (flags: string[], rest: string[]) =>
      [...invocation(flags), ...rest].map(shellWord).join(" ");
    return {
      examine: cmd(perms([traceDir]), ["examine", trace, ...store]),
      replay: cmd(perms([ws]), ["replay", trace, "--workspace", ws, ...store]),
    };
  };
}

/** Runs `run` (one payload, or `--batch`); returns the exit code. */
export async function runCommand(flags: Flags, io: CliIo): Promise<number> {
  const json = flags.json === true;
  const payloadFile = optional(flags, "payload");
  const batchFile = optional(flags, "batch");
  if ((payloadFile === undefined) === (batchFile === undefined)) {
    throw new UsageError("Expected exactly one of --payload <file|-> or --batch <payloads.jsonl>");
  }
  const common = commonOptions(flags, io, json);
  if (batchFile !== undefined) return await batchCommand(flags, batchFile, common, io);
  if (flags.progress === true) throw new UsageError("--progress is for --batch runs");
  const payload = await readPayloadFile(payloadFile!);
  const result = await runWorkflow({ ...common, payload, traceId: optional(flags, "trace-id") });
  if (json) io.out(JSON.stringify(runJson(result)));
  else {
    io.out(
      `${result.classification} ${result.workflow} (status ${result.status}${
        result.exitNode ? `, exit ${result.exitNode}` : ""
      }${result.reason ? `, reason ${result.reason}` : ""})`,
    );
    for (const r of reasonsOf(result.records)) io.out(`  reason: ${r}`);
    io.out(`path: ${pathOf(result.records)}`);
    if (result.files) io.out(`trace: ${result.files.jsonl}`);
  }
  return exitCodeOf(result.classification);
}

/** Why the root run was refused: the NACK or WF admission reasons (empty otherwise). */
function reasonsOf(records: readonly TraceRecord[]): string[] {
  return records.flatMap((r) =>
    r.type === "admission" && r.run === "root" &&
      (r.outcome === "NACK" || r.outcome === "ADMISSION_DENIED")
      ? r.reasons
      : []
  );
}

function runJson(r: RunWorkflowResult) {
  return {
    trace_id: r.traceId,
    workflow: r.workflow,
    status: r.status,
    classification: r.classification,
    exit_node: r.exitNode,
    reason: r.reason,
    emit: r.emit,
    reasons: reasonsOf(r.records),
    files: r.files
      ? { jsonl: r.files.jsonl, md: r.files.md, png: r.files.png, pending: r.files.pending }
      : null,
    warnings: r.warnings,
  };
}

async function batchCommand(
  flags: Flags,
  file: string,
  common: ReturnType<typeof commonOptions>,
  io: CliIo,
): Promise<number> {
  const json = flags.json === true;
  const lines = await readBatchFile(file);
  const progress = Progress.open(
    io,
    flags.progress === true || (!json && Deno.stderr.isTerminal()),
  );
  let worst = 0;
  const rejected: number[] = [];
  const failed: number[] = [];
  let result: RunBatchResult;
  try {
    result = await runBatch({
      ...common,
      payloads: lines.map((l) => l.payload),
      traceIdPrefix: optional(flags, "trace-id"),
      // Each run is printed or counted as it commits; none is kept in memory.
      keepItems: false,
      onItem: (item: BatchRunItem) => {
        const line = lines[item.index].line;
        if (item.ok) {
          const code = exitCodeOf(item.result.classification);
          worst = Math.max(worst, code);
          if (code === ExitCode.NOT_COMPLETED) rejected.push(line);
          if (code === ExitCode.FAILED) failed.push(line);
          if (json) {
            io.out(
              JSON.stringify({
                line,
                ...runJson({
                  ...item.result,
                  workflow: common.workflow,
                  snapshotDigest: "",
                  files: item.files,
                  warnings: [],
                }),
              }),
            );
          }
        } else {
          worst = Math.max(worst, ExitCode.FAILED);
          failed.push(line);
          const error = item.error instanceof PgsError
            ? { code: item.error.code, message: errorText(item.error) }
            : { code: "INTERNAL", message: errorText(item.error) };
          if (json) io.out(JSON.stringify({ line, trace_id: item.traceId, error }));
          else io.err(`error: batch line ${line}: ${errorText(item.error)}`);
        }
      },
      onProgress: (done, total) => progress.runs(done, total),
      onPngProgress: (done, total) => progress.pictures(done, total),
    });
  } catch (e) {
    progress.close();
    throw e;
  }
  progress.close();
  const summary = {
    workflow: common.workflow,
    runs: result.runs,
    classifications: result.classifications,
    rejected_lines: rejected,
    failed_lines: failed,
    seconds: Number(result.seconds.toFixed(3)),
    runs_per_second: Number((result.runs / Math.max(result.seconds, 1e-9)).toFixed(1)),
    trace_id_prefix: result.traceIdPrefix,
    traces: `${common.workspace.replace(/\/+$/, "")}/traces`,
    warnings: result.warnings,
  };
  if (json) io.out(JSON.stringify({ summary }));
  else {
    io.out(
      `batch ${common.workflow}: ${summary.runs} run(s) in ${summary.seconds} s ` +
        `(${summary.runs_per_second}/s)`,
    );
    for (const [k, v] of Object.entries(summary.classifications).sort()) io.out(`  ${k}: ${v}`);
    if (rejected.length) io.out(`  rejected or ended (exit 1), lines: ${ranges(rejected)}`);
    if (failed.length) io.out(`  failed or faulted (exit 4), lines: ${ranges(failed)}`);
    io.out(`traces: ${summary.traces}/${summary.trace_id_prefix}-*`);
  }
  return worst;
}

/** "3, 7-9, 12" of sorted line numbers. */
function ranges(lines: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j] + 1) j++;
    out.push(j > i ? `${lines[i]}-${lines[j]}` : `${lines[i]}`);
    i = j;
  }
  return out.join(", ");
}

/** An environment variable, or undefined when unset or not permitted (least privilege). */
function readEnv(name: string): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
      return undefined;
    }
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

function pathOf(records: readonly TraceRecord[]): string {
  const root = records.filter((r) => r.run === "root");
  const hops = root.flatMap((r) => r.type === "transition" ? [`${r.from} -${r.outcome}->`] : []);
  const last = root.at(-1) as { exit_node?: string | null } | undefined;
  return `${hops.join(" ")} ${last?.exit_node ?? "(no exit)"}`;
}

export { exitCodeOfError };
