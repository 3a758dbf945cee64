/**
 * The pgs-runtime command line: argv → command → exit code. The only file that prints
 * or exits. `main(args)` returns the exit code so tests never exit the process.
 *
 * Exit codes: 0 COMPLETED; 1 REJECTED / ENDED_*; 2 usage or input error; 3 snapshot or
 * compile error; 4 FAILED / FAULTED / internal error; 5 damaged or tampered trace
 * (examine), or replay diverged.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import {
  CompileError,
  ErrorCode,
  PgsError,
  SnapshotError,
  StorageError,
  TraceError,
  UsageError,
} from "./errors.ts";
import { executeWorkflow } from "./actors/execute.ts";
import { replayTrace } from "./actors/replay.ts";
import { createCapabilityRegistry } from "./actors/registry.ts";
import { compileWorkflow } from "./snapshot/compile.ts";
import { loadSnapshot } from "./snapshot/load.ts";
import { parseFqdn } from "./snapshot/resolve.ts";
import { openKvStore } from "./storage/kv_store.ts";
import type { KvStore } from "./storage/mod.ts";
import { traceText } from "./trace/jsonl.ts";
import { renderMarkdown } from "./trace/markdown.ts";
import { parsePayload, readPayloadFile } from "./cli_payload.ts";
import { writeTraceFiles, writeTracePng } from "./trace/files.ts";
import type { TraceRecord } from "./trace/record.ts";
import { examineTrace, formatExamine } from "./trace/examine.ts";
import { executeBatch } from "./actors/batch.ts";
import {
  unsafeMonotonicMs,
  validateClock,
  validateSeed,
  validateTraceId,
} from "./actors/run_context.ts";

/** Exit code of each outcome (documented in README and --help). */
export const ExitCode = {
  COMPLETED: 0,
  NOT_COMPLETED: 1,
  USAGE: 2,
  SNAPSHOT: 3,
  FAILED: 4,
  TRACE_DAMAGED: 5,
} as const;

