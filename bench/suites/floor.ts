/**
 * (c) The direct-call floor of each demo: the same CT atoms and CS kinds, in the same order
 * with the same inputs, on a StateTxn of the same kind of store, committed the same way
 * (one transaction per run, or one group commit per block), without machine, actors, input
 * binding or trace. The run suite divided by this is the engine's overhead factor.
 *
 * @module
 */
import type { KvStore } from "../../storage/mod.ts";
import { type FloorCall, FloorPlans, runCalls } from "../_floor.ts";
import {
  compileShared,
  type DemoWorkflow,
  openStore,
  REGISTRY,
  type StoreKind,
} from "../_fixtures.ts";
import { type BenchCase, benchCase } from "../_harness.ts";
import type { RunSuiteOptions } from "./run.ts";
import { RUN_SUITE } from "./run.ts";

interface FloorState {
  plans: FloorPlans;
  store: KvStore;
}

async function floorState(demo: DemoWorkflow, kind: StoreKind, block: number): Promise<FloorState> {
  const compiled = await compileShared(demo.workspace, demo.wf);
  const plans = await FloorPlans.create(demo, compiled, block);
  const { store } = await openStore(kind, await demo.seed(demo.workspace));
  return { plans, store };
}

/** Name of the floor case of `demo` on `kind` (single or batch), as the report finds it. */
export function floorCaseName(demo: DemoWorkflow, kind: StoreKind, batch: number | null): string {
  return `${demo.key} floor ${batch === null ? "single" : `batch ${batch}`}, ${
    kind === "kv" ? "kv (durable)" : "memory"
  }`;
}

/** The floor cases (same shapes as the run suite's); reference runs are made in blocks. */
export function floorCases(o: RunSuiteOptions = RUN_SUITE): BenchCase[] {
  const out: BenchCase[] = [];
  for (const demo of o.demos) {
    for (const kind of ["memory", "kv"] as const) {
      out.push(benchCase<FloorState, FloorCall[]>({
        suite: "c floor",
        group: `floor ${demo.key}`,
        name: floorCaseName(demo, kind, null),
        baseline: kind === "memory",
        setup: () => floorState(demo, kind, Math.max(o.batch, o.floorBlock ?? 500)),
        prepare: (s) => s.plans.take(),
        fn: async (s, calls) => {
          await s.store.transact(async (txn) => {
            await runCalls(calls, txn, REGISTRY.capabilities);
            return { value: null, trace: null };
          });
        },
      }));
      out.push(benchCase<FloorState, FloorCall[][]>({
        suite: "c floor",
        group: `floor ${demo.key}`,
        name: floorCaseName(demo, kind, o.batch),
        units: o.batch,
        setup: () => floorState(demo, kind, Math.max(o.batch, o.floorBlock ?? 500)),
        prepare: (s) => s.plans.takeMany(o.batch),
        fn: async (s, runs) => {
          const outcomes = await s.store.transactBatch(runs.map((calls) => async (txn) => {
            await runCalls(calls, txn, REGISTRY.capabilities);
            return { value: null, trace: null };
          }));
          for (const o of outcomes) if (!o.ok) throw o.error;
        },
      }));
    }
  }
  return out;
}
