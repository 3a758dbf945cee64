// Guarantee 2 for runs too large for one KV commit: SIGKILLs at random moments during runs
// with a 3 MiB payload or ~1,000+ state changes (a workflow loop over hundreds of items)
// leave every run all-or-nothing: no effect claimed by no trace, no trace without its effects.
import assert from "node:assert/strict";
import { tempFixture } from "../testdata/reliability/fixture_workspace.ts";
import { crashHarness, largeRunJobs, stagesLeft } from "./_crash.ts";
import { scheduleSeed } from "./_spawn.ts";

/** Kill rounds; each round kills two workers running at once. */
const ROUNDS = Number(Deno.env.get("PGS_LARGE_CRASH_ROUNDS") ?? 10);

Deno.test("crash: random SIGKILLs during runs larger than one KV commit leave every run all-or-nothing", async () => {
  const t = await tempFixture();
  try {
    const jobs = await largeRunJobs(t.dir);
    const seed = scheduleSeed(20260303);
    const { figures, audit } = await crashHarness(t, jobs, ROUNDS, seed, {
      delayMs: [20, 1500],
      cleanRuns: 2,
      auditEvery: 4,
    });
    assert.ok(figures.kills >= 2 * ROUNDS);
    assert.ok(audit.traces > 0, "some large runs committed between kills");
    assert.deepEqual(await stagesLeft(t.dataRoot), {}, "every stage finished or removed");
    assert.ok(
      figures.midRun > figures.kills / 2,
      `most kills land inside a run: ${JSON.stringify(figures)}`,
    );
    // Every committed loop trace carries all its children and their effects.
    for (const records of audit.records.values()) {
      const header = records[0] as unknown as { payload: { items?: unknown[] } };
      if (!header.payload.items) continue;
      const children = records.filter((r) => r.type === "child_run");
      assert.equal(children.length, header.payload.items.length);
    }
    console.log(
      `crash/large (seed ${seed}): ${JSON.stringify(figures)}; traces ${audit.traces}; ` +
        `effects ${audit.effects}`,
    );
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});
