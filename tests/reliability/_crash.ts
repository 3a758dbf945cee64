/**
 * The crash harness of crash_test.ts and bench/soak.ts: rounds of two workers (one through
 * main(), one through the library) on one data root, each SIGKILLed after a random delay,
 * with periodic audits, a clean run afterwards, and the trace-file checks.
 *
 * @module
 */
import assert from "node:assert/strict";
import { auditDataRoot, type AuditReport } from "./_audit.ts";
import { killWorkerAfter, prng, runWorker } from "./_spawn.ts";
import type { WorkerConfig } from "./_worker.ts";
import { WF_BATCH, WF_ITEM } from "../testdata/reliability/fixture_workspace.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import { stageRegPrefix } from "../../storage/keys.ts";

/** Stage registrations in the data root's KV, by state (read raw: no recovery runs). */
export async function stagesLeft(dataRoot: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const kv = await Deno.openKv(`${dataRoot}/.pgs/state.kv`);
  try {
    for await (const e of kv.list<Uint8Array>({ prefix: stageRegPrefix() })) {
      const state = JSON.parse(new TextDecoder().decode(e.value)).state as string;
      out[state] = (out[state] ?? 0) + 1;
    }
  } finally {
    kv.close();
  }
  return out;
}

/** Rounds between two audits. */
export const AUDIT_EVERY = 25;

/** What a crash harness measured. */
export interface CrashFigures {
  /** Workers SIGKILLed. */
  kills: number;
  /** Kills that landed while a run was in flight. */
  midRun: number;
  /** Runs the killed workers finished before their kill. */
  runsCommittedByKilled: number;
  /** Views found stale by an audit (healed by its flush). */
  staleViewsSeen: number;
  /** Temp files left by killed view/trace writers. */
  tempFilesLeft: number;
  /** Committed traces whose .jsonl file was never written (kill after commit). */
  tracesWithoutFile: number;
  /** Audits done. */
  audits: number;
  /**
   * Staged commits (runs too large for one KV commit) a kill left behind, by state, summed
   * over rounds: "staging" = killed before its publish commit (nothing visible),
   * "published" = killed while applying (finished by the next reader or open), "applied"
   * / "aborted" = killed while cleaning up. Each was finished or removed by the next open.
   */
  stagesLeft: Record<string, number>;
}

/** Options of {@link crashHarness}. */
export interface CrashOptions {
  /** Ends the rounds early when it returns true (a soak deadline). */
  readonly stop?: () => boolean;
  /** Kill delay after `ready`, in ms: uniform in [min, max]. @default [5, 300] */
  readonly delayMs?: readonly [number, number];
  /** Runs of the clean worker after the last round. @default 5 */
  readonly cleanRuns?: number;
  /** Rounds between two audits. @default AUDIT_EVERY */
  readonly auditEvery?: number;
}

/**
 * Kills workers round after round, auditing as it goes; returns the figures. `stop`
 * (optional) ends the rounds early when it returns true (a soak deadline).
 */
export async function crashHarness(
  t: { dir: string; workspace: string; dataRoot: string },
  jobs: WorkerConfig["jobs"],
  rounds: number,
  seed: number,
  stopOrOptions: (() => boolean) | CrashOptions = {},
): Promise<{ figures: CrashFigures; audit: AuditReport }> {
  const options: CrashOptions = typeof stopOrOptions === "function"
    ? { stop: stopOrOptions }
    : stopOrOptions;
  const stop = options.stop ?? (() => false);
  const [minDelay, maxDelay] = options.delayMs ?? [5, 300];
  const auditEvery = options.auditEvery ?? AUDIT_EVERY;
  const random = prng(seed);
  const figures: CrashFigures = {
    kills: 0,
    midRun: 0,
    runsCommittedByKilled: 0,
    staleViewsSeen: 0,
    tempFilesLeft: 0,
    tracesWithoutFile: 0,
    audits: 0,
    stagesLeft: {},
  };
  const base = { workspace: t.workspace, dataRoot: t.dataRoot, runs: 0, jobs };
  const check = async () => {
    const audit = await auditDataRoot(t.dataRoot);
    figures.audits++;
    assert.deepEqual(audit.problems, [], `audit after ${figures.kills} kills (seed ${seed})`);
    figures.staleViewsSeen += audit.staleViewsBeforeFlush.length;
    return audit;
  };
  for (let round = 0; round < rounds && !stop(); round++) {
    const killed = await Promise.all((["cli", "lib"] as const).map((mode) =>
      killWorkerAfter(
        { ...base, mode, offset: Math.floor(random() * jobs.length) },
        minDelay + Math.floor(random() * (maxDelay - minDelay + 1)),
      )
    ));
    for (const k of killed) {
      figures.kills++;
      if (k.midRun) figures.midRun++;
      figures.runsCommittedByKilled += k.done;
    }
    for (const [state, n] of Object.entries(await stagesLeft(t.dataRoot))) {
      figures.stagesLeft[state] = (figures.stagesLeft[state] ?? 0) + n;
    }
    if ((round + 1) % auditEvery === 0) await check();
  }
  // The data root still works after all that: a clean worker completes its runs.
  const after = await runWorker({ ...base, mode: "cli", runs: options.cleanRuns ?? 5, offset: 0 });
  assert.equal(after.code, 0, after.stderr);
  const audit = await check();
  figures.tempFilesLeft = audit.tempFiles.length;
  // Trace files are written after the commit: a file never exists without its committed
  // trace, and when it exists it is the committed body (atomic rename, never partial).
  const ids = new Set(audit.texts.keys());
  for await (const e of Deno.readDir(`${t.workspace}/traces`)) {
    assert.ok(ids.has(e.name), `trace dir ${e.name} has no committed trace`);
    for await (const f of Deno.readDir(`${t.workspace}/traces/${e.name}`)) {
      if (f.name.includes(".tmp-")) figures.tempFilesLeft++;
    }
    const file = `${t.workspace}/traces/${e.name}/${e.name}.jsonl`;
    const text = await Deno.readTextFile(file).catch(() => null);
    if (text === null) continue;
    assert.equal(text, audit.texts.get(e.name), `trace file ${e.name}`);
    assert.deepEqual(verifyTrace(text).problems, []);
  }
  for (const id of ids) {
    const exists = await Deno.stat(`${t.workspace}/traces/${id}/${id}.jsonl`).then(
      () => true,
      () => false,
    );
    if (!exists) figures.tracesWithoutFile++;
  }
  return { figures, audit };
}

/** Jobs of the large-run campaign (shared with bench/soak.ts). */
export async function largeRunJobs(dir: string, loopItems = 350): Promise<WorkerConfig["jobs"]> {
  const jobs: WorkerConfig["jobs"] = [];
  for (let i = 0; i < 2; i++) {
    const file = `${dir}/big_${i}.json`;
    // 3 MiB of payload: the trace alone is many KV commits.
    await Deno.writeTextFile(file, JSON.stringify({ name: `big-${i}-${"x".repeat(3 << 20)}` }));
    jobs.push({ wf: WF_ITEM, payload: file });
    const loop = `${dir}/loop_${i}.json`;
    // Each item registers (a key, a registry record) and journals: > 1,000 state changes.
    const items = Array.from({ length: loopItems }, (_, j) => ({ name: `L${i}-${j}` }));
    await Deno.writeTextFile(loop, JSON.stringify({ items }));
    jobs.push({ wf: WF_BATCH, payload: loop });
  }
  return jobs;
}
