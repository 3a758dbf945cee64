import { prepareRun } from "../actors/execute.ts";
import { compileWorkflow } from "../snapshot/compile.ts";
import { loadSnapshot } from "../snapshot/load.ts";
import { unsafeMonotonicMs as now } from "../actors/run_context.ts";
import { openMemoryStore } from "../storage/mod.ts";
import { GEN_WF, writeChainWorkspace } from "./_generate.ts";
import { REGISTRY, tempDir } from "./_fixtures.ts";
for (const n of [2000]) {
  const dir = await writeChainWorkspace(await tempDir(), n);
  let t = now();
  const snap = await loadSnapshot(dir);
  const compiled = await compileWorkflow(snap, GEN_WF, REGISTRY.compileOptions);
  const tc = now() - t;
  const store = await openMemoryStore();
  for (let k = 0; k < 2; k++) {
  t = now();
  const run = prepareRun(compiled, { seed: "s" }, { capabilities: REGISTRY.capabilities, seed: "00", startedAt: "2026-01-01T00:00:00Z" });
  const r = await store.transact(async (txn) => { const o = await run.body(txn); return { ...o, trace: { ...o.trace, meta: {} } }; });
  console.log(n, "compile ms", tc.toFixed(1), "run ms", (now() - t).toFixed(1), r.value.classification, r.value.records.length, store.stats().commits);
  }
}
