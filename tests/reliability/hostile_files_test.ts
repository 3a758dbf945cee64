/**
 * Files that are not what their name says, found by the second fuzz campaign: a FIFO or a
 * device where an artifact, an imported store file or the view watermark belongs, and input
 * files far larger than anything the runtime can hold. Each is refused (or worked around) at
 * once with one line naming the file, the documented exit code and no state change, instead of
 * a process that waits forever on a pipe or reads gigabytes before failing.
 */
import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { cliProcess } from "../library/_subprocess.ts";
import { adaRunArgs, stateTree as tree } from "../_support/cli.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const WF_FILE = "protocol_snapshot/artifacts/workflows/club__WF_REGISTER_MEMBER_V0.json";
const CC_FILE = "protocol_snapshot/artifacts/capability_contracts/club__CC_REGISTER_MEMBER_V0.json";

async function mkfifo(path: string): Promise<void> {
  await Deno.remove(path).catch(() => undefined);
  const r = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.equal(r.code, 0, "mkfifo");
}

/** A workspace with one committed run (so the data root holds a compiled-workflow cache). */
async function committed() {
  const t = await tempWorkspace();
  const code = await main([...adaRunArgs(t), "--no-png", "--trace-id", "T_base"], {
    out: () => undefined,
    err: () => undefined,
  });
  assert.equal(code, 0);
  return { ...t, trace: `${t.workspace}/traces/T_base/T_base.jsonl` };
}

/** Asserts one `error[CODE]` line matching `message`, exit `code`, and `roots` unchanged. */
async function refused(args: string[], roots: string[], code: number, message: RegExp) {
  const before = await Promise.all(roots.map(tree));
  const r = await cliProcess(args);
  assert.equal(r.code, code, `${args.join(" ")}: ${r.err}`);
  const lines = r.err.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0], message);
  assert.equal(r.out, "");
  assert.deepEqual(await Promise.all(roots.map(tree)), before, "state unchanged");
}

Deno.test("a FIFO or a device as an artifact is refused at once (exit 3, SNAPSHOT), cached or not", async () => {
  const t = await committed();
  const ada = `${t.workspace}/payloads/ada.json`;
  const run = ["run", "--wf", WF, "--payload", ada, "--workspace", t.workspace, "--no-png"];
  for (const [rel, kind] of [[WF_FILE, "fifo"], [CC_FILE, "fifo"], [CC_FILE, "device"]]) {
    const path = `${t.workspace}/${rel}`;
    const saved = await Deno.readFile(path);
    if (kind === "fifo") await mkfifo(path);
    else {
      await Deno.remove(path);
      await Deno.symlink("/dev/zero", path);
    }
    const message = new RegExp(
      `^error\\[SNAPSHOT\\]: Cannot read artifact "${rel}": not a regular file$`,
    );
    // With the data root's compiled-workflow cache (checked first), and without (a fresh root).
    await refused([...run, "--data-root", t.dataRoot], [t.dataRoot, t.workspace], 3, message);
    await refused([...run, "--data-root", `${t.dir}/fresh`], [t.dir], 3, message);
    const check = await cliProcess(["check", "--workspace", t.workspace, "--wf", WF]);
    assert.equal(check.code, 3, check.err);
    assert.ok(check.out.includes(`"${rel}": not a regular file`), check.out);
    await Deno.remove(path);
    await Deno.writeFile(path, saved);
  }
});

