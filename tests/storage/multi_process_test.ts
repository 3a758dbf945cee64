// Four processes × 100 transactions on one data root: nothing lost, duplicated or crashed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openKvStore } from "../../storage/mod.ts";
import { tempDir } from "../_support/tmp.ts";

const WORKERS = 4;
const EACH = 100;

Deno.test("openKvStore(): 4 processes × 100 transactions on one data root lose nothing", async () => {
  const dir = await tempDir("pgs-mp-");
  try {
    const worker = new URL("./_multi_process_worker.ts", import.meta.url).pathname;
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const outputs = await Promise.all(
      Array.from({ length: WORKERS }, (_, w) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-all", "--config", config, worker, dir, String(w), String(EACH)],
          stdout: "piped",
          stderr: "piped",
        }).output()),
    );
    const stats = outputs.map((o, w) => {
      const stderr = new TextDecoder().decode(o.stderr);
      assert.equal(o.code, 0, `worker ${w} failed: ${stderr}`);
      return JSON.parse(new TextDecoder().decode(o.stdout));
    });
    for (const s of stats) assert.equal(s.commits, EACH);
    const retries = stats.reduce((n, s) => n + s.conflicts + s.lockedRetries, 0);
    console.log(`multi-process: ${JSON.stringify(stats)} (retries ${retries})`);

    const store = await openKvStore({ dataRoot: dir });
    try {
      const { value } = await store.transact(async (txn) => ({
        value: {
          log: (await txn.log({ path: "events/shared.jsonl", format: "jsonl" })) as Array<
            { seq: number; worker: number; i: number }
          >,
          n: await txn.get({ path: "state/counters.json", format: "json" }, "n"),
        },
        trace: null,
      }));
      assert.equal(value.n, WORKERS * EACH);
      assert.deepEqual(value.log.map((r) => r.seq), Array.from({ length: 400 }, (_, i) => i + 1));
      const pairs = new Set(value.log.map((r) => `${r.worker}/${r.i}`));
      assert.equal(pairs.size, WORKERS * EACH);
      const traces = await store.listTraces();
      assert.equal(traces.length, WORKERS * EACH);
      const line = JSON.parse((await store.readTrace("w2-57"))![0]);
      assert.equal(value.log[line.seq - 1].worker, 2);
      assert.equal(value.log[line.seq - 1].i, 57);
    } finally {
      await store.close();
    }
    const view = (await Deno.readTextFile(join(dir, "events/shared.jsonl"))).split("\n");
    assert.equal(view.length, WORKERS * EACH + 1);
    assert.equal(view[WORKERS * EACH], "");
    assert.deepEqual(
      view.slice(0, -1).map((l) => JSON.parse(l).seq),
      Array.from({ length: 400 }, (_, i) => i + 1),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
