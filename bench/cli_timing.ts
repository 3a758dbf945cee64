/**
 * Times whole CLI processes: `deno run -A cli.ts …` spawned N times per scenario (N ≥ 10),
 * reporting the median wall time (spawn to exit, measured here) and the peak RSS (from
 * `/usr/bin/time -f %M` when present — `apt-get install time` — else polled from
 * `/proc/<pid>/status` VmHWM). Scenarios: the demo runs with and without PNG, a batch run,
 * a run at 100,000 registry entries, and the start-up floor (an empty script, `--help`, and
 * each heavy import alone) to show where the start-up time goes.
 *
 * The scenarios run interleaved (round i runs every scenario once), so a change of machine
 * load hits them alike and the ratios to the bare `deno run` of an empty script hold. Each
 * `run` checks that its `.jsonl`, `.md` (and `.png` unless `--no-png`) exist when the
 * process has exited. `--cli [label=]PATH` times another checkout's `cli.ts` (e.g. the base
 * commit, extracted with `git archive`) on the same scratch workspaces; repeated, every CLI
 * scenario runs once per checkout in each round (before/after in one interleaved run). Deno
 * flags may follow the path: `--cli "lean=cli.ts --v8-flags=--no-wasm-tier-up"`.
 *
 * `--bundle` also builds the one-file bundle (scripts/bundle.ts) and times it as a variant.
 *
 * Usage: `deno run -A bench/cli_timing.ts [--runs 15] [--only name,…] [--skip-large]
 * [--bundle] [--cli "[label=]path/to/cli.ts [deno flags]" …] [--json out.json]`
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import { unsafeMonotonicMs } from "../actors/run_context.ts";
import { openKvStore } from "../storage/mod.ts";
import { compileShared, DEMOS, type DemoWorkflow, REAL_WORKSPACE, tempDir } from "./_fixtures.ts";
import { formatMicros, summarize } from "./_harness.ts";
import { populateRegistry, registerStores } from "./_populate.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "15" },
    only: { type: "string" },
    "skip-large": { type: "boolean", default: false },
    cli: { type: "string", multiple: true },
    bundle: { type: "boolean", default: false },
    json: { type: "string" },
  },
});

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** A `cli.ts` to time; with several, each run scenario is timed for each, interleaved. */
interface Variant {
  /** Prefix of the scenario names ("" when there is one variant). */
  label: string;
  /** Path of its cli.ts. */
  cli: string;
  /** Deno flags put before it (e.g. `--v8-flags=…`). */
  flags: string[];
}
/** `[label=]path [deno flags…]`, e.g. `"lean=cli.ts --v8-flags=--no-wasm-tier-up"`. */
// The source as the README starts it (XState's ES module build).
const specs = values.cli?.length ? [...values.cli] : [`source=${ROOT}cli.ts --conditions=module`];
if (values.bundle) {
  // The one-file build operators ship (and `deno compile` would embed), next to the source.
  const out = `${await Deno.makeTempDir({ prefix: "pgs-bundle-" })}/pgs-runtime.js`;
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/bundle.ts`, out],
    cwd: ROOT,
  }).output();
  if (!built.success) throw new Error(new TextDecoder().decode(built.stderr));
  specs.push(`bundle=${out} --unstable-kv`);
}
const VARIANTS: Variant[] = specs.map((spec) => {
  const [first, ...flags] = spec.trim().split(/\s+/);
  const at = first.indexOf("=");
  const cli = at > 0 ? first.slice(at + 1) : first;
  const several = specs.length > 1;
  return { label: several ? `[${at > 0 ? first.slice(0, at) : cli}] ` : "", cli, flags };
});
const CONFIG = `${ROOT}deno.json`;
const TIME = "/usr/bin/time";

/** One timed process. */
interface Sample {
  ms: number;
  rssKiB: number | null;
  code: number;
  stdout: string;
}

/** A scenario: a command line (after `deno`) and what to do before each run. */
interface Scenario {
  name: string;
  /** Arguments after `deno` for run `i`. */
  args: (i: number) => Promise<string[]> | string[];
  /** Runs per process (a batch): the table shows per-run time too. */
  runsPerProcess?: number;
  /** Checks the process's output once it has exited (throws when wrong). */
  check?: (stdout: string) => Promise<void>;
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 10) {
  throw new UsageError(`Invalid --runs "${values.runs}": expected an integer ≥ 10`);
}
const hasTime = await exists(TIME);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `deno <args>` once; wall time measured here, peak RSS from /usr/bin/time or /proc. */
async function spawn(args: string[]): Promise<Sample> {
  const rssFile = hasTime ? await Deno.makeTempFile({ prefix: "pgs-rss-" }) : null;
  const cmd = rssFile
    ? new Deno.Command(TIME, {
      args: ["-f", "%M", "-o", rssFile, Deno.execPath(), ...args],
      stdout: "piped",
      stderr: "piped",
    })
    : new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" });
  const t0 = unsafeMonotonicMs();
  const child = cmd.spawn();
  let peak: number | null = null;
  let polling = !rssFile;
  const poll = (async () => {
    while (polling) {
      try {
        const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
        const m = /VmHWM:\s+(\d+)/.exec(status);
        if (m) peak = Math.max(peak ?? 0, Number(m[1]));
      } catch { /* exited */ }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const out = await child.output();
  const ms = unsafeMonotonicMs() - t0;
  polling = false;
  await poll;
  if (rssFile) {
    const text = await Deno.readTextFile(rssFile);
    await Deno.remove(rssFile);
    const m = /(\d+)\s*$/.exec(text.trim());
    peak = m ? Number(m[1]) : null;
  }
  if (out.code !== 0 && out.code !== 1) {
    const err = new TextDecoder().decode(out.stderr).split("\n").slice(0, 3).join(" | ");
    throw new Error(`deno ${args.join(" ")} exited ${out.code}: ${err}`);
  }
  return { ms, rssKiB: peak, code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** A writable copy of a workspace's snapshot (and seeds), plus a seeded data root. */
async function scratch(demo: DemoWorkflow): Promise<{ ws: string; data: string; dir: string }> {
  const dir = await tempDir("pgs-cli-");
  const ws = `${dir}/ws`;
  await copyTree(`${demo.workspace}/protocol_snapshot`, `${ws}/protocol_snapshot`);
  if (demo.workspace === REAL_WORKSPACE) await copyTree(`${demo.workspace}/seeds`, `${ws}/seeds`);
  const data = `${dir}/data`;
  for (const [rel, text] of Object.entries(await demo.seed(demo.workspace))) {
    const path = `${data}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
  return { ws, data, dir };
}

