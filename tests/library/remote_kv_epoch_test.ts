/**
 * Runs with more store checks than a KV Connect commit carries (10), through the CLI in
 * separate processes against the loopback KV Connect server (which refuses what denokv
 * refuses): they commit, validated against the commit epoch (storage/_epoch.ts); processes
 * writing concurrently stay serialisable; a process killed mid-run leaves nothing partial.
 * The state is read back in this process through the same server.
 */
import assert from "node:assert/strict";
import { writeArtifacts } from "../../snapshot/author.ts";
import { openKvStore, type StoreRef } from "../../storage/mod.ts";
import { epochKey } from "../../storage/keys.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import {
  encodeKey,
  KV_CONNECT_LIMITS as L,
  type KvConnectServer,
  startKvConnectServer,
} from "./_kv_connect_server.ts";
import { ROOT } from "./_subprocess.ts";
import {
  largeRunArtifacts,
  MEMBER_LOG_STORE,
  MEMBERS_STORE,
  NS,
  SPREAD_STORES,
  spreadStore,
} from "../testdata/remote/large_runs.ts";

const TOKEN = "pgs-epoch-test-token";
const EPOCH = encodeKey(...(epochKey() as string[]));
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

// deno-lint-ignore no-explicit-any
type Rec = any;

interface Env {
  server: KvConnectServer;
  dir: string;
  ws: string;
}

async function withServer(fn: (env: Env) => Promise<void>): Promise<void> {
  const server = startKvConnectServer(TOKEN);
  // This process reads the server's database back as another machine would.
  Deno.env.set("DENO_KV_ACCESS_TOKEN", TOKEN);
  const dir = await Deno.makeTempDir({ prefix: "pgs-kv-epoch-" });
  const ws = `${dir}/ws`;
  await writeArtifacts(ws, largeRunArtifacts());
  try {
    await fn({ server, dir, ws });
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** `pgs-runtime run --batch` of `payloads` through the server, in a new process (not awaited). */
async function batch(env: Env, wf: string, payloads: Rec[], prefix: string) {
  const file = `${env.dir}/${prefix}.jsonl`;
  await Deno.writeTextFile(file, payloads.map((p) => JSON.stringify(p)).join("\n") + "\n");
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      `${ROOT}deno.json`,
      "--allow-all",
      `${ROOT}cli.ts`,
      "run",
      "--wf",
      `${NS}::${wf}`,
      "--batch",
      file,
      "--workspace",
      env.ws,
      "--kv",
      env.server.url,
      "--trace-id",
      prefix,
      "--no-png",
      "--json",
    ],
    cwd: env.dir,
    env: { NO_COLOR: "1", DENO_KV_ACCESS_TOKEN: TOKEN },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finished(child: Deno.ChildProcess): Promise<{ code: number; items: Rec[] }> {
  const r = await child.output();
  const out = new TextDecoder().decode(r.stdout);
  const err = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, out + err);
  return { code: r.code, items: out.trim().split("\n").map((l) => JSON.parse(l)) };
}

/** Opens the server's database in this process (as another machine would). */
async function open(env: Env) {
  return await openKvStore({ kvUrl: env.server.url });
}

type Store = Awaited<ReturnType<typeof open>>;

async function logOf(store: Store, path: string): Promise<Rec[]> {
  const ref: StoreRef = { path, format: "jsonl" };
  return (await store.transact(async (txn) => ({ value: await txn.log(ref), trace: null })))
    .value as Rec[];
}

/** The log's records, after checking their sequence numbers are exactly 1..n. */
async function gapFree(store: Store, path: string): Promise<Rec[]> {
  const log = await logOf(store, path);
  assert.deepEqual(log.map((r) => r.sequence_number), log.map((_, i) => i + 1), path);
  return log;
}

Deno.test("--kv: two processes registering members concurrently, one of them through 18-store runs, lose nothing", async () => {
  await withServer(async (env) => {
    // Overlapping names: each is registered exactly once, whichever process gets there first.
    const wide = Array.from({ length: 30 }, (_, i) => ({ name: `m${i}` }));
    const narrow = Array.from({ length: 30 }, (_, i) => ({ name: `m${i + 15}` }));
    const [w, n] = await Promise.all([
      batch(env, "WF_JOIN_WIDE_V0", wide, "W"),
      batch(env, "WF_JOIN_V0", narrow, "N"),
    ]).then((c) => Promise.all(c.map(finished)));
    const runs = [...w.items, ...n.items].filter((x) => x.trace_id);
    assert.equal(runs.length, 60);
    assert.ok(runs.every((x) => x.classification === "COMPLETED"), JSON.stringify(runs));
    assert.deepEqual(env.server.refused, []);
    assert.ok(env.server.writes.every((x) => x.checks <= L.maxChecks));

    const store = await open(env);
    try {
      // The journal: every name once, sequence numbers 1..45 with no gap and no repeat.
      const log = await gapFree(store, MEMBER_LOG_STORE);
      const names = log.map((r) => r.record.name);
      assert.deepEqual(
        [...names].sort(),
        Array.from({ length: 45 }, (_, i) => `m${i}`).sort(),
      );
      const registry = await logOf(store, MEMBERS_STORE);
      assert.deepEqual(registry.map((r) => r.key).sort(), [...names].sort());
      // Every wide journal holds the names the wide runs registered, in the journal's order.
      const viaWide = new Set<string>();
      const claimed = new Map<number, string>();
      for (const id of await store.listTraces()) {
        const records: Rec[] = verifyTrace((await store.readTrace(id))!.join("\n")).records;
        const step = (s: string) => records.find((r) => r.type === "step" && r.step === s);
        if (step("register").status !== "SUCCESS") continue;
        if (id.startsWith("W")) viaWide.add(step("register").inputs.key);
        // Each committed trace claims the sequence number the journal gave its record.
        const seq = step("log").outputs.sequence_number;
        assert.equal(claimed.has(seq), false, `sequence ${seq} claimed twice`);
        claimed.set(seq, step("register").inputs.key);
      }
      assert.deepEqual([...claimed.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]), names);
      const wideOrder = names.filter((x) => viaWide.has(x));
      assert.ok(wideOrder.length >= 15, `${wideOrder.length} names came through wide runs`);
      for (let i = 0; i < SPREAD_STORES; i++) {
        const spread = await gapFree(store, spreadStore(i));
        assert.deepEqual(spread.map((r) => r.record.name), wideOrder, spreadStore(i));
      }
    } finally {
      await store.close();
    }
    // The wide runs were validated against the epoch, and their commits carried its check.
    assert.ok(env.server.writes.some((x) => x.checks === 2 && x.mutations > SPREAD_STORES));
    const epochRefusals = env.server.conflicts.filter((keys) =>
      keys.some((k) => hex(k) === hex(EPOCH))
    );
    console.log(
      `conflicts: ${env.server.conflicts.length} commits refused by a check, ` +
        `${epochRefusals.length} of them by the epoch`,
    );
    assert.ok(env.server.conflicts.length > 0, "the two processes did contend");
  });
});

