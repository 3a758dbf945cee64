/**
 * The commit planner against a KV Connect server that refuses what denokv refuses
 * (tests/library/_kv_connect_server.ts, `KV_CONNECT_LIMITS`): runs larger than one commit,
 * values larger than one KV value, batches larger than one group commit and runs with more
 * store checks than one commit carries all land whole, through the CLI in separate
 * processes, and the server refused nothing. The first test shows
 * that the server does refuse an over-limit write, so the others could fail.
 */
import assert from "node:assert/strict";
import { writeArtifacts } from "../../snapshot/author.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import {
  encodeKey,
  KV_CONNECT_LIMITS as L,
  type KvConnectServer,
  postAtomicWrite,
  type RawAtomicWrite,
  startKvConnectServer,
  type WriteStat,
} from "./_kv_connect_server.ts";
import { deno, ROOT } from "./_subprocess.ts";
import { largeRunArtifacts, NS, SPREAD_STORES } from "../testdata/remote/large_runs.ts";
import { tempDir } from "../_support/tmp.ts";

const TOKEN = "pgs-limits-test-token";

// deno-lint-ignore no-explicit-any
type Rec = any;

interface Env {
  server: KvConnectServer;
  dir: string;
  ws: string;
}

async function withServer(fn: (env: Env) => Promise<void>): Promise<void> {
  const server = startKvConnectServer(TOKEN);
  const dir = await tempDir("pgs-kv-limits-");
  const ws = `${dir}/ws`;
  await writeArtifacts(ws, largeRunArtifacts());
  try {
    await fn({ server, dir, ws });
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

let payloads = 0;

/** `pgs-runtime <args>` in a new process, with the server's token. */
function cli(env: Env, args: string[]) {
  return deno(
    ["run", "--config", `${ROOT}deno.json`, "--allow-all", `${ROOT}cli.ts`, ...args],
    env.dir,
    { DENO_KV_ACCESS_TOKEN: TOKEN },
  );
}

/** Runs `big::<wf>` on `payload` against the server; the writes it made and its records. */
async function run(env: Env, wf: string, payload: Rec, traceId: string) {
  const file = `${env.dir}/payload_${++payloads}.json`;
  await Deno.writeTextFile(file, JSON.stringify(payload));
  const before = env.server.writes.length;
  const r = await cli(env, [
    "run",
    "--wf",
    `${NS}::${wf}`,
    "--payload",
    file,
    "--workspace",
    env.ws,
    "--kv",
    env.server.url,
    "--trace-id",
    traceId,
    "--no-png",
    "--json",
  ]);
  const writes = env.server.writes.slice(before);
  const trace = `${env.ws}/traces/${traceId}/${traceId}.jsonl`;
  if (r.code !== 0) return { ...r, json: null, writes, records: [] as Rec[], trace };
  const records: Rec[] = verifyTrace(await Deno.readTextFile(trace)).records;
  return { ...r, json: JSON.parse(r.out), writes, records, trace };
}

/** The notes journal as another process reads it from the server. */
async function readNotes(env: Env, traceId: string): Promise<Rec[]> {
  const r = await run(env, "WF_READ_V0", {}, traceId);
  assert.equal(r.code, 0, r.err);
  return r.records.find((x) => x.type === "step" && x.step === "read").outputs.entries;
}

/** A note of `n` characters whose every 10-character cell names its position. */
function note(n: number, tag: string): string {
  let s = "";
  for (let i = 0; s.length < n; i++) s += `${tag}${String(i).padStart(9 - tag.length, "0")},`;
  return s.slice(0, n);
}

const within = (w: WriteStat) =>
  w.checks <= L.maxChecks && w.mutations <= L.maxMutations &&
  w.bytes <= L.maxTotalMutationBytes && w.maxKey <= L.maxWriteKeyBytes &&
  w.maxValue <= L.maxValueBytes;

Deno.test("the loopback KV Connect server refuses an over-limit write sent directly, and applies none of it", async () => {
  const server = startKvConnectServer(TOKEN);
  try {
    const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
    const keys = (id: string, n: number) =>
      Array.from({ length: n }, (_, i) => encodeKey(id, `${i}`));
    /** A key of exactly `n` encoded bytes. */
    const keyOf = (id: string, n: number) => encodeKey(id, "k".repeat(n - id.length - 4));
    // 13 values that, with their keys, add up to exactly the commit byte limit.
    const totalKeys = keys("total", 13);
    const keyBytes = totalKeys.reduce((n, k) => n + k.length, 0);
    const last = L.maxTotalMutationBytes - keyBytes - 12 * L.maxValueBytes;
    const total = (extra: number): RawAtomicWrite => ({
      sets: totalKeys.map((key, i) => ({
        key,
        value: bytes(i < 12 ? L.maxValueBytes : last + extra),
      })),
    });
    const cases: Array<[string, (over: number) => RawAtomicWrite, string]> = [
      ["checks", (o) => ({
        absent: keys("checks", L.maxChecks + o),
        sets: [{ key: encodeKey("checks"), value: bytes(1) }],
      }), "too many checks in the atomic write"],
      [
        "mutations",
        (o) => ({
          sets: keys("mutations", L.maxMutations + o).map((key) => ({ key, value: bytes(1) })),
        }),
        "too many mutations in the atomic write",
      ],
      [
        "key size",
        (o) => ({ sets: [{ key: keyOf("key", L.maxWriteKeyBytes + o), value: bytes(1) }] }),
        "a key exceeds the key size limit",
      ],
      [
        "value size",
        (o) => ({ sets: [{ key: encodeKey("value"), value: bytes(L.maxValueBytes + o) }] }),
        "a value exceeds the value size limit",
      ],
      ["total size", total, "the total size of the atomic write is too large"],
    ];
    assert.equal(keyOf("key", 2048).length, 2048);
    for (const [name, write, reason] of cases) {
      // One over the limit: refused with the reason, nothing applied.
      const over = write(1);
      const refused = await postAtomicWrite(server.url, TOKEN, over);
      assert.deepEqual(refused, { status: 400, body: reason }, `${name}: over the limit`);
      assert.equal(server.refused.at(-1), reason);
      for (const { key } of over.sets ?? []) assert.equal(server.has(key), false, name);
      // Exactly at the limit: applied.
      const at = write(0);
      const applied = await postAtomicWrite(server.url, TOKEN, at);
      assert.equal(applied.status, 200, `${name}: at the limit (${applied.body})`);
      for (const { key } of at.sets ?? []) assert.equal(server.has(key), true, name);
    }
    assert.equal(server.refused.length, cases.length);
    assert.deepEqual(server.writes.map((w) => [w.checks, w.mutations]), [
      [10, 1],
      [0, 1000],
      [0, 1],
      [0, 1],
      [0, 13],
    ]);
    assert.equal(server.writes[4].bytes, L.maxTotalMutationBytes);
  } finally {
    await server.close();
  }
});

Deno.test("--kv: a value larger than one KV value is split into parts and read back whole by another process", async () => {
  await withServer(async (env) => {
    const text = note(100_000, "a");
    const r = await run(env, "WF_NOTE_V0", { note: text }, "T_parts");
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json.classification, "COMPLETED");
    assert.ok(r.writes.every(within), JSON.stringify(r.writes));
    // Besides small bookkeeping commits (the signing key, the trace-files marker), one commit
    // carried the run: the 100 kB record and the trace, in parts of at most one value.
    const carried = r.writes.filter((w) => w.bytes > 100_000);
    assert.equal(carried.length, 1, JSON.stringify(r.writes));
    assert.ok(carried[0].bytes > 200_000, `${carried[0].bytes} bytes`);
    assert.ok(carried[0].maxValue > 60_000, `largest value ${carried[0].maxValue}`);
    const entries = await readNotes(env, "T_parts_read");
    assert.equal(entries.length, 1);
    assert.equal(entries[0].record.note, text);
    assert.deepEqual(env.server.refused, []);
  });
});

Deno.test("--kv: a run too large for one commit lands in several; its trace and effects are whole", async () => {
  await withServer(async (env) => {
    const text = note(700_000, "b");
    const big = await run(env, "WF_NOTE_V0", { note: text }, "T_big");
    assert.equal(big.code, 0, big.err);
    assert.equal(big.json.classification, "COMPLETED");
    assert.ok(big.writes.every(within), JSON.stringify(big.writes));
    assert.ok(big.writes.filter((w) => w.bytes > 100_000).length >= 2, JSON.stringify(big.writes));
    assert.ok(
      big.writes.reduce((n, w) => n + w.bytes, 0) > L.maxTotalMutationBytes,
      "more than one commit can carry",
    );
    // Another process reads the note back from the server, and the file equals the committed
    // body.
    assert.equal((await readNotes(env, "T_big_read"))[0].record.note, text);
    const examined = await cli(env, ["examine", big.trace, "--kv", env.server.url, "--json"]);
    assert.equal(examined.code, 0, examined.out + examined.err);
    const report = JSON.parse(examined.out);
    assert.equal(report.intact, true);
    assert.equal(report.checked_against, "store");

    // Over a thousand mutations: 400 child runs, each registering one item.
    const items = Array.from({ length: 400 }, (_, i) => ({ id: `ITEM_${i}` }));
    const many = await run(env, "WF_ITEMS_V0", { items }, "T_many");
    assert.equal(many.code, 0, many.err);
    assert.equal(many.json.classification, "COMPLETED");
    assert.equal(many.records.filter((x) => x.type === "child_run").length, 400);
    assert.ok(many.writes.every(within), JSON.stringify(many.writes));
    assert.ok(
      many.writes.filter((w) => w.mutations > 100).length >= 2,
      JSON.stringify(many.writes),
    );
    assert.ok(
      many.writes.reduce((n, w) => n + w.mutations, 0) > L.maxMutations,
      "more mutations than one commit can carry",
    );
    assert.deepEqual(env.server.refused, []);
  });
});

Deno.test("--kv: a batch larger than one group commit (10 checks per commit) lands whole, in order", async () => {
  await withServer(async (env) => {
    const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ note: `n${i + 1}` }));
    const file = `${env.dir}/batch.jsonl`;
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    const before = env.server.writes.length;
    const r = await cli(env, [
      "run",
      "--wf",
      `${NS}::WF_NOTE_V0`,
      "--batch",
      file,
      "--workspace",
      env.ws,
      "--kv",
      env.server.url,
      "--no-png",
    ]);
    assert.equal(r.code, 0, r.out + r.err);
    const writes = env.server.writes.slice(before);
    // Each run needs a check that its trace id is new (and the group one per store): 25 runs
    // cannot share one commit of at most 10 checks.
    assert.ok(writes.every(within), JSON.stringify(writes));
    const groups = writes.filter((w) => w.checks > 1);
    assert.ok(groups.length >= 3, JSON.stringify(writes));
    assert.ok(groups.some((w) => w.checks >= L.maxChecks - 1), "groups fill the check limit");
    const entries = await readNotes(env, "T_batch_read");
    assert.deepEqual(
      entries.map((e) => [e.sequence_number, e.record.note]),
      lines.map((_, i) => [i + 1, `n${i + 1}`]),
    );
    assert.deepEqual(env.server.refused, []);
  });
});

