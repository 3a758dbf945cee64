// A long-lived process with a warm read cache and another process writing the same stores:
// no lost update, no duplicate registration, gap-free sequence numbers.
import assert from "node:assert/strict";
import { openKvStore } from "../../storage/mod.ts";
import type { KvStore, StateTxn } from "../../storage/mod.ts";
import { readCacheOf } from "../../storage/_engine.ts";
import { EVENTS, REG, register } from "./_register_body.ts";
import { tempDir } from "../_support/tmp.ts";

const worker = new URL("./_read_cache_worker.ts", import.meta.url).pathname;
const config = new URL("../../deno.json", import.meta.url).pathname;

function otherProcess(
  dataRoot: string,
  mode: "--batch" | "--single" | "--paced",
  names: string[],
) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--config", config, worker, dataRoot, mode, ...names],
    stdout: "piped",
    stderr: "piped",
  }).output().then((o) => {
    const stderr = new TextDecoder().decode(o.stderr);
    assert.equal(o.code, 0, `other process failed: ${stderr}`);
    return JSON.parse(new TextDecoder().decode(o.stdout)) as Record<string, string>;
  });
}

interface Event {
  s: number;
  name: string;
  by: string;
}

/** The committed log and registry, read on a fresh handle (no cache of this process). */
async function committed(dataRoot: string) {
  const store = await openKvStore({ dataRoot, cacheBytes: 0 });
  try {
    return (await store.transact(async (txn: StateTxn) => ({
      value: {
        log: await txn.log(EVENTS) as Event[],
        members: (await txn.entries(REG)).filter(([k]) => !k.startsWith("\u0000")) as Array<
          [string, { name: string; seq: number; by: string }]
        >,
        active: (await txn.get(REG, "\u0000meta") as { active: number }).active,
      },
      trace: null,
    }))).value;
  } finally {
    await store.close({ flushViews: false });
  }
}

function assertConsistent(state: Awaited<ReturnType<typeof committed>>, expected: number) {
  assert.deepEqual(state.log.map((e) => e.s), Array.from({ length: expected }, (_, i) => i + 1));
  assert.equal(new Set(state.log.map((e) => e.name)).size, expected, "each name registered once");
  assert.equal(state.members.length, expected);
  assert.equal(state.active, expected);
  for (const [name, m] of state.members) {
    assert.equal(state.log[m.seq - 1].name, name, `${name} points at its own event`);
    assert.equal(state.log[m.seq - 1].by, m.by);
  }
}

async function withRoot(fn: (dir: string, store: KvStore) => Promise<void>): Promise<void> {
  const dir = await tempDir("pgs-cache-mp-");
  const store = await openKvStore({ dataRoot: dir });
  try {
    await fn(dir, store);
  } finally {
    await store.close({ flushViews: false });
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a member another process registered after this one cached the registry is ALREADY_EXISTS here", async () => {
  await withRoot(async (dir, store) => {
    const first = await store.transactBatch(["a", "b", "c"].map((n) => register(n)));
    assert.deepEqual(first.map((o) => o.ok && o.value), ["SUCCESS", "SUCCESS", "SUCCESS"]);
    // This process now knows the whole registry (it created it): "x" is absent in its cache.
    assert.equal(readCacheOf(store)!.peek(REG.path)!.complete, true);

    assert.deepEqual(await otherProcess(dir, "--single", ["x"]), { x: "SUCCESS" });

    const runs = store.stats().bodyRuns;
    const again = await store.transactBatch(["x", "d"].map((n) => register(n)));
    assert.deepEqual(again.map((o) => o.ok && o.value), ["ALREADY_EXISTS", "SUCCESS"]);
    assert.equal(store.stats().bodyRuns - runs, 2, "the stale entry was dropped at the meta read");
    assert.ok(readCacheOf(store)!.counters.stale >= 1);

    const state = await committed(dir);
    assertConsistent(state, 5);
    assert.deepEqual(state.log.map((e) => `${e.name}/${e.by}`), [
      "a/p1",
      "b/p1",
      "c/p1",
      "x/p2",
      "d/p1",
    ]);
  });
});

Deno.test("two processes registering the same 120 names at once: one SUCCESS per name, gap-free log", async () => {
  await withRoot(async (dir, store) => {
    await store.transact(register("warm"));
    const names = Array.from({ length: 120 }, (_, i) => `n${i}`);
    const other = otherProcess(dir, "--paced", names);
    // Start once the other process is registering (from the front; this one from the back),
    // so both write the registry while each keeps its cache warm.
    const seen = () =>
      store.transact(async (txn) => ({ value: await txn.get(REG, "n0"), trace: null }));
    const deadline = Date.now() + 30_000;
    while ((await seen()).value === undefined) {
      assert.ok(Date.now() < deadline, "the other process never started");
      await new Promise((r) => setTimeout(r, 5));
    }
    const mine: Record<string, string> = {};
    const reversed = [...names].reverse();
    for (let i = 0; i < reversed.length; i += 5) {
      const chunk = reversed.slice(i, i + 5);
      const out = await store.transactBatch(chunk.map((n) => register(n)));
      out.forEach((o, j) => {
        assert.ok(o.ok, `p1 ${chunk[j]}: ${!o.ok && o.error}`);
        mine[chunk[j]] = o.value;
      });
      await new Promise((r) => setTimeout(r, 10));
    }
    const theirs = await other;
    for (const n of names) {
      assert.deepEqual(
        [mine[n], theirs[n]].sort(),
        ["ALREADY_EXISTS", "SUCCESS"],
        `${n}: p1 ${mine[n]}, p2 ${theirs[n]}`,
      );
    }
    const won = names.filter((n) => mine[n] === "SUCCESS").length;
    console.log(
      `this process registered ${won} of ${names.length}, the other ${names.length - won}`,
    );
    const state = await committed(dir);
    assertConsistent(state, 121);
    for (const n of names) {
      const by = mine[n] === "SUCCESS" ? "p1" : "p2";
      assert.equal(state.members.find(([k]) => k === n)![1].by, by, n);
    }
  });
});
