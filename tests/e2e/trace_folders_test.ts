// Trace folders: never written through a link, claimed before the commit (one run per
// --trace-id even across data roots sharing a workspace), and one bad entry in traces/
// never blocks other runs. A committed run whose files cannot be written gets a warning
// and its files on a later run, never a failure.
import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import { claimTraceFolder, writeTraceFiles } from "../../trace/files.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

async function run(t: { workspace: string }, dataRoot: string, ...extra: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([
    "run",
    "--wf",
    WF,
    "--payload",
    `${t.workspace}/payloads/ada.json`,
    "--workspace",
    t.workspace,
    "--data-root",
    dataRoot,
    "--no-png",
    ...extra,
  ], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

async function committedTraces(dataRoot: string): Promise<string[]> {
  const store = await openKvStore({ dataRoot });
  try {
    return await store.listTraces();
  } finally {
    await store.close();
  }
}

Deno.test("a dangling link at traces/<ID> refuses that id before anything commits and blocks nothing else", async () => {
  const t = await tempWorkspace();
  try {
    await Deno.mkdir(`${t.workspace}/traces`);
    await Deno.symlink(`${t.dir}/nowhere`, `${t.workspace}/traces/T_link`);
    const refused = await run(t, t.dataRoot, "--trace-id", "T_link");
    assert.equal(refused.code, 2, refused.err.join("\n"));
    assert.match(
      refused.err[0],
      /^error\[TRACE_ID\]: Invalid --trace-id "T_link": ".*T_link" already exists/,
    );
    assert.equal(refused.err.length, 1);
    assert.deepEqual(await committedTraces(t.dataRoot), []);
    const next = await run(t, t.dataRoot, "--trace-id", "T_next");
    assert.equal(next.code, 0, next.err.join("\n"));
    assert.deepEqual(next.err, []);
    const again = await run(t, t.dataRoot, "--trace-id", "T_after");
    assert.equal(again.code, 0, again.err.join("\n"));
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("a traces folder that is a link, or a link planted in it, is never written through", async () => {
  const t = await tempWorkspace();
  try {
    await Deno.mkdir(`${t.dir}/outside`);
    await Deno.symlink(`${t.dir}/outside`, `${t.workspace}/traces`);
    const refused = await run(t, t.dataRoot, "--trace-id", "T_a");
    assert.equal(refused.code, 2);
    assert.match(
      refused.err[0],
      /^error\[USAGE\]: Cannot write trace files to ".*traces": it is a symbolic link/,
    );
    assert.deepEqual(await committedTraces(t.dataRoot), []);
    const outside: string[] = [];
    for await (const e of Deno.readDir(`${t.dir}/outside`)) outside.push(e.name);
    assert.deepEqual(outside, []);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("three runs with one --trace-id on three data roots sharing a workspace: one commits, two are refused", async () => {
  const t = await tempWorkspace();
  try {
    const roots = [1, 2, 3].map((i) => `${t.dir}/data${i}`);
    const results = await Promise.all(roots.map((r) => run(t, r, "--trace-id", "T_shared")));
    const codes = results.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 2, 2], results.map((r) => r.err.join(" | ")).join("\n"));
    for (const r of results.filter((r) => r.code === 2)) {
      assert.match(r.err[0], /^error\[TRACE_ID\]: /);
    }
    const committed = await Promise.all(roots.map(committedTraces));
    assert.deepEqual(committed.map((c) => c.length).sort(), [0, 0, 1], "only the winner committed");
    const winner = roots[committed.findIndex((c) => c.length === 1)];
    const text = await Deno.readTextFile(`${t.workspace}/traces/T_shared/T_shared.jsonl`);
    assert.deepEqual(verifyTrace(text).problems, []);
    const store = await openKvStore({ dataRoot: winner });
    assert.equal(text, (await store.readTrace("T_shared"))!.map((l) => `${l}\n`).join(""));
    await store.close();
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("writeTraceFiles() after a commit never throws for an I/O condition: a warning, pending, written by a later run", async () => {
  const t = await tempWorkspace();
  try {
    const registry = createCapabilityRegistry();
    const compiled = await compileWorkflow(
      await loadSnapshot(t.workspace),
      WF,
      registry.compileOptions,
    );
    await claimTraceFolder(t.workspace, "T_blocked");
    // Something takes the .jsonl's place between the claim and the write.
    await Deno.mkdir(`${t.workspace}/traces/T_blocked/T_blocked.jsonl`);
    const store = await openKvStore({ dataRoot: t.dataRoot });
    const r = await executeWorkflow(compiled, { member: { name: "B", email: "b@example.org" } }, {
      store,
      capabilities: registry.capabilities,
      traceId: "T_blocked",
      traceFilesIn: await Deno.realPath(t.workspace),
    });
    const files = await writeTraceFiles({
      workspace: t.workspace,
      compiled,
      traceId: r.traceId,
      lines: r.lines,
      records: r.records,
      timings: r.timings,
      png: false,
    });
    assert.equal(files.pending, true);
    assert.equal(files.warnings.length, 1);
    assert.match(
      files.warnings[0],
      /^TRACE_FILES_PENDING: cannot write the trace files of T_blocked \(.*is a directory\); the next run on this data root writes them/,
    );
    assert.deepEqual(await store.pendingTraceFiles(), ["T_blocked"]);
    await store.close();
    await Deno.remove(`${t.workspace}/traces/T_blocked/T_blocked.jsonl`);
    const next = await run(t, t.dataRoot, "--trace-id", "T_next");
    assert.equal(next.code, 0, next.err.join("\n"));
    assert.ok(next.err.some((l) => l.includes("wrote the missing trace files of T_blocked")));
    const text = await Deno.readTextFile(`${t.workspace}/traces/T_blocked/T_blocked.jsonl`);
    assert.equal(text, r.lines.map((l) => `${l}\n`).join(""));
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("one unwritable pending trace never blocks the others: it is skipped with a warning and kept pending", async () => {
  const t = await tempWorkspace();
  try {
    const registry = createCapabilityRegistry();
    const compiled = await compileWorkflow(
      await loadSnapshot(t.workspace),
      WF,
      registry.compileOptions,
    );
    const store = await openKvStore({ dataRoot: t.dataRoot });
    // Two runs committed by a process that died before writing their files.
    for (const [id, name] of [["T_bad", "Bad"], ["T_good", "Good"]]) {
      await executeWorkflow(compiled, { member: { name, email: `${name}@example.org` } }, {
        store,
        capabilities: registry.capabilities,
        traceId: id,
        traceFilesIn: await Deno.realPath(t.workspace),
      });
    }
    await store.close();
    // A plain file where T_bad's folder belongs.
    await Deno.mkdir(`${t.workspace}/traces`);
    await Deno.writeTextFile(`${t.workspace}/traces/T_bad`, "in the way");
    const next = await run(t, t.dataRoot, "--trace-id", "T_new");
    assert.equal(next.code, 0, next.err.join("\n"));
    assert.ok(
      next.err.some((l) =>
        /^warning: TRACE_FILES_PENDING: cannot write the trace files of T_bad/.test(l)
      ),
      next.err.join("\n"),
    );
    assert.ok(next.err.some((l) => l.includes("wrote the missing trace files of T_good")));
    await Deno.stat(`${t.workspace}/traces/T_good/T_good.jsonl`);
    await Deno.stat(`${t.workspace}/traces/T_new/T_new.jsonl`);
    const reopened = await openKvStore({ dataRoot: t.dataRoot });
    assert.deepEqual(
      await reopened.pendingTraceFiles(),
      ["T_bad"],
      "still pending, for a later run",
    );
    await reopened.close();
    await Deno.remove(`${t.workspace}/traces/T_bad`);
    const healed = await run(t, t.dataRoot, "--trace-id", "T_new2");
    assert.equal(healed.code, 0);
    assert.ok(healed.err.some((l) => l.includes("wrote the missing trace files of T_bad")));
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});