Deno.test("check of a whole workspace lists a FIFO or a folder under a workflow's name as that workflow's problem", async () => {
  const t = await tempWorkspace();
  const dir = `${t.workspace}/protocol_snapshot/artifacts/workflows`;
  await mkfifo(`${dir}/club__WF_PIPE_V0.json`);
  await Deno.mkdir(`${dir}/club__WF_FOLDER_V0.json`);
  const r = await cliProcess(["check", "--workspace", t.workspace]);
  assert.equal(r.code, 3, r.err);
  assert.match(r.out, /^PROBLEM club::WF_FOLDER_V0$/m);
  assert.match(r.out, /^PROBLEM club::WF_PIPE_V0$/m);
  assert.ok(r.out.includes(`club__WF_PIPE_V0.json": not a regular file`), r.out);
  assert.match(r.out, /^ok {6}club::WF_REGISTER_MEMBER_V0$/m);
  assert.match(r.out, /^3 workflow\(s\), 2 problem\(s\)$/m);
});

Deno.test("a FIFO where a store file is imported from, or where the view watermark is, is never waited on", async () => {
  // A fresh data root seeded with a FIFO at the registry's path: the import is the CS's
  // storage failure (BACKEND_ERROR, routed as declared), like a malformed store file.
  const t = await tempWorkspace();
  await Deno.mkdir(`${t.dataRoot}/club/registry`, { recursive: true });
  await mkfifo(`${t.dataRoot}/club/registry/members.json`);
  const r = await cliProcess([...adaRunArgs(t), "--no-png", "--json", "--trace-id", "T_fifo"]);
  assert.equal(r.code, 1, r.err);
  assert.equal(JSON.parse(r.out).classification, "ENDED_BACKEND_ERROR");
  const trace = await Deno.readTextFile(`${t.workspace}/traces/T_fifo/T_fifo.jsonl`);
  assert.ok(
    trace.includes(
      `Cannot import store file: \\"${t.dataRoot}/club/registry/members.json\\" is not a regular file`,
    ),
    "the trace names the file and why",
  );

  // A FIFO at .pgs/views.json: the watermark is unreadable, so every view is checked again
  // and the watermark is written anew (a regular file replaces the FIFO).
  const c = await committed();
  await mkfifo(`${c.dataRoot}/.pgs/views.json`);
  const again = await cliProcess([...adaRunArgs(c), "--no-png", "--trace-id", "T_again"]);
  assert.equal(again.code, 0, again.err);
  assert.equal(again.err, "");
  assert.ok((await Deno.lstat(`${c.dataRoot}/.pgs/views.json`)).isFile);
});

Deno.test("a trace or batch file far beyond the limits is refused from its size, before it is read (exit 2)", async () => {
  const t = await committed();
  // Sparse files: 1 GiB (a trace) and 2 GiB (a batch) on disk cost nothing; read whole,
  // they cost gigabytes of memory and seconds, and then failed with a misleading message
  // ("not valid UTF-8 text", "failed to allocate string").
  const trace = `${t.dir}/huge.jsonl`;
  await Deno.copyFile(t.trace, trace);
  await Deno.truncate(trace, 2 ** 30);
  const batch = `${t.dir}/huge_batch.jsonl`;
  await Deno.writeTextFile(batch, await Deno.readTextFile(`${t.workspace}/payloads/ada.json`));
  await Deno.truncate(batch, 2 ** 31);
  const roots = [t.dataRoot, t.workspace];
  const tooLarge = (what: string, size: number) =>
    new RegExp(`^error\\[${what}": ${size} bytes exceeds the 268435456-byte limit$`);
  await refused(
    ["examine", trace, "--data-root", t.dataRoot],
    roots,
    2,
    tooLarge(`USAGE\\]: Cannot read trace ".*huge\\.jsonl`, 2 ** 30),
  );
  await refused(
    ["replay", trace, "--workspace", t.workspace],
    roots,
    2,
    tooLarge(`USAGE\\]: Cannot read trace ".*huge\\.jsonl`, 2 ** 30),
  );
  await refused(
    ["run", "--wf", WF, "--batch", batch, "--workspace", t.workspace, "--data-root", t.dataRoot],
    roots,
    2,
    tooLarge(`PAYLOAD\\]: Cannot read --batch ".*huge_batch\\.jsonl`, 2 ** 31),
  );
});
