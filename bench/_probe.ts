import { runCases } from "./suites/run.ts";
import { floorCases } from "./suites/floor.ts";
import { measure, formatMicros } from "./_harness.ts";
for (const c of [...runCases(), ...floorCases()]) {
  const t = await measure(c, { warmup: 2, minIterations: 10, maxIterations: 500, targetMs: 700 });
  console.log(c.suite, "|", c.name, "|", formatMicros(t.median), "n", t.n);
}
