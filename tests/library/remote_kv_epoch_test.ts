/**
 * Runs with more store checks than a KV Connect commit carries (10), through the CLI in
 * separate processes against the loopback KV Connect server (which refuses what denokv
 * refuses): they commit, validated against the commit epoch (storage/_epoch.ts); processes
 * writing concurrently stay serialisable; a process killed mid-run leaves nothing partial.
 * The state is read back in this process through the same server.
 */
import assert from "node:assert/strict";
import { writeArtifacts } from "../../snapshot/author.ts";
import { epochKey } from "../../storage/keys.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import {
  encodeKey,
  KV_CONNECT_LIMITS as L,
  type KvConnectServer,
  startKvConnectServer,
} from "./_kv_connect_server.ts";
import { deno, ROOT } from "./_subprocess.ts";
import {
  largeRunArtifacts,
  MEMBER_LOG_STORE,
  MEMBERS_STORE,
  NS,
  SPREAD_STORES,
  spreadStore,
} from "../testdata/remote/large_runs.ts";
import { tempDir } from "../_support/tmp.ts";

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
  const dir = await tempDir("pgs-kv-epoch-");
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

/** What another process finds in the server's database (see `_kv_dump.ts`). */
interface Dump {
  /** States of the staged commits found before it opened the database. */
  before: { states: string[]; entries: number };
  /** Records of each log store asked for. */
  logs: Record<string, Rec[]>;
  /** Lines of every committed trace, by id. */
  traces: Record<string, string[]>;
  /** Staged commits left after its open finished or removed what it could. */
  after: { states: string[]; entries: number };
}

/** Opens the server's database in a new process (as another machine would) and reads it. */
async function dump(env: Env, paths: readonly string[]): Promise<Dump> {
  const r = await deno(
    [
      "run",
      "--config",
      `${ROOT}deno.json`,
      "--allow-all",
      `${ROOT}tests/library/_kv_dump.ts`,
      env.server.url,
      ...paths,
    ],
    env.dir,
    { DENO_KV_ACCESS_TOKEN: TOKEN },
  );
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

/** The log's records, after checking their sequence numbers are exactly 1..n. */
function gapFree(d: Dump, path: string): Rec[] {
  const log = d.logs[path];
  assert.deepEqual(log.map((r) => r.sequence_number), log.map((_, i) => i + 1), path);
  return log;
}

const SPREAD_PATHS = Array.from({ length: SPREAD_STORES }, (_, i) => spreadStore(i));

Deno.test("--kv: two processes registering members concurrently, one of them through 18-store runs, lose nothing", async () => {
  await withServer(async (env) => {
    // Overlapping names: each is registered exactly once, whichever process gets there first.
    // 40 runs each: long enough that the two processes overlap for most of their runs.
    const wide = Array.from({ length: 40 }, (_, i) => ({ name: `m${i}` }));
    const narrow = Array.from({ length: 40 }, (_, i) => ({ name: `m${i + 20}` }));
    const [w, n] = await Promise.all([
      batch(env, "WF_JOIN_WIDE_V0", wide, "W"),
      batch(env, "WF_JOIN_V0", narrow, "N"),
    ]).then((c) => Promise.all(c.map(finished)));
    const runs = [...w.items, ...n.items].filter((x) => x.trace_id);
    assert.equal(runs.length, 80);
    assert.ok(runs.every((x) => x.classification === "COMPLETED"), JSON.stringify(runs));
    assert.deepEqual(env.server.refused, []);
    assert.ok(env.server.writes.every((x) => x.checks <= L.maxChecks));

    const d = await dump(env, [MEMBER_LOG_STORE, MEMBERS_STORE, ...SPREAD_PATHS]);
    // The journal: every name once, sequence numbers 1..60 with no gap and no repeat.
    const names = gapFree(d, MEMBER_LOG_STORE).map((r) => r.record.name);
    assert.deepEqual([...names].sort(), Array.from({ length: 60 }, (_, i) => `m${i}`).sort());
    assert.deepEqual(d.logs[MEMBERS_STORE].map((r) => r.key).sort(), [...names].sort());
    // Each committed trace claims the sequence number the journal gave its record.
    const viaWide = new Set<string>();
    const claimed = new Map<number, string>();
    for (const [id, lines] of Object.entries(d.traces)) {
      const records: Rec[] = verifyTrace(lines.join("\n")).records;
      const step = (s: string) => records.find((r) => r.type === "step" && r.step === s);
      if (step("register").status !== "SUCCESS") continue;
      if (id.startsWith("W")) viaWide.add(step("register").inputs.key);
      const seq = step("log").outputs.sequence_number;
      assert.equal(claimed.has(seq), false, `sequence ${seq} claimed twice`);
      claimed.set(seq, step("register").inputs.key);
    }
    assert.deepEqual([...claimed.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]), names);
    // Every wide journal holds the names the wide runs registered, in the journal's order.
    const wideOrder = names.filter((x) => viaWide.has(x));
    assert.ok(wideOrder.length >= 20, `${wideOrder.length} names came through wide runs`);
    for (const path of SPREAD_PATHS) {
      assert.deepEqual(gapFree(d, path).map((r) => r.record.name), wideOrder, path);
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
      // The next process to open the store finishes what the killed one published.
      const d = await dump(env, SPREAD_PATHS);
      left.push(...d.before.states);
      const notes = new Set<string>();
      for (const lines of Object.values(d.traces)) {
        const header: Rec = verifyTrace(lines.join("\n")).records[0];
        notes.add(header.payload.note);
      }
      const journals = SPREAD_PATHS.map((path) => gapFree(d, path).map((r) => r.record.note));
      // Every journal holds exactly the committed runs' notes, in one order.
      for (const j of journals) assert.deepEqual(j, journals[0]);
      assert.deepEqual([...journals[0]].sort(), [...notes].sort(), `round ${round}`);
      assert.ok(notes.size >= committed, "nothing committed is lost");
      committed = notes.size;
    }
    console.log(`committed ${committed} runs; stages the kills left: ${left.join(", ")}`);
    assert.ok(left.length > 0, "some kills landed inside a staged run");
    assert.ok(committed > 0 && committed < 80, `${committed} of 80 runs committed`);
    // Stages of killed processes are gone once two opens saw them without progress.
    await dump(env, []);
    assert.deepEqual((await dump(env, [])).after, { states: [], entries: 0 });
    assert.deepEqual(env.server.refused, []);
  });
});