const HELP_EXIT_CODES = `
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

const stdio: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code.
 *
 * @example
 * ```ts ignore
 * const code = await main(["check", "--workspace", "examples/workspace"]);
 * ```
 */
export async function main(args: string[], io: CliIo = stdio): Promise<number> {
  let code: number = ExitCode.USAGE;
  const program = new Command("pgs-runtime")
    .description("Deterministic execution engine for Protocol-Governed Systems")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s) => io.err(`error[USAGE]: ${s.replace(/^error: /, "").trim()}`),
    })
    .addHelpText("after", HELP_EXIT_CODES)
    .showSuggestionAfterError(false);
  program.command("run")
    .description("run one workflow on one JSON payload")
    .requiredOption("--wf <domain::WF_CODE>", "workflow to run")
    .option("--payload <file|->", "JSON object payload file, or - for stdin")
    .option(
      "--batch <payloads.jsonl>",
      "run once per line (one JSON object per line), group-committed",
    )
    .requiredOption(
      "--workspace <dir>",
      "workspace holding protocol_snapshot/ (traces go to <dir>/traces)",
    )
    .option("--data-root <dir>", "state directory (Deno KV database plus PGS file views)")
    .option(
      "--kv <url>",
      "KV Connect URL instead of a local database (token: DENO_KV_ACCESS_TOKEN)",
    )
    .option("--trace-id <id>", "trace id, [A-Za-z0-9_-]{1,128} (default: time + 64 random bits)")
    .option("--seed <hex>", "seed of the run's CSPRNG (default: random, recorded)")
    .option("--clock <iso>", "run clock, ISO-8601 (default: now, recorded)")
    .option("--budget <n>", "step budget (node visits + steps, children included)")
    .option("--no-png", "do not render the .png")
    .option("--json", "print the result as JSON")
    .addHelpText("after", HELP_EXIT_CODES)
    .action(async (o) => {
      code = await runCommand(o, io);
    });
  program.command("check")
    .description("compile every workflow (or one) and list every problem")
    .requiredOption("--workspace <dir>", "workspace holding protocol_snapshot/")
    .option("--wf <domain::WF_CODE>", "only this workflow")
    .option("--json", "print problems as JSON")
    .action(async (o) => {
      code = await checkCommand(o, io);
    });
  program.command("examine")
    .description("verify a trace (schema, hash chain) and explain its outcome")
    .argument("<trace.jsonl>", "trace file")
    .option("--json", "print the report as JSON")
    .action(async (file: string, o: { json?: boolean }) => {
      const report = examineTrace(await readTraceFile(file));
      if (o.json) io.out(JSON.stringify(report));
      else for (const line of formatExamine(report)) io.out(line);
      code = report.intact ? 0 : ExitCode.TRACE_DAMAGED;
    });
  program.command("replay")
    .description("re-execute a trace (CS results served from it) and compare")
    .argument("<trace.jsonl>", "trace file")
    .requiredOption("--workspace <dir>", "workspace holding the same protocol_snapshot/")
    .option("--json", "print the report as JSON")
    .action(async (file: string, o: { workspace: string; json?: boolean }) => {
      code = await replayCommand(file, o, io);
    });
  try {
    await program.parseAsync(args, { from: "user" });
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

/** Prints an error the way the CLI does and returns its exit code. */
export function reportError(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
    if (e.code === "commander.help") return 0;
    return ExitCode.USAGE;
  }
  if (e instanceof CompileError) {
    io.err(`error[${e.code}]: ${e.message.split(":")[0]}`);
    for (const p of e.problems) io.err(`  ${p.file} ${p.jsonPath}: ${p.message}`);
    return ExitCode.SNAPSHOT;
  }
  if (e instanceof PgsError) {
    io.err(`error[${e.code}]: ${e.message.split("\n")[0]}`);
    if (e instanceof UsageError) return ExitCode.USAGE;
    if (e instanceof SnapshotError) return ExitCode.SNAPSHOT;
    if (e instanceof TraceError) return ExitCode.TRACE_DAMAGED;
    if (e instanceof StorageError) return ExitCode.USAGE;
    return ExitCode.FAILED;
  }
  io.err(`error[INTERNAL]: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return ExitCode.FAILED;
}

interface RunFlags {
  wf: string;
  payload?: string;
  batch?: string;
  workspace: string;
  dataRoot?: string;
  kv?: string;
  traceId?: string;
  seed?: string;
  clock?: string;
  budget?: string;
  png: boolean;
  json?: boolean;
}

