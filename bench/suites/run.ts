/**
 * (b) One in-process run of each demo workflow on a warm runtime (snapshot loaded, workflow
 * compiled, store open): one `executeWorkflow` per iteration, and `executeBatch` of a block
 * of payloads (group commits), on the in-memory store and on the on-disk KV store (durable
 * commits). Trace files are not written here (see the trace suite and the CLI timings).
 *
 * @module
 */
import { executeBatch } from "../../actors/execute_batch.ts";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import {
  CLOCK,
  DEMOS,
  type DemoWorkflow,
  REGISTRY,
  SEED,
  type StoreKind,
  type WarmRuntime,
  warmRuntime,
} from "../_fixtures.ts";
import { type BenchCase, benchCase } from "../_harness.ts";

/** Options of {@link runCases}. */
export interface RunSuiteOptions {
  /** Payloads per `executeBatch` call. */
  readonly batch: number;
  /** Demos to run. */
  readonly demos: readonly DemoWorkflow[];
  /** Floor suite: reference runs made per block (default 500). */
  readonly floorBlock?: number;
}

/** Full-size options. */
export const RUN_SUITE: RunSuiteOptions = { batch: 200, demos: Object.values(DEMOS) };

let traceCounter = 0;

/** One run of `rt`'s workflow on its next payload; throws unless it ended as expected. */
export async function runOnce(rt: WarmRuntime): Promise<void> {
  const r = await executeWorkflow(rt.compiled, rt.demo.payload(rt.next++), {
    store: rt.store,
    capabilities: REGISTRY.capabilities,
    seed: SEED,
    startedAt: CLOCK,
    traceId: `R${++traceCounter}`,
  });
  if (r.classification !== "COMPLETED") throw new Error(`${rt.demo.wf}: ${r.classification}`);
}

/** `n` payloads of `rt`'s workflow in one `executeBatch`; throws unless all completed. */
export async function runBatch(rt: WarmRuntime, payloads: readonly unknown[]): Promise<void> {
  const items = await executeBatch(rt.compiled, payloads, {
    store: rt.store,
    capabilities: REGISTRY.capabilities,
    seed: SEED,
    startedAt: CLOCK,
    traceIdPrefix: `B${++traceCounter}`,
  });
  for (const it of items) {
    if (!it.ok) throw new Error(`${rt.demo.wf}: ${String(it.error)}`);
    if (it.result.classification !== "COMPLETED") {
      throw new Error(`${rt.demo.wf}: ${it.result.classification}`);
    }
  }
}

/** Name of the run case of `demo` on `kind` (single or batch), as the report finds it. */
export function runCaseName(demo: DemoWorkflow, kind: StoreKind, batch: number | null): string {
  return `${demo.key} ${batch === null ? "single" : `batch ${batch}`}, ${
    kind === "kv" ? "kv (durable)" : "memory"
  }`;
}

/** The run cases. */
export function runCases(o: RunSuiteOptions = RUN_SUITE): BenchCase[] {
  const out: BenchCase[] = [];
  for (const demo of o.demos) {
    for (const kind of ["memory", "kv"] as const) {
      out.push(benchCase<WarmRuntime>({
        suite: "b run",
        group: `run ${demo.key}`,
        name: runCaseName(demo, kind, null),
        baseline: kind === "memory",
        setup: () => warmRuntime(demo, kind),
        fn: runOnce,
      }));
      out.push(benchCase<WarmRuntime, unknown[]>({
        suite: "b run",
        group: `run ${demo.key}`,
        name: runCaseName(demo, kind, o.batch),
        units: o.batch,
        setup: () => warmRuntime(demo, kind),
        prepare: (rt) => Array.from({ length: o.batch }, () => rt.demo.payload(rt.next++)),
        fn: runBatch,
      }));
    }
  }
  return out;
}
