// Guarantee 2: SIGKILL at random moments inside runs (a multi-step workflow; a looping
// sub-workflow) never leaves an effect without its committed trace, a trace claiming a
// missing effect, a partial run, or a view that does not heal on the next open.
import assert from "node:assert/strict";
import { tempFixture, WF_BATCH, WF_ITEM } from "../testdata/reliability/fixture_workspace.ts";
import { crashHarness } from "./_crash.ts";
import { prng, scheduleSeed } from "./_spawn.ts";
import type { WorkerConfig } from "./_worker.ts";

/** Kill rounds per test; each round kills two workers running at once. */
const ROUNDS = Number(Deno.env.get("PGS_CRASH_ROUNDS") ?? 50);

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
    assert.ok(
      figures.midRun > figures.kills / 2,
      `most kills land inside a run: ${JSON.stringify(figures)}`,
    );
    assert.ok(audit.registryKeys <= 20);
    console.log(
      `crash/multi-step (seed ${seed}): ${JSON.stringify(figures)}; traces ${audit.traces}`,
    );
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
      const items = Array.from(
        { length: n },
        () => ({ name: `item-${Math.floor(random() * 20)}` }),
      );
      const file = `${t.dir}/batch_${i}.json`;
      await Deno.writeTextFile(file, JSON.stringify({ items }));
      jobs.push({ wf: WF_BATCH, payload: file });
    }
    const seed = scheduleSeed(20260202);
    const { figures, audit } = await crashHarness(t, jobs, ROUNDS, seed);
    assert.ok(figures.kills >= 2 * ROUNDS);
    assert.ok(audit.traces > 0);
    assert.ok(
      figures.midRun > figures.kills / 2,
      `most kills land inside a run: ${JSON.stringify(figures)}`,
    );
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
