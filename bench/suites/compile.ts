/**
 * (a) Compile of each real workflow (and the example's) from a fresh snapshot: read,
 * hash-verify and schema-check every artifact of the closure, then build the graphs — what
 * every CLI run pays before it runs. The demo workflows are also compiled on a warm
 * snapshot (artifacts cached), which isolates the graph compiler.
 *
 * @module
 */
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import {
  compileShared,
  DEMOS,
  EXAMPLE_WORKSPACE,
  listWorkflows,
  REAL_WORKSPACE,
  REGISTRY,
} from "../_fixtures.ts";
import { type BenchCase, benchCase } from "../_harness.ts";

/** Options of {@link compileCases}. */
export interface CompileSuiteOptions {
  /** Workflows of the real workspace to compile (all when null). */
  readonly workflows: readonly string[] | null;
}

/** Full-size options: every workflow. */
export const COMPILE_SUITE: CompileSuiteOptions = { workflows: null };

/** Name of a compile case, as the report finds it. */
export function compileCaseName(wf: string, warm = false): string {
  return `${wf}${warm ? " (warm snapshot)" : ""}`;
}

/** The compile cases (the real workspace's workflow list is read now). */
export async function compileCases(o: CompileSuiteOptions = COMPILE_SUITE): Promise<BenchCase[]> {
  const real = o.workflows ?? await listWorkflows(REAL_WORKSPACE);
  const fresh = [
    ...real.map((wf) => ({ wf, ws: REAL_WORKSPACE })),
    { wf: DEMOS.club.wf, ws: EXAMPLE_WORKSPACE },
  ];
  const out: BenchCase[] = fresh.map(({ wf, ws }) =>
    benchCase<null>({
      suite: "a compile",
      group: "compile fresh",
      name: compileCaseName(wf),
      baseline: wf === DEMOS.register.wf,
      setup: () => Promise.resolve(null),
      fn: async () => compileWorkflow(await loadSnapshot(ws), wf, REGISTRY.compileOptions),
    })
  );
  for (const demo of Object.values(DEMOS)) {
    out.push(benchCase<null>({
      suite: "a compile",
      group: "compile warm",
      name: compileCaseName(demo.wf, true),
      baseline: demo.key === "register",
      setup: async () => {
        await compileShared(demo.workspace, demo.wf);
        return null;
      },
      fn: () => compileShared(demo.workspace, demo.wf),
    }));
  }
  return out;
}