const RUN_FLAGS = ["--json", "--seed", "00", "--clock", "2026-01-01T00:00:00.000Z"];

/** Throws unless the trace files a single `run --json` reports exist (now that it exited). */
function traceFilesExist(png: boolean): (stdout: string) => Promise<void> {
  return async (stdout) => {
    const files = JSON.parse(stdout.trim().split("\n").at(-1)!).files as Record<string, unknown>;
    const want = png ? [files.jsonl, files.md, files.png] : [files.jsonl, files.md];
    for (const path of want) {
      if (typeof path !== "string" || !(await Deno.stat(path)).isFile) {
        throw new Error(`trace file missing after exit: ${JSON.stringify(files)}`);
      }
    }
  };
}

async function runScenario(
  demo: DemoWorkflow,
  png: boolean,
  v: Variant = VARIANTS[0],
): Promise<Scenario> {
  const s = await scratch(demo);
  return {
    name: `${v.label}run ${demo.key}${png ? " (with PNG)" : " --no-png"}`,
    check: traceFilesExist(png),
    args: async (i) => {
      const file = `${s.dir}/payload_${png ? "p" : "n"}${i}.json`;
      await Deno.writeTextFile(file, JSON.stringify(demo.payload(i + (png ? 10_000 : 0))));
      return [
        "run",
        "-A",
        ...v.flags,
        v.cli,
        "run",
        "--wf",
        demo.wf,
        "--payload",
        file,
        "--workspace",
        s.ws,
        "--data-root",
        s.data,
        ...RUN_FLAGS,
        ...(png ? [] : ["--no-png"]),
      ];
    },
  };
}

