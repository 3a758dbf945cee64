import assert from "node:assert/strict";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import { cli } from "../_support/cli.ts";
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
  });
  assert.deepEqual(await store.pendingTraceFiles(), ["T_lost"]);
  await store.close();
  const file = `${t.workspace}/traces/T_lost/T_lost.jsonl`;
  await assert.rejects(Deno.stat(file), Deno.errors.NotFound);

  const next = await cli(
    "run",
    "--wf",
    "club::WF_REGISTER_MEMBER_V0",
    "--payload",
    `${t.workspace}/payloads/ada.json`,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
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
