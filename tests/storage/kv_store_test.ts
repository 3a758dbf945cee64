// KV-store specifics: data-root validation, persistence across handles, the raw key layout.
import assert from "node:assert/strict";
import { join } from "node:path";
import { ErrorCode, StorageError } from "../../errors.ts";
import { openKvStore, type StateTxn, type StoreRef, type TraceCommit } from "../../storage/mod.ts";
import { ROOT } from "../../storage/keys.ts";

const MAP: StoreRef = { path: "state/map.json", format: "json" };
const LOG: StoreRef = { path: "events/log.jsonl", format: "jsonl" };

function plain<T>(fn: (txn: StateTxn) => T | Promise<T>) {
  return async (txn: StateTxn) => ({ value: await fn(txn), trace: null as TraceCommit | null });
}

async function tempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pgs-kv-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function storageError(text: string) {
  return (err: unknown) => {
    assert.ok(err instanceof StorageError, String(err));
    assert.equal(err.code, ErrorCode.STORAGE);
    assert.ok(err.message.includes(text), err.message);
    assert.ok(!err.message.includes("\n"), "one-line message");
    return true;
  };
}

Deno.test("openKvStore() refuses a data root that is a file", async () => {
  await tempDir(async (dir) => {
    const file = join(dir, "not-a-dir");
    await Deno.writeTextFile(file, "x");
    await assert.rejects(
      openKvStore({ dataRoot: file }),
      storageError(`"${file}": not a directory`),
    );
    const below = join(file, "sub");
    await assert.rejects(
      openKvStore({ dataRoot: below }),
      storageError(`"${below}": not a directory`),
    );
  });
});

Deno.test({
  name: "openKvStore() refuses a data root that is not writable",
  ignore: Deno.uid() === 0, // root bypasses directory permissions
  fn: async () => {
    await tempDir(async (dir) => {
      const root = join(dir, "ro");
      await Deno.mkdir(root, { mode: 0o555 });
      await assert.rejects(
        openKvStore({ dataRoot: root }),
        storageError(`"${root}": not writable`),
      );
    });
  },
});

Deno.test("openKvStore() creates a missing data root and validates its options", async () => {
  await tempDir(async (dir) => {
    const root = join(dir, "a", "b");
    const store = await openKvStore({ dataRoot: root });
    await store.close();
    assert.ok((await Deno.stat(join(root, ".pgs", "state.kv"))).isFile);
    await assert.rejects(openKvStore({}), storageError('"dataRoot" or "kvUrl" is required'));
    await assert.rejects(openKvStore({ dataRoot: "" }), storageError('"dataRoot"'));
    await assert.rejects(
      openKvStore({ dataRoot: root, maxAttempts: 0 }),
      storageError('"maxAttempts"'),
    );
  });
});

Deno.test("openKvStore() keeps state and view watermarks across handles", async () => {
  await tempDir(async (dir) => {
    const first = await openKvStore({ dataRoot: dir });
    await first.transact(async (txn) => {
      txn.set(MAP, "a", 1);
      await txn.append(LOG, (s) => ({ s }));
      return { value: null, trace: { traceId: "T1", lines: ["x"], meta: {} } };
    });
    await first.close();
    const second = await openKvStore({ dataRoot: dir });
    try {
      assert.deepEqual(await second.flushViewsWithStats(), {
        rewritten: 0,
        appended: 0,
        skipped: 2,
        warnings: [],
      });
      const r = await second.transact(
        plain(async (txn) => [await txn.entries(MAP), await txn.log(LOG)]),
      );
      assert.deepEqual(r.value, [[["a", 1]], [{ s: 1 }]]);
      assert.deepEqual(await second.readTrace("T1"), ["x"]);
    } finally {
      await second.close();
    }
  });
});

