/**
 * Keeps the benches from rotting: every suite is built with tiny sizes and each case is set
 * up and iterated once (what `deno bench` and bench/report.ts do, minus the repetitions).
 * Also checks that the direct-call floor does the same work as the workflow, and that the
 * generated workspace compiles and runs through every node.
 */
import assert from "node:assert/strict";
import { executeWorkflow } from "../actors/execute_workflow.ts";
import { FloorPlans, runCalls } from "../bench/_floor.ts";
import {
  CLOCK,
  compileShared,
  DEMOS,
  openStore,
  REGISTRY,
  SEED,
  tempDir,
} from "../bench/_fixtures.ts";
import { chainArtifacts, GEN_WF, writeChainWorkspace } from "../bench/_generate.ts";
import { type BenchCase, iterate, stateOf, summarize } from "../bench/_harness.ts";
import { registerStores } from "../bench/_populate.ts";
import { compileCases } from "../bench/suites/compile.ts";
import { floorCases } from "../bench/suites/floor.ts";
import { generatedCases } from "../bench/suites/generated.ts";
import { partCases } from "../bench/suites/parts.ts";
import { runCases } from "../bench/suites/run.ts";
import { scaleCases } from "../bench/suites/scale.ts";
import { traceCases } from "../bench/suites/trace.ts";
import { sha256Hex } from "../snapshot/canonical.ts";
import { compileWorkflow } from "../snapshot/compile.ts";
import { loadSnapshot } from "../snapshot/load.ts";

const tiny = { batch: 3, demos: Object.values(DEMOS), floorBlock: 1 };

async function once(cases: BenchCase[]): Promise<string[]> {
  const names: string[] = [];
  for (const c of cases) {
    await iterate(c, await stateOf(c));
    names.push(c.name);
  }
  return names;
}

Deno.test("bench suites: every case sets up and runs one iteration", async (t) => {
  await t.step("a compile", async () => {
    const cases = await compileCases({ workflows: [DEMOS.register.wf] });
    assert.equal((await once(cases)).length, 1 + 1 + 4);
  });
  await t.step("b run + c floor", async () => {
    assert.equal((await once(runCases(tiny))).length, 16);
    assert.equal((await once(floorCases(tiny))).length, 16);
  });
  await t.step("d trace", async () => {
    assert.equal((await once(traceCases({ demos: [DEMOS.register] }))).length, 4);
  });
  await t.step("e scale", async () => {
    const names = await once(
      scaleCases({ sizes: [10, 40], batch: 3, importedSizes: [10], verifySizes: [10] }),
    );
    assert.deepEqual(names, [
      "register single @ 10 entries, kv (durable)",
      "register batch 3 @ 10 entries, kv (durable)",
      "register single @ 40 entries, kv (durable)",
      "register batch 3 @ 40 entries, kv (durable)",
      "verify-actor single @ 10 entries, kv (durable)",
      "register single @ 10 entries, imported, kv (durable)",
    ]);
  });
  await t.step("f generated", async () => {
    assert.equal((await once(generatedCases({ sizes: [5, 12] }))).length, 4);
  });
  await t.step("parts", async () => {
    assert.equal((await once(partCases())).length, 10);
  });
});

Deno.test("bench floor: the direct calls leave the same registry and events as the run", async () => {
  const demo = DEMOS.register;
  const compiled = await compileShared(demo.workspace, demo.wf);
  const plans = await FloorPlans.create(demo, compiled, 2);
  const calls = await plans.take();
  assert.deepEqual(calls.map((c) => `${c.step.kind}:${c.step.name}`), [
    "CT:generate_actor_id",
    "CT:generate_kyc_key",
    "CS:register_kyc_mapping",
    "CS:register_actor_id",
    "CS:append_actor_event",
  ]);
  const floor = (await openStore("memory")).store;
  await floor.transact(async (txn) => {
    await runCalls(calls, txn, REGISTRY.capabilities);
    return { value: null, trace: null };
  });
  const real = (await openStore("memory")).store;
  await executeWorkflow(compiled, demo.payload(1), {
    store: real,
    capabilities: REGISTRY.capabilities,
    seed: SEED,
    startedAt: CLOCK,
  });
  const { registry, events } = registerStores(compiled);
  const stateOfStore = (s: typeof real) =>
    s.transact(async (txn) => ({
      value: { registry: await txn.log(registry), events: await txn.log(events) },
      trace: null,
    }));
  const [a, b] = [await stateOfStore(floor), await stateOfStore(real)];
  assert.equal(a.value.registry.length, 2);
  assert.deepEqual(a.value, b.value);
});

Deno.test("bench generator: hashes verify, the chain compiles and runs through every node", async () => {
  for (const a of chainArtifacts(6)) {
    assert.equal(a.body.content_hash, sha256Hex(String(a.body.content)));
  }
  assert.throws(() => chainArtifacts(2), /Invalid nodes 2/);
  const ws = await writeChainWorkspace(await tempDir(), 6);
  const compiled = await compileWorkflow(await loadSnapshot(ws), GEN_WF, REGISTRY.compileOptions);
  assert.equal(Object.keys(compiled.root.nodes).length, 6);
  const r = await executeWorkflow(compiled, { seed: "x" }, {
    store: (await openStore("memory")).store,
    capabilities: REGISTRY.capabilities,
    seed: SEED,
    startedAt: CLOCK,
  });
  assert.equal(r.classification, "COMPLETED");
  assert.equal(r.exitNode, "EXIT_DONE");
  assert.equal(r.records.filter((x) => x.type === "transition").length, 5);
});

Deno.test("bench harness: median, min and p90", () => {
  assert.deepEqual(summarize([5, 1, 3, 2, 4]), { n: 5, median: 3, min: 1, p90: 5 });
  assert.deepEqual(summarize([4, 1, 3, 2]), { n: 4, median: 2.5, min: 1, p90: 4 });
});

Deno.test("bench/ab.ts compares two checkouts (here the same one) and prints the ratio table", async () => {
  const root = new URL("..", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "bench/ab.ts",
      ".",
      ".",
      "--rounds",
      "1",
      "--demos",
      "register",
      "--kinds",
      "memory",
      "--mode",
      "single",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.match(text, /^\| register \| memory \| single \| \d+ \| \d+ \| \d+\.\d\d \|$/m);
  assert.match(text, /^load average /m);
});
