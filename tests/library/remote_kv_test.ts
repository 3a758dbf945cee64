/**
 * Remote state (`--kv URL`): the CLI, as separate processes, shares one KV Connect server
 * on loopback (tests/library/_kv_connect_server.ts, driven by Deno's own remote client)
 * with the same semantics as a local data root: REGISTER is idempotent across processes,
 * the journal's sequence numbers are gap-free, and a bad token is a one-line exit 2.
 */
import assert from "node:assert/strict";
import { startKvConnectServer } from "./_kv_connect_server.ts";
import { deno, outsideWorkspace, ROOT } from "./_subprocess.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const TOKEN = "pgs-test-token";

// deno-lint-ignore no-explicit-any
type Rec = any;

Deno.test("--kv: processes sharing one KV Connect server see one registry and one journal", async () => {
  const server = startKvConnectServer(TOKEN);
  const { dir, ws } = await outsideWorkspace();
  const port = new URL(server.url).port;
  // Least privilege with --kv: no data root, so no --allow-write but the traces folder.
  const perms = [
    `--allow-read=${ws}`,
    `--allow-write=${ws}/traces`,
    `--allow-net=127.0.0.1:${port}`,
    "--allow-env=DENO_KV_ACCESS_TOKEN",
  ];
  const run = async (payload: string, traceId: string, token = TOKEN) => {
    const r = await deno(
      [
        "run",
        "--config",
        `${ROOT}deno.json`,
        "--no-prompt",
        ...perms,
        `${ROOT}cli.ts`,
        "run",
        "--wf",
        WF,
        "--payload",
        payload,
        "--workspace",
        ws,
        "--kv",
        server.url,
        "--trace-id",
        traceId,
        "--json",
      ],
      dir,
      { DENO_KV_ACCESS_TOKEN: token },
    );
    return { ...r, json: r.code === 0 ? JSON.parse(r.out) : null };
  };
  const steps = async (traceId: string): Promise<Rec[]> =>
    (await Deno.readTextFile(`${ws}/traces/${traceId}/${traceId}.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l)).filter((r: Rec) => r.type === "step");
  try {
    const r1 = await run(`${ws}/payloads/ada.json`, "T_kv_1");
    assert.equal(r1.code, 0, r1.err);
    const r2 = await run(`${ws}/payloads/ada.json`, "T_kv_2");
    assert.equal(r2.code, 0, r2.err);
    assert.equal(r1.json.classification, "COMPLETED");
    assert.equal(r2.json.classification, "COMPLETED");
    const s1 = await steps("T_kv_1");
    const s2 = await steps("T_kv_2");
    assert.deepEqual(s1.map((s) => `${s.step}:${s.status}`), [
      "derive_member_id:SUCCESS",
      "register_member:SUCCESS",
      "append_member_event:SUCCESS",
    ]);
    assert.deepEqual(s2.map((s) => `${s.step}:${s.status}`), [
      "derive_member_id:SUCCESS",
      "register_member:ALREADY_EXISTS",
      "append_member_event:SUCCESS",
    ]);
    assert.equal(s1[2].outputs.sequence_number, 1);
    assert.equal(s2[2].outputs.sequence_number, 2);

    // Three processes at once, one new member: exactly one registers it, none is lost.
    await Deno.writeTextFile(
      `${ws}/payloads/grace.json`,
      JSON.stringify({ member: { name: "Grace", email: "grace@example.org" } }),
    );
    const ids = ["T_kv_c1", "T_kv_c2", "T_kv_c3"];
    const concurrent = await Promise.all(ids.map((id) => run(`${ws}/payloads/grace.json`, id)));
    for (const c of concurrent) assert.equal(c.code, 0, c.err);
    const results = await Promise.all(ids.map(steps));
    assert.deepEqual(results.map((s) => s[1].status).sort(), [
      "ALREADY_EXISTS",
      "ALREADY_EXISTS",
      "SUCCESS",
    ]);
    assert.deepEqual(results.map((s) => s[2].outputs.sequence_number).sort(), [3, 4, 5]);

    // Replay needs no state: CS results come from the trace.
    const trace = `${ws}/traces/T_kv_2/T_kv_2.jsonl`;
    const replay = await deno(
      [
        "run",
        "--config",
        `${ROOT}deno.json`,
        "--no-prompt",
        `--allow-read=${ws}`,
        `${ROOT}cli.ts`,
        "replay",
        trace,
        "--workspace",
        ws,
      ],
      dir,
    );
    assert.equal(replay.code, 0, replay.err);
    assert.match(replay.out, /^identical \(\d+ records\)\n$/);

    const denied = await run(`${ws}/payloads/ada.json`, "T_kv_bad", "wrong-token");
    assert.equal(denied.code, 2);
    assert.equal(denied.err.split("\n").length, 2, denied.err);
    assert.match(
      denied.err,
      new RegExp(
        `^error\\[STORAGE\\]: Cannot open KV database "${server.url}": .*invalid access token`,
      ),
    );
    assert.ok((server.requests.get("/v2/atomic_write") ?? 0) >= 5);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--kv with --data-root: the .md's commands grant the data root nothing and work as written", async () => {
  const server = startKvConnectServer(TOKEN);
  const { dir, ws, data } = await outsideWorkspace();
  const port = new URL(server.url).port;
  try {
    const r = await deno(
      [
        "run",
        "--config",
        `${ROOT}deno.json`,
        "--no-prompt",
        `--allow-read=${ws},${data}`,
        `--allow-write=${data},${ws}/traces`,
        `--allow-net=127.0.0.1:${port}`,
        "--allow-env=DENO_KV_ACCESS_TOKEN",
        `${ROOT}cli.ts`,
        "run",
        "--wf",
        WF,
        "--payload",
        `${ws}/payloads/ada.json`,
        "--workspace",
        ws,
        "--kv",
        server.url,
        "--data-root",
        data,
        "--trace-id",
        "T_kv_md",
        "--no-png",
      ],
      dir,
      { DENO_KV_ACCESS_TOKEN: TOKEN },
    );
    assert.equal(r.code, 0, r.err);
    const md = await Deno.readTextFile(`${ws}/traces/T_kv_md/T_kv_md.md`);
    const fence = md.slice(md.indexOf("```sh\n") + 6, md.indexOf("\n```", md.indexOf("```sh")));
    const commands = fence.split("\n");
    assert.equal(commands.length, 2, fence);
    const [examine] = commands;
    assert.match(
      examine,
      new RegExp(
        `^deno run --conditions=module --unstable-kv --allow-read=${ws}/traces/T_kv_md ` +
          `--allow-net=127\\.0\\.0\\.1:${port} --allow-env=DENO_KV_ACCESS_TOKEN \\S+cli\\.ts ` +
          `examine ${ws}/traces/T_kv_md/T_kv_md\\.jsonl --kv ${server.url.replace(/\./g, "\\.")}$`,
      ),
    );
    for (const command of commands) {
      assert.ok(!command.includes(data), `the data root is not granted: ${command}`);
      const argv = command.split(" ").map((w) => w.replace(/^'(.*)'$/, "$1"));
      assert.equal(argv[0], "deno");
      const p = await deno(argv.slice(1), dir, { DENO_KV_ACCESS_TOKEN: TOKEN });
      assert.equal(p.code, 0, `${command}\n${p.err}`);
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