Deno.test("two handles on one data root: a conflicting commit re-runs the body", async () => {
  await tempDir(async (dir) => {
    const a = await openKvStore({ dataRoot: dir });
    const b = await openKvStore({ dataRoot: dir });
    try {
      let runs = 0;
      const r = await a.transact(plain(async (txn) => {
        runs++;
        const n = ((await txn.get(MAP, "n")) as number | undefined) ?? 0;
        if (runs === 1) await b.transact(plain((t2) => t2.set(MAP, "n", 100)));
        txn.set(MAP, "n", n + 1);
      }));
      assert.equal(r.attempts, 2);
      const seen = await b.transact(plain((txn) => txn.get(MAP, "n")));
      assert.equal(seen.value, 101);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

Deno.test("a deleted state database is rebuilt from the views on first open", async () => {
  await tempDir(async (dir) => {
    const first = await openKvStore({ dataRoot: dir });
    await first.transact(plain(async (txn) => {
      txn.set(MAP, "k", { v: [1, 2] });
      await txn.append(LOG, (s) => ({ s }));
      await txn.append(LOG, (s) => ({ s }));
    }));
    await first.close();
    for (const f of ["state.kv", "state.kv-wal", "state.kv-shm"]) {
      await Deno.remove(join(dir, ".pgs", f)).catch(() => undefined);
    }
    const second = await openKvStore({ dataRoot: dir });
    try {
      const r = await second.transact(plain(async (txn) => ({
        map: await txn.entries(MAP),
        next: await txn.append(LOG, (s) => ({ s })),
      })));
      assert.deepEqual(r.value, { map: [["k", { v: [1, 2] }]], next: 3 });
      // The watermark belongs to the deleted database, so both views are rewritten.
      assert.deepEqual(await second.flushViewsWithStats(), {
        rewritten: 2,
        appended: 0,
        skipped: 0,
        warnings: [],
      });
      assert.equal(await Deno.readTextFile(join(dir, LOG.path)), '{"s":1}\n{"s":2}\n{"s":3}\n');
    } finally {
      await second.close();
    }
  });
});

Deno.test("the raw layout: store meta fields, no orphan parts after overwrite and delete", async () => {
  await tempDir(async (dir) => {
    const store = await openKvStore({ dataRoot: dir });
    await store.transact(plain((txn) => {
      txn.set(MAP, "big", "x".repeat(200_000));
      txn.set(MAP, "big2", "y".repeat(70_000));
    }));
    await store.transact(plain(async (txn) => {
      txn.set(MAP, "big", "x".repeat(100_000));
      txn.delete(MAP, "big2");
      await txn.append(LOG, () => "z".repeat(130_000));
    }));
    await store.close();
    const kv = await Deno.openKv(join(dir, ".pgs", "state.kv"));
    try {
      const count = async (prefix: Deno.KvKey) => {
        let n = 0;
        for await (const _ of kv.list({ prefix })) n++;
        return n;
      };
      assert.equal(await count([ROOT, "kp", MAP.path, "big"]), 2);
      assert.equal(await count([ROOT, "kp", MAP.path, "big2"]), 0);
      assert.equal(await count([ROOT, "lp", LOG.path, 1]), 3);
      const meta = await kv.get<Uint8Array>([ROOT, "m", MAP.path]);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(meta.value!)), {
        format: "json",
        version: 2,
        logLength: 0,
        splitKeys: 1,
      });
    } finally {
      kv.close();
    }
  });
});

Deno.test("openKvStore({ kvUrl }) without a data root has no views or imports", async () => {
  const store = await openKvStore({ kvUrl: ":memory:" });
  try {
    await store.transact(plain((txn) => txn.set(MAP, "a", 1)));
    assert.deepEqual(await store.flushViewsWithStats(), {
      rewritten: 0,
      appended: 0,
      skipped: 0,
      warnings: [],
    });
  } finally {
    await store.close();
  }
});

Deno.test("staging respects KV's byte and key-size limits exactly (real limits)", async () => {
  await tempDir(async (dir) => {
    const store = await openKvStore({ dataRoot: dir });
    try {
      const big = "v".repeat(58 * 1024);
      await store.transact(plain((txn) => {
        for (let i = 0; i < 30; i++) txn.set(MAP, `big${i}`, big);
      }));
      assert.equal(store.stats().chunkedRuns, 1);
      const longKeys = Array.from({ length: 100 }, (_, i) => `${i}`.padStart(1900, "k"));
      await store.transact(plain((txn) => {
        for (const k of longKeys) txn.set(MAP, k, 1);
      }));
      assert.equal(store.stats().chunkedRuns, 2);
      const entries = await store.transact(plain((txn) => txn.entries(MAP)));
      assert.equal(entries.value.length, 130);
    } finally {
      await store.close();
    }
  });
});
