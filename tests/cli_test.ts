/**
 * cli.ts as a process: help and version need no permission beyond reading the CLI itself,
 * no command prints the help and exits 2, a refusal is one line (and JSON on stdout with
 * --json), a REJECTED run says why, and the `.md` of a trace suggests commands that work.
 */
import assert from "node:assert/strict";
import meta from "../deno.json" with { type: "json" };
import { deno, outsideWorkspace, ROOT, runFlags } from "./library/_subprocess.ts";

const CLI = `${ROOT}cli.ts`;
const WF = "club::WF_REGISTER_MEMBER_V0";
const cli = (perms: string[], ...args: string[]) =>
  deno(["run", "--no-prompt", "--config", `${ROOT}deno.json`, ...perms, CLI, ...args], ROOT);

Deno.test("--help and --version work with only --allow-read (no env, no write)", async () => {
  const version = await cli(["--allow-read"], "--version");
  assert.equal(version.code, 0, version.err);
  assert.equal(version.out, `pgs-runtime ${meta.version}\n`);
  assert.equal(version.err, "");
  const help = await cli(["--allow-read"], "--help");
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /^Usage: pgs-runtime <command>/);
  assert.match(help.out, /^Exit codes:$/m);
  for (const c of ["run", "examine", "replay", "check", "public-key"]) {
    const one = await cli(["--allow-read"], c, "--help");
    assert.equal(one.code, 0, `${c}: ${one.err}`);
    assert.match(one.out, new RegExp(`^Usage: pgs-runtime ${c}`));
  }
});

Deno.test("no command: the help on stderr, exit 2; a bad command or flag: one line, exit 2", async () => {
  const none = await cli(["--allow-read"]);
  assert.equal(none.code, 2);
  assert.equal(none.out, "");
  assert.match(none.err, /^Usage: pgs-runtime <command>/);
  const bad = await cli(["--allow-read"], "rnu");
  assert.equal(bad.code, 2);
  assert.equal(
    bad.err,
    'error[USAGE]: Unknown command "rnu": expected one of run, examine, replay, check, public-key\n',
  );
  const flag = await cli(["--allow-read"], "run", "--wf", WF, "--bogus", "--json");
  assert.equal(flag.code, 2);
  assert.deepEqual(JSON.parse(flag.out), {
    error: { code: "USAGE", message: "Unknown flag --bogus for run (see pgs-runtime run --help)" },
  });
  assert.equal(flag.err.trim().split("\n").length, 1);
});

Deno.test("a REJECTED run prints its reasons; its .md suggests least-privilege commands that work", async () => {
  const { dir, ws, data } = await outsideWorkspace();
  try {
    await Deno.writeTextFile(`${dir}/p.json`, '{"member":{"name":"Eve","email":"nope"}}');
    const r = await cli(
      [...runFlags(ws, data), `--allow-read=${ws},${data},${dir}`],
      "run",
      "--wf",
      WF,
      "--payload",
      `${dir}/p.json`,
      "--workspace",
      ws,
      "--data-root",
      data,
      "--trace-id",
      "T_rejected",
      "--no-png",
    );
    assert.equal(r.code, 1, r.err);
    const lines = r.out.trim().split("\n");
    assert.match(
      lines[0],
      /^REJECTED club::WF_REGISTER_MEMBER_V0 \(status NACK, exit EXIT_REJECTED/,
    );
    assert.ok(
      lines.includes(`  reason: $.member.email: "nope" is not an email address`),
      r.out,
    );
    // The .md's commands, run as written, work.
    const md = await Deno.readTextFile(`${ws}/traces/T_rejected/T_rejected.md`);
    const fence = md.slice(md.indexOf("```sh\n") + 6, md.indexOf("\n```", md.indexOf("```sh")));
    const [examine, replay] = fence.split("\n");
    assert.match(
      examine,
      /^deno run --conditions=module --unstable-kv --allow-read=\S+ (--allow-write=\S+ )?\S+cli\.ts examine \//,
    );
    assert.ok(!examine.includes(" -A "), examine);
    for (const command of [examine, replay]) {
      const argv = command.split(" ").map((w) => w.replace(/^'(.*)'$/, "$1"));
      assert.equal(argv[0], "deno");
      const p = await deno(argv.slice(1), dir);
      assert.equal(p.code, 0, `${command}\n${p.err}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("public-key on a path that holds no state: exit 2, one line, nothing created", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pgs-pk-" });
  try {
    const r = await cli(["-A"], "public-key", "--data-root", `${dir}/typo`);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /^error\[STORAGE\]: Cannot read the seal key of data root ".*\/typo": it holds no state database \(\.pgs\/state\.kv\)\n$/,
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
