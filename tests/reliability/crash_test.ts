// Guarantee 2: SIGKILL at random moments inside runs (a multi-step workflow; a looping
// sub-workflow) never leaves an effect without its committed trace, a trace claiming a
// missing effect, a partial run, or a view that does not heal on the next open.
import assert from "node:assert/strict";
import { tempFixture, WF_BATCH, WF_ITEM } from "../testdata/reliability/fixture_workspace.ts";
import { type AuditReport, auditDataRoot } from "./_audit.ts";
import { killWorkerAfter, prng, runWorker, scheduleSeed } from "./_spawn.ts";
import type { WorkerConfig } from "./_worker.ts";
import { verifyTrace } from "../../trace/jsonl.ts";

/** Kill rounds per test; each round kills two workers running at once. */
const ROUNDS = Number(Deno.env.get("PGS_CRASH_ROUNDS") ?? 50);
const AUDIT_EVERY = 15;

interface CrashFigures {
  kills: number;
  midRun: number;
  runsCommittedByKilled: number;
  staleViewsSeen: number;
  tempFilesLeft: number;
  tracesWithoutFile: number;
  audits: number;
}

/** Kills workers round after round, auditing as it goes; returns the figures. */
export async function crashHarness(
  t: { dir: string; workspace: string; dataRoot: string },
  jobs: WorkerConfig["jobs"],
  rounds: number,
  seed: number,
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
  for (let round = 0; round < rounds; round++) {
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
    const file = `${t.workspace}/traces/${e.name}/${e.name}.jsonl`;
    const text = await Deno.readTextFile(file).catch(() => null);
    if (text === null) continue;
    assert.equal(text, audit.texts.get(e.name), `trace file ${e.name}`);
    assert.deepEqual(verifyTrace(text).problems, []);
  }
  for (const id of ids) {
    const exists = await Deno.stat(`${t.workspace}/traces/${id}/${id}.jsonl`).then(() => true, () =>
      false);
    if (!exists) figures.tracesWithoutFile++;
  }
  return { figures, audit };
}

Deno.test("crash: random SIGKILLs during a multi-step workflow leave no partial or unclaimed effect", async () => {
  const t = await tempFixture();
  try {
    const jobs: WorkerConfig["jobs"] = [];
    for (let i = 0; i < 20; i++) {
      const file = `${t.dir}/item_${i}.json`;
      await Deno.writeTextFile(file, JSON.stringify({ name: `item-${i}` }));
      jobs.push({ wf: WF_ITEM, payload: file });
    }
    const seed = scheduleSeed(20260101);
    const { figures, audit } = await crashHarness(t, jobs, ROUNDS, seed);
    assert.ok(figures.kills >= 2 * ROUNDS);
    assert.ok(audit.traces > 0, "some runs committed between kills");
    assert.ok(figures.midRun > figures.kills / 2, `most kills land inside a run: ${JSON.stringify(figures)}`);
    assert.ok(audit.registryKeys <= 20);
    console.log(`crash/multi-step (seed ${seed}): ${JSON.stringify(figures)}; traces ${audit.traces}`);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("crash: random SIGKILLs during a looping sub-workflow leave no partial or unclaimed effect", async () => {
  const t = await tempFixture();
  try {
    const jobs: WorkerConfig["jobs"] = [];
    const random = prng(7);
    for (let i = 0; i < 20; i++) {
      const n = 2 + Math.floor(random() * 4);
      const items = Array.from({ length: n }, () => ({ name: `item-${Math.floor(random() * 20)}` }));
      const file = `${t.dir}/batch_${i}.json`;
      await Deno.writeTextFile(file, JSON.stringify({ items }));
      jobs.push({ wf: WF_BATCH, payload: file });
    }
    const seed = scheduleSeed(20260202);
    const { figures, audit } = await crashHarness(t, jobs, ROUNDS, seed);
    assert.ok(figures.kills >= 2 * ROUNDS);
    assert.ok(audit.traces > 0);
    assert.ok(figures.midRun > figures.kills / 2, `most kills land inside a run: ${JSON.stringify(figures)}`);
    // Every committed batch trace carries its children: one child_run per item.
    for (const records of audit.records.values()) {
      const header = records[0] as unknown as { payload: { items: unknown[] } };
      const children = records.filter((r) => r.type === "child_run");
      const result = records.at(-1) as unknown as { classification: string };
      assert.equal(result.classification, "COMPLETED");
      assert.equal(children.length, header.payload.items.length);
    }
    console.log(`crash/loop (seed ${seed}): ${JSON.stringify(figures)}; traces ${audit.traces}`);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});
