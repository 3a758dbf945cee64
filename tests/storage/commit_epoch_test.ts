// deno-lint-ignore-file no-explicit-any -- a Proxy over Deno.Kv that runs a writer mid-commit
/**
 * The commit epoch (storage/_epoch.ts): a run with more store checks than a KV Connect
 * commit allows (10) is validated against the epoch instead, and stays serialisable. Two
 * engines on one database file stand for two processes; a Proxy over one engine's KV
 * handle lets the other commit at the exact moment each test needs: while the wide run
 * executes, between its validation and its commit, and between its stage commits and its
 * publish commit. Each test asserts the final state (every record once, gap-free sequence
 * numbers, one order in every journal) and how many times the bodies ran.
 */
import assert from "node:assert/strict";
import { LOCAL_LIMITS, REMOTE_LIMITS } from "../../storage/_commit.ts";
import { createEngine } from "../../storage/_engine.ts";
import type { KvStore } from "../../storage/store.ts";
import { epochKey, ROOT } from "../../storage/keys.ts";
import { openKvStore, type StateTxn, type StoreRef } from "../../storage/mod.ts";
import { tempDir } from "../_support/tmp.ts";

const JOURNAL: StoreRef = { path: "j/journal.jsonl", format: "jsonl" };
const OTHER: StoreRef = { path: "o/other.json", format: "json" };
/** 12 journals: with the shared one and a trace id, 14 checks (more than 10). */
const WIDE = Array.from(
  { length: 12 },
  (_, i) => ({ path: `w/${i}.jsonl`, format: "jsonl" }) as const,
);

interface Hooks {
  /** Runs before the n-th (1-based) atomic commit this handle sends. */
  beforeCommit?: (n: number) => Promise<void>;
}

/** `kv` with {@link Hooks} run inside its calls. */
function hooked(kv: Deno.Kv, hooks: Hooks): Deno.Kv {
  let commits = 0;
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          (op as any).commit = async () => {
            const n = ++commits;
            await hooks.beforeCommit?.(n);
            return await commit();
          };
          return op;
        };
      }
      const v = (target as any)[prop];
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

interface Pair {
  /** The wide writer (its KV handle hooked). */
  a: KvStore;
  /** Another process on the same database. */
  b: KvStore;
  hooks: Hooks;
  raw: Deno.Kv;
  close(): Promise<void>;
}