async function runCommand(o: RunFlags, io: CliIo): Promise<number> {
  parseFqdn(o.wf);
  if (!o.dataRoot && !o.kv) throw new UsageError("Missing --data-root <dir> (or --kv <url>)");
  if (o.kv !== undefined && !/^https?:\/\/[^\s]+$/.test(o.kv)) {
    throw new UsageError(`Invalid --kv "${o.kv}": expected an http:// or https:// KV Connect URL`);
  }
  const budget = o.budget === undefined
    ? undefined
    : /^\d+$/.test(o.budget)
    ? Number(o.budget)
    : NaN;
  if (budget !== undefined && (!Number.isSafeInteger(budget) || budget < 1)) {
    throw new UsageError(`Invalid --budget "${o.budget}": expected a positive integer`);
  }
  if ((o.payload === undefined) === (o.batch === undefined)) {
    throw new UsageError("Expected exactly one of --payload <file|-> or --batch <payloads.jsonl>");
  }
  // Every option is checked before anything is opened: a refused run changes nothing.
  if (o.seed !== undefined) validateSeed(o.seed);
  if (o.clock !== undefined) validateClock(o.clock);
  if (o.traceId !== undefined) {
    validateTraceId(o.traceId);
    if (o.batch === undefined) await refuseUsedTraceId(o.workspace, o.traceId);
  }
  if (o.batch !== undefined) return await batchCommand(o, o.batch, budget, io);
  const payload = await readPayloadFile(o.payload!);
  const snapshot = await loadSnapshot(o.workspace);
  const registry = createCapabilityRegistry();
  const compiled = await compileWorkflow(snapshot, o.wf, registry.compileOptions);
  await ensureTracesWritable(o.workspace);
  const store = await openKvStore({ dataRoot: o.dataRoot, kvUrl: o.kv });
  try {
    await healTraceFiles(store, o.workspace, io);
    const result = await executeWorkflow(compiled, payload, {
      store,
      capabilities: registry.capabilities,
      traceId: o.traceId,
      seed: o.seed,
      startedAt: o.clock,
      secretSeed: readEnv("PGS_SECRET_SEED"),
      budget,
    });
    const files = await writeTraceFiles({
      workspace: o.workspace,
      compiled,
      traceId: result.traceId,
      lines: result.lines,
      records: result.records,
      timings: result.timings,
      png: o.png,
    });
    await store.traceFilesWritten([result.traceId]);
    if (o.json) {
      io.out(JSON.stringify({
        trace_id: result.traceId,
        workflow: o.wf,
        status: result.status,
        classification: result.classification,
        exit_node: result.exitNode,
        reason: result.reason,
        emit: result.emit,
        files,
        warnings: files.warnings,
      }));
    } else {
      io.out(
        `${result.classification} ${o.wf} (status ${result.status}${
          result.exitNode ? `, exit ${result.exitNode}` : ""
        }${result.reason ? `, reason ${result.reason}` : ""})`,
      );
      io.out(`path: ${pathOf(result.records)}`);
      io.out(`trace: ${files.jsonl}`);
      for (const w of files.warnings) io.err(`warning: ${w}`);
    }
    return exitCodeOf(result.classification);
  } finally {
    await store.close();
  }
}

async function batchCommand(o: RunFlags, file: string, budget: number | undefined, io: CliIo) {
  if (o.traceId !== undefined) {
    try {
      validateTraceId(`${o.traceId}-000000`);
    } catch {
      throw new UsageError(
        `Invalid --trace-id "${o.traceId.slice(0, 60)}": as a batch prefix it must leave room ` +
          `for "-NNNNNN" (at most 121 characters of [A-Za-z0-9_-])`,
        ErrorCode.TRACE_ID,
      );
    }
  }
  const payloads = await readBatchFile(file);
  if (o.traceId !== undefined) {
    for (let i = 1; i <= payloads.length; i++) {
      await refuseUsedTraceId(o.workspace, `${o.traceId}-${String(i).padStart(6, "0")}`);
    }
  }
  const snapshot = await loadSnapshot(o.workspace);
  const registry = createCapabilityRegistry();
  const compiled = await compileWorkflow(snapshot, o.wf, registry.compileOptions);
  await ensureTracesWritable(o.workspace);
  await ensureTracesWritable(o.workspace);
  const store = await openKvStore({ dataRoot: o.dataRoot, kvUrl: o.kv });
  const progress = Deno.stderr.isTerminal() && !o.json;
  const counts: Record<string, number> = {};
  const written: { traceId: string; records: readonly TraceRecord[] }[] = [];
  const t0 = unsafeMonotonicMs();
  let worst = 0;
  try {
    await healTraceFiles(store, o.workspace, io);
    const items = await executeBatch(compiled, payloads, {
      store,
      capabilities: registry.capabilities,
      traceIdPrefix: o.traceId,
      seed: o.seed,
      startedAt: o.clock,
      secretSeed: readEnv("PGS_SECRET_SEED"),
      budget,
      onCommitted: async (chunk, done, total) => {
        for (const item of chunk) {
          if (!item.ok) {
            counts.ERROR = (counts.ERROR ?? 0) + 1;
            worst = Math.max(worst, ExitCode.FAILED);
            io.err(`error: batch line ${item.index + 1}: ${errorText(item.error)}`);
            continue;
          }
          const r = item.result;
          counts[r.classification] = (counts[r.classification] ?? 0) + 1;
          worst = Math.max(worst, exitCodeOf(r.classification));
          await writeTraceFiles({
            workspace: o.workspace,
            compiled,
            traceId: r.traceId,
            lines: r.lines,
            records: r.records,
            timings: r.timings,
            png: false,
          });
          written.push({ traceId: r.traceId, records: r.records });
        }
        await store.traceFilesWritten(chunk.flatMap((i) => i.ok ? [i.result.traceId] : []));
        if (progress) {
          const width = 30;
          const filled = Math.round((done / total) * width);
          Deno.stderr.writeSync(new TextEncoder().encode(
            `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`,
          ));
        }
      },
    });
    if (progress) io.err("");
    const seconds = (unsafeMonotonicMs() - t0) / 1000;
    const summary = {
      workflow: o.wf,
      runs: items.length,
      classifications: counts,
      seconds: Number(seconds.toFixed(3)),
      runs_per_second: Number((items.length / Math.max(seconds, 1e-9)).toFixed(1)),
      traces: `${o.workspace.replace(/\/+$/, "")}/traces`,
      trace_id_prefix: items[0] && items[0].ok
        ? items[0].result.traceId.replace(/-\d+$/, "")
        : null,
    };
    if (o.json) io.out(JSON.stringify(summary));
    else {
      io.out(
        `batch ${o.wf}: ${items.length} run(s) in ${summary.seconds} s (${summary.runs_per_second}/s)`,
      );
      for (const [k, v] of Object.entries(counts).sort()) io.out(`  ${k}: ${v}`);
      io.out(`traces: ${summary.traces}/${summary.trace_id_prefix}-*`);
    }
    if (o.png) {
      // Off the critical path: pictures are drawn after every run is committed and reported.
      for (const w of written) {
        await writeTracePng(o.workspace, compiled, w.traceId, w.records).catch((e) =>
          io.err(`warning: PNG_RENDER_FAILED ${w.traceId}: ${errorText(e)}`)
        );
      }
    }
    return worst;
  } finally {
    await store.close();
  }
}

