/**
 * Least privilege (docs/DEPLOY.md): `run` from source needs read on the workspace and the
 * data root, write on the data root and `<workspace>/traces`, and nothing else (no env, no
 * net, no read of the Deno cache); a missing grant is a one-line error with a documented
 * exit code, never a stack trace. `--kv` adds net to the KV host and env for the token.
 */
import assert from "node:assert/strict";
import { closedPort, deno, outsideWorkspace, ROOT, runFlags } from "./_subprocess.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

/** `deno run` of the source CLI from `dir` (outside the repo) with exactly `perms`. */
function cli(dir: string, perms: string[], args: string[], env: Record<string, string> = {}) {
  return deno(
    ["run", "--config", `${ROOT}deno.json`, "--no-prompt", ...perms, `${ROOT}cli.ts`, ...args],
    dir,
    env,
  );
}

function runArgs(ws: string, target: string[]): string[] {
  return ["run", "--wf", WF, "--payload", `${ws}/payloads/ada.json`, "--workspace", ws, ...target];
}

Deno.test("run succeeds with only --allow-read=<ws>,<data> --allow-write=<data>,<ws>/traces", async () => {
  const { dir, ws, data } = await outsideWorkspace();
  for (const expected of ["-SUCCESS-> JOURNAL_JOINED", "-ALREADY_EXISTS-> JOURNAL_SEEN_AGAIN"]) {
    const r = await cli(dir, runFlags(ws, data), runArgs(ws, ["--data-root", data]));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, "");
    assert.match(r.out, new RegExp(expected));
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("run without write access to the data root: exit 2, one line naming it, nothing written", async () => {
  const { dir, ws, data } = await outsideWorkspace();
  const r = await cli(
    dir,
    [`--allow-read=${ws},${data}`, `--allow-write=${ws}/traces`],
    runArgs(ws, ["--data-root", data]),
  );
  assert.equal(r.code, 2);
  assert.equal(r.out, "");
  assert.equal(
    r.err,
    `error[STORAGE]: Cannot use data root "${data}": Requires write access to "${data}/.pgs", ` +
      `run again with the --allow-write flag\n`,
  );
  await assert.rejects(Deno.stat(`${ws}/traces`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("run without read access to the workspace: exit 3, one line naming it", async () => {
  const { dir, ws, data } = await outsideWorkspace();
  const r = await cli(
    dir,
    [`--allow-read=${ws}/payloads,${data}`, `--allow-write=${data},${ws}/traces`],
    runArgs(ws, ["--data-root", data]),
  );
  assert.equal(r.code, 3);
  assert.match(
    r.err,
    /^error\[SNAPSHOT\]: Cannot open workspace ".*": expected a directory protocol_snapshot\/artifacts \(Requires read access to ".*", run again with the --allow-read flag\)\n$/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "run without write access to <ws>/traces: exit 2, one line, before anything is committed",
  fn: async () => {
    const { dir, ws, data } = await outsideWorkspace();
    const r = await cli(
      dir,
      [`--allow-read=${ws},${data}`, `--allow-write=${data}`],
      runArgs(ws, ["--data-root", data]),
    );
    assert.equal(r.code, 2);
    assert.equal(r.err.split("\n").length, 2, r.err);
    assert.match(r.err, /^error\[USAGE\]: Cannot write trace files to ".*\/traces"/);
    await assert.rejects(Deno.stat(`${data}/.pgs/state.kv`), Deno.errors.NotFound);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("--kv at a closed port: exit 2, one line naming the URL; net and env grants are required", async () => {
  const { dir, ws } = await outsideWorkspace();
  const port = closedPort();
  const url = `http://127.0.0.1:${port}`;
  const read = [`--allow-read=${ws}`, `--allow-write=${ws}/traces`];
  const net = `--allow-net=127.0.0.1:${port}`;
  const env = "--allow-env=DENO_KV_ACCESS_TOKEN";
  const token = { DENO_KV_ACCESS_TOKEN: "test-token" };
  const args = runArgs(ws, ["--kv", url]);

  const down = await cli(dir, [...read, net, env], args, token);
  assert.equal(down.code, 2);
  assert.equal(down.out, "");
  assert.equal(down.err.split("\n").length, 2, down.err);
  assert.match(
    down.err,
    new RegExp(`^error\\[STORAGE\\]: Cannot open KV database "${url}": .*Connection refused`),
  );

  const noNet = await cli(dir, [...read, env], args, token);
  assert.equal(noNet.code, 2);
  assert.equal(
    noNet.err,
    `error[STORAGE]: Cannot open KV database "${url}": Requires net access to "127.0.0.1:${port}", ` +
      `run again with the --allow-net flag\n`,
  );
  const noEnv = await cli(dir, [...read, net], args, token);
  assert.equal(noEnv.code, 2);
  assert.match(noEnv.err, /^error\[STORAGE\]: .*Requires env access to "DENO_KV_ACCESS_TOKEN"/);
  const noToken = await cli(dir, [...read, net, env], args);
  assert.equal(noToken.code, 2);
  assert.match(
    noToken.err,
    /^error\[STORAGE\]: .*Missing DENO_KV_ACCESS_TOKEN environment variable/,
  );
  await assert.rejects(Deno.stat(`${ws}/traces`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runWorkflow() checks <ws>/traces before running: UsageError, nothing committed", async () => {
  const { dir, ws, data } = await outsideWorkspace();
  const script = `${dir}/lib_run.ts`;
  await Deno.writeTextFile(
    script,
    `import { runWorkflow } from ${JSON.stringify(`${ROOT}mod.ts`)};\n` +
      `try {\n` +
      `  await runWorkflow({ workspace: ${JSON.stringify(ws)}, workflow: "${WF}", ` +
      `payload: { member: { name: "Ada", email: "ada@example.org" } }, dataRoot: ${
        JSON.stringify(data)
      } });\n` +
      `} catch (e) { console.log(e.name, e.code, e.message); }\n`,
  );
  const r = await deno(
    [
      "run",
      "--config",
      `${ROOT}deno.json`,
      "--no-prompt",
      `--allow-read=${ws},${data},${script}`,
      `--allow-write=${data}`,
      script,
    ],
    dir,
  );
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    new RegExp(
      `^UsageError USAGE Cannot write trace files to "${ws}/traces": no write permission \\(run with --allow-write=${ws}/traces\\)`,
    ),
  );
  await assert.rejects(Deno.stat(`${data}/.pgs`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("examine/replay --data-root and public-key work with exactly the DEPLOY.md grants, and write nothing", async () => {
  const { dir, ws, data } = await outsideWorkspace();
  try {
    const run = await cli(dir, runFlags(ws, data), [
      ...runArgs(ws, ["--data-root", data]),
      "--trace-id",
      "T_audit",
      "--no-png",
    ]);
    assert.equal(run.code, 0, run.err);
    const trace = `${ws}/traces/T_audit/T_audit.jsonl`;
    const files = async () => {
      const out: Record<string, string> = {};
      for await (const e of Deno.readDir(`${data}/.pgs`)) {
        out[e.name] = String((await Deno.readFile(`${data}/.pgs/${e.name}`)).length);
      }
      return out;
    };
    const before = await files();
    const store = [`--allow-read=${trace},${ws},${data}/.pgs`, `--allow-write=${data}/.pgs`];
    const examine = await cli(dir, store, ["examine", trace, "--data-root", data]);
    assert.equal(examine.code, 0, examine.err);
    assert.match(examine.out, /equal to the body committed in the state store; seal verified/);
    const replay = await cli(dir, store, [
      "replay",
      trace,
      "--workspace",
      ws,
      "--data-root",
      data,
    ]);
    assert.equal(replay.code, 0, replay.err);
    assert.deepEqual(await files(), before, "the store is only read");
    // Read access alone is not enough for Deno KV: one line saying which grant is missing.
    const readOnly = await cli(dir, [`--allow-read=${trace},${data}`], [
      "examine",
      trace,
      "--data-root",
      data,
    ]);
    assert.equal(readOnly.code, 2);
    assert.match(readOnly.err, /^error\[STORAGE\]: .*Requires write access to .*\.pgs/);
    const key = await cli(dir, [`--allow-read=${data}`, `--allow-write=${data}`], [
      "public-key",
      "--data-root",
      data,
    ]);
    assert.equal(key.code, 0, key.err);
    assert.match(key.out, /^-----BEGIN PUBLIC KEY-----\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
