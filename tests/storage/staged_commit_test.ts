// deno-lint-ignore-file no-explicit-any -- a Proxy over Deno.Kv that "dies" after N commits
// Runs too large for one KV commit are all-or-nothing: a crash after any of their commits
// leaves either nothing visible or the whole run, and the next open finishes or cleans up.
import assert from "node:assert/strict";
import { LOCAL_LIMITS } from "../../storage/_commit.ts";
import { createEngine } from "../../storage/_engine.ts";
import type { KvStore } from "../../storage/store.ts";
import { ROOT } from "../../storage/keys.ts";
import { openKvStore, type StateTxn, type StoreRef } from "../../storage/mod.ts";
import { tempDir } from "../_support/tmp.ts";

const LOG: StoreRef = { path: "events/log.jsonl", format: "jsonl" };
const MAP: StoreRef = { path: "state/map.json", format: "json" };
const APPENDS = 1200;
const LINES = Array.from(
  { length: 300 },
  (_, i) => JSON.stringify({ seq: i, pad: "t".repeat(3000) }),
);

/** A KV handle that throws on every call once `crashAt` commits have landed. */
function mortal(kv: Deno.Kv, crashAt: number) {
  const state = { commits: 0, dead: false };
  const die = () => {
    state.dead = true;
    throw new Error("simulated crash");
  };
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (state.dead) return () => die();
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          (op as any).commit = async () => {
            if (state.dead || state.commits >= crashAt) die();
            const res = await commit();
            if (res.ok) state.commits++;
            return res;
          };
          return op;
        };
      }
      const v = (target as any)[prop];
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { kv: proxy as Deno.Kv, state };
}

function engineOn(kv: Deno.Kv, dataRoot: string): KvStore {
  return createEngine({
    kv,
    dataRoot,
    views: null,
    limits: LOCAL_LIMITS,
    maxAttempts: 3,
    backoff: { baseMs: 1, capMs: 2 },
  });
}

/** The large run: > 1000 mutations, a split 300 KB value and a ~900 KB trace. */
async function bigBody(txn: StateTxn) {
  txn.set(MAP, "before", "overwritten");
  for (let i = 1; i <= APPENDS; i++) await txn.append(LOG, (s) => ({ s, i }));
  txn.set(MAP, "big", "y".repeat(300_000));
  txn.delete(MAP, "gone");
  return { value: null, trace: { traceId: "BIG", lines: LINES, meta: {} } };
}

async function seed(dataRoot: string): Promise<void> {
  const store = await openKvStore({ dataRoot });
  await store.transact(async (txn) => {
    await txn.append(LOG, (s) => ({ s, i: 0 }));
    txn.set(MAP, "before", "original");
    txn.set(MAP, "gone", 1);
    return { value: null, trace: { traceId: "SEED", lines: ['{"seed":1}'], meta: {} } };
  });
  await store.close();
}