async function readBatchFile(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new UsageError(`Cannot read --batch "${file}": ${errorText(e)}`, ErrorCode.PAYLOAD);
  }
  const payloads: unknown[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    try {
      payloads.push(parsePayload(line, `${file}:${i + 1}`));
    } catch (e) {
      throw new UsageError(
        `Invalid --batch "${file}" line ${i + 1}: ${errorText(e)}`,
        ErrorCode.PAYLOAD,
      );
    }
  }
  if (payloads.length === 0) {
    throw new UsageError(`Invalid --batch "${file}": no payload lines`, ErrorCode.PAYLOAD);
  }
  return payloads;
}

/**
 * Writes the .jsonl and .md of traces committed by a process that died before writing its
 * files (the commit leaves a marker until the files exist), so no committed run stays
 * without its trace files.
 */
async function healTraceFiles(store: KvStore, workspace: string, io: CliIo): Promise<void> {
  const pending = await store.pendingTraceFiles();
  for (const id of pending) {
    const lines = await store.readTrace(id);
    if (lines === null) continue;
    const dir = `${workspace.replace(/\/+$/, "")}/traces/${id}`;
    await Deno.mkdir(dir, { recursive: true });
    await writeTextAtomic(`${dir}/${id}.jsonl`, traceText(lines));
    const records = lines.map((l) => JSON.parse(l) as TraceRecord);
    await writeTextAtomic(
      `${dir}/${id}.md`,
      renderMarkdown(records, { tracePath: `${dir}/${id}.jsonl`, workspace }),
    );
    io.err(`note: wrote the missing trace files of ${id} (committed by an interrupted run)`);
  }
  if (pending.length > 0) await store.traceFilesWritten(pending);
}

async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

/**
 * Refuses a run whose trace files could not be written, before anything is committed: a
 * run must never leave effects without its trace files.
 */
