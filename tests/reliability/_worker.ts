/**
 * Subprocess of the concurrency and crash tests (and bench/soak.ts): runs workflows in a
 * loop on one data root and prints one JSON line per event to stdout.
 *
 * Argument: one JSON {@link WorkerConfig}. Modes:
 * - "cli": every run is `main(["run", ...])`, as a separate CLI invocation would be;
 * - "lib": one long-lived store, `executeWorkflow` + `writeTraceFiles` per run, and the
 *   store's retry counters at the end.
 *
 * Lines: `{"ready":true}` once compiled; `{"start":i}` before and `{"done":i,...}` after each
 * run; `{"summary":...}` at the end (never printed when `runs` is 0: it runs until killed).
 *
 * @module
 */
import { main } from "../../cli.ts";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { writeTraceFiles } from "../../trace/files.ts";
import { readPayloadFile } from "../../cli_payload.ts";
import type { CompiledWorkflow } from "../../snapshot/graph.ts";

/** What a worker does. */
export interface WorkerConfig {
  /** Workspace (snapshot; traces are written under it). */
  workspace: string;
  /** Shared data root. */
  dataRoot: string;
  /** "cli" or "lib". */
  mode: "cli" | "lib";
  /** Runs to do; 0 = until killed. */
  runs: number;
  /** Jobs cycled through, starting at `offset`. */
  jobs: Array<{ wf: string; payload: string }>;
  /** First job index. */
  offset: number;
  /** Trace id prefix; absent = the runtime's generated ids. */
  tracePrefix?: string;
}

const config = JSON.parse(Deno.args[0]) as WorkerConfig;
const emit = (o: unknown) => console.log(JSON.stringify(o));
const traceId = (i: number) => config.tracePrefix ? `${config.tracePrefix}_${i}` : undefined;
const codes: Record<string, number> = {};
const errors: string[] = [];

if (config.mode === "cli") {
  emit({ ready: true });
  for (let i = 0; config.runs === 0 || i < config.runs; i++) {
    const job = config.jobs[(config.offset + i) % config.jobs.length];
    const id = traceId(i);
    const err: string[] = [];
    emit({ start: i });
    const code = await main([
      "run",
      "--wf",
      job.wf,
      "--payload",
      job.payload,
      "--workspace",
      config.workspace,
      "--data-root",
      config.dataRoot,
      "--no-png",
      "--json",
      ...(id ? ["--trace-id", id] : []),
    ], { out: () => undefined, err: (l) => err.push(l) });
    codes[code] = (codes[code] ?? 0) + 1;
    if (code > 1) errors.push(err.join(" | "));
    emit({ done: i, code });
  }
  emit({ summary: { codes, errors } });
} else {
  const snapshot = await loadSnapshot(config.workspace);
  const registry = createCapabilityRegistry();
  const compiled = new Map<string, CompiledWorkflow>();
  const payloads = new Map<string, Record<string, unknown>>();
  for (const job of config.jobs) {
    if (!compiled.has(job.wf)) {
      compiled.set(job.wf, await compileWorkflow(snapshot, job.wf, registry.compileOptions));
    }
    payloads.set(job.payload, await readPayloadFile(job.payload));
  }
  const store = await openKvStore({ dataRoot: config.dataRoot });
  emit({ ready: true });
  let maxAttempts = 0;
  for (let i = 0; config.runs === 0 || i < config.runs; i++) {
    const job = config.jobs[(config.offset + i) % config.jobs.length];
    const wf = compiled.get(job.wf)!;
    emit({ start: i });
    try {
      const r = await executeWorkflow(wf, payloads.get(job.payload), {
        store,
        capabilities: registry.capabilities,
        traceId: traceId(i),
      });
      await writeTraceFiles({
        workspace: config.workspace,
        compiled: wf,
        traceId: r.traceId,
        lines: r.lines,
        records: r.records,
        timings: r.timings,
        png: false,
      });
      maxAttempts = Math.max(maxAttempts, r.attempts);
      codes[r.classification] = (codes[r.classification] ?? 0) + 1;
      emit({ done: i, classification: r.classification, attempts: r.attempts });
    } catch (e) {
      errors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      emit({ done: i, error: errors.at(-1) });
    }
  }
  await store.close();
  emit({ summary: { codes, errors, maxAttempts, stats: store.stats() } });
}
