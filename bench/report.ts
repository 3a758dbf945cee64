/**
 * Runs every bench suite with our own timer and prints the medians as Markdown tables, then
 * the targets of docs/PERFORMANCE.md checked against them. Cases of a suite are measured in
 * interleaved rounds, so the ratios (run vs floor, 100,000 vs 100 entries, 10,000 vs 1,000
 * nodes) compare numbers taken under the same machine load.
 *
 * Usage: `deno run -A bench/report.ts [--only a,b,c,d,e,f,parts] [--quick] [--json out.json]`
 * (`--quick`: smaller sizes and ~0.3 s per case, for a look rather than a record).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import { DEMOS } from "./_fixtures.ts";
import {
  type BenchCase,
  DEFAULT_MEASURE,
  type Failure,
  formatMicros,
  measureInterleaved,
  type MeasureOptions,
  type Timing,
} from "./_harness.ts";
import { compileCases } from "./suites/compile.ts";
import { floorCaseName, floorCases } from "./suites/floor.ts";
import { GENERATED_SUITE, generatedCaseName, generatedCases } from "./suites/generated.ts";
import { PART, partCases } from "./suites/parts.ts";
import { RUN_SUITE, runCaseName, runCases } from "./suites/run.ts";
import { SCALE_SUITE, scaleCaseName, scaleCases, verifyCaseName } from "./suites/scale.ts";
import { traceCaseName, traceCases } from "./suites/trace.ts";

const SUITES = ["a", "b", "c", "d", "e", "f", "parts"] as const;
type SuiteKey = typeof SUITES[number];

/** A measured case. */
interface Row {
  suite: string;
  name: string;
  units: number;
  timing: Timing | Failure;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const only = (values.only?.split(",") ?? [...SUITES]) as SuiteKey[];
for (const s of only) {
  if (!SUITES.includes(s)) {
    throw new UsageError(`Invalid --only "${s}": expected ${SUITES.join(", ")}`);
  }
}
const quick = values.quick;
const measureOptions: MeasureOptions = quick
  ? { ...DEFAULT_MEASURE, warmup: 2, minIterations: 6, targetMs: 300 }
  : { ...DEFAULT_MEASURE, targetMs: 1500 };
const batch = RUN_SUITE.batch;
const scale = quick
  ? { ...SCALE_SUITE, sizes: [100, 10_000], importedSizes: [100, 10_000] }
  : SCALE_SUITE;
const generated = quick ? { sizes: [100, 1_000] } : GENERATED_SUITE;

async function casesOf(s: SuiteKey): Promise<BenchCase[]> {
  switch (s) {
    case "a":
      return await compileCases();
    case "b":
      return runCases();
    case "c":
      return floorCases();
    case "d":
      return traceCases();
    case "e":
      return scaleCases(scale);
    case "f":
      return generatedCases(generated);
    case "parts":
      return partCases();
  }
}

const rows: Row[] = [];
const loadBefore = Deno.loadavg();
console.log(`# pgs-runtime bench report\n`);
console.log(
  `Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ${navigator.hardwareConcurrency} CPU(s), ` +
    `load average ${loadBefore.map((x) => x.toFixed(2)).join("/")} at start${
      quick ? " (quick mode)" : ""
    }.\n`,
);

function printSuite(suite: string): void {
  console.log(`## ${suite}\n`);
  console.log("| case | median | min | p90 | n |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows.filter((x) => x.suite === suite)) {
    if ("error" in r.timing) {
      console.log(`| ${r.name} | **failed**: ${r.timing.error} | | | |`);
      continue;
    }
    const per = r.units > 1 ? " per run" : "";
    console.log(
      `| ${r.name} | ${formatMicros(r.timing.median)}${per} | ${formatMicros(r.timing.min)} | ` +
        `${formatMicros(r.timing.p90)} | ${r.timing.n} |`,
    );
  }
  console.log("");
}

// The run suite and its floor are measured together so their ratio is fair.
const plan: SuiteKey[][] = [];
for (const s of only) {
  if (s === "c" && only.includes("b")) continue;
  plan.push(s === "b" && only.includes("c") ? ["b", "c"] : [s]);
}
for (const group of plan) {
  const cases = (await Promise.all(group.map(casesOf))).flat();
  console.error(`measuring ${group.join("+")}: ${cases.length} case(s)…`);
  const timings = await measureInterleaved(cases, measureOptions, 3);
  cases.forEach((c, i) =>
    rows.push({ suite: c.suite, name: c.name, units: c.units ?? 1, timing: timings[i] })
  );
  for (const suite of [...new Set(cases.map((c) => c.suite))]) printSuite(suite);
}
const loadAfter = Deno.loadavg();
console.log(`Load average at the end: ${loadAfter.map((x) => x.toFixed(2)).join("/")}.\n`);

const find = (name: string) => {
  const t = rows.find((r) => r.name === name)?.timing;
  return t && !("error" in t) ? t.median : undefined;
};

interface Check {
  target: string;
  measured: string;
  ok: boolean | null;
}
const checks: Check[] = [];
const check = (
  target: string,
  value: number | undefined,
  limit: number,
  show: (v: number) => string,
) => {
  checks.push({
    target,
    measured: value === undefined ? "not measured" : show(value),
    ok: value === undefined ? null : value <= limit,
  });
};
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a / b;
const x = (v: number) => `${v.toFixed(2)}×`;

// The targets of the performance issue (docs/PERFORMANCE.md §0).
for (const demo of [DEMOS.register, DEMOS.club]) {
  check(
    `${demo.wf}: batch of ${batch} on the KV file, ≤ 300 µs per run`,
    find(runCaseName(demo, "kv", batch)),
    300,
    formatMicros,
  );
  check(
    `${demo.wf}: single run in memory ≤ 400 µs`,
    find(runCaseName(demo, "memory", null)),
    400,
    formatMicros,
  );
}
for (const demo of [DEMOS.collatz, DEMOS.agent]) {
  check(
    `${demo.wf}: batch run ≤ 2× direct-call floor (durable)`,
    ratio(find(runCaseName(demo, "kv", batch)), find(floorCaseName(demo, "kv", batch))),
    2,
    x,
  );
}
const [small, , large] = scale.sizes;
const top = large ?? scale.sizes.at(-1)!;
for (const b of [null, batch]) {
  check(
    `register ${b === null ? "single run" : "batch run"} at ${
      top.toLocaleString("en-US")
    } entries ≤ 1.2× at ${small}`,
    ratio(find(scaleCaseName(top, b)), find(scaleCaseName(small, b))),
    1.2,
    x,
  );
}
const verifySizes = scale.verifySizes ?? [];
if (verifySizes.length >= 2) {
  const [v1, v2] = [verifySizes[0], verifySizes.at(-1)!];
  check(
    `verify-actor (WF admission) at ${
      v2.toLocaleString("en-US")
    } entries ≤ 1.2× at ${v1} (same goal, not in the issue)`,
    ratio(find(verifyCaseName(v2)), find(verifyCaseName(v1))),
    1.2,
    x,
  );
}
const [g1, g2] = generated.sizes;
for (const what of ["compile", "run"] as const) {
  check(
    `${what} of generated workflow: ${g2.toLocaleString("en-US")} nodes ≤ 12× ${
      g1.toLocaleString("en-US")
    } nodes`,
    ratio(find(generatedCaseName(g2, what)), find(generatedCaseName(g1, what))),
    12 * (g2 / g1) / 10,
    x,
  );
}
check(
  "PNG of the 18-node agent-governance workflow ≤ 100 ms (warm)",
  find(traceCaseName(DEMOS.agent, "png")),
  100_000,
  formatMicros,
);

console.log("## Targets (in-process; CLI targets: bench/cli_timing.ts)\n");
console.log("| target | measured | met |");
console.log("| --- | ---: | :---: |");
for (const c of checks) {
  console.log(`| ${c.target} | ${c.measured} | ${c.ok === null ? "–" : c.ok ? "yes" : "**no**"} |`);
}

const hashNoble = find(PART.nobleHash);
const hashNative = find(PART.nativeHash);
if (hashNoble !== undefined && hashNative !== undefined) {
  console.log(
    `\nsha256 of a register trace: @noble ${formatMicros(hashNoble)}, node:crypto ${
      formatMicros(hashNative)
    }.`,
  );
}

if (values.json) {
  await Deno.writeTextFile(
    values.json,
    JSON.stringify({ deno: Deno.version, loadBefore, loadAfter, quick, rows, checks }, null, 2) +
      "\n",
  );
}
