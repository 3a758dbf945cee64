import { executeWorkflow, prepareRun } from "../actors/execute.ts";
import { executeBatch } from "../actors/batch.ts";
import { CLOCK, DEMOS, REGISTRY, SEED, warmRuntime } from "./_fixtures.ts";
import { measure, benchCase, formatMicros } from "./_harness.ts";

for (const key of ["club", "register", "collatz", "agent"] as const) {
  for (const kind of ["memory", "kv"] as const) {
    const rt = await warmRuntime(DEMOS[key], kind);
    const c = benchCase({ suite: "p", group: "g", name: `${key} ${kind}`, setup: async () => rt,
      fn: async (rt) => { await executeWorkflow(rt.compiled, rt.demo.payload(rt.next++), { store: rt.store, capabilities: REGISTRY.capabilities, seed: SEED, startedAt: CLOCK, traceId: `T${rt.next}` }); } });
    const t = await measure(c);
    const rt2 = await warmRuntime(DEMOS[key], kind);
    const N = 200;
    const b = benchCase({ suite: "p", group: "g", name: `${key} ${kind} batch`, units: N, setup: async () => rt2,
      fn: async (rt) => { const ps = Array.from({length: N}, () => rt.demo.payload(rt.next++)); const start = rt.next; const r = await executeBatch(rt.compiled, ps, { store: rt.store, capabilities: REGISTRY.capabilities, seed: SEED, startedAt: CLOCK, traceIdPrefix: `B${start}` }); if (!r.every((x) => x.ok)) throw new Error("fail"); } });
    const tb = await measure(b);
    const r = await executeWorkflow(rt.compiled, rt.demo.payload(rt.next++), { store: rt.store, capabilities: REGISTRY.capabilities, seed: SEED, startedAt: CLOCK });
    console.log(key, kind, "single", formatMicros(t.median), "batch", formatMicros(tb.median), r.classification, r.status, r.records.length, "recs", rt.store.stats());
  }
}
