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
import { verifyTrace } from "../../trace/jsonl.ts";

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
  stop: () => boolean = () => false,
): Promise<{ figures: CrashFigures; audit: AuditReport }> {
  const random = prng(seed);
  const figures: CrashFigures = {
    kills: 0,
    midRun: 0,
    runsCommittedByKilled: 0,
    staleViewsSeen: 0,
    tempFilesLeft: 0,
    tracesWithoutFile: 0,
    audits: 0,
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
        5 + Math.floor(random() * 296),
      )
    ));
    for (const k of killed) {
      figures.kills++;
      if (k.midRun) figures.midRun++;
      figures.runsCommittedByKilled += k.done;
    }
    if ((round + 1) % AUDIT_EVERY === 0) await check();
  }
  // The data root still works after all that: a clean worker completes its runs.
  const after = await runWorker({ ...base, mode: "cli", runs: 5, offset: 0 });
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