Deno.test("--kv: a process killed during 17-check runs, staged or not, leaves each run whole or absent", async () => {
  await withServer(async (env) => {
    // A batch's commits: the first run's one commit (epoch + trace id checks), then the
    // second run's stage commits, its publish commit (epoch, trace id and stage checks),
    // its apply and clean-up commits, and so on. Kills after each of the first ones, then
    // later.
    const killAfter = [2, 3, 4, 5, 6, 8, 12, 30];
    let committed = 0;
    const left: string[] = [];
    for (const [round, at] of killAfter.entries()) {
      // Every other run carries a 60 kB note into each of the 16 journals: about 1 MB,
      // staged over several commits before its publish commit.
      const payloads = Array.from({ length: 10 }, (_, i) => ({
        note: `r${round}_${i}:${"x".repeat(i % 2 === 1 ? 60_000 : 8)}`,
      }));
      const before = env.server.writes.length;
      const child = await batch(env, "WF_SPREAD_V0", payloads, `K${round}`);
      let exited = false;
      child.status.then(() => exited = true);
      while (!exited && env.server.writes.length - before < at) {
        await new Promise((r) => setTimeout(r, 0));
      }
      try {
        child.kill("SIGKILL");
      } catch {
        // it finished first
      }
      await child.output();
      const raw = await Deno.openKv(env.server.url);
      for await (const e of raw.list<Uint8Array>({ prefix: ["pgs", "sr"] })) {
        left.push(JSON.parse(new TextDecoder().decode(e.value)).state);
      }
      raw.close();
      // The next process to open the store finishes what the killed one published.
      const store = await open(env);
      try {
        const notes = new Set<string>();
        for (const id of await store.listTraces()) {
          const lines = (await store.readTrace(id))!;
          const header: Rec = verifyTrace(lines.join("\n")).records[0];
          notes.add(header.payload.note);
        }
        const journals = [];
        for (let i = 0; i < SPREAD_STORES; i++) {
          journals.push((await gapFree(store, spreadStore(i))).map((r) => r.record.note));
        }
        // Every journal holds exactly the committed runs' notes, in one order.
        for (const j of journals) assert.deepEqual(j, journals[0]);
        assert.deepEqual([...journals[0]].sort(), [...notes].sort(), `round ${round}`);
        assert.ok(notes.size >= committed, "nothing committed is lost");
        committed = notes.size;
      } finally {
        await store.close();
      }
    }
    console.log(`committed ${committed} runs; stages the kills left: ${left.join(", ")}`);
    assert.ok(left.length > 0, "some kills landed inside a staged run");
    assert.ok(committed > 0 && committed < 80, `${committed} of 80 runs committed`);
    // Stages of killed processes are gone once two opens saw them without progress.
    for (let i = 0; i < 2; i++) await (await open(env)).close();
    const kv = await Deno.openKv(env.server.url);
    try {
      const remaining = [];
      for await (const e of kv.list({ prefix: ["pgs", "sr"] })) remaining.push(e.key);
      for await (const e of kv.list({ prefix: ["pgs", "s"] })) remaining.push(e.key);
      assert.deepEqual(remaining, []);
    } finally {
      kv.close();
    }
    assert.deepEqual(env.server.refused, []);
  });
});
