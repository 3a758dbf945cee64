/**
 * Reliability soak (not run by CI): the checks of tests/reliability/ at a larger scale.
 *
 * ```sh
 * deno run -A bench/soak.ts [--minutes 20] [--processes 8] [--runs 250] [--rounds 1000]
 *   [--large-rounds 100] [--seed 1]
 * ```
 *
 * Phases: (1) `processes` × `runs` concurrent runs on one data root (half through main(),
 * half through one long-lived store), audited; (2) crash rounds (two workers SIGKILLed at
 * a random 5–300 ms) over a multi-step and a looping workflow until `rounds` each or the
 * deadline, audited every 25 rounds; (2b) the large-run campaign: `large-rounds` rounds of
 * two workers running runs too large for one KV commit (a 3 MiB payload, a loop over 350
 * items, > 1,000 state changes) SIGKILLed at a random 20–1,500 ms, audited every 10 rounds
 * (every run all-or-nothing, every stage finished or removed); (3) the known-bug probes
 * (nested sub-workflows, a runaway self-call, a 300-item loop), each in a subprocess with a
 * timeout. Prints one JSON summary; exits 1 when an audit found a problem or a worker
 * crashed.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { tempWorkspace } from "../tests/_support/workspace.ts";
import { auditDataRoot } from "../tests/reliability/_audit.ts";
import { crashHarness, largeRunJobs, stagesLeft } from "../tests/reliability/_crash.ts";
import { CLI, CONFIG, prng, runWorker } from "../tests/reliability/_spawn.ts";
import type { WorkerConfig } from "../tests/reliability/_worker.ts";
import {
  tempFixture,
  WF_BATCH,
  WF_ITEM,
  WF_NEST,
  WF_RUNAWAY,
} from "../tests/testdata/reliability/fixture_workspace.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string", default: "20" },
    processes: { type: "string", default: "8" },
    runs: { type: "string", default: "250" },
    rounds: { type: "string", default: "1000" },
    "large-rounds": { type: "string", default: "100" },
    seed: { type: "string", default: "1" },
  },
});
const minutes = Number(values.minutes);
const processes = Number(values.processes);
const runs = Number(values.runs);
const rounds = Number(values.rounds);
const largeRounds = Number(values["large-rounds"]);
const seed = Number(values.seed);

// A deadline without reading the clock: a timer flips the flag. The short-run crash phase
// stops at 60 % of it, so the large-run campaign always gets its share.
let expired = false;
let crashExpired = false;
const deadline = setTimeout(() => expired = true, minutes * 60_000);
const crashDeadline = setTimeout(() => crashExpired = true, minutes * 0.6 * 60_000);
Deno.unrefTimer(deadline);
Deno.unrefTimer(crashDeadline);

const summary: Record<string, unknown> = { minutes, processes, runs, rounds, largeRounds, seed };
let failed = false;
const log = (phase: string, data: unknown) => {
  summary[phase] = data;
  console.error(`${phase}: ${JSON.stringify(data)}`);
};

// (1) concurrency
{
  const t = await tempWorkspace();
  const jobs: WorkerConfig["jobs"] = [];
  for (let m = 0; m < 20; m++) {
    const file = `${t.dir}/member_${m}.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({ member: { name: `Member ${m}`, email: `m${m}@example.org` } }),
    );
    jobs.push({ wf: "club::WF_REGISTER_MEMBER_V0", payload: file });
  }
  const results = await Promise.all(
    Array.from({ length: processes }, (_, w) =>
      runWorker({
        workspace: t.workspace,
        dataRoot: t.dataRoot,
        mode: w % 2 === 0 ? "cli" : "lib",
        runs,
        jobs,
        offset: w * 7,
        tracePrefix: `s${w}`,
      })),
  );
  let retries = 0;
  let maxAttempts = 0;
  const crashed = results.filter((r) => r.code !== 0).length;
  for (const r of results) {
    const s = r.lines.at(-1)?.summary as
      | { maxAttempts?: number; stats?: { conflicts: number; lockedRetries: number } }
      | undefined;
    if (s?.stats) retries += s.stats.conflicts + s.stats.lockedRetries;
    maxAttempts = Math.max(maxAttempts, s?.maxAttempts ?? 0);
  }
  const audit = await auditDataRoot(t.dataRoot);
  failed ||= crashed > 0 || audit.problems.length > 0 || audit.traces !== processes * runs;
  log("concurrency", {
    runs: processes * runs,
    traces: audit.traces,
    crashed,
    problems: audit.problems.slice(0, 20),
    registryKeys: audit.registryKeys,
    registerStatuses: audit.registerStatuses,
    libRetries: retries,
    maxAttempts,
    staleViews: audit.staleViewsBeforeFlush.length,
  });
  await Deno.remove(t.dir, { recursive: true });
}

// (2) crashes
for (const [name, wf] of [["crash_multi_step", WF_ITEM], ["crash_loop", WF_BATCH]] as const) {
  const t = await tempFixture();
  const random = prng(seed);
  const jobs: WorkerConfig["jobs"] = [];
  for (let i = 0; i < 20; i++) {
    const file = `${t.dir}/job_${i}.json`;
    const items = Array.from(
      { length: 2 + Math.floor(random() * 4) },
      () => ({ name: `item-${Math.floor(random() * 20)}` }),
    );
    await Deno.writeTextFile(
      file,
      JSON.stringify(wf === WF_ITEM ? { name: `item-${i}` } : { items }),
    );
    jobs.push({ wf, payload: file });
  }
  try {
    const { figures, audit } = await crashHarness(t, jobs, rounds, seed, () => crashExpired);
    log(name, { ...figures, traces: audit.traces, problems: [] });
  } catch (e) {
    failed = true;
    log(name, { error: e instanceof Error ? e.message.slice(0, 2000) : String(e) });
  }
  await Deno.remove(t.dir, { recursive: true });
}

// (2b) kills during runs too large for one KV commit
{
  const t = await tempFixture();
  try {
    const { figures, audit } = await crashHarness(t, await largeRunJobs(t.dir), largeRounds, seed, {
      stop: () => expired,
      delayMs: [20, 1500],
      cleanRuns: 2,
      auditEvery: 10,
    });
    const left = await stagesLeft(t.dataRoot);
    failed ||= Object.keys(left).length > 0;
    log("crash_large", { ...figures, traces: audit.traces, effects: audit.effects, left });
  } catch (e) {
    failed = true;
    log("crash_large", { error: e instanceof Error ? e.message.slice(0, 2000) : String(e) });
  }
  await Deno.remove(t.dir, { recursive: true });
}

// (3) known-bug probes
{
  const t = await tempFixture();
  const probe = async (name: string, wf: string, payload: unknown, extra: string[] = []) => {
    const file = `${t.dir}/${name}.json`;
    await Deno.writeTextFile(file, JSON.stringify(payload));
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          "--config",
          CONFIG,
          CLI,
          "run",
          "--wf",
          wf,
          "--payload",
          file,
          "--workspace",
          t.workspace,
          "--data-root",
          `${t.dir}/data_${name}`,
          "--json",
          "--no-png",
          ...extra,
        ],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const result = stdout.startsWith("{") ? JSON.parse(stdout) : null;
      return {
        exit: out.code,
        classification: result?.classification ?? null,
        reason: result?.reason ?? null,
        stderr: new TextDecoder().decode(out.stderr).split("\n")[0].slice(0, 200),
      };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  };
  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `n${i}` }));
  log("probes", {
    nested_depth_2: await probe("nest", WF_NEST, { items: items(3) }),
    runaway_budget_300: await probe("runaway300", WF_RUNAWAY, {}, ["--budget", "300"]),
    runaway_default_budget: await probe("runaway", WF_RUNAWAY, {}),
    loop_300_items: await probe("loop300", WF_BATCH, { items: items(300) }),
    loop_1000_items: await probe("loop1000", WF_BATCH, { items: items(1000) }),
  });
  await Deno.remove(t.dir, { recursive: true });
}

clearTimeout(deadline);
clearTimeout(crashDeadline);
console.log(JSON.stringify(summary));
Deno.exit(failed ? 1 : 0);