async function ensureTracesWritable(workspace: string): Promise<void> {
  const dir = `${workspace.replace(/\/+$/, "")}/traces`;
  // Asked of the permission system rather than probed with a file: a probe left behind by a
  // killed process would be litter in the traces folder.
  if (Deno.permissions.querySync({ name: "write", path: dir }).state !== "granted") {
    throw new UsageError(
      `Cannot write trace files to "${dir}": no write permission (run with --allow-write=${dir})`,
    );
  }
  const info = await Deno.stat(dir).catch(() => null);
  if (info && !info.isDirectory) {
    throw new UsageError(`Cannot write trace files to "${dir}": it exists and is not a directory`);
  }
}

/** Two runs never share a trace file, even across data roots: refuse an id already used. */
async function refuseUsedTraceId(workspace: string, traceId: string): Promise<void> {
  const dir = `${workspace.replace(/\/+$/, "")}/traces/${traceId}`;
  if (await Deno.stat(dir).then(() => true, () => false)) {
    throw new UsageError(
      `Invalid --trace-id "${traceId}": "${dir}" already exists (trace ids are never reused)`,
      ErrorCode.TRACE_ID,
    );
  }
}

/** An environment variable, or undefined when unset or not permitted (least privilege). */
function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name) || undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}

function pathOf(records: readonly { type: string; run: string }[]): string {
  return records
    .filter((r) => r.type === "transition" && r.run === "root")
    .map((r) => {
      const t = r as unknown as { from: string; outcome: string };
      return `${t.from} -${t.outcome}->`;
    })
    .join(" ") +
    ` ${(records.at(-1) as unknown as { exit_node: string | null }).exit_node ?? "(no exit)"}`;
}

async function checkCommand(o: { workspace: string; wf?: string; json?: boolean }, io: CliIo) {
  const snapshot = await loadSnapshot(o.workspace);
  const registry = createCapabilityRegistry();
  const workflows = o.wf ? [parseFqdn(o.wf).id] : await snapshot.listWorkflows();
  const report: {
    workflow: string;
    problems: { file: string; jsonPath: string; message: string }[];
  }[] = [];
  for (const wf of workflows) {
    try {
      await compileWorkflow(snapshot, wf, registry.compileOptions);
      report.push({ workflow: wf, problems: [] });
    } catch (e) {
      if (e instanceof CompileError) report.push({ workflow: wf, problems: [...e.problems] });
      else if (e instanceof SnapshotError) {
        report.push({
          workflow: wf,
          problems: [{ file: e.file ?? "", jsonPath: e.jsonPath ?? "$", message: e.message }],
        });
      } else throw e;
    }
  }
  const total = report.reduce((n, r) => n + r.problems.length, 0);
  if (o.json) io.out(JSON.stringify({ workflows: report.length, problems: total, report }));
  else {
    for (const r of report) {
      io.out(`${r.problems.length === 0 ? "ok     " : "PROBLEM"} ${r.workflow}`);
      for (const p of r.problems) io.out(`  ${p.file} ${p.jsonPath}: ${p.message}`);
    }
    io.out(`${report.length} workflow(s), ${total} problem(s)`);
  }
  return total > 0 ? ExitCode.SNAPSHOT : 0;
}

async function replayCommand(file: string, o: { workspace: string; json?: boolean }, io: CliIo) {
  const text = await readTraceFile(file);
  const snapshot = await loadSnapshot(o.workspace);
  const report = await replayTrace(text, snapshot, createCapabilityRegistry());
  if (o.json) io.out(JSON.stringify(report));
  else if (report.identical) io.out(`identical (${report.records} records)`);
  else {
    const d = report.divergence!;
    io.out(`diverged at line ${d.line}`);
    io.out(`  recorded: ${d.recorded ?? "(missing)"}`);
    io.out(`  replayed: ${d.replayed ?? "(missing)"}`);
  }
  return report.identical ? 0 : ExitCode.TRACE_DAMAGED;
}

async function readTraceFile(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    // An unreadable path is a usage error (exit 2), not a damaged trace (exit 5).
    throw new UsageError(
      `Cannot read trace "${file}": ${e instanceof Error ? e.message.split("\n")[0] : e}`,
    );
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
void ErrorCode;