Deno.test(`--kv: a run that touches ${SPREAD_STORES} stores (like the chain simulation) commits on a KV Connect server`, async () => {
  // One check per store and one for the trace id: 17, where a KV Connect commit carries 10.
  // The run is validated against the commit epoch and commits with two checks (epoch,
  // trace id); a second process sees every journal written once and appends after it.
  await withServer(async (env) => {
    const first = await run(env, "WF_SPREAD_V0", { note: "first" }, "T_spread");
    assert.equal(first.code, 0, first.err);
    assert.equal(first.json.classification, "COMPLETED");
    assert.equal(first.records.filter((x) => x.type === "effect").length, SPREAD_STORES);
    assert.ok(first.writes.every(within), JSON.stringify(first.writes));
    const carried = first.writes.filter((w) => w.mutations > SPREAD_STORES);
    assert.equal(carried.length, 1, JSON.stringify(first.writes));
    assert.equal(carried[0].checks, 2);
    const second = await run(env, "WF_SPREAD_V0", { note: "second" }, "T_spread_2");
    assert.equal(second.code, 0, second.err);
    const seqs = second.records.filter((x) => x.type === "effect").map((x) => x.key);
    assert.deepEqual(seqs, Array(SPREAD_STORES).fill("2"), "each journal already had record 1");
    const examined = await cli(env, ["examine", second.trace, "--kv", env.server.url, "--json"]);
    assert.equal(examined.code, 0, examined.out + examined.err);
    assert.equal(JSON.parse(examined.out).checked_against, "store");
    assert.deepEqual(env.server.refused, []);
  });
});
