/**
 * Sample runs for the benches that need a finished run (trace rendering, the parts of a
 * run): the demo workflow run once on a scratch memory store, twice for a fixed payload so
 * the sample is its steady state.
 *
 * @module
 */
import { executeWorkflow, type RunResult } from "../actors/execute_workflow.ts";
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import { CLOCK, compileShared, type DemoWorkflow, openStore, REGISTRY, SEED } from "./_fixtures.ts";

/** A finished run and its compiled workflow. */
export interface SampleRun {
  /** The compiled workflow. */
  readonly compiled: CompiledWorkflow;
  /** The run's result (records, lines, timings). */
  readonly result: RunResult;
}

const samples = new Map<string, Promise<SampleRun>>();

/** A sample run of `demo` (made once per process). */
export function sampleRun(demo: DemoWorkflow): Promise<SampleRun> {
  let s = samples.get(demo.wf);
  if (!s) {
    s = (async () => {
      const compiled = await compileShared(demo.workspace, demo.wf);
      const { store } = await openStore("memory", await demo.seed(demo.workspace));
      let result: RunResult | undefined;
      for (let i = 1; i <= 2; i++) {
        result = await executeWorkflow(compiled, demo.payload(i), {
          store,
          capabilities: REGISTRY.capabilities,
          seed: SEED,
          startedAt: CLOCK,
          traceId: `S${i}`,
        });
      }
      return { compiled, result: result! };
    })();
    samples.set(demo.wf, s);
  }
  return s;
}
