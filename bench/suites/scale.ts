/**
 * (e) The register demo when the registry already holds N entries (N/2 actors: a KYC key
 * and an actor id each, plus one identity event per actor): one run, and a batch, on the
 * on-disk KV store (durable commits). The "imported" cases start from the same state as
 * Python-runtime files in the data root (imported on first open; such a registry has no
 * index and is answered by replaying its log).
 *
 * @module
 */
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import type { CompiledWorkflow } from "../../snapshot/graph.ts";
import {
  CLOCK,
  compileShared,
  DEMOS,
  openStore,
  REGISTRY,
  SEED,
  type WarmRuntime,
  warmRuntime,
} from "../_fixtures.ts";
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
  /** Sizes at which verify-actor (WF admission reads the identity event log) is timed. */
  readonly verifySizes?: readonly number[];
}

/** Full-size options. */
export const SCALE_SUITE: ScaleSuiteOptions = {
  sizes: [100, 10_000, 100_000],
  batch: 200,
  importedSizes: [100, 10_000, 100_000],
  verifySizes: [100, 10_000, 100_000],
};

/** The verify workflow: its WF admission requires the actor's registration event. */
export const VERIFY_WF = "blockchain::WF_VERIFY_ACTOR_V0";

/** Name of a verify-actor scale case, as the report finds it. */
export function verifyCaseName(size: number): string {
  return `verify-actor single @ ${size.toLocaleString("en-US")} entries, kv (durable)`;
}

let verifyCounter = 0;

/**
 * One verify-actor run for a populated actor: admission passes (its event exists), then the
 * workflow ends early (the dummy actor record does not derive that id); any end but FAILED
 * or FAULTED is fine — the cost of the admission scan is what this measures.
 */
async function verifyOnce(
  s: { rt: WarmRuntime; compiled: CompiledWorkflow; actors: number },
): Promise<void> {
  const i = verifyCounter++ % s.actors;
  const r = await executeWorkflow(s.compiled, {
    actor_id: `A_POP${String(i).padStart(12, "0")}`,
    actor_record: {
      first_name: "Pop",
      last_name: String(i),
      email_registration: `pop${i}@example.org`,
    },
    decision: "VERIFIED",
    verifier_id: "A_AUTHORITY_1",
  }, {
    store: s.rt.store,
    capabilities: REGISTRY.capabilities,
    seed: SEED,
    startedAt: CLOCK,
    traceId: `V${verifyCounter}`,
  });
  if (r.classification === "FAILED" || r.classification === "FAULTED") {
    throw new Error(`verify-actor: ${r.classification} ${r.reason}`);
  }
}

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
  const states = new Map<number, () => Promise<WarmRuntime>>();
  for (const size of o.sizes) {
    const state = (() => {
      let p: Promise<WarmRuntime> | undefined;
      return () => (p ??= grown(size));
    })();
    states.set(size, state);
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
  for (const size of o.verifySizes ?? []) {
    const grownState = states.get(size) ?? (() => grown(size));
    out.push(benchCase<{ rt: WarmRuntime; compiled: CompiledWorkflow; actors: number }>({
      suite: "e scale",
      group: "scale verify",
      name: verifyCaseName(size),
      baseline: size === (o.verifySizes ?? [])[0],
      setup: async () => ({
        rt: await grownState(),
        compiled: await compileShared(DEMOS.register.workspace, VERIFY_WF),
        actors: Math.ceil(size / 2),
      }),
      fn: verifyOnce,
      iterations: size >= 100_000 ? 10 : undefined,
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
