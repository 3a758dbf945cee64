/**
 * Before/after in one process: loads the engine of two checkouts (each one's
 * `bench/_fixtures.ts` and `bench/suites/run.ts`) and times the demo runs of both in
 * interleaved rounds, so a change of machine load hits them alike. Prints the median µs per
 * run of each and the ratio after/before, with the load average.
 *
 * Usage (another checkout, e.g. `git worktree add ../before <commit>`):
 * `deno run -A bench/ab.ts <before-dir> <after-dir> [--rounds 9] [--demos register,collatz,agent]
 * [--kinds kv,memory] [--mode batch|single]`. `batch`: one group-committed batch of 200
 * payloads per round (per-run figure); `single`: 50 single runs per round.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import { unsafeMonotonicMs } from "../actors/run_context.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "9" },
    demos: { type: "string", default: "register,collatz,agent" },
    kinds: { type: "string", default: "kv" },
    mode: { type: "string", default: "batch" },
  },
});
if (positionals.length !== 2) throw new UsageError("Usage: bench/ab.ts <before-dir> <after-dir>");
const rounds = Number(values.rounds);
const mode = values.mode;
if (!Number.isInteger(rounds) || rounds < 1 || (mode !== "batch" && mode !== "single")) {
  throw new UsageError(`Invalid --rounds or --mode`);
}
const demos = values.demos!.split(",");
const kinds = values.kinds!.split(",");
const BATCH = 200;
const SINGLES = 50;

interface Checkout {
  label: string;
  dir: string;
  // deno-lint-ignore no-explicit-any
  fixtures: any;
  // deno-lint-ignore no-explicit-any
  run: any;
}
const checkouts: Checkout[] = [];
for (const [label, dir] of [["before", positionals[0]], ["after", positionals[1]]]) {
  const root = new URL(`file://${await Deno.realPath(dir)}/`);
  checkouts.push({
    label,
    dir,
    fixtures: await import(new URL("bench/_fixtures.ts", root).href),
    run: await import(new URL("bench/suites/run.ts", root).href),
  });
}
// deno-lint-ignore no-explicit-any
const runtimes = new Map<string, any>();
for (const c of checkouts) {
  for (const d of demos) {
    for (const k of kinds) {
      runtimes.set(`${c.label}|${d}|${k}`, await c.fixtures.warmRuntime(c.fixtures.DEMOS[d], k));
    }
  }
}
const times = new Map<string, number[]>();
for (let r = 0; r <= rounds; r++) { // round 0 warms up
  for (const d of demos) {
    for (const k of kinds) {
      for (const c of checkouts) {
        const rt = runtimes.get(`${c.label}|${d}|${k}`);
        let perRun: number;
        if (mode === "batch") {
          const payloads = Array.from({ length: BATCH }, () => rt.demo.payload(rt.next++));
          const t0 = unsafeMonotonicMs();
          await c.run.runBatch(rt, payloads);
          perRun = (unsafeMonotonicMs() - t0) / BATCH;
        } else {
          const t0 = unsafeMonotonicMs();
          for (let i = 0; i < SINGLES; i++) await c.run.runOnce(rt);
          perRun = (unsafeMonotonicMs() - t0) / SINGLES;
        }
        if (r === 0) continue;
        const key = `${d}|${k}|${c.label}`;
        times.set(key, [...(times.get(key) ?? []), perRun]);
      }
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| demo | store | mode | before µs | after µs | after/before |`);
console.log(`| --- | --- | --- | ---: | ---: | ---: |`);
for (const d of demos) {
  for (const k of kinds) {
    const a = median(times.get(`${d}|${k}|before`)!) * 1000;
    const b = median(times.get(`${d}|${k}|after`)!) * 1000;
    console.log(
      `| ${d} | ${k} | ${mode} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)} |`,
    );
  }
}
console.log(`\nload average ${Deno.loadavg().map((x) => x.toFixed(2)).join(" / ")}`);
