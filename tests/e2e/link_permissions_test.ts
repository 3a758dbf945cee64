// With write permission only for the data root and the traces folder, a directory link
// planted inside them cannot send a view or a trace file elsewhere: the run is refused
// (exit 2, one line naming the link) before it commits, and nothing is written outside.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { tempWorkspace } from "../_support/workspace.ts";
import { adaRunArgs } from "../_support/cli.ts";

const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

async function runRestricted(t: { workspace: string; dataRoot: string }, traceId: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      CONFIG,
      "--allow-read",
      `--allow-write=${t.dataRoot},${t.workspace}/traces`,
      CLI,
      ...adaRunArgs(t),
      "--no-png",
      "--trace-id",
      traceId,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr).trim().split("\n").filter((l) => l !== ""),
  };
}

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out;
}

Deno.test("a planted directory link never sends the journal view outside --allow-write", async () => {
  const t = await tempWorkspace();
  try {
    await Deno.mkdir(`${t.dir}/outside`);
    await Deno.mkdir(`${t.workspace}/traces`);
    // Where the club workflow's journal view goes.
    const first = await runRestricted(t, "T_first");
    assert.equal(first.code, 0, first.stderr.join("\n"));
    const journalDir = (await Array.fromAsync(Deno.readDir(t.dataRoot)))
      .filter((e) => e.isDirectory && e.name !== ".pgs")[0].name;
    await Deno.remove(`${t.dataRoot}/${journalDir}`, { recursive: true });
    await Deno.symlink(`${t.dir}/outside`, `${t.dataRoot}/${journalDir}`);
    const r = await runRestricted(t, "T_link");
    assert.equal(r.code, 2, r.stderr.join("\n"));
    assert.equal(r.stderr.length, 1);
    assert.match(r.stderr[0], /^error\[USAGE\]: .*is a symbolic link/);
    assert.deepEqual(await listing(`${t.dir}/outside`), []);
    await assert.rejects(Deno.lstat(`${t.workspace}/traces/T_link`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("a planted link in traces/ never sends trace files outside --allow-write", async () => {
  const t = await tempWorkspace();
  try {
    await Deno.mkdir(`${t.dir}/outside`);
    await Deno.mkdir(`${t.workspace}/traces`);
    // Dangling: a writer that follows it would create `outside/made/`.
    await Deno.symlink(`${t.dir}/outside/made`, `${t.workspace}/traces/T_planted`);
    const r = await runRestricted(t, "T_planted");
    assert.equal(r.code, 2, r.stderr.join("\n"));
    assert.match(r.stderr[0], /^error\[TRACE_ID\]: /);
    assert.deepEqual(await listing(`${t.dir}/outside`), []);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});
