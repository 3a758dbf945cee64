/**
 * (f) A generated chain workflow of N nodes (see `_generate.ts`): compile from a fresh
 * snapshot (reads and verifies every artifact), and one run on the in-memory store.
 *
 * The run commits its trace with empty meta: the engine puts every node timing into the
 * trace meta, which exceeds KV's value limit (59 KiB) from ~600 nodes on and refuses the
 * commit (reported; see docs/PERFORMANCE.md). The body, records and hash chain are the
 * engine's own. At 10,000 nodes the compile overflows the default stack in `findCycle`
 * (recursive DFS); `--v8-flags=--stack-size=4000` gets past it until that is fixed.
 *
 * @module
 */
import { prepareRun } from "../../actors/execute_workflow.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import type { CompiledWorkflow } from "../../snapshot/graph.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import type { KvStore } from "../../storage/mod.ts";
import { CLOCK, openStore, REGISTRY, SEED, tempDir } from "../_fixtures.ts";
import { GEN_WF, writeChainWorkspace } from "../_generate.ts";
import { type BenchCase, benchCase } from "../_harness.ts";

/** Options of {@link generatedCases}. */
export interface GeneratedSuiteOptions {
  /** Workflow sizes (nodes). */
  readonly sizes: readonly number[];
}

/** Full-size options. */
export const GENERATED_SUITE: GeneratedSuiteOptions = { sizes: [1_000, 10_000] };

/** Name of a generated case, as the report finds it. */
export function generatedCaseName(size: number, what: "compile" | "run"): string {
  return `${what} ${size.toLocaleString("en-US")}-node workflow${what === "run" ? ", memory" : ""}`;
}

const workspaces = new Map<number, Promise<string>>();

function workspace(size: number): Promise<string> {
  let w = workspaces.get(size);
  if (!w) {
    w = tempDir("pgs-bench-gen-").then((d) => writeChainWorkspace(d, size));
    workspaces.set(size, w);
  }
  return w;
}

async function compileFresh(ws: string): Promise<CompiledWorkflow> {
  return await compileWorkflow(await loadSnapshot(ws), GEN_WF, REGISTRY.compileOptions);
}

let counter = 0;

/** One run of a compiled chain, committed with empty trace meta. */
export async function runChain(s: { compiled: CompiledWorkflow; store: KvStore }): Promise<void> {
  const run = prepareRun(s.compiled, { seed: `s${++counter}` }, {
    signer: null,
    capabilities: REGISTRY.capabilities,
    seed: SEED,
    startedAt: CLOCK,
    traceId: `G${counter}`,
  });
  const { value } = await s.store.transact(async (txn) => {
    const out = await run.body(txn);
    return { ...out, trace: { ...out.trace, meta: {} } };
  });
  if (value.classification !== "COMPLETED") throw new Error(`chain run: ${value.classification}`);
}

/** The generated-workflow cases. */
export function generatedCases(o: GeneratedSuiteOptions = GENERATED_SUITE): BenchCase[] {
  const out: BenchCase[] = [];
  for (const size of o.sizes) {
    const iterations = size >= 5_000 ? 3 : size >= 500 ? 10 : undefined;
    out.push(benchCase<string>({
      suite: "f generated",
      group: "generated compile",
      name: generatedCaseName(size, "compile"),
      baseline: size === o.sizes[0],
      setup: () => workspace(size),
      fn: compileFresh,
      iterations,
    }));
    out.push(benchCase<{ compiled: CompiledWorkflow; store: KvStore }>({
      suite: "f generated",
      group: "generated run",
      name: generatedCaseName(size, "run"),
      baseline: size === o.sizes[0],
      setup: async () => ({
        compiled: await compileFresh(await workspace(size)),
        store: (await openStore("memory")).store,
      }),
      fn: runChain,
      iterations,
    }));
  }
  return out;
}
