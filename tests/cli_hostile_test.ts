/**
 * Hostile command lines found by the fuzz campaign: each refusal is one line naming the flag
 * or file and what was expected, with the documented exit code, and changes nothing (no
 * stray file in the working directory, no process left waiting on a pipe); a committed run's
 * summary suggests commands that work from anywhere.
 */
import assert from "node:assert/strict";
import { main } from "../cli.ts";
import { cliProcess, deno, outsideWorkspace, ROOT, runFlags } from "./library/_subprocess.ts";
import { tempWorkspace } from "./_support/workspace.ts";
import { tempDir } from "./_support/tmp.ts";
import { adaRunArgs } from "./_support/cli.ts";
import { rechain } from "./_support/forge.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const CLI = `${ROOT}cli.ts`;

/** One committed run in a fresh workspace; returns its paths. */
async function committed(traceId = "T_base") {
  const t = await tempWorkspace();
  const code = await main([
    ...adaRunArgs(t),
    "--no-png",
    "--trace-id",
    traceId,
  ], { out: () => undefined, err: () => undefined });
  assert.equal(code, 0);
  return { ...t, trace: `${t.workspace}/traces/${traceId}/${traceId}.jsonl` };
}

async function listing(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("--kv that is not a KV Connect URL: every command refuses it (exit 2) and creates no file", async () => {
  const t = await committed();
  const cwd = await tempDir("pgs-kv-cwd-");
  try {
    const before = await listing(cwd);
    const cases: string[][] = [
      ["public-key", "--kv", "nope"],
      ["examine", t.trace, "--kv", "nope"],
      ["replay", t.trace, "--workspace", t.workspace, "--kv", "nope"],
      ["run", "--wf", WF, "--payload", `${t.workspace}/payloads/ada.json`, "--workspace"]
        .concat([t.workspace, "--kv", "http://[::1", "--no-png"]),
      ["public-key", "--kv", "http://127.0.0.1:99999"],
    ];
    for (const args of cases) {
      const r = await cliProcess(args, { cwd });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.equal(r.out, "", args.join(" "));
      assert.match(
        r.err,
        /^error\[USAGE\]: Invalid --kv "[^"]*": expected an http:\/\/ or https:\/\/ KV Connect URL\n$/,
      );
    }
    // Deno KV takes what is not a URL for a file path: "nope" would be a new database here.
    assert.deepEqual(await listing(cwd), before);
  } finally {
    await Deno.remove(cwd, { recursive: true });
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("--kv that cannot be reached with a new --data-root: refused (exit 2), the data root not created", async () => {
  const t = await committed();
  const cwd = await tempDir("pgs-kv-root-");
  const run = ["run", "--wf", WF, "--payload", `${t.workspace}/payloads/ada.json`, "--workspace"]
    .concat([t.workspace, "--data-root", "views", "--no-png"]);
  // No token; then a token and nothing listening (port 1 refuses connections).
  for (const env of [{}, { DENO_KV_ACCESS_TOKEN: "x" }] as Record<string, string>[]) {
    const r = await cliProcess([...run, "--kv", "http://127.0.0.1:1"], { cwd, env });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^error\[STORAGE\]: Cannot open KV database "http:\/\/127\.0\.0\.1:1": /);
    assert.deepEqual(await listing(cwd), [], "no views folder, no .pgs");
  }
});

Deno.test("a FIFO or a device as batch, trace or key file is refused at once (exit 2), not waited on", async () => {
  const t = await committed();
  const fifo = `${t.dir}/fifo`;
  const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.equal(mk.code, 0);
  try {
    const run = ["run", "--wf", WF, "--workspace", t.workspace, "--data-root", t.dataRoot];
    const cases: [string[], RegExp][] = [
      [
        [...run, "--batch", fifo],
        /^error\[PAYLOAD\]: Cannot read --batch ".*fifo": not a regular file$/,
      ],
      [
        [...run, "--batch", "/dev/zero"],
        /^error\[PAYLOAD\]: Cannot read --batch "\/dev\/zero": not a regular file$/,
      ],
      [
        [...run, "--batch", "-"],
        /^error\[PAYLOAD\]: Cannot read --batch "-": standard input is for --payload -/,
      ],
      [["examine", fifo], /^error\[USAGE\]: Cannot read trace ".*fifo": not a regular file$/],
      [
        ["examine", "/dev/zero"],
        /^error\[USAGE\]: Cannot read trace "\/dev\/zero": not a regular file$/,
      ],
      [["replay", "/dev/zero", "--workspace", t.workspace], /^error\[USAGE\]: Cannot read trace/],
      [
        ["examine", t.trace, "--public-key", fifo],
        /^error\[USAGE\]: Cannot read --public-key ".*fifo": not a regular file$/,
      ],
      [
        ["examine", t.trace, "--public-key", "/dev/zero"],
        /^error\[USAGE\]: Cannot read --public-key "\/dev\/zero": not a regular file$/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cliProcess(args, { cwd: t.dir });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      const lines = r.err.trimEnd().split("\n");
      assert.equal(lines.length, 1, r.err);
      assert.match(lines[0], message);
    }
    // A key file far larger than any key is not read whole.
    await Deno.writeTextFile(`${t.dir}/big.pem`, "a".repeat(1 << 20));
    const big = await cliProcess(["examine", t.trace, "--public-key", `${t.dir}/big.pem`], {
      cwd: t.dir,
    });
    assert.equal(big.code, 2);
    assert.match(
      big.err,
      /^error\[USAGE\]: Cannot read --public-key ".*big\.pem": 1048576 bytes is too large for a key file\n$/,
    );
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("a flag value with a newline, or a huge flag name, still gives one line saying what was expected", async () => {
  const t = await tempWorkspace();
  try {
    const run = (...extra: string[]) => [
      "run",
      "--payload",
      `${t.workspace}/payloads/ada.json`,
      "--workspace",
      t.workspace,
      "--data-root",
      t.dataRoot,
      ...extra,
    ];
    const cases: [string[], RegExp][] = [
      [
        run("--wf", `${WF}\nrm -rf /`),
        /^error\[WORKFLOW_NAME\]: Invalid --wf "club::WF_REGISTER_MEMBER_V0\\nrm -rf \/": expected <domain>::<CODE>/,
      ],
      [
        run("--wf", WF, "--trace-id", "a\nb"),
        /^error\[TRACE_ID\]: Invalid --trace-id "a\\nb": expected 1-128 characters/,
      ],
      [
        run("--wf", WF, "--seed", "ab\ncd"),
        /^error\[USAGE\]: Invalid --seed "ab\\ncd": expected an even number/,
      ],
      [
        run("--wf", WF, "--clock", "2026-01-01T00:00:00Z\n"),
        /^error\[USAGE\]: Invalid --clock "2026-01-01T00:00:00Z\\n": expected an RFC 3339/,
      ],
      [
        run("--wf", WF, "--budget", "5\n"),
        /^error\[USAGE\]: Invalid --budget "5\\n": expected a positive integer$/,
      ],
      [
        run("--wf", WF, `--${"x".repeat(100_000)}`),
        /^error\[USAGE\]: Unknown flag "--x{58}…" for run \(see pgs-runtime run --help\)$/,
      ],
    ];
    for (const [args, message] of cases) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
      assert.equal(code, 2, err.join("\n"));
      assert.equal(err.length, 1);
      assert.ok(!err[0].includes("\n"), JSON.stringify(err[0]));
      assert.ok(err[0].length < 300, `${err[0].length} characters`);
      assert.match(err[0], message);
      assert.deepEqual(out, []);
    }
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("replay of a consistently re-chained trace with retyped header fields: exit 5 naming the file", async () => {
  const t = await committed("T_retyped");
  try {
    // Rewrite the header (a numeric trace id, a string budget) and recompute seq/prev,
    // as a forger would: the chain holds, the schema does not.
    const records = (await Deno.readTextFile(t.trace)).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    records[0].trace_id = 5;
    records[0].budget = "many";
    const lines = rechain(records);
    const forged = `${t.dir}/forged.jsonl`;
    await Deno.writeTextFile(forged, lines.map((l) => `${l}\n`).join(""));
    for (const json of [false, true]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(
        ["replay", forged, "--workspace", t.workspace, ...(json ? ["--json"] : [])],
        { out: (l) => out.push(l), err: (l) => err.push(l) },
      );
      assert.equal(code, 5, err.join("\n"));
      assert.equal(err.length, 1);
      assert.match(
        err[0],
        /^error\[TRACE\]: Cannot replay ".*forged\.jsonl": a damaged trace: line 1 \(header\): \$\.(trace_id|budget)/,
      );
      if (json) assert.equal(JSON.parse(out[0]).error.code, "TRACE");
    }
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("replay of a re-chained trace whose header payload is not an object: exit 5, not a usage error", async () => {
  const t = await committed("T_payload");
  try {
    const records = (await Deno.readTextFile(t.trace)).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    records[0].payload = ["not", "an", "object"];
    const body = rechain(records).map((l) => `${l}\n`).join("");
    const forged = `${t.dir}/forged.jsonl`;
    await Deno.writeTextFile(forged, body);
    const err: string[] = [];
    const code = await main(["replay", forged, "--workspace", t.workspace], {
      out: () => undefined,
      err: (l) => err.push(l),
    });
    assert.equal(code, 5, err.join("\n"));
    assert.match(
      err[0],
      /^error\[TRACE\]: Cannot replay ".*forged\.jsonl": a damaged trace: line 1 \(header\): Invalid payload/,
    );
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("examine of a file that is not a trace lists its first 50 problems and counts the rest", async () => {
  const dir = await tempDir("pgs-notrace-");
  try {
    const file = `${dir}/log.jsonl`;
    await Deno.writeTextFile(file, "{}\n".repeat(2_000));
    const out: string[] = [];
    const code = await main(["examine", file], { out: (l) => out.push(l), err: () => undefined });
    assert.equal(code, 5);
    const lines = out.join("\n").split("\n");
    assert.match(lines[0], /^trace \(unknown id\): DAMAGED, (\d+) problem\(s\)/);
    const total = Number(/DAMAGED, (\d+)/.exec(lines[0])![1]);
    assert.ok(total > 2_000, `${total}`);
    assert.equal(lines.length, 52);
    assert.equal(lines[51], `  … and ${total - 50} more (examine --json lists them all)`);
    const json: string[] = [];
    assert.equal(
      await main(["examine", file, "--json"], { out: (l) => json.push(l), err: () => {} }),
      5,
    );
    assert.equal(JSON.parse(json[0]).problems.length, total);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run given relative paths: the .md's examine and replay commands work from another directory", async () => {
  const { dir } = await outsideWorkspace();
  try {
    // As an operator types it: relative workspace, data root and payload.
    const r = await deno(
      [
        "run",
        "--no-prompt",
        "--config",
        `${ROOT}deno.json`,
        ...runFlags("ws", "data"),
        CLI,
        "run",
        "--wf",
        WF,
        "--payload",
        "ws/payloads/ada.json",
        "--workspace",
        "ws",
        "--data-root",
        "data",
        "--trace-id",
        "T_rel",
        "--no-png",
      ],
      dir,
    );
    assert.equal(r.code, 0, r.err);
    const md = await Deno.readTextFile(`${dir}/ws/traces/T_rel/T_rel.md`);
    const fence = md.slice(md.indexOf("```sh\n") + 6, md.indexOf("\n```", md.indexOf("```sh")));
    const elsewhere = await tempDir("pgs-elsewhere-");
    try {
      for (const command of fence.split("\n")) {
        assert.ok(!/ ws\//.test(command), `relative path in: ${command}`);
        const argv = command.split(" ").map((w) => w.replace(/^'(.*)'$/, "$1"));
        const p = await deno(argv.slice(1), elsewhere);
        assert.equal(p.code, 0, `${command}\n${p.err}`);
      }
    } finally {
      await Deno.remove(elsewhere, { recursive: true });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a malformed PGS_SECRET_SEED is refused naming the variable, before anything runs", async () => {
  const t = await tempWorkspace();
  try {
    const r = await deno(
      [
        "run",
        "--no-prompt",
        "--config",
        `${ROOT}deno.json`,
        "-A",
        CLI,
        ...adaRunArgs(t),
      ],
      t.dir,
      { PGS_SECRET_SEED: "zz" },
    );
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      'error[USAGE]: Invalid PGS_SECRET_SEED "zz": expected an even number (2-128) of hex digits\n',
    );
    assert.deepEqual(await listing(t.dataRoot), []);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("file names are quoted with escapes; a bad batch line is named as the batch's, not as a --payload", async () => {
  const t = await tempWorkspace();
  try {
    const odd = `${t.dir}/pay\nload.json`;
    await Deno.writeTextFile(odd, "[1]");
    const batch = `${t.dir}/b.jsonl`;
    await Deno.writeTextFile(batch, '{"member":{}}\n[1]\n');
    const run = ["run", "--wf", WF, "--workspace", t.workspace, "--data-root", t.dataRoot];
    const cases: [string[], string][] = [
      [
        [...run, "--payload", odd],
        `error[PAYLOAD]: Invalid --payload ${
          JSON.stringify(odd)
        }: expected a JSON object, got an array`,
      ],
      [
        [...run, "--batch", batch],
        `error[PAYLOAD]: Invalid --batch "${batch}" line 2: expected a JSON object, got an array`,
      ],
      [
        ["examine", `${t.dir}/no\ntrace.jsonl`],
        `error[USAGE]: Cannot read trace "${t.dir}/no\\ntrace.jsonl": No such file or directory`,
      ],
    ];
    for (const [args, expected] of cases) {
      const err: string[] = [];
      const code = await main(args, { out: () => undefined, err: (l) => err.push(l) });
      assert.equal(code, 2);
      assert.equal(err.length, 1);
      assert.ok(err[0].startsWith(expected), `${err[0]}\n  expected to start with\n${expected}`);
    }
    assert.deepEqual(await listing(t.dataRoot), []);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("replay against a workspace without the trace's workflow: refused as another snapshot (exit 5)", async () => {
  const t = await committed("T_elsewhere");
  const other = await tempDir("pgs-other-ws-");
  try {
    await Deno.mkdir(`${other}/protocol_snapshot/artifacts/workflows`, { recursive: true });
    const err: string[] = [];
    const code = await main(["replay", t.trace, "--workspace", other], {
      out: () => undefined,
      err: (l) => err.push(l),
    });
    assert.equal(code, 5, err.join("\n"));
    assert.match(
      err[0],
      /^error\[TRACE\]: Cannot replay ".*T_elsewhere\.jsonl": this snapshot has no workflow "club::WF_REGISTER_MEMBER_V0" \(the trace was recorded on snapshot [0-9a-f]{16}…\)$/,
    );
  } finally {
    await Deno.remove(other, { recursive: true });
    await Deno.remove(t.dir, { recursive: true });
  }
});
