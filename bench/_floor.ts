/**
 * The direct-call floor (c): the CT atoms and CS kinds a workflow run calls, called directly
 * on a StateTxn in the same order and with the same inputs, without machine, node actors,
 * input binding, budget or trace. The calls are read off the trace of a reference run on a
 * scratch store (so they are exactly the workflow's), before the timed region.
 *
 * @module
 */
import { executeBatch } from "../actors/execute_batch.ts";
import { CtViolation, type JsonObject } from "../actors/capability.ts";
import type { CapabilitySet } from "../actors/capability.ts";
import { runCtIr } from "../actors/ct/mod.ts";
import { createRunContext } from "../actors/run_context.ts";
import type { CompiledStep, CompiledWorkflow, ExecutionGraph } from "../snapshot/graph.ts";
import type { StateTxn } from "../storage/store.ts";
import type { KvStore } from "../storage/mod.ts";
import type { TraceRecord } from "../trace/record.ts";
import { CLOCK, type DemoWorkflow, openStore, REGISTRY, SEED } from "./_fixtures.ts";

/** One capability call of a run. */
export interface FloorCall {
  /** The compiled step (capability, op, store, policy, CT IR). */
  readonly step: CompiledStep;
  /** The resolved inputs the run passed. */
  readonly inputs: JsonObject;
  /** Entropy stream label. */
  readonly label: string;
}

/** The capability calls of one run, in execution order. */
export function callsOf(compiled: CompiledWorkflow, records: readonly TraceRecord[]): FloorCall[] {
  const graphOfRun = new Map<string, ExecutionGraph>([["root", compiled.root]]);
  const calls: FloorCall[] = [];
  for (const r of records as unknown as readonly Record<string, unknown>[]) {
    if (r.type === "child_run") {
      graphOfRun.set(String(r.child), compiled.graphs.get(String(r.workflow))!);
    }
    if (r.type !== "step") continue;
    const graph = graphOfRun.get(String(r.run))!;
    const node = graph.nodes[String(r.node)];
    if (node.type !== "CC") continue;
    const step = node.cc.steps.find((s) => s.name === r.step)!;
    calls.push({ step, inputs: r.inputs as JsonObject, label: `${r.run}/${r.node}/${r.step}` });
  }
  return calls;
}

function noChildren(): never {
  throw new Error("the floor does not run child workflows");
}

/** Makes the calls of one run on `txn` (a declared CT failure is an answer, not an error). */
export async function runCalls(
  calls: readonly FloorCall[],
  txn: StateTxn,
  caps: CapabilitySet,
): Promise<void> {
  const rc = createRunContext({ seed: SEED, startedAt: CLOCK });
  for (const { step, inputs, label } of calls) {
    const ctx = rc.transformContext(label);
    if (step.kind === "CT") {
      try {
        // deno-lint-ignore no-explicit-any
        runCtIr(step.ctIr as any, inputs, ctx, caps.transforms);
      } catch (e) {
        if (!(e instanceof CtViolation)) throw e;
      }
      continue;
    }
    await caps.sideEffects[step.capability]({
      capability: step.capability,
      op: step.op ?? "",
      inputs,
      store: step.store,
      policy: step.policy,
      state: txn,
      ctx,
      runChild: noChildren,
    });
  }
}

/**
 * Hands out the call lists of successive payloads of a demo, made by running the workflow
 * on a scratch store ahead of time (in blocks, outside the timed region).
 */
export class FloorPlans {
  readonly #demo: DemoWorkflow;
  readonly #compiled: CompiledWorkflow;
  readonly #scratch: KvStore;
  readonly #fixed: boolean;
  readonly #block: number;
  #pool: FloorCall[][] = [];
  #next = 1;

  private constructor(
    demo: DemoWorkflow,
    compiled: CompiledWorkflow,
    scratch: KvStore,
    block: number,
  ) {
    this.#demo = demo;
    this.#compiled = compiled;
    this.#scratch = scratch;
    this.#block = block;
    this.#fixed = JSON.stringify(demo.payload(1)) === JSON.stringify(demo.payload(2));
  }

  /**
   * Plans for `demo` (a scratch memory store is opened and seeded); reference runs are made
   * `block` payloads at a time.
   */
  static async create(
    demo: DemoWorkflow,
    compiled: CompiledWorkflow,
    block = 500,
  ): Promise<FloorPlans> {
    const { store } = await openStore("memory", await demo.seed(demo.workspace));
    const plans = new FloorPlans(demo, compiled, store, block);
    // A fixed payload repeats its steady-state run (the second one) forever.
    if (plans.#fixed) plans.#pool = [(await plans.#make(2))[1]];
    return plans;
  }

  /** The calls of the next payload. */
  async take(): Promise<FloorCall[]> {
    if (this.#fixed) return this.#pool[0];
    if (this.#pool.length === 0) this.#pool = await this.#make(this.#block);
    return this.#pool.shift()!;
  }

  /** The calls of the next `n` payloads. */
  async takeMany(n: number): Promise<FloorCall[][]> {
    const out: FloorCall[][] = [];
    for (let i = 0; i < n; i++) out.push(await this.take());
    return out;
  }

  async #make(n: number): Promise<FloorCall[][]> {
    const payloads = Array.from({ length: n }, () => this.#demo.payload(this.#next++));
    const items = await executeBatch(this.#compiled, payloads, {
      store: this.#scratch,
      capabilities: REGISTRY.capabilities,
      seed: SEED,
      startedAt: CLOCK,
      traceIdPrefix: `F${this.#next}`,
    });
    return items.map((it) => {
      if (!it.ok) throw new Error(`floor reference run failed: ${String(it.error)}`);
      return callsOf(this.#compiled, it.result.records);
    });
  }
}
