// Guarantee 3: bad input is refused with exactly one stderr line `error[CODE]: ...`, the
// documented exit code, and no state change (data root and workspace byte-identical).
import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { stateTree as tree } from "../_support/cli.ts";
import { tempWorkspace } from "../_support/workspace.ts";
import { CLI, CONFIG } from "./_spawn.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

interface Case {
  name: string;
  args: string[];
  code: number;
  /** Error code expected inside `error[...]`. */
  error: string;
}

async function setup() {
  const t = await tempWorkspace();
  const ok = `${t.workspace}/payloads/ada.json`;
  // Prior state: one committed run, so "unchanged" means something.
  const first = await main(
    [
      "run",
      "--wf",
      WF,
      "--payload",
      ok,
      "--workspace",
      t.workspace,
      "--data-root",
      t.dataRoot,
      "--no-png",
      "--trace-id",
      "T_prior",
    ],
    { out: () => undefined, err: () => undefined },
  );
  assert.equal(first, 0);
  const file = async (name: string, data: string | Uint8Array) => {
    const p = `${t.dir}/${name}`;
    if (typeof data === "string") await Deno.writeTextFile(p, data);
    else await Deno.writeFile(p, data);
    return p;
  };
  return { t, ok, file };
}

/** Runs one case and checks the refusal contract. Returns the stderr line. */
async function refuse(
  t: { dir: string; workspace: string; dataRoot: string },
  c: Case,
  extraRoots: string[] = [],
): Promise<string> {
  const roots = [t.dataRoot, t.workspace, ...extraRoots];
  const before = await Promise.all(roots.map(tree));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(c.args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  assert.equal(code, c.code, `${c.name}: exit code (stderr: ${err.join(" | ")})`);
  assert.equal(err.length, 1, `${c.name}: exactly one stderr line, got ${JSON.stringify(err)}`);
  assert.ok(!err[0].includes("\n"), `${c.name}: one line`);
  assert.ok(err[0].startsWith(`error[${c.error}]: `), `${c.name}: ${err[0]}`);
  assert.ok(err[0].length < 600, `${c.name}: short message`);
  assert.deepEqual(out, [], `${c.name}: nothing on stdout`);
  const after = await Promise.all(roots.map(tree));
  assert.deepEqual(after, before, `${c.name}: state unchanged`);
  return err[0];
}

const run = (payload: string, t: { workspace: string; dataRoot: string }, ...extra: string[]) => [
  "run",
  "--wf",
  WF,
  "--payload",
  payload,
  "--workspace",
  t.workspace,
  "--data-root",
  t.dataRoot,
  "--no-png",
  ...extra,
];

Deno.test("bad input: payloads that are missing, unreadable, not JSON, not objects, huge or deep", async () => {
  const { t, file } = await setup();
  try {
    await Deno.mkdir(`${t.dir}/a_directory`);
    await Deno.symlink(`${t.dir}/nowhere.json`, `${t.dir}/dangling.json`);
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x20);
    big.set(new TextEncoder().encode('{"member":'), 0);
    big[big.length - 1] = 0x7d; // "}" (the middle is spaces: size alone must refuse it)
    const deepArrays = `{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
    const deepObjects = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    const cases: Array<[string, string]> = [
      ["missing file", `${t.dir}/does_not_exist.json`],
      ["a directory", `${t.dir}/a_directory`],
      ["a dangling symlink", `${t.dir}/dangling.json`],
      ["empty file", await file("empty.json", "")],
      ["not JSON", await file("garbage.json", "{member: ada}")],
      ["truncated JSON", await file("trunc.json", '{"member":{"name":"Ada"')],
      ["an array", await file("array.json", "[]")],
      ["a string", await file("string.json", '"ada"')],
      ["null", await file("null.json", "null")],
      ["a number", await file("number.json", "42")],
      ["a boolean", await file("bool.json", "true")],
      ["50 MB", await file("big.json", big)],
      ["10,000 nested arrays", await file("deep_arrays.json", deepArrays)],
      ["10,000 nested objects", await file("deep_objects.json", deepObjects)],
    ];
    for (const [name, payload] of cases) {
      await refuse(t, { name, args: run(payload, t), code: 2, error: "PAYLOAD" });
    }
    // A data root that does not exist yet is not created by a refused run.
    const fresh = { workspace: t.workspace, dataRoot: `${t.dir}/never_created` };
    await refuse(t, {
      name: "fresh root",
      args: run(`${t.dir}/null.json`, fresh),
      code: 2,
      error: "PAYLOAD",
    });
    await assert.rejects(() => Deno.stat(fresh.dataRoot), Deno.errors.NotFound);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("bad input: a 50 MB payload on stdin is refused without reading it all", async () => {
  const { t } = await setup();
  try {
    const before = [await tree(t.dataRoot), await tree(t.workspace)];
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--config", CONFIG, CLI, ...run("-", t)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    chunk[0] = 0x7b;
    // The CLI stops reading past 16 MiB and exits; later writes then fail (EPIPE).
    await (async () => {
      for (let i = 0; i < 50; i++) await writer.write(chunk);
      await writer.close();
    })().catch(() => undefined);
    const out = await child.output();
    const err = new TextDecoder().decode(out.stderr).trimEnd().split("\n");
    assert.equal(out.code, 2);
    assert.equal(err.length, 1, err.join("\n"));
    assert.match(
      err[0],
      /^error\[PAYLOAD\]: Cannot accept --payload "-": \d+ bytes exceeds the 16777216-byte limit$/,
    );
    assert.deepEqual([await tree(t.dataRoot), await tree(t.workspace)], before);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("bad input: unknown or malformed workflow names, path traversal included", async () => {
  const { t, ok } = await setup();
  try {
    const names: Array<[string, string]> = [
      ["nosuch::WF_REGISTER_MEMBER_V0", "WORKFLOW_NAME"],
      ["club::WF_NOPE_V0", "WORKFLOW_NAME"],
      ["../../x::y", "WORKFLOW_NAME"],
      ["club::../../../etc/passwd", "WORKFLOW_NAME"],
      ["..::WF_REGISTER_MEMBER_V0", "WORKFLOW_NAME"],
      ["club::..", "WORKFLOW_NAME"],
      ["club/../club::WF_REGISTER_MEMBER_V0", "WORKFLOW_NAME"],
      ["club::WF_REGISTER_MEMBER_V0/../../x", "WORKFLOW_NAME"],
      ["/etc::passwd", "WORKFLOW_NAME"],
      ["club::%2e%2e%2fWF", "WORKFLOW_NAME"],
      ["club::WF\\..\\x", "WORKFLOW_NAME"],
      ["club::WF_REGISTER_MEMBER_V0\u0000", "WORKFLOW_NAME"],
      ["club:: WF_REGISTER_MEMBER_V0", "WORKFLOW_NAME"],
      ["club::", "WORKFLOW_NAME"],
      ["::WF_REGISTER_MEMBER_V0", "WORKFLOW_NAME"],
      ["club::WF::X", "WORKFLOW_NAME"],
      ["club__WF_REGISTER_MEMBER_V0", "WORKFLOW_NAME"],
      ["x".repeat(120) + "::y", "WORKFLOW_NAME"],
    ];
    for (const [wf, error] of names) {
      const args = [
        "run",
        "--wf",
        wf,
        "--payload",
        ok,
        "--workspace",
        t.workspace,
        "--data-root",
        t.dataRoot,
      ];
      const line = await refuse(t, {
        name: `--wf ${JSON.stringify(wf.slice(0, 40))}`,
        args,
        code: 2,
        error,
      });
      assert.ok(line.length < 400, "a long name is cut in the message");
    }
    // `check --wf` validates the same way.
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["check", "--workspace", t.workspace, "--wf", "../../x::y"], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    assert.equal(code, 2);
    assert.equal(err.length, 1);
    assert.ok(err[0].startsWith("error[WORKFLOW_NAME]: "));
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("bad input: invalid or reused trace ids, bad options, unusable data roots, no snapshot", async () => {
  const { t, ok, file } = await setup();
  try {
    for (const id of ["../x", "a/b", "", "x".repeat(129), "a b", "é", "a.b", "T\u0000", "-"]) {
      // "-" is a valid id by the pattern; every other one is not.
      if (id === "-") continue;
      await refuse(t, {
        name: `--trace-id ${JSON.stringify(id.slice(0, 20))}`,
        args: run(ok, t, "--trace-id", id),
        code: 2,
        error: "TRACE_ID",
      });
    }
    // A trace id already committed: the whole run is refused, nothing of it is written.
    await refuse(t, {
      name: "reused trace id",
      args: run(ok, t, "--trace-id", "T_prior"),
      code: 2,
      error: "TRACE_ID",
    });
    for (
      const [flag, value] of [
        ["--budget", "0"],
        ["--budget", "-3"],
        ["--budget", "1.5"],
        ["--budget", "lots"],
        ["--seed", "xyz"],
        ["--clock", "yesterday"],
      ]
    ) {
      await refuse(t, {
        name: `${flag} ${value}`,
        args: run(ok, t, flag, value),
        code: 2,
        error: "USAGE",
      });
    }
    const aFile = await file("plain_file", "not a directory");
    for (const root of [aFile, `${aFile}/sub`, `${aFile}/sub/deeper`]) {
      const args = [
        "run",
        "--wf",
        WF,
        "--payload",
        ok,
        "--workspace",
        t.workspace,
        "--data-root",
        root,
        "--no-png",
      ];
      const line = await refuse(t, { name: `data root ${root}`, args, code: 2, error: "STORAGE" }, [
        t.dir,
      ]);
      assert.match(line, /not a directory/);
    }
    await refuse(t, {
      name: "no --data-root",
      args: ["run", "--wf", WF, "--payload", ok, "--workspace", t.workspace],
      code: 2,
      error: "USAGE",
    });
    const empty = `${t.dir}/empty_workspace`;
    await Deno.mkdir(empty);
    for (const ws of [empty, `${t.dir}/no_such_workspace`, aFile]) {
      const args = [
        "run",
        "--wf",
        WF,
        "--payload",
        ok,
        "--workspace",
        ws,
        "--data-root",
        t.dataRoot,
        "--no-png",
      ];
      const line = await refuse(t, { name: `workspace ${ws}`, args, code: 3, error: "SNAPSHOT" }, [
        t.dir,
      ]);
      assert.match(line, /protocol_snapshot\/artifacts/);
    }
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

// Regression (was a bug, now fixed): errors raised by the flag parser (commander) print `error: unknown option '--bogus'`
// instead of the documented `error[USAGE]: ...` line. cli.ts main(): add
// `outputError: (s) => io.err(\`error[USAGE]: ${s.replace(/^error: /, "").trimEnd()}\`)` to
// the configureOutput() of the program (subcommands inherit it).
Deno.test({
  name: "bad input: unknown flag, missing flag, unknown command → one error[USAGE] line, exit 2",
  fn: async () => {
    const { t, ok } = await setup();
    try {
      const cases: Array<[string, string[]]> = [
        ["unknown flag", run(ok, t, "--bogus")],
        ["flag without its value", [
          "run",
          "--wf",
          WF,
          "--workspace",
          t.workspace,
          "--data-root",
          t.dataRoot,
          "--payload",
        ]],
        ["missing --wf", [
          "run",
          "--payload",
          ok,
          "--workspace",
          t.workspace,
          "--data-root",
          t.dataRoot,
        ]],
        ["missing --payload", [
          "run",
          "--wf",
          WF,
          "--workspace",
          t.workspace,
          "--data-root",
          t.dataRoot,
        ]],
        ["missing --workspace", ["run", "--wf", WF, "--payload", ok, "--data-root", t.dataRoot]],
        ["unknown command", ["frobnicate"]],
        ["unexpected argument", [...run(ok, t), "extra"]],
      ];
      for (const [name, args] of cases) await refuse(t, { name, args, code: 2, error: "USAGE" });
    } finally {
      await Deno.remove(t.dir, { recursive: true });
    }
  },
});

// The part of the flag-parser contract that holds today: one line, exit 2, no state change.
Deno.test("bad input: flag-parser errors are one line, exit 2, and change nothing", async () => {
  const { t, ok } = await setup();
  try {
    const cases: Array<[string, string[]]> = [
      ["unknown flag", run(ok, t, "--bogus")],
      ["missing --wf", [
        "run",
        "--payload",
        ok,
        "--workspace",
        t.workspace,
        "--data-root",
        t.dataRoot,
      ]],
      ["unknown command", ["frobnicate"]],
    ];
    for (const [name, args] of cases) {
      const before = [await tree(t.dataRoot), await tree(t.workspace)];
      const err: string[] = [];
      const code = await main(args, { out: () => undefined, err: (l) => err.push(l) });
      assert.equal(code, 2, name);
      assert.equal(err.length, 1, name);
      assert.match(err[0], /^error/, name);
      assert.deepEqual([await tree(t.dataRoot), await tree(t.workspace)], before, name);
    }
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

// Regression (was a bug, now fixed): a workflow name whose file name would exceed the OS limit (255 bytes) passes the
// name check, is looked up, and fails as error[SNAPSHOT] "File name too long" (exit 3) with
// the 5,000-character name echoed twice. snapshot/resolve.ts isSafeFqdn(): bound the
// length (e.g. \`${ns}__${code}.json\` ≤ 255 bytes) so parseFqdn refuses it as WORKFLOW_NAME.
Deno.test({
  name: "bad input: an over-long workflow name is refused as WORKFLOW_NAME (exit 2), message cut",
  fn: async () => {
    const { t, ok } = await setup();
    try {
      const wf = "x".repeat(5000) + "::WF_Y";
      const args = [
        "run",
        "--wf",
        wf,
        "--payload",
        ok,
        "--workspace",
        t.workspace,
        "--data-root",
        t.dataRoot,
      ];
      await refuse(t, { name: "5,000-character --wf", args, code: 2, error: "WORKFLOW_NAME" });
    } finally {
      await Deno.remove(t.dir, { recursive: true });
    }
  },
});

// Regression (was a bug, now fixed): a payload file that is not valid UTF-8 is decoded with replacement characters and
// run: the trace records a payload that differs from the file's bytes. cli_payload.ts
// readPayloadFile(): decode with `new TextDecoder("utf-8", { fatal: true })` and refuse
// (UsageError PAYLOAD) on a decoding error.
Deno.test({
  name: "bad input: a payload that is not valid UTF-8 is refused",
  fn: async () => {
    const { t, file } = await setup();
    try {
      const bytes = new TextEncoder().encode(
        '{"member":{"name":"Ada?","email":"ada@example.org"}}',
      );
      bytes[bytes.indexOf(0x3f)] = 0xff; // "?" → a lone 0xFF byte
      await refuse(t, {
        name: "invalid UTF-8",
        args: run(await file("latin1.json", bytes), t),
        code: 2,
        error: "PAYLOAD",
      });
    } finally {
      await Deno.remove(t.dir, { recursive: true });
    }
  },
});
