// The read cache inside the engine: KV reads counted (Deno.Kv.prototype wrapped), and the
// answers it gives checked against what was committed, including by other handles.
import assert from "node:assert/strict";
import { openKvStore, openMemoryStore } from "../../storage/mod.ts";
import type { StateTxn, StoreRef, TxnBody } from "../../storage/mod.ts";
import { readCacheOf } from "../../storage/_engine.ts";
import { MIN_MISSES } from "../../storage/_cache.ts";
import { mapPrefix, storeMetaKey } from "../../storage/keys.ts";
import { EVENTS, REG, register } from "./_register_body.ts";
import { tempDir } from "../_support/tmp.ts";

const MAP: StoreRef = { path: "state/map.json", format: "json" };

/** Counts KV reads made while `fn` runs: value reads (get, getMany) and listings of `map`. */
async function countReads<R>(
  fn: () => Promise<R>,
  map: StoreRef = REG,
): Promise<{ result: R; reads: number; mapLists: number }> {
  const proto = Deno.Kv.prototype;
  const { get, getMany, list } = proto;
  let reads = 0;
  let mapLists = 0;
  const prefix = JSON.stringify(mapPrefix(map.path));
  proto.get = function (this: Deno.Kv, ...args: Parameters<typeof get>) {
    reads++;
    return get.apply(this, args);
  } as typeof get;
  proto.getMany = function (this: Deno.Kv, ...args: Parameters<typeof getMany>) {
    reads++;
    return getMany.apply(this, args);
  } as typeof getMany;
  proto.list = function (this: Deno.Kv, ...args: Parameters<typeof list>) {
    const selector = args[0] as { prefix?: Deno.KvKey };
    if (selector.prefix && JSON.stringify(selector.prefix) === prefix) mapLists++;
    return list.apply(this, args);
  } as typeof list;
  try {
    return { result: await fn(), reads, mapLists };
  } finally {
    Object.assign(proto, { get, getMany, list });
  }
}