async function batchScenario(
  demo: DemoWorkflow,
  n: number,
  png: boolean,
  v: Variant = VARIANTS[0],
): Promise<Scenario> {
  const s = await scratch(demo);
  return {
    name: `${v.label}run --batch ${n} ${demo.key}${png ? " (with PNGs)" : " --no-png"}`,
    runsPerProcess: n,
    args: async (i) => {
      const file = `${s.dir}/batch_${png ? "p" : "n"}${i}.jsonl`;
      const lines = Array.from(
        { length: n },
        (_, k) => JSON.stringify(demo.payload(100_000 * (i + 1) + k + (png ? 50_000 : 0))),
      );
      await Deno.writeTextFile(file, lines.join("\n") + "\n");
      return [
        "run",
        "-A",
        ...v.flags,
        v.cli,
        "run",
        "--wf",
        demo.wf,
        "--batch",
        file,
        "--workspace",
        s.ws,
        "--data-root",
        s.data,
        ...RUN_FLAGS,
        ...(png ? [] : ["--no-png"]),
      ];
    },
  };
}

async function largeScenario(entries: number): Promise<Scenario> {
  const demo = DEMOS.register;
  const s = await scratch(demo);
  const store = await openKvStore({ dataRoot: s.data });
  await populateRegistry(
    store,
    registerStores(await compileShared(demo.workspace, demo.wf)),
    entries,
  );
  await store.close(); // writes the views once, as a finished earlier session would have
  const base = await runScenario(demo, false);
  return {
    name: `run register --no-png @ ${entries.toLocaleString("en-US")} registry entries`,
    args: async (i) => {
      const args = await base.args(i + 500_000);
      args[args.indexOf("--data-root") + 1] = s.data;
      return args;
    },
  };
}

async function importScenario(name: string, specifier: string | null): Promise<Scenario> {
  const dir = await tempDir("pgs-cli-imp-");
  const file = `${dir}/probe.ts`;
  await Deno.writeTextFile(
    file,
    specifier === null
      ? "// nothing to import: the start-up floor of deno itself\n"
      : `import * as m from ${
        JSON.stringify(specifier)
      };\nif (Object.keys(m).length < 0) console.log(m);\n`,
  );
  return { name, args: () => ["run", "-A", "--config", CONFIG, file] };
}

async function scenarios(): Promise<Scenario[]> {
  const url = (rel: string) => new URL(`../${rel}`, import.meta.url).href;
  const list: Array<() => Promise<Scenario>> = [
    () => importScenario("start-up: empty script", null),
    () => importScenario("start-up: import xstate", "xstate"),
    () => importScenario("start-up: import zod", "zod"),
    () =>
      importScenario(
        "start-up: import trace/png_engine.ts (Graphviz + resvg WASM, font)",
        url("trace/png_engine.ts"),
      ),
    () =>
      importScenario(
        "start-up: import snapshot/ + actors/execute_workflow.ts",
        url("actors/execute_workflow.ts"),
      ),
    () => importScenario("start-up: import mod.ts (the library)", url("mod.ts")),
    ...VARIANTS.flatMap((v) => [
      () =>
        Promise.resolve({
          name: `${v.label}start-up: cli.ts --help`,
          args: () => ["run", "-A", ...v.flags, v.cli, "--help"],
        }),
      () => runScenario(DEMOS.club, false, v),
      () => runScenario(DEMOS.club, true, v),
      () => runScenario(DEMOS.register, false, v),
      () => runScenario(DEMOS.register, true, v),
      () => runScenario(DEMOS.collatz, false, v),
      () => runScenario(DEMOS.agent, false, v),
      () => runScenario(DEMOS.agent, true, v),
      () => batchScenario(DEMOS.register, 200, false, v),
      () => batchScenario(DEMOS.register, 200, true, v),
      ...(values["skip-large"] ? [] : [() => batchScenario(DEMOS.register, 2000, false, v)]),
    ]),
    ...(values["skip-large"] ? [] : [() => largeScenario(100_000)]),
  ];
  const want = values.only?.split(",");
  const out: Scenario[] = [];
  for (const make of list) {
    const s = await make();
    // The empty script is always timed: every ratio is to it.
    if (!want || s.name === "start-up: empty script" || want.some((w) => s.name.includes(w))) {
      out.push(s);
    }
  }
  return out;
}

