// Guarantee 1: 8 OS processes × 50 runs on ONE data root, 20 overlapping members, every
// run registering (once) and journalling: nothing crashes, nothing is lost or duplicated.
import assert from "node:assert/strict";
import { tempWorkspace } from "../_support/workspace.ts";
import { auditDataRoot } from "./_audit.ts";
import { runWorker } from "./_spawn.ts";
import { verifyTrace } from "../../trace/jsonl.ts";

const PROCESSES = 8;
const RUNS = 50;
const MEMBERS = 20;
const WF = "club::WF_REGISTER_MEMBER_V0";

Deno.test("concurrency: 8 processes × 50 runs on one data root lose, duplicate and corrupt nothing", async () => {
  const t = await tempWorkspace();
  try {
    const jobs: Array<{ wf: string; payload: string }> = [];
    for (let m = 0; m < MEMBERS; m++) {
      const file = `${t.dir}/member_${m}.json`;
      await Deno.writeTextFile(
        file,
        JSON.stringify({ member: { name: `Member ${m}`, email: `m${m}@example.org` } }),
      );
      jobs.push({ wf: WF, payload: file });
    }
    // Even workers go through main() (a fresh store per run, like separate CLI calls); odd
    // ones keep one store open and report its retry counters.
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, w) =>
        runWorker({
          workspace: t.workspace,
          dataRoot: t.dataRoot,
          mode: w % 2 === 0 ? "cli" : "lib",
          runs: RUNS,
          jobs,
          offset: w * 7,
          tracePrefix: `c${w}`,
        })),
    );
    let retries = 0;
    let conflicts = 0;
    let maxAttempts = 0;
    for (const [w, r] of results.entries()) {
      assert.equal(r.code, 0, `worker ${w} crashed: ${r.stderr}`);
      const summary = r.lines.at(-1)!.summary as {
        codes: Record<string, number>;
        errors: string[];
        maxAttempts?: number;
        stats?: { conflicts: number; lockedRetries: number };
      };
      assert.deepEqual(summary.errors, [], `worker ${w} errors`);
      assert.deepEqual(summary.codes, w % 2 === 0 ? { 0: RUNS } : { COMPLETED: RUNS });
      if (summary.stats) {
        conflicts += summary.stats.conflicts;
        retries += summary.stats.conflicts + summary.stats.lockedRetries;
        maxAttempts = Math.max(maxAttempts, summary.maxAttempts!);
      }
    }
    const audit = await auditDataRoot(t.dataRoot);
    assert.deepEqual(audit.problems, []);
    const total = PROCESSES * RUNS;
    assert.equal(audit.traces, total);
    assert.equal(audit.pendingTraces, 0);
    assert.deepEqual(audit.classifications, { COMPLETED: total });
    assert.equal(audit.registryKeys, MEMBERS, "each member key inserted exactly once");
    assert.deepEqual(audit.registerStatuses, { SUCCESS: MEMBERS, ALREADY_EXISTS: total - MEMBERS });
    assert.deepEqual(audit.staleViewsBeforeFlush, [], "views left by the processes equal KV");
    assert.deepEqual(audit.tempFiles, []);
    const events = audit.stores["club/events/member_events.jsonl"];
    assert.equal(events.logLength, total, "one event per run, sequence numbers 1..N");
    const members = audit.stores["club/registry/members.json"];
    assert.equal(members.logLength, MEMBERS);
    // Each journal line's own sequence_number equals its position (gap-free, unique).
    const view = (await Deno.readTextFile(`${t.dataRoot}/club/events/member_events.jsonl`))
      .trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(view.map((e) => e.sequence_number), view.map((_, i) => i + 1));
    const joined = view.filter((e) => e.record.event_code === "EV_MEMBER_JOINED_V0");
    assert.equal(joined.length, MEMBERS);
    assert.equal(new Set(joined.map((e) => e.record.member_id)).size, MEMBERS);
    // Every run's trace file is complete and byte-identical to the committed body.
    for (const [id, text] of audit.texts) {
      const file = await Deno.readTextFile(`${t.workspace}/traces/${id}/${id}.jsonl`);
      assert.equal(file, text, `trace file ${id}`);
      assert.deepEqual(verifyTrace(file).problems, []);
    }
    console.log(
      `concurrency: ${total} runs by ${PROCESSES} processes; ${MEMBERS} keys inserted once, ` +
        `${
          total - MEMBERS
        } ALREADY_EXISTS; lib-mode retries ${retries} (conflicts ${conflicts}), ` +
        `max attempts ${maxAttempts}`,
    );
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});
