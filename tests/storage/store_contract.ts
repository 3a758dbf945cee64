// The Store contract suite: every case runs against each store factory passed in
// (store_contract_test.ts registers the KV store on a temp dir and the memory store).
import assert from "node:assert/strict";
import { join } from "node:path";
import { ErrorCode, PgsError, StorageError, UsageError } from "../../errors.ts";
import type {
  KvStore,
  KvStoreOptions,
  StateTxn,
  StoreRef,
  TraceCommit,
} from "../../storage/mod.ts";
import { tempDir } from "../_support/tmp.ts";

/** Opens a store on a data root. */
export type StoreFactory = (
  dataRoot: string,
  options?: Omit<KvStoreOptions, "dataRoot" | "kvUrl">,
) => Promise<KvStore>;

const LOG: StoreRef = { path: "events/log.jsonl", format: "jsonl" };
const MAP: StoreRef = { path: "state/map.json", format: "json" };
const OTHER: StoreRef = { path: "state/other.json", format: "json" };

function trace(id: string, lines: string[] = [`{"id":"${id}"}`]): TraceCommit {
  return { traceId: id, lines, meta: { file: `${id}.jsonl` } };
}

/** Wraps a synchronous body. */
function sync<R>(fn: (txn: StateTxn) => R): (txn: StateTxn) => Promise<R> {
  return (txn) => Promise.resolve(fn(txn));
}

/** Runs a body that returns no trace. */
function plain<T>(fn: (txn: StateTxn) => T | Promise<T>) {
  return async (txn: StateTxn) => ({ value: await fn(txn), trace: null as TraceCommit | null });
}