console.error(
  `peak RSS from ${
    hasTime ? TIME : "/proc/<pid>/status VmHWM (polled)"
  }; ${runs} interleaved rounds; cli ${VARIANTS.map((v) => v.cli).join(", ")}`,
);
const load = Deno.loadavg();
const list = await scenarios();
for (const s of list) await spawn(await s.args(-1)); // warm the module cache of each command
const samples = new Map<Scenario, Sample[]>(list.map((s) => [s, []]));
for (let i = 0; i < runs; i++) {
  for (const s of list) {
    const sample = await spawn(await s.args(i));
    await s.check?.(sample.stdout);
    samples.get(s)!.push(sample);
  }
  console.error(`  round ${i + 1}/${runs} done`);
}
const loadAfter = Deno.loadavg();

interface Row {
  name: string;
  perRun: number;
  median: number;
  min: number;
  rss: number | null;
  rssMax: number | null;
}
const rows: Row[] = list.map((s) => {
  const got = samples.get(s)!;
  const wall = summarize(got.map((x) => x.ms));
  const rss = got.map((x) => x.rssKiB).filter((x): x is number => x !== null);
  return {
    name: s.name,
    perRun: (wall.median * 1000) / (s.runsPerProcess ?? 1),
    median: wall.median,
    min: wall.min,
    rss: rss.length ? summarize(rss).median : null,
    rssMax: rss.length ? Math.max(...rss) : null,
  };
});

const mib = (k: number | null) => (k === null ? "–" : `${(k / 1024).toFixed(1)} MiB`);
const bare = rows.find((r) => r.name === "start-up: empty script");
console.log(
  `# CLI timings (${runs} interleaved rounds, Deno ${Deno.version.deno}, load ${
    load.map((x) => x.toFixed(2)).join("/")
  } → ${loadAfter.map((x) => x.toFixed(2)).join("/")})\n`,
);
console.log(
  "| scenario | median wall | min wall | × bare deno | per run | peak RSS (median) | peak RSS (max) |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.median.toFixed(1)} ms | ${r.min.toFixed(1)} ms | ${
      bare ? `${(r.median / bare.median).toFixed(2)}×` : "–"
    } | ${formatMicros(r.perRun)} | ${mib(r.rss)} | ${mib(r.rssMax)} |`,
  );
}

/** Prints whether a scenario meets a ratio-to-bare and peak-RSS target. */
function target(name: string, ratio: number, rssMiB: number): void {
  const r = rows.find((x) => x.name === name);
  if (!r || !bare) return;
  const x = r.median / bare.median;
  const ok = x <= ratio && (r.rssMax ?? Infinity) <= rssMiB * 1024;
  const rss = rssMiB === Infinity
    ? `peak RSS ${mib(r.rssMax)}`
    : `peak RSS ≤ ${mib(r.rssMax)} (target ≤ ${rssMiB} MiB)`;
  console.log(
    `- ${name}: ${x.toFixed(2)}× bare deno (target ≤ ${ratio}×), ${rss} → ${
      ok ? "met" : "**not met**"
    }`,
  );
}
/** Prints whether a batch scenario meets a runs-per-second and peak-RSS target. */
function throughput(name: string, perSecond: number, rssMiB: number): void {
  const r = rows.find((x) => x.name === name);
  if (!r) return;
  const rate = 1e6 / r.perRun;
  const ok = rate >= perSecond && (r.rssMax ?? Infinity) <= rssMiB * 1024;
  console.log(
    `- ${name}: ${rate.toFixed(0)} runs/s (target ≥ ${perSecond}), peak RSS ≤ ${
      mib(r.rssMax)
    } (target ≤ ${rssMiB} MiB) → ${ok ? "met" : "**not met**"}`,
  );
}
if (bare) {
  console.log(`\nTargets (bare deno ${bare.median.toFixed(1)} ms, ${mib(bare.rss)}):`);
  target("start-up: import mod.ts (the library)", 1.3, Infinity);
  for (const { label } of VARIANTS) {
    throughput(`${label}run --batch 2000 register --no-png`, 1000, 150);
    target(`${label}run club --no-png`, 1.6, 60);
    target(`${label}run club (with PNG)`, 2.5, 100);
    target(`${label}run register --no-png`, 1.6, 60);
    target(`${label}run register (with PNG)`, 2.5, 100);
    target(`${label}run agent (with PNG)`, 2.5, 100);
  }
}
if (values.json) {
  await Deno.writeTextFile(
    values.json,
    JSON.stringify({ runs, load, loadAfter, variants: VARIANTS, rows }, null, 2) + "\n",
  );
}
