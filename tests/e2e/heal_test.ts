import assert from "node:assert/strict";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { traceFilesPendingKey } from "../../storage/keys.ts";
import { runWorkflow } from "../../actors/run_workflow.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import { adaRunArgs, cli } from "../_support/cli.ts";
import { tempWorkspace } from "../_support/workspace.ts";

Deno.test("a run committed without its trace files (crash after commit) gets them on the next CLI run", async () => {
  const t = await tempWorkspace();
  const registry = createCapabilityRegistry();
  const compiled = await compileWorkflow(
    await loadSnapshot(t.workspace),
    "club::WF_REGISTER_MEMBER_V0",
    registry.compileOptions,
  );
  const store = await openKvStore({ dataRoot: t.dataRoot });
  // Commit only: the process "dies" before writing files.
  const lost = await executeWorkflow(compiled, {
    member: { name: "Lost", email: "lost@example.org" },
  }, {
    store,
    capabilities: registry.capabilities,
    traceId: "T_lost",
    traceFilesIn: await Deno.realPath(t.workspace),
  });
  assert.deepEqual(await store.pendingTraceFiles(), ["T_lost"]);
  await store.close();
  const file = `${t.workspace}/traces/T_lost/T_lost.jsonl`;
  await assert.rejects(Deno.stat(file), Deno.errors.NotFound);

  const next = await cli(
    ...adaRunArgs(t),
    "--no-png",
  );
  assert.equal(next.code, 0);
  assert.ok(next.err.some((l) => l.includes("wrote the missing trace files of T_lost")));
  const text = await Deno.readTextFile(file);
  assert.equal(text, lost.lines.map((l) => `${l}\n`).join(""));
  assert.deepEqual(verifyTrace(text).problems, []);
  assert.match(
    await Deno.readTextFile(`${t.workspace}/traces/T_lost/T_lost.md`),
    /Result: COMPLETED/,
  );
  const reopened = await openKvStore({ dataRoot: t.dataRoot });
  assert.deepEqual(await reopened.pendingTraceFiles(), [], "every marker cleared");
  await reopened.close();
});

const ADA = { member: { name: "Ada", email: "ada@example.org" } };
const BOB = { member: { name: "Bob", email: "bob@example.org" } };
const WF = "club::WF_REGISTER_MEMBER_V0";

async function traceFolders(workspace: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(`${workspace}/traces`)) names.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names.sort();
}

/** Commits a run whose files belong in `filesIn`, as a process that died before writing them. */
async function commitWithoutFiles(
  t: { workspace: string; dataRoot: string },
  traceId: string,
  filesIn: string,
): Promise<void> {
  const registry = createCapabilityRegistry();
  const compiled = await compileWorkflow(
    await loadSnapshot(t.workspace),
    WF,
    registry.compileOptions,
  );
  await using store = await openKvStore({ dataRoot: t.dataRoot });
  await executeWorkflow(compiled, ADA, {
    store,
    capabilities: registry.capabilities,
    traceId,
    traceFilesIn: filesIn,
  });
}

Deno.test("a run with traceFiles: false leaves nothing pending: a later run writes no files for it", async () => {
  const t = await tempWorkspace();
  await runWorkflow({
    workspace: t.workspace,
    workflow: WF,
    payload: ADA,
    dataRoot: t.dataRoot,
    traceId: "T_nofiles",
    traceFiles: false,
  });
  const later = await runWorkflow({
    workspace: t.workspace,
    workflow: WF,
    payload: BOB,
    dataRoot: t.dataRoot,
    traceId: "T_files",
    png: false,
  });
  assert.deepEqual(await traceFolders(t.workspace), ["T_files"]);
  assert.deepEqual(later.warnings, []);
  // The same id can still get its files elsewhere: nothing claimed it.
  await using store = await openKvStore({ dataRoot: t.dataRoot });
  assert.deepEqual(await store.pendingTraceFiles(), []);
});

Deno.test("missing trace files are written by the next run in their own workspace, never in another", async () => {
  const t = await tempWorkspace();
  const other = await tempWorkspace();
  await commitWithoutFiles(t, "T_mine", await Deno.realPath(t.workspace));
  {
    await using store = await openKvStore({ dataRoot: t.dataRoot });
    assert.deepEqual(await store.pendingTraceFiles(await Deno.realPath(other.workspace)), []);
    assert.deepEqual(await store.pendingTraceFiles(await Deno.realPath(t.workspace)), ["T_mine"]);
  }
  const elsewhere = await runWorkflow({
    workspace: other.workspace,
    workflow: WF,
    payload: BOB,
    dataRoot: t.dataRoot,
    traceId: "T_other",
    png: false,
  });
  assert.deepEqual(await traceFolders(other.workspace), ["T_other"]);
  assert.deepEqual(elsewhere.warnings, []);
  const home = await runWorkflow({
    workspace: t.workspace,
    workflow: WF,
    payload: { member: { name: "Cy", email: "cy@example.org" } },
    dataRoot: t.dataRoot,
    traceId: "T_home",
    png: false,
  });
  assert.deepEqual(await traceFolders(t.workspace), ["T_home", "T_mine"]);
  assert.deepEqual(home.warnings, [
    "note: wrote the missing trace files of T_mine (committed by an interrupted run)",
  ]);
});

Deno.test("a files marker of an earlier release (no workspace named) is still written by the next run", async () => {
  const t = await tempWorkspace();
  await commitWithoutFiles(t, "T_old", "/nowhere/else");
  // Rewrite the marker as the one-byte form earlier releases committed.
  const kv = await Deno.openKv(`${t.dataRoot}/.pgs/state.kv`);
  await kv.set(traceFilesPendingKey("T_old"), new Uint8Array([1]));
  kv.close();
  await runWorkflow({
    workspace: t.workspace,
    workflow: WF,
    payload: BOB,
    dataRoot: t.dataRoot,
    traceId: "T_new",
    png: false,
  });
  assert.deepEqual(await traceFolders(t.workspace), ["T_new", "T_old"]);
});
