/**
 * `run` and `run --batch`: read and check every option and the payload(s) before anything
 * is opened, compile, run, commit, write the trace files and report.
 *
 * @module
 */
import { executeBatch } from "./actors/batch.ts";
import { executeWorkflow } from "./actors/execute.ts";
import { createCapabilityRegistry } from "./actors/registry.ts";
import {
  unsafeMonotonicMs,
  validateClock,
  validateSeed,
  validateTraceId,
} from "./actors/run_context.ts";
import { type CliIo, errorText, ExitCode, exitCodeOf } from "./cli_io.ts";
import { parsePayload, readPayloadFile } from "./cli_payload.ts";
import { ErrorCode, UsageError } from "./errors.ts";
import { compileWorkflow } from "./snapshot/compile.ts";
import { loadSnapshot } from "./snapshot/load.ts";
import { parseFqdn } from "./snapshot/resolve.ts";
import { openKvStore } from "./storage/kv_store.ts";
import type { KvStore } from "./storage/mod.ts";
import {
  checkTraceIdUnused,
  checkTracesWritable,
  tracesDir,
  writeMissingTraceFiles,
  writeTraceFiles,
  writeTracePng,
} from "./trace/files.ts";
import { startPngRender } from "./trace/png.ts";
import type { TraceRecord } from "./trace/record.ts";

/** Flags of `run`. */
export interface RunFlags {
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

/** Runs `run` (one payload, or `--batch`); returns the exit code. */
export async function runCommand(o: RunFlags, io: CliIo): Promise<number> {
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
    if (o.batch === undefined) await checkTraceIdUnused(o.workspace, o.traceId);
  }
  if (o.batch !== undefined) return await batchCommand(o, o.batch, budget, io);
  // The PNG engines load and compile while the workflow is compiled and run.
  const png = o.png ? startPngRender() : undefined;
  const payload = await readPayloadFile(o.payload!);
  const snapshot = await loadSnapshot(o.workspace);
  const registry = createCapabilityRegistry();
  const compiled = await compileWorkflow(snapshot, o.wf, registry.compileOptions);
  await checkTracesWritable(o.workspace);
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
      pngRender: png,
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
      await checkTraceIdUnused(o.workspace, `${o.traceId}-${String(i).padStart(6, "0")}`);
    }
  }
  const snapshot = await loadSnapshot(o.workspace);
  const registry = createCapabilityRegistry();
  const compiled = await compileWorkflow(snapshot, o.wf, registry.compileOptions);
  await checkTracesWritable(o.workspace);
  await checkTracesWritable(o.workspace);
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
      traces: tracesDir(o.workspace),
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

async function healTraceFiles(store: KvStore, workspace: string, io: CliIo): Promise<void> {
  for (const id of await writeMissingTraceFiles(store, workspace)) {
    io.err(`note: wrote the missing trace files of ${id} (committed by an interrupted run)`);
  }
}

/** An environment variable, or undefined when unset or not permitted (least privilege). */
function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name) || undefined;
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