async function rawCount(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

/** Asserts the store shows the seed alone, or the seed plus the whole big run. */
async function assertAllOrNothing(store: KvStore): Promise<"none" | "all"> {
  const { value } = await store.transact(async (txn) => ({
    value: {
      log: (await txn.log(LOG)) as Array<{ s: number; i: number }>,
      entries: await txn.entries(MAP),
    },
    trace: null,
  }));
  const trace = await store.readTrace("BIG");
  if (trace === null) {
    assert.deepEqual(value.log, [{ s: 1, i: 0 }]);
    assert.deepEqual(value.entries, [["before", "original"], ["gone", 1]]);
    assert.deepEqual(await store.listTraces(), ["SEED"]);
    return "none";
  }
  assert.deepEqual(trace, LINES);
  assert.equal(value.log.length, APPENDS + 1);
  value.log.forEach((r, k) => assert.equal(r.s, k + 1, "gap-free, ordered"));
  assert.deepEqual(value.entries, [["before", "overwritten"], ["big", "y".repeat(300_000)]]);
  assert.deepEqual(await store.listTraces(), ["BIG", "SEED"]);
  return "all";
}

Deno.test("a run too large for one commit is all-or-nothing after a crash at every one of its commits", async () => {
  const dir = await tempDir("pgs-stage-");
  try {
    // Count the commits of an uninterrupted run first.
    await Deno.mkdir(`${dir}/full`);
    await seed(`${dir}/full`);
    const clean = await openKvStore({ dataRoot: `${dir}/full` });
    await clean.transact(bigBody);
    const total = clean.stats().commits;
    const publishedAt = (await clean.readTraceMeta("BIG"))!.chunked!;
    await clean.close();
    assert.ok(total > publishedAt && publishedAt >= 3, `commits ${total}, publish ${publishedAt}`);
    console.log(`staged run: ${total} commits, published by commit ${publishedAt}`);
    const seen = { none: 0, all: 0 };
    for (let crashAt = 0; crashAt <= total; crashAt++) {
      const root = `${dir}/c${crashAt}`;
      await Deno.mkdir(root);
      await seed(root);
      const raw = await Deno.openKv(`${root}/.pgs/state.kv`);
      const { kv } = mortal(raw, crashAt);
      const store = engineOn(kv, root);
      const outcome = await store.transact(bigBody).then(() => "returned", () => "threw");
      // The run is committed exactly when its publish commit landed.
      assert.equal(outcome, crashAt >= publishedAt ? "returned" : "threw", `crash at ${crashAt}`);
      raw.close();
      // The next process: opening recovers published stages; two opens clean stale ones.
      for (let open = 0; open < 2; open++) {
        const next = await openKvStore({ dataRoot: root });
        const got = await assertAllOrNothing(next);
        assert.equal(got, crashAt >= publishedAt ? "all" : "none", `crash at ${crashAt}`);
        seen[got]++;
        await next.close();
      }
      const check = await Deno.openKv(`${root}/.pgs/state.kv`);
      assert.equal(await rawCount(check, [ROOT, "sr"]), 0, `stage left after crash at ${crashAt}`);
      assert.equal(await rawCount(check, [ROOT, "s"]), 0, `entries left after crash at ${crashAt}`);
      check.close();
      const view = (await Deno.readTextFile(`${root}/${LOG.path}`)).trim().split("\n");
      assert.equal(view.length, crashAt >= publishedAt ? APPENDS + 1 : 1, "the view follows");
    }
    assert.ok(seen.none > 0 && seen.all > 0, JSON.stringify(seen));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a live reader that meets a published but unapplied run applies it before reading", async () => {
  const root = await tempDir("pgs-stage-");
  try {
    await seed(root);
    const reader = await openKvStore({ dataRoot: root });
    // Count an uninterrupted twin to find the publish commit.
    const twin = await tempDir("pgs-stage-");
    await seed(twin);
    const probe = await openKvStore({ dataRoot: twin });
    await probe.transact(bigBody);
    const publishedAt = (await probe.readTraceMeta("BIG"))!.chunked!;
    await probe.close();
    await Deno.remove(twin, { recursive: true });
    const raw = await Deno.openKv(`${root}/.pgs/state.kv`);
    const writer = engineOn(mortal(raw, publishedAt).kv, root);
    await writer.transact(bigBody); // published, then the "process" dies
    raw.close();
    assert.equal(await assertAllOrNothing(reader), "all");
    await reader.flushViews();
    const view = (await Deno.readTextFile(`${root}/${LOG.path}`)).trim().split("\n");
    assert.equal(view.length, APPENDS + 1);
    await reader.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a staging stage is removed by the second open that sees it unchanged, not the first", async () => {
  const root = await tempDir("pgs-stage-");
  try {
    await seed(root);
    const raw = await Deno.openKv(`${root}/.pgs/state.kv`);
    // Dies after its second stage commit: a staging registration and some entries remain.
    await engineOn(mortal(raw, 2).kv, root).transact(bigBody).catch(() => undefined);
    const count = async () => ({
      regs: await rawCount(raw, [ROOT, "sr"]),
      entries: await rawCount(raw, [ROOT, "s"]),
    });
    const left = await count();
    assert.equal(left.regs, 1);
    assert.ok(left.entries > 0);
    await (await openKvStore({ dataRoot: root })).close();
    assert.deepEqual(await count(), left, "one open only notes it");
    await (await openKvStore({ dataRoot: root })).close();
    assert.deepEqual(await count(), { regs: 0, entries: 0 });
    raw.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an owner whose stage was judged stale re-runs its body and commits once", async () => {
  const root = await tempDir("pgs-stage-");
  try {
    await seed(root);
    const raw = await Deno.openKv(`${root}/.pgs/state.kv`);
    let commits = 0;
    let opened = false;
    // Before its second stage commit, two other processes open the data root: the stage
    // looks stale to them and is aborted; the owner's next stage commit is refused.
    const slow = new Proxy(raw, {
      get(target, prop) {
        if (prop === "atomic") {
          return () => {
            const op = target.atomic();
            const commit = op.commit.bind(op);
            (op as any).commit = async () => {
              if (++commits === 2 && !opened) {
                opened = true;
                await (await openKvStore({ dataRoot: root })).close();
                await (await openKvStore({ dataRoot: root })).close();
              }
              return commit();
            };
            return op;
          };
        }
        const v = (target as any)[prop];
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const owner = engineOn(slow as Deno.Kv, root);
    const r = await owner.transact(bigBody);
    assert.equal(r.attempts, 2, "aborted once, then committed");
    assert.equal(await assertAllOrNothing(owner), "all");
    assert.equal(await rawCount(raw, [ROOT, "sr"]), 0);
    assert.equal(await rawCount(raw, [ROOT, "s"]), 0);
    raw.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("two processes staging runs on one store: one publishes first, the other re-runs after it", async () => {
  const root = await tempDir("pgs-stage-");
  try {
    const a = await openKvStore({ dataRoot: root });
    const b = await openKvStore({ dataRoot: root });
    const run = (store: KvStore, who: string) =>
      store.transact(async (txn) => {
        const before = (await txn.log(LOG)).length;
        for (let i = 1; i <= APPENDS; i++) await txn.append(LOG, (s) => ({ s, who }));
        return { value: before, trace: { traceId: who, lines: LINES, meta: {} } };
      });
    const [ra, rb] = await Promise.all([run(a, "A"), run(b, "B")]);
    assert.deepEqual([ra.value, rb.value].sort((x, y) => x - y), [0, APPENDS]);
    const log = (await a.transact(async (txn) => ({ value: await txn.log(LOG), trace: null })))
      .value as Array<{ s: number; who: string }>;
    assert.equal(log.length, 2 * APPENDS);
    log.forEach((r, k) => assert.equal(r.s, k + 1));
    const first = log[0].who;
    assert.ok(log.slice(0, APPENDS).every((r) => r.who === first), "each run contiguous");
    assert.ok(log.slice(APPENDS).every((r) => r.who !== first));
    await a.close();
    await b.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a group commit stages the one body too large for a commit and commits the rest", async () => {
  const store = await openKvStore({ kvUrl: ":memory:" });
  try {
    const small = (i: number) => async (txn: StateTxn) => ({
      value: await txn.append(LOG, (s) => ({ s, small: i })),
      trace: { traceId: `S${i}`, lines: ['{"small":1}'], meta: {} },
    });
    const results = await store.transactBatch([small(0), bigBody, small(1)]);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results));
    assert.equal(store.stats().chunkedRuns, 1);
    assert.deepEqual(await store.listTraces(), ["BIG", "S0", "S1"]);
    const log = (await store.transact(async (txn) => ({ value: await txn.log(LOG), trace: null })))
      .value as Array<{ s: number }>;
    assert.equal(log.length, APPENDS + 2);
    log.forEach((r, k) => assert.equal(r.s, k + 1));
  } finally {
    await store.close();
  }
});

Deno.test("a staged run over the remote check limit commits whole through the commit epoch; without one it is refused whole", async () => {
  const refs = Array.from(
    { length: 9 },
    (_, i) => ({ path: `s/${i}.json`, format: "json" }) as const,
  );
  // 9 stores, 900 kB: staged; 9 store checks + trace id + stage check do not fit 10.
  const wide = (txn: StateTxn) => {
    for (const r of refs) txn.set(r, "k", "v".repeat(100_000));
    return Promise.resolve({ value: null, trace: { traceId: "WIDE", lines: LINES, meta: {} } });
  };
  const read = async (store: KvStore) =>
    (await store.transact(async (txn) => ({
      value: await Promise.all(refs.map((r) => txn.get(r, "k"))),
      trace: null,
    }))).value;
  // A check limit below the local one (KV Connect's) keeps the commit epoch.
  const store = await openKvStore({ kvUrl: ":memory:", limits: { maxChecks: 10 } });
  try {
    await store.transact(wide);
    const s = store.stats();
    assert.equal(s.chunkedRuns, 1);
    assert.equal(s.epochCommits, 1);
    assert.deepEqual(await store.listTraces(), ["WIDE"]);
    assert.deepEqual(await read(store), refs.map(() => "v".repeat(100_000)));
  } finally {
    await store.close();
  }
  const kv = await Deno.openKv(":memory:");
  const plain = createEngine({
    kv,
    dataRoot: null,
    views: null,
    limits: { ...LOCAL_LIMITS, maxChecks: 10 },
    maxAttempts: 3,
    backoff: { baseMs: 1, capMs: 2 },
  });
  try {
    await assert.rejects(
      plain.transact(wide),
      (e) =>
        e instanceof Error && e.name === "StorageError" && !e.message.includes("\n") &&
        e.message.startsWith("Cannot commit transaction: its 10 checks and 9 store updates"),
    );
    assert.deepEqual(await plain.listTraces(), []);
    assert.deepEqual(await read(plain), refs.map(() => undefined));
  } finally {
    await plain.close();
  }
});