async function withStore(
  factory: StoreFactory,
  fn: (store: KvStore, dir: string) => Promise<void>,
  options?: Omit<KvStoreOptions, "dataRoot" | "kvUrl">,
  prepare?: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await tempDir("pgs-store-");
  try {
    if (prepare) await prepare(dir);
    const store = await factory(dir, options);
    try {
      await fn(store, dir);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readLog(store: KvStore, ref: StoreRef = LOG): Promise<unknown[]> {
  return (await store.transact(plain((txn) => txn.log(ref)))).value;
}

async function readEntries(store: KvStore, ref: StoreRef = MAP) {
  return (await store.transact(plain((txn) => txn.entries(ref)))).value;
}

function assertCode(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof PgsError, `expected PgsError, got ${err}`);
    assert.equal(err.code, code);
    return true;
  };
}

/** Registers the contract tests for one store kind. */
export function storeContract(name: string, factory: StoreFactory): void {
  const test = (title: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${name}: ${title}`, fn, sanitizeResources: true, sanitizeOps: true });

  test("transact() reads its own writes: get, entries, log, mutations", async () => {
    await withStore(factory, async (store) => {
      const { value, attempts } = await store.transact(async (txn) => {
        assert.equal(await txn.get(MAP, "a"), undefined);
        txn.set(MAP, "a", { n: 1 });
        assert.deepEqual(await txn.get(MAP, "a"), { n: 1 });
        txn.set(MAP, "b", [1, "x"]);
        txn.delete(MAP, "b");
        assert.equal(await txn.get(MAP, "b"), undefined);
        assert.deepEqual(await txn.entries(MAP), [["a", { n: 1 }]]);
        const seq = await txn.append(LOG, (s) => ({ s, v: "first" }));
        assert.deepEqual(await txn.log(LOG), [{ s: 1, v: "first" }]);
        assert.deepEqual(txn.mutations(), [
          { store: MAP.path, kind: "set", key: "a" },
          { store: MAP.path, kind: "set", key: "b" },
          { store: MAP.path, kind: "delete", key: "b" },
          { store: LOG.path, kind: "append", key: "1" },
        ]);
        return { value: seq, trace: trace("T1") };
      });
      assert.equal(value, 1);
      assert.equal(attempts, 1);
      assert.deepEqual(await readEntries(store), [["a", { n: 1 }]]);
      assert.deepEqual(await readLog(store), [{ s: 1, v: "first" }]);
      // A buffered value is a snapshot: mutating the object after set() changes nothing.
      await store.transact(plain(async (txn) => {
        const obj = { n: 2 };
        txn.set(MAP, "c", obj);
        obj.n = 99;
        assert.deepEqual(await txn.get(MAP, "c"), { n: 2 });
      }));
      assert.deepEqual(await readEntries(store), [["a", { n: 1 }], ["c", { n: 2 }]]);
    });
  });

  test("entries() are sorted by key over committed and buffered writes", async () => {
    await withStore(factory, async (store) => {
      await store.transact(plain((txn) => {
        for (const k of ["b", "10", "2", "a", "B", "é", "_"]) txn.set(MAP, k, k);
      }));
      const entries = await store.transact(plain(async (txn) => {
        txn.delete(MAP, "a");
        txn.set(MAP, "0", "zero");
        txn.set(MAP, "b", "bee");
        return await txn.entries(MAP);
      }));
      assert.deepEqual(entries.value, [
        ["0", "zero"],
        ["10", "10"],
        ["2", "2"],
        ["B", "B"],
        ["_", "_"],
        ["b", "bee"],
        ["é", "é"],
      ]);
    });
  });

  test("append() numbers each store's log 1, 2, 3… without gaps across transactions", async () => {
    await withStore(factory, async (store) => {
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await store.transact(plain(async (txn) => {
          const a = await txn.append(LOG, (s) => ({ s, i }));
          const b = await txn.append(LOG, (s) => ({ s, i }));
          await txn.append({ path: "events/other.jsonl", format: "jsonl" }, (s) => ({ s }));
          return [a, b];
        }));
        seqs.push(...r.value);
      }
      assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const log = (await readLog(store)) as Array<{ s: number }>;
      assert.deepEqual(log.map((r) => r.s), seqs);
      assert.equal(
        (await readLog(store, { path: "events/other.jsonl", format: "jsonl" })).length,
        5,
      );
    });
  });

  test("transact() writes nothing when the body throws, and rethrows its error", async () => {
    await withStore(factory, async (store) => {
      await store.transact(plain((txn) => txn.set(MAP, "keep", 1)));
      const boom = new Error("boom");
      await assert.rejects(
        store.transact(async (txn) => {
          txn.set(MAP, "keep", 2);
          txn.set(MAP, "new", 3);
          await txn.append(LOG, () => ({ lost: true }));
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.deepEqual(await readEntries(store), [["keep", 1]]);
      assert.deepEqual(await readLog(store), []);
      const r = await store.transact(async (txn) => {
        const seq = await txn.append(LOG, (s) => ({ s }));
        return { value: seq, trace: trace("T-after") };
      });
      assert.equal(r.value, 1);
      assert.deepEqual(await store.readTrace("T-after"), ['{"id":"T-after"}']);
    });
  });

  test("transact() refuses a trace id that already exists (TRACE_ID) and writes nothing", async () => {
    await withStore(factory, async (store) => {
      await store.transact(sync((txn) => {
        txn.set(MAP, "x", 1);
        return { value: null, trace: trace("dup", ["first"]) };
      }));
      await assert.rejects(
        store.transact(async (txn) => {
          txn.set(MAP, "x", 2);
          await txn.append(LOG, () => ({}));
          return { value: null, trace: trace("dup", ["second"]) };
        }),
        (err) => err instanceof UsageError && err.code === ErrorCode.TRACE_ID,
      );
      assert.deepEqual(await readEntries(store), [["x", 1]]);
      assert.deepEqual(await readLog(store), []);
      assert.deepEqual(await store.readTrace("dup"), ["first"]);
    });
  });

  test("transact() re-runs a body whose store changed under it (no lost update)", async () => {
    await withStore(factory, async (store) => {
      await store.transact(plain((txn) => txn.set(MAP, "n", 0)));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let readDone!: () => void;
      const read = new Promise<void>((r) => (readDone = r));
      let runs = 0;
      const slow = store.transact(plain(async (txn) => {
        runs++;
        const n = (await txn.get(MAP, "n")) as number;
        if (runs === 1) {
          readDone();
          await gate;
        }
        txn.set(MAP, "n", n + 1);
        return n;
      }));
      await read;
      const fast = await store.transact(plain(async (txn) => {
        const n = (await txn.get(MAP, "n")) as number;
        txn.set(MAP, "n", n + 10);
        return n;
      }));
      // A transaction on another store does not conflict with either.
      const unrelated = await store.transact(plain((txn) => txn.set(OTHER, "k", 1)));
      release();
      const r = await slow;
      assert.equal(fast.attempts, 1);
      assert.equal(unrelated.attempts, 1);
      assert.equal(r.attempts, 2);
      assert.equal(runs, 2);
      assert.equal(r.value, 10);
      assert.deepEqual(await readEntries(store), [["n", 11]]);
      assert.equal(store.stats().conflicts, 1);
    });
  });

  test("transact() also re-runs a body that only read a store another commit wrote", async () => {
    await withStore(factory, async (store) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let readDone!: () => void;
      const read = new Promise<void>((r) => (readDone = r));
      let runs = 0;
      const reader = store.transact(plain(async (txn) => {
        runs++;
        const seen = (await txn.log(LOG)).length;
        if (runs === 1) {
          readDone();
          await gate;
        }
        txn.set(MAP, "seen", seen);
      }));
      await read;
      await store.transact(plain(async (txn) => void (await txn.append(LOG, () => ({})))));
      release();
      assert.equal((await reader).attempts, 2);
      assert.deepEqual(await readEntries(store), [["seen", 1]]);
    });
  });

  test("flushViews() writes jsonl and json views byte-exact", async () => {
    await withStore(factory, async (store, dir) => {
      await store.transact(plain(async (txn) => {
        await txn.append(LOG, (s) => ({ s, text: 'héllo "q"', nested: { b: 1, a: [1, 2] } }));
        await txn.append(LOG, (s) => ({ s }));
        txn.set(MAP, "zeta", { b: 2, a: { y: [], x: {} } });
        txn.set(MAP, "alpha", [1, "two", null, true, 1.5]);
        txn.set(MAP, "10", "ten");
        txn.set(OTHER, "gone", 1);
      }));
      await store.transact(plain((txn) => txn.delete(OTHER, "gone")));
      await store.flushViews();
      assert.equal(
        await Deno.readTextFile(join(dir, LOG.path)),
        '{"s":1,"text":"héllo \\"q\\"","nested":{"b":1,"a":[1,2]}}\n{"s":2}\n',
      );
      assert.equal(
        await Deno.readTextFile(join(dir, MAP.path)),
        [
          "{",
          '  "10": "ten",',
          '  "alpha": [',
          "    1,",
          '    "two",',
          "    null,",
          "    true,",
          "    1.5",
          "  ],",
          '  "zeta": {',
          '    "b": 2,',
          '    "a": {',
          '      "y": [],',
          '      "x": {}',
          "    }",
          "  }",
          "}",
        ].join("\n"),
      );
      assert.equal(await Deno.readTextFile(join(dir, OTHER.path)), "{}");
    });
  });

  test("flushViews() appends new records, skips fresh views, rebuilds deleted or edited ones", async () => {
    await withStore(factory, async (store, dir) => {
      const add = (n: number) =>
        store.transact(plain(async (txn) => {
          for (let i = 0; i < n; i++) await txn.append(LOG, (s) => ({ s }));
          txn.set(MAP, "count", ((await txn.get(MAP, "count")) as number ?? 0) + n);
        }));
      const expected = (n: number) =>
        Array.from({ length: n }, (_, i) => `{"s":${i + 1}}\n`).join("");
      await add(3);
      assert.deepEqual(await store.flushViewsWithStats(), {
        rewritten: 2,
        appended: 0,
        skipped: 0,
        warnings: [],
      });
      await add(2);
      assert.deepEqual(await store.flushViewsWithStats(), {
        rewritten: 1,
        appended: 1,
        skipped: 0,
        warnings: [],
      });
      assert.equal(await Deno.readTextFile(join(dir, LOG.path)), expected(5));
      assert.deepEqual(await store.flushViewsWithStats(), {
        rewritten: 0,
        appended: 0,
        skipped: 2,
        warnings: [],
      });
      await Deno.remove(join(dir, LOG.path));
      await Deno.remove(join(dir, "state"), { recursive: true });
      assert.deepEqual(await store.flushViewsWithStats(), {
        rewritten: 2,
        appended: 0,
        skipped: 0,
        warnings: [],
      });
      assert.equal(await Deno.readTextFile(join(dir, LOG.path)), expected(5));
      assert.equal(await Deno.readTextFile(join(dir, MAP.path)), '{\n  "count": 5\n}');
      await Deno.writeTextFile(join(dir, LOG.path), '{"s":1}\n{"edited":true}\n');
      await Deno.writeTextFile(join(dir, MAP.path), "{}");
      const stats = await store.flushViewsWithStats();
      assert.deepEqual({ ...stats, warnings: [] }, {
        rewritten: 2,
        appended: 0,
        skipped: 0,
        warnings: [],
      });
      assert.equal(await Deno.readTextFile(join(dir, LOG.path)), expected(5));
      assert.equal(await Deno.readTextFile(join(dir, MAP.path)), '{\n  "count": 5\n}');
      // The edits are kept beside the restored views, and said so.
      assert.equal(stats.warnings.length, 2);
      for (
        const [w, text] of [
          [stats.warnings[0], '{"s":1}\n{"edited":true}\n'],
          [stats.warnings[1], "{}"],
        ]
      ) {
        const copy = /kept the edited file as "([^"]+)"/.exec(w)![1];
        assert.match(w, /^VIEW_EDITED: /);
        assert.equal(await Deno.readTextFile(copy), text);
      }
    });
  });

  test("close() flushes views", async () => {
    const dir = await tempDir("pgs-store-");
    try {
      const store = await factory(dir);
      await store.transact(plain((txn) => txn.set(MAP, "k", "v")));
      await store.close();
      assert.equal(await Deno.readTextFile(join(dir, MAP.path)), '{\n  "k": "v"\n}');
      await assert.rejects(store.readTrace("x"), assertCode(ErrorCode.STORAGE));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  test("first open imports an existing jsonl registry file into log and key map", async () => {
    const REG: StoreRef = { path: "blockchain/identity/registry/actors.json", format: "jsonl" };
    const python = [
      '{"key": "KYC_1", "address": "ADDR_a", "target_cs": "CS_X"}',
      "",
      '{"key": "KYC_2", "address": "ADDR_b"}',
      '{"key": "KYC_1", "address": "ADDR_a", "tombstone": true}',
      '{"key": "KYC_3", "address": "ADDR_c"}',
      '{"key": "KYC_3", "address": "ADDR_d"}',
      '{"note": "no key"}',
      "",
    ].join("\n");
    await withStore(
      factory,
      async (store, dir) => {
        const r = await store.transact(plain(async (txn) => ({
          entries: await txn.entries(REG),
          log: await txn.log(REG),
          next: await txn.append(REG, (s) => ({ key: "KYC_4", s })),
        })));
        assert.deepEqual(r.value.entries, [
          ["KYC_2", { key: "KYC_2", address: "ADDR_b" }],
          ["KYC_3", { key: "KYC_3", address: "ADDR_d" }],
        ]);
        assert.equal(r.value.log.length, 6);
        assert.deepEqual(r.value.log[5], { note: "no key" });
        assert.equal(r.value.next, 7);
        // Committed: a later transaction sees the import without the file.
        await Deno.remove(join(dir, REG.path));
        const again = await store.transact(plain(async (txn) => (await txn.log(REG)).length));
        assert.equal(again.value, 7);
        await store.flushViews();
        const lines = (await Deno.readTextFile(join(dir, REG.path))).split("\n");
        assert.equal(lines[0], '{"key":"KYC_1","address":"ADDR_a","target_cs":"CS_X"}');
        assert.equal(lines[6], '{"key":"KYC_4","s":7}');
      },
      undefined,
      async (dir) => {
        await Deno.mkdir(join(dir, "blockchain/identity/registry"), { recursive: true });
        await Deno.writeTextFile(join(dir, REG.path), python);
      },
    );
  });

  test("first open imports an existing json object file into the key map", async () => {
    const FACTS: StoreRef = {
      path: "ai_governance/ai_licensing/license_facts.json",
      format: "json",
    };
    await withStore(
      factory,
      async (store) => {
        const r = await store.transact(plain(async (txn) => {
          const before = await txn.get(FACTS, "LIC_2");
          txn.set(FACTS, "LIC_3", { tier: "c" });
          return before;
        }));
        assert.deepEqual(r.value, { tier: "b", seats: 5 });
        assert.deepEqual((await readEntries(store, FACTS)).map(([k]) => k), [
          "LIC_1",
          "LIC_2",
          "LIC_3",
        ]);
      },
      undefined,
      async (dir) => {
        await Deno.mkdir(join(dir, "ai_governance/ai_licensing"), { recursive: true });
        await Deno.writeTextFile(
          join(dir, FACTS.path),
          JSON.stringify({ LIC_2: { tier: "b", seats: 5 }, LIC_1: { tier: "a" } }, null, 2),
        );
      },
    );
  });

  test("import of a malformed file is a StorageError naming the file and line", async () => {
    await withStore(
      factory,
      async (store) => {
        await assert.rejects(
          store.transact(plain((txn) => txn.log(LOG))),
          (err) =>
            err instanceof StorageError && err.message.includes("events/log.jsonl") &&
            err.message.includes("line 3"),
        );
        await assert.rejects(
          store.transact(plain((txn) => txn.get(MAP, "a"))),
          (err) =>
            err instanceof StorageError && err.message.includes("state/map.json") &&
            err.message.includes("line 2"),
        );
      },
      undefined,
      async (dir) => {
        await Deno.mkdir(join(dir, "events"));
        await Deno.mkdir(join(dir, "state"));
        await Deno.writeTextFile(join(dir, LOG.path), '{"a":1}\n\n{"b":\n');
        await Deno.writeTextFile(join(dir, MAP.path), '{"a": 1,\n "b" 2}');
      },
    );
  });

  test("a run larger than one KV commit is staged and published atomically", async () => {
    await withStore(factory, async (store) => {
      const lines = Array.from(
        { length: 1500 },
        (_, i) => JSON.stringify({ seq: i, pad: "x".repeat(200) }),
      );
      const r = await store.transact(async (txn) => {
        for (let i = 0; i < 1200; i++) await txn.append(LOG, (s) => ({ s }));
        txn.set(MAP, "big", "y".repeat(300_000));
        return { value: null, trace: trace("BIG", lines) };
      });
      assert.equal(r.attempts, 1);
      const stats = store.stats();
      assert.equal(stats.chunkedRuns, 1);
      assert.ok(stats.commits >= 2);
      const info = await store.readTraceMeta("BIG");
      assert.ok(info?.chunked !== undefined && info.chunked >= 2, JSON.stringify(info));
      // Stage commits + the publish commit, then apply and clean-up commits.
      assert.ok(stats.commits > info.chunked, `${stats.commits} commits, ${info.chunked}`);
      assert.deepEqual(await store.readTrace("BIG"), lines);
      const log = (await readLog(store)) as Array<{ s: number }>;
      assert.deepEqual(log.map((x) => x.s), Array.from({ length: 1200 }, (_, i) => i + 1));
      assert.equal((await readEntries(store))[0][1], "y".repeat(300_000));
    });
  });

  test("lowered commit limits stage a run in several commits, then apply it whole", async () => {
    await withStore(factory, async (store) => {
      await store.transact(sync((txn) => {
        for (let i = 0; i < 25; i++) txn.set(MAP, `k${String(i).padStart(2, "0")}`, i);
        return { value: null, trace: trace("SMALL") };
      }));
      const chunked = (await store.readTraceMeta("SMALL"))?.chunked ?? 0;
      assert.ok(chunked >= 4, `staged in ${chunked - 1} commits`);
      assert.equal(store.stats().chunkedRuns, 1);
      assert.deepEqual(
        (await readEntries(store)).map(([, v]) => v),
        Array.from({ length: 25 }, (_, i) => i),
      );
    }, { limits: { maxMutations: 10 } });
  });

  test("values over 60 KiB are split and reassembled; overwrites clean up parts", async () => {
    await withStore(factory, async (store) => {
      const big = { blob: "z".repeat(150_000), list: Array.from({ length: 1000 }, (_, i) => i) };
      await store.transact(plain(async (txn) => {
        txn.set(MAP, "big", big);
        await txn.append(LOG, () => big);
      }));
      assert.deepEqual(await readEntries(store), [["big", big]]);
      assert.deepEqual(await readLog(store), [big]);
      await store.transact(plain((txn) => txn.set(MAP, "big", "small")));
      assert.deepEqual(await readEntries(store), [["big", "small"]]);
      await store.transact(plain((txn) => txn.set(MAP, "big", { blob: "q".repeat(70_000) })));
      assert.deepEqual(await readEntries(store), [["big", { blob: "q".repeat(70_000) }]]);
      await store.transact(plain((txn) => txn.delete(MAP, "big")));
      assert.deepEqual(await readEntries(store), []);
    });
  });

  test("transactBatch() group-commits bodies that see each other's effects", async () => {
    await withStore(factory, async (store) => {
      const before = store.stats().commits;
      const boom = new Error("boom");
      const results = await store.transactBatch<number>([
        async (txn) => ({ value: await txn.append(LOG, (s) => ({ s })), trace: trace("B1") }),
        (txn) => {
          txn.set(MAP, "x", 1);
          return Promise.reject(boom);
        },
        async (txn) => {
          assert.equal(await txn.get(MAP, "x"), undefined);
          return { value: await txn.append(LOG, (s) => ({ s })), trace: trace("B3") };
        },
        () => Promise.resolve({ value: 0, trace: trace("B1") }),
        async (txn) => ({ value: (await txn.log(LOG)).length, trace: null }),
      ]);
      assert.equal(store.stats().commits, before + 1);
      assert.deepEqual(results[0], { ok: true, value: 1, attempts: 1 });
      assert.deepEqual(results[1], { ok: false, error: boom, attempts: 1 });
      assert.deepEqual(results[2], { ok: true, value: 2, attempts: 1 });
      assert.equal(results[3].ok, false);
      assert.ok(!results[3].ok && results[3].error instanceof UsageError);
      assert.deepEqual(results[4], { ok: true, value: 2, attempts: 1 });
      assert.deepEqual(await store.listTraces(), ["B1", "B3"]);
      assert.deepEqual(await readEntries(store), []);
    });
  });

  test("transactBatch() refuses a body whose trace id is already committed, re-runs the rest", async () => {
    await withStore(factory, async (store) => {
      await store.transact(sync(() => ({ value: 0, trace: trace("OLD") })));
      const results = await store.transactBatch<number>([
        async (txn) => ({ value: await txn.append(LOG, (s) => ({ s })), trace: trace("NEW1") }),
        async (txn) => ({ value: await txn.append(LOG, (s) => ({ s })), trace: trace("OLD") }),
        async (txn) => ({ value: await txn.append(LOG, (s) => ({ s })), trace: trace("NEW2") }),
      ]);
      assert.deepEqual(results[0], { ok: true, value: 1, attempts: 2 });
      assert.ok(!results[1].ok && results[1].error instanceof UsageError);
      assert.equal(results[1].attempts, 1);
      assert.deepEqual(results[2], { ok: true, value: 2, attempts: 2 });
      assert.deepEqual(await readLog(store), [{ s: 1 }, { s: 2 }]);
      assert.deepEqual(await store.readTrace("OLD"), ['{"id":"OLD"}']);
    });
  });

  test("transactBatch() splits a large batch between bodies, keeping sequences gap-free", async () => {
    await withStore(factory, async (store) => {
      const bodies = Array.from({ length: 250 }, (_, i) => async (txn: StateTxn) => ({
        value: await txn.append(LOG, (s) => ({ s, i })),
        trace: trace(`G${String(i).padStart(3, "0")}`),
      }));
      const results = await store.transactBatch(bodies);
      assert.deepEqual(
        results.map((r) => (r.ok ? r.value : -1)),
        Array.from({ length: 250 }, (_, i) => i + 1),
      );
      const stats = store.stats();
      assert.equal(stats.chunkedRuns, 0);
      assert.ok(stats.commits >= 3 && stats.commits <= 4, `commits ${stats.commits}`);
      assert.equal((await store.listTraces()).length, 250);
    });
  });

  test("readTrace() returns null for unknown ids and round-trips large and empty bodies", async () => {
    await withStore(factory, async (store) => {
      assert.equal(await store.readTrace("nope"), null);
      assert.equal(await store.readTraceMeta("nope"), null);
      const lines = Array.from({ length: 400 }, (_, i) => `{"i":${i},"t":"ü${"x".repeat(300)}"}`);
      await store.transact(sync(() => ({ value: null, trace: trace("LARGE", lines) })));
      await store.transact(sync(() => ({ value: null, trace: trace("EMPTY", []) })));
      await store.transact(sync(() => ({ value: null, trace: trace("BLANK", [""]) })));
      assert.deepEqual(await store.readTrace("LARGE"), lines);
      assert.deepEqual(await store.readTrace("EMPTY"), []);
      assert.deepEqual(await store.readTrace("BLANK"), [""]);
      assert.deepEqual(await store.readTraceMeta("LARGE"), {
        lines: 400,
        meta: { file: "LARGE.jsonl" },
      });
      assert.deepEqual(await store.listTraces(), ["BLANK", "EMPTY", "LARGE"]);
    });
  });

  test("bad input is refused with a StorageError naming the field", async () => {
    await withStore(factory, async (store) => {
      const refuse = (body: (txn: StateTxn) => Promise<unknown> | unknown, text: string) =>
        assert.rejects(
          store.transact(async (txn) => ({ value: await body(txn), trace: null })),
          (err) => err instanceof StorageError && err.message.includes(text),
        );
      await refuse((txn) => txn.set(MAP, "u", undefined), "not JSON-serializable");
      await refuse((txn) => txn.set(MAP, "b", 1n), "not JSON-serializable");
      await refuse((txn) => txn.set(MAP, "k".repeat(3000), 1), "key is 3000 bytes");
      await refuse((txn) => txn.get({ path: "", format: "json" }, "k"), '"path"');
      await refuse((txn) => txn.get({ path: "../up.json", format: "json" }, "k"), '"path"');
      await refuse((txn) => txn.set({ path: "/abs.json", format: "json" }, "k", 1), '"path"');
      await refuse((txn) => txn.log({ path: ".pgs/state.kv", format: "jsonl" }), '"path"');
      await refuse(
        (txn) => txn.get({ path: "a.json", format: "yaml" as "json" }, "k"),
        '"format"',
      );
      await store.transact(plain((txn) => txn.set(MAP, "k", 1)));
      await refuse((txn) => txn.log({ path: MAP.path, format: "jsonl" }), 'created as "json"');
      await assert.rejects(
        store.transact(sync(() => ({ value: 1, trace: trace("NL", ["a\nb"]) }))),
        (err) => err instanceof StorageError && err.message.includes("lines[0]"),
      );
      assert.deepEqual(await readEntries(store), [["k", 1]]);
    });
  });
}
