import { executeWorkflow } from "../actors/execute.ts";
import { executeBatch } from "../actors/batch.ts";
import { CLOCK, DEMOS, REGISTRY, SEED, warmRuntime } from "./_fixtures.ts";
const mode = Deno.args[0] ?? "single";
const rt = await warmRuntime(DEMOS.register, (Deno.args[1] ?? "memory") as "memory");
for (let k = 0; k < 10; k++) {
  if (mode === "single") {
    for (let i = 0; i < 200; i++) await executeWorkflow(rt.compiled, rt.demo.payload(rt.next++), { store: rt.store, capabilities: REGISTRY.capabilities, seed: SEED, startedAt: CLOCK, traceId: `T${rt.next}` });
  } else {
    const ps = Array.from({length: 200}, () => rt.demo.payload(rt.next++));
    await executeBatch(rt.compiled, ps, { store: rt.store, capabilities: REGISTRY.capabilities, seed: SEED, startedAt: CLOCK, traceIdPrefix: `B${rt.next}` });
  }
}