async function withRoot(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir("pgs-cache-");
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function names(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

Deno.test("a batch of 200 registrations reads each store's meta once per group, no keys", async () => {
  await withRoot(async (dir) => {
    const store = await openKvStore({ dataRoot: dir });
    try {
      await store.transactBatch(names("warm", 10).map((n) => register(n)));
      const commits = store.stats().commits;
      const { result, reads } = await countReads(() =>
        store.transactBatch(names("m", 200).map((n) => register(n)))
      );
      assert.ok(result.every((o) => o.ok && o.value === "SUCCESS"));
      const groups = store.stats().commits - commits;
      assert.ok(groups >= 1 && groups < 20, `${groups} groups`);
      // Two stores, one meta read each per group; the members' keys are known absent.
      assert.ok(reads <= 2 * groups, `${reads} reads for ${groups} groups of 200 runs`);
    } finally {
      await store.close();
    }
    // The same batch without the cache reads every key it looks up.
    const uncached = await openKvStore({ dataRoot: dir, cacheBytes: 0 });
    try {
      const { reads } = await countReads(() =>
        uncached.transactBatch(names("u", 200).map((n) => register(n)))
      );
      assert.ok(reads >= 400, `${reads} reads without the cache`);
    } finally {
      await uncached.close();
    }
  });
});

Deno.test("a store written by another process is listed whole once its misses paid for it", async () => {
  await withRoot(async (dir) => {
    // 100 members: 201 keys, within the first listing's limit (32 misses × 8 entries).
    const writer = await openKvStore({ dataRoot: dir });
    await writer.transactBatch(names("old", 100).map((n) => register(n)));
    await writer.close();
    const store = await openKvStore({ dataRoot: dir });
    try {
      const { result, reads, mapLists } = await countReads(() =>
        store.transactBatch([...names("old", 5), ...names("new", 200)].map((n) => register(n)))
      );
      assert.deepEqual(result.slice(0, 6).map((o) => o.ok && o.value), [
        ...Array(5).fill("ALREADY_EXISTS"),
        "SUCCESS",
      ]);
      assert.ok(result.every((o) => o.ok));
      assert.equal(mapLists, 1);
      assert.equal(store.stats().cacheLoads, 1);
      // Up to MIN_MISSES key reads, one listing, then only metas.
      assert.ok(reads <= MIN_MISSES + 20, `${reads} reads`);
      const again = await countReads(() =>
        store.transactBatch(names("old", 100).map((n) => register(n)))
      );
      assert.ok(again.result.every((o) => o.ok && o.value === "ALREADY_EXISTS"));
      assert.ok(again.reads <= 4, `${again.reads} reads for 100 known members`);
    } finally {
      await store.close();
    }
  });
});

Deno.test("one transact on an existing store never lists it (the CLI's one run pays no preload)", async () => {
  await withRoot(async (dir) => {
    const writer = await openKvStore({ dataRoot: dir });
    await writer.transactBatch(names("old", 1000).map((n) => register(n)));
    await writer.close();
    const store = await openKvStore({ dataRoot: dir });
    try {
      const { result, mapLists } = await countReads(() => store.transact(register("x")));
      assert.equal(result.value, "SUCCESS");
      assert.equal(mapLists, 0);
      assert.equal(store.stats().cacheLoads, 0);
    } finally {
      await store.close();
    }
  });
});

Deno.test("in memory (no other handle) a warm run reads nothing from KV", async () => {
  const store = await openMemoryStore();
  try {
    await store.transact(register("a"));
    const { result, reads } = await countReads(async () => [
      (await store.transact(register("b"))).value,
      (await store.transact(register("a"))).value,
      (await store.transact(plain((txn) => txn.get(REG, "b")))).value,
    ]);
    assert.deepEqual(result, ["SUCCESS", "ALREADY_EXISTS", { name: "b", seq: 2, by: "p1" }]);
    assert.equal(reads, 0);
  } finally {
    await store.close();
  }
});

Deno.test("a commit by another handle between two runs is seen by the next run, first time", async () => {
  await withRoot(async (dir) => {
    const a = await openKvStore({ dataRoot: dir });
    const b = await openKvStore({ dataRoot: dir });
    try {
      await a.transact(plain((txn) => txn.set(MAP, "k", 1)));
      assert.equal((await a.transact(plain((txn) => txn.get(MAP, "k")))).value, 1);
      await b.transact(plain((txn) => {
        txn.set(MAP, "k", 2);
        txn.set(MAP, "new", true);
      }));
      const r = await a.transact(plain(async (txn) => [
        await txn.get(MAP, "k"),
        await txn.get(MAP, "new"),
        await txn.keys(MAP, ""),
      ]));
      assert.deepEqual(r.value, [2, true, ["k", "new"]]);
      assert.equal(r.attempts, 1, "the meta read found the new version: no conflict");
      assert.ok(readCacheOf(a)!.counters.stale >= 1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

Deno.test("concurrent runs on one in-memory handle stay serialisable through the cache", async () => {
  const store = await openMemoryStore();
  try {
    const inc = plain(async (txn) => {
      const n = (await txn.get(MAP, "n") as number | undefined) ?? 0;
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      txn.set(MAP, "n", n + 1);
      return n;
    });
    const results = await Promise.all(Array.from({ length: 20 }, () => store.transact(inc)));
    assert.deepEqual(
      results.map((r) => r.value).sort((x, y) => x - y),
      names("", 20).map((_, i) => i),
    );
    assert.equal((await store.transact(plain((txn) => txn.get(MAP, "n")))).value, 20);
    assert.ok(store.stats().conflicts > 0, "some runs re-ran on a moved store");
  } finally {
    await store.close();
  }
});

Deno.test("a staged commit leaves nothing cached of the stores it wrote", async () => {
  const store = await openMemoryStore({ limits: { maxMutations: 40 } });
  try {
    await store.transact(plain((txn) => txn.set(MAP, "k", "old")));
    assert.ok(readCacheOf(store)!.peek(MAP.path));
    await store.transact(plain((txn) => {
      for (let i = 0; i < 100; i++) txn.set(MAP, `s${i}`, i);
      txn.set(MAP, "k", "new");
    }));
    assert.equal(store.stats().chunkedRuns, 1);
    assert.equal(readCacheOf(store)!.peek(MAP.path), null);
    const r = await store.transact(
      plain(async (txn) => [await txn.get(MAP, "k"), await txn.get(MAP, "s99")]),
    );
    assert.deepEqual(r.value, ["new", 99]);
    assert.equal(r.attempts, 1);
  } finally {
    await store.close();
  }
});

Deno.test("a tiny cache budget holds, and every answer still matches what was committed", async () => {
  const budget = 16 * 1024;
  const store = await openMemoryStore({ cacheBytes: budget });
  const model = new Map<string, number>();
  try {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let round = 0; round < 30; round++) {
      const ops = Array.from({ length: 20 }, () => ({ key: `k${rand(400)}`, del: rand(5) === 0 }));
      const out = await store.transactBatch(ops.map(({ key, del }) =>
        plain(async (txn) => {
          const seen = await txn.get(MAP, key) as number | undefined;
          if (del) txn.delete(MAP, key);
          else txn.set(MAP, key, (seen ?? 0) + 1);
          return seen;
        })
      ));
      // Each body saw exactly what the bodies before it left.
      ops.forEach(({ key, del }, i) => {
        const o = out[i];
        assert.ok(o.ok);
        assert.equal(o.value, model.get(key), `round ${round}, body ${i}, ${key}`);
        if (del) model.delete(key);
        else model.set(key, (model.get(key) ?? 0) + 1);
      });
      assert.ok(readCacheOf(store)!.bytes <= budget, `${readCacheOf(store)!.bytes} bytes`);
    }
    const entries = (await store.transact(plain((txn) => txn.entries(MAP)))).value;
    assert.deepEqual(entries, [...model].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    assert.ok(readCacheOf(store)!.counters.evictions > 0);
  } finally {
    await store.close();
  }
});

Deno.test("a log is served from the cache once read, with the appends that followed", async () => {
  const store = await openMemoryStore();
  try {
    await store.transact(plain(async (txn) => {
      await txn.append(EVENTS, (s) => ({ s }));
      await txn.append(EVENTS, (s) => ({ s }));
    }));
    assert.equal(readCacheOf(store)!.peek(EVENTS.path)!.log, null, "appended, not read");
    assert.equal((await store.transact(plain((txn) => txn.log(EVENTS)))).value.length, 2);
    await store.transact(plain((txn) => txn.append(EVENTS, (s) => ({ s }))));
    const { result, reads } = await countReads(() =>
      store.transact(plain((txn) => txn.log(EVENTS)))
    );
    assert.deepEqual(result.value, [{ s: 1 }, { s: 2 }, { s: 3 }]);
    assert.equal(reads, 0);
  } finally {
    await store.close();
  }
});

function plain<T>(fn: (txn: StateTxn) => T | Promise<T>): TxnBody<T> {
  return async (txn) => ({ value: await fn(txn), trace: null });
}

Deno.test("after each commit, single or through the commit epoch, every entry is at its store's meta version", async () => {
  await withRoot(async (dir) => {
    // Five checks per commit: a run over eight stores commits through the commit epoch.
    const a = await openKvStore({ dataRoot: dir, limits: { maxChecks: 5 } });
    const b = await openKvStore({ dataRoot: dir, limits: { maxChecks: 5 } });
    const raw = await Deno.openKv(`${dir}/.pgs/state.kv`);
    const stores = Array.from({ length: 8 }, (_, i) => ({
      path: `wide/s${i}.json`,
      format: "json" as const,
    }));
    const assertCurrent = async () => {
      for (const s of stores) {
        const e = readCacheOf(a)!.peek(s.path);
        if (e === null) continue;
        assert.equal(e.stamp, (await raw.get(storeMetaKey(s.path))).versionstamp, s.path);
      }
    };
    try {
      await a.transact(plain((txn) => stores.forEach((s, i) => txn.set(s, "k", i))));
      assert.equal(a.stats().epochCommits, 1);
      await assertCurrent();
      await a.transact(plain((txn) => txn.set(stores[0], "k", "narrow")));
      await assertCurrent();
      // A wide run that reads all eight and writes two.
      await a.transact(plain(async (txn) => {
        for (const s of stores) await txn.get(s, "k");
        txn.set(stores[1], "k", "w1");
        txn.set(stores[7], "k", "w7");
      }));
      assert.equal(a.stats().epochCommits, 2);
      await assertCurrent();
      await b.transact(plain((txn) => txn.set(stores[3], "k", "from b")));
      const r = await a.transact(plain(async (txn) => {
        const out = [];
        for (const s of stores) out.push(await txn.get(s, "k"));
        return out;
      }));
      assert.deepEqual(r.value, ["narrow", "w1", 2, "from b", 4, 5, 6, "w7"]);
      assert.equal(r.attempts, 1);
      await assertCurrent();
    } finally {
      raw.close();
      await a.close();
      await b.close();
    }
  });
});
