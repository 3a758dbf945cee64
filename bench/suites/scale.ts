/**
 * (e) The register demo when the registry already holds N entries (N/2 actors: a KYC key
 * and an actor id each, plus one identity event per actor): one run, and a batch, on the
 * on-disk KV store (durable commits). The "imported" cases start from the same state as
 * Python-runtime files in the data root (imported on first open; such a registry has no
 * index and is answered by replaying its log).
 *
 * @module
 */
import { DEMOS, openStore, type WarmRuntime, warmRuntime } from "../_fixtures.ts";
import { type BenchCase, benchCase } from "../_harness.ts";
import { populateRegistry, pythonFiles, registerStores } from "../_populate.ts";
import { runBatch, runOnce } from "./run.ts";

/** Options of {@link scaleCases}. */
export interface ScaleSuiteOptions {
  /** Registry sizes (entries). */
  readonly sizes: readonly number[];
  /** Payloads per batch. */
  readonly batch: number;
  /** Sizes at which the imported (scan-mode) registry is timed too. */
  readonly importedSizes: readonly number[];
}

/** Full-size options. */
export const SCALE_SUITE: ScaleSuiteOptions = {
  sizes: [100, 10_000, 100_000],
  batch: 200,
  importedSizes: [100, 10_000, 100_000],
};

/** Name of a scale case, as the report finds it. */
export function scaleCaseName(size: number, batch: number | null, imported = false): string {
  const what = batch === null ? "single" : `batch ${batch}`;
  return `register ${what} @ ${size.toLocaleString("en-US")} entries${
    imported ? ", imported" : ""
  }, kv (durable)`;
}

async function grown(size: number): Promise<WarmRuntime> {
  const rt = await warmRuntime(DEMOS.register, "kv");
  await populateRegistry(rt.store, registerStores(rt.compiled), size);
  return rt;
}

async function imported(size: number): Promise<WarmRuntime> {
  const demo = DEMOS.register;
  const rt = await warmRuntime(demo, "memory");
  const { store, dataRoot } = await openStore("kv", pythonFiles(registerStores(rt.compiled), size));
  return { ...rt, store, dataRoot };
}

/** The scale cases. */
export function scaleCases(o: ScaleSuiteOptions = SCALE_SUITE): BenchCase[] {
  const out: BenchCase[] = [];
  for (const size of o.sizes) {
    const state = (() => {
      let p: Promise<WarmRuntime> | undefined;
      return () => (p ??= grown(size));
    })();
    out.push(benchCase<WarmRuntime>({
      suite: "e scale",
      group: "scale single",
      name: scaleCaseName(size, null),
      baseline: size === o.sizes[0],
      setup: state,
      fn: runOnce,
    }));
    out.push(benchCase<WarmRuntime, unknown[]>({
      suite: "e scale",
      group: "scale batch",
      name: scaleCaseName(size, o.batch),
      baseline: size === o.sizes[0],
      units: o.batch,
      setup: state,
      prepare: (rt) => Array.from({ length: o.batch }, () => rt.demo.payload(rt.next++)),
      fn: runBatch,
    }));
  }
  for (const size of o.importedSizes) {
    out.push(benchCase<WarmRuntime>({
      suite: "e scale",
      group: "scale imported",
      name: scaleCaseName(size, null, true),
      baseline: size === o.importedSizes[0],
      setup: () => imported(size),
      fn: runOnce,
      iterations: size >= 100_000 ? 5 : size >= 10_000 ? 20 : undefined,
    }));
  }
  return out;
}