/** Two engines on one database file, keeping the epoch with KV Connect's limits. */
async function pair(epoch = true, limits = REMOTE_LIMITS, maxAttempts = 5): Promise<Pair> {
  const dir = await tempDir("pgs-epoch-");
  const hooks: Hooks = {};
  const engine = (kv: Deno.Kv) =>
    createEngine({
      kv,
      dataRoot: null,
      views: null,
      limits,
      epoch,
      maxAttempts,
      backoff: { baseMs: 1, capMs: 2 },
    });
  const raw = await Deno.openKv(`${dir}/state.kv`);
  const a = engine(hooked(raw, hooks));
  const b = engine(await Deno.openKv(`${dir}/state.kv`));
  return {
    a,
    b,
    hooks,
    raw,
    close: async () => {
      await a.close();
      await b.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

let traces = 0;
const trace = (tag: string) => ({ traceId: `${tag}_${++traces}`, lines: ['{"t":1}'], meta: {} });

/** Appends `tag` to the journal and every wide journal (14 checks with its trace). */
function wide(tag: string, during?: () => Promise<unknown>) {
  return async (txn: StateTxn) => {
    await txn.append(JOURNAL, (seq) => ({ seq, tag }));
    for (const r of WIDE) await txn.append(r, (seq) => ({ seq, tag }));
    await during?.();
    return { value: tag, trace: trace(tag) };
  };
}

/** Appends `tag` to the journal only (2 checks with its trace). */
function narrow(tag: string, during?: () => Promise<unknown>) {
  return async (txn: StateTxn) => {
    await txn.append(JOURNAL, (seq) => ({ seq, tag }));
    await during?.();
    return { value: tag, trace: trace(tag) };
  };
}

async function logOf(store: KvStore, ref: StoreRef): Promise<Array<{ seq: number; tag: string }>> {
  const r = await store.transact(async (txn) => ({ value: await txn.log(ref), trace: null }));
  return r.value as Array<{ seq: number; tag: string }>;
}

/** The journal's tags in order, after checking its sequence numbers are 1..n. */
async function tags(store: KvStore, ref: StoreRef): Promise<string[]> {
  const log = await logOf(store, ref);
  assert.deepEqual(log.map((r) => r.seq), log.map((_, i) => i + 1), `${ref.path} is gap-free`);
  return log.map((r) => r.tag);
}

/** Every wide journal holds exactly `expected`. */
async function assertWide(store: KvStore, expected: string[]): Promise<void> {
  for (const r of WIDE) assert.deepEqual(await tags(store, r), expected, r.path);
}

Deno.test("epoch: a wide run whose read store changes while it runs re-runs (validation sees the meta move)", async () => {
  const p = await pair();
  try {
    let writes = 0;
    // The first execution lets another process append to the journal it already read.
    const r = await p.a.transact(
      wide("A", () => writes++ === 0 ? p.b.transact(narrow("B")) : Promise.resolve()),
    );
    assert.equal(r.attempts, 2);
    assert.deepEqual(await tags(p.b, JOURNAL), ["B", "A"]);
    await assertWide(p.b, ["A"]);
    const s = p.a.stats();
    assert.equal(s.epochCommits, 1);
    assert.equal(s.conflicts, 1);
  } finally {
    await p.close();
  }
});

Deno.test("epoch: a store write between a wide run's validation and its commit refuses the commit", async () => {
  const p = await pair();
  try {
    // The first commit the wide run sends is preceded by another process's commit: after
    // the validation (its reads were still current), before the commit.
    p.hooks.beforeCommit = async (n) => {
      if (n === 1) await p.b.transact(narrow("B"));
    };
    const r = await p.a.transact(wide("A"));
    assert.equal(r.attempts, 2, "the epoch moved: the commit was refused and the body re-ran");
    assert.deepEqual(await tags(p.b, JOURNAL), ["B", "A"], "no lost update");
    await assertWide(p.b, ["A"]);
    assert.equal(p.a.stats().conflicts, 1);
  } finally {
    await p.close();
  }
});

Deno.test("epoch: any store write in the commit window refuses a wide run; a trace-only commit does not", async () => {
  const p = await pair();
  try {
    // A store the wide run never read: still refused (the epoch is one key for all stores).
    p.hooks.beforeCommit = async (n) => {
      if (n === 1) {
        await p.b.transact((txn) => {
          txn.set(OTHER, "k", "v");
          return Promise.resolve({ value: null, trace: trace("O") });
        });
      }
    };
    assert.equal((await p.a.transact(wide("A"))).attempts, 2);
    // A commit that writes no store (a trace only) leaves the epoch alone.
    p.hooks.beforeCommit = async (n) => {
      if (n === 2) await p.b.transact(() => Promise.resolve({ value: null, trace: trace("T") }));
    };
    assert.equal((await p.a.transact(wide("A2"))).attempts, 1);
    assert.deepEqual(await tags(p.b, JOURNAL), ["A", "A2"]);
    await assertWide(p.b, ["A", "A2"]);
  } finally {
    await p.close();
  }
});

Deno.test("epoch: a small run that read a store a wide run then wrote conflicts on its store check", async () => {
  const p = await pair();
  try {
    let writes = 0;
    const r = await p.b.transact(
      narrow("B", () => writes++ === 0 ? p.a.transact(wide("A")) : Promise.resolve()),
    );
    assert.equal(r.attempts, 2);
    assert.deepEqual(await tags(p.b, JOURNAL), ["A", "B"]);
    await assertWide(p.b, ["A"]);
    assert.equal(p.a.stats().epochCommits, 1);
    assert.equal(p.b.stats().conflicts, 1);
  } finally {
    await p.close();
  }
});

Deno.test("epoch: two wide runs interleaved commit one after the other", async () => {
  const p = await pair();
  try {
    let writes = 0;
    const r = await p.a.transact(
      wide("A", () => writes++ === 0 ? p.b.transact(wide("C")) : Promise.resolve()),
    );
    assert.equal(r.attempts, 2);
    assert.deepEqual(await tags(p.b, JOURNAL), ["C", "A"]);
    await assertWide(p.b, ["C", "A"]);
    // And inside the commit window.
    p.hooks.beforeCommit = async (n) => {
      if (n === 2) await p.b.transact(wide("D"));
    };
    assert.equal((await p.a.transact(wide("E"))).attempts, 2);
    await assertWide(p.b, ["C", "A", "D", "E"]);
    assert.deepEqual(await tags(p.b, JOURNAL), ["C", "A", "D", "E"]);
  } finally {
    await p.close();
  }
});

Deno.test("epoch: a staged wide run validates just before its publish commit; a write during staging re-runs it", async () => {
  const p = await pair();
  try {
    const big = "x".repeat(900_000); // over one commit: staged
    let stageCommits = 0;
    p.hooks.beforeCommit = async (n) => {
      stageCommits = n;
      if (n === 2) await p.b.transact(narrow("B")); // after the first stage commit
    };
    const r = await p.a.transact(async (txn) => {
      txn.set(OTHER, "big", big);
      return await wide("A")(txn);
    });
    assert.equal(r.attempts, 2);
    assert.ok(stageCommits > 4, `${stageCommits} commits`);
    const s = p.a.stats();
    assert.equal(s.conflicts, 1);
    assert.equal(s.chunkedRuns, 1);
    assert.equal(s.epochCommits, 1);
    assert.deepEqual(await tags(p.b, JOURNAL), ["B", "A"]);
    await assertWide(p.b, ["A"]);
    const value = await p.b.transact(async (txn) => ({
      value: await txn.get(OTHER, "big"),
      trace: null,
    }));
    assert.equal(value.value, big);
    // The refused stage was discarded, the published one applied and removed.
    const left: unknown[] = [];
    for await (const e of p.raw.list({ prefix: [ROOT, "sr"] })) left.push(e.key);
    for await (const e of p.raw.list({ prefix: [ROOT, "s"] })) left.push(e.key);
    assert.deepEqual(left, []);
  } finally {
    await p.close();
  }
});

Deno.test("epoch: store-writing commits rewrite the epoch, others leave it; a local store keeps none", async () => {
  const p = await pair();
  try {
    const stamp = async () => (await p.raw.get(epochKey())).versionstamp;
    assert.equal(await stamp(), null);
    await p.b.transact(narrow("B"));
    const first = await stamp();
    assert.notEqual(first, null, "a per-store-checked commit writes the epoch too");
    await p.b.transact(() => Promise.resolve({ value: null, trace: trace("T") }));
    assert.equal(await stamp(), first, "a trace-only commit does not");
    await p.b.transact(async (txn) => ({ value: await txn.log(JOURNAL), trace: null }));
    assert.equal(await stamp(), first, "a read-only one does not");
  } finally {
    await p.close();
  }
  // A data root (local KV, 100 checks) keeps no epoch: its commits carry no extra write.
  const dataRoot = await tempDir("pgs-epoch-local-");
  try {
    const store = await openKvStore({ dataRoot });
    await store.transact(wide("L"));
    assert.equal(store.stats().epochCommits, 0);
    await store.close();
    const kv = await Deno.openKv(`${dataRoot}/.pgs/state.kv`);
    assert.equal((await kv.get(epochKey())).versionstamp, null);
    kv.close();
  } finally {
    await Deno.remove(dataRoot, { recursive: true });
  }
});

Deno.test("epoch: without an epoch, a run over the check limit is refused whole as before", async () => {
  const p = await pair(false, { ...LOCAL_LIMITS, maxChecks: 10 });
  try {
    await assert.rejects(
      p.a.transact(wide("A")),
      (e) =>
        e instanceof Error && e.name === "StorageError" &&
        /^Cannot commit transaction: its 14 checks and 13 store updates/.test(e.message),
    );
    assert.deepEqual(await logOf(p.b, JOURNAL), []);
  } finally {
    await p.close();
  }
});

Deno.test("epoch: an import that makes a store visible rewrites the epoch", async () => {
  const dataRoot = await tempDir("pgs-epoch-import-");
  try {
    await Deno.mkdir(`${dataRoot}/j`, { recursive: true });
    await Deno.writeTextFile(`${dataRoot}/${JOURNAL.path}`, '{"seq":1,"tag":"F"}\n');
    const store = await openKvStore({ dataRoot, limits: { maxChecks: 10 } });
    const kv = await Deno.openKv(`${dataRoot}/.pgs/state.kv`);
    try {
      assert.equal((await kv.get(epochKey())).versionstamp, null);
      // A read-only run: the import is the only commit.
      await store.transact(async (txn) => ({ value: await txn.log(JOURNAL), trace: null }));
      assert.notEqual((await kv.get(epochKey())).versionstamp, null);
      assert.deepEqual(await tags(store, JOURNAL), ["F"]);
    } finally {
      kv.close();
      await store.close();
    }
  } finally {
    await Deno.remove(dataRoot, { recursive: true });
  }
});

Deno.test("epoch: concurrent wide and narrow writers on two handles stay serialisable", async () => {
  const p = await pair(true, REMOTE_LIMITS, 50);
  const pause = () => new Promise((r) => setTimeout(r, Math.random() * 3));
  try {
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      jobs.push(p.a.transact(wide(`W${i}`, pause)));
      jobs.push(p.b.transact(narrow(`N${i}`, pause)));
      jobs.push(p.b.transact(wide(`V${i}`, pause)));
    }
    await Promise.all(jobs);
    const journal = await tags(p.b, JOURNAL);
    assert.equal(journal.length, 36);
    assert.equal(new Set(journal).size, 36, "each run's record once");
    // Every wide journal holds the wide runs in the order the shared journal has them.
    await assertWide(p.b, journal.filter((t) => !t.startsWith("N")));
    const conflicts = p.a.stats().conflicts + p.b.stats().conflicts;
    assert.ok(conflicts > 0, "the runs did contend");
  } finally {
    await p.close();
  }
});
