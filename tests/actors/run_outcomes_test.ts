import assert from "node:assert/strict";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import {
  createCapabilityRegistry,
  type CustomCapabilities,
} from "../../actors/capability_registry.ts";
import { BUILTIN_SIDE_EFFECTS } from "../../actors/cs/mod.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { traceText, verifyTrace } from "../../trace/jsonl.ts";
import { editArtifact, tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const PAYLOAD = { member: { name: "Ada Lovelace", email: "ada@example.org" } };
const APPEND = "capability_side_effects::CS_APPENDONLY_JSONL_V0";

async function setup(custom: CustomCapabilities = {}, edit?: (ws: string) => Promise<void>) {
  const t = await tempWorkspace();
  if (edit) await edit(t.workspace);
  const registry = createCapabilityRegistry(custom);
  const compiled = await compileWorkflow(
    await loadSnapshot(t.workspace),
    WF,
    registry.compileOptions,
  );
  const store = await openKvStore({ dataRoot: t.dataRoot });
  const run = (opts: { budget?: number } = {}) =>
    executeWorkflow(compiled, PAYLOAD, {
      store,
      capabilities: registry.capabilities,
      seed: "01",
      startedAt: "2026-01-01T00:00:00.000Z",
      ...opts,
    });
  return { t, store, run };
}

Deno.test("executeWorkflow() ends FAULTED with nothing applied when a capability throws", async () => {
  const { t, store, run } = await setup({
    sideEffects: {
      [APPEND]: {
        storeFormat: "jsonl",
        run: async (call) => {
          await call.state.append(call.store!, () => ({ half: "applied" }));
          throw new RangeError("disk on fire");
        },
      },
    },
  });
  const r = await run();
  assert.equal(r.classification, "FAULTED");
  assert.equal(r.reason, "FAULT");
  const fault = r.records.find((x) => x.type === "fault");
  assert.deepEqual(
    fault &&
      {
        node: fault.node,
        step: (fault as { step?: string }).step,
        error: (fault as { error: string }).error,
      },
    { node: "JOURNAL_JOINED", step: "append_member_event", error: "RangeError: disk on fire" },
  );
  assert.deepEqual(verifyTrace(traceText(r.lines)).problems, []);
  assert.equal(
    (await store.readTrace(r.traceId))?.length,
    r.lines.length,
    "the trace is committed",
  );
  await store.close();
  for (const f of ["club/registry/members.json", "club/events/member_events.jsonl"]) {
    const text = await Deno.readTextFile(`${t.dataRoot}/${f}`).catch(() => "");
    assert.equal(text, "", `${f} holds nothing of the faulted run (not even the registry insert)`);
  }
  // The registry insert was not applied: a clean run on the same data root registers
  // (SUCCESS, not ALREADY_EXISTS).
  const registry = createCapabilityRegistry();
  const compiled = await compileWorkflow(
    await loadSnapshot(t.workspace),
    WF,
    registry.compileOptions,
  );
  const reopened = await openKvStore({ dataRoot: t.dataRoot });
  const again = await executeWorkflow(compiled, PAYLOAD, {
    store: reopened,
    capabilities: registry.capabilities,
  });
  assert.equal(again.classification, "COMPLETED");
  const step = again.records.find((x) => x.type === "step" && x.step === "register_member");
  assert.equal(step?.type === "step" && step.status, "SUCCESS");
  await reopened.close();
});

Deno.test("executeWorkflow() ends FAILED/NO_TRANSITION when an outcome has no next entry", async () => {
  const { store, run } = await setup(
    {},
    (ws) =>
      editArtifact(ws, "workflows/club__WF_REGISTER_MEMBER_V0.json", (a) => {
        delete a.frontmatter.core.nodes.CC_REGISTER_MEMBER_V0.next.SUCCESS;
      }),
  );
  const r = await run();
  assert.equal(r.classification, "FAILED");
  assert.equal(r.reason, "NO_TRANSITION");
  assert.equal(r.status, "SUCCESS");
  assert.equal(r.exitNode, null);
  const last = r.records.filter((x) => x.type === "transition").at(-1)!;
  assert.deepEqual([last.from, last.outcome, last.to], ["CC_REGISTER_MEMBER_V0", "SUCCESS", null]);
  await store.close();
});

Deno.test("executeWorkflow() ends FAILED/STEP_BUDGET_EXCEEDED when the budget runs out", async () => {
  const { store, run } = await setup();
  const r = await run({ budget: 4 });
  assert.equal(r.classification, "FAILED");
  assert.equal(r.reason, "STEP_BUDGET_EXCEEDED");
  await store.close();
});

Deno.test("executeWorkflow() fails closed on a status on_result does not list, with a warning", async () => {
  const { store, run } = await setup({
    sideEffects: {
      "capability_side_effects::CS_REGISTRY_V0": {
        storeFormat: "jsonl",
        run: () => Promise.resolve({ status: "MAYBE", result: {} }),
      },
    },
  });
  const r = await run();
  const w = r.records.find((x) => x.type === "warning" && x.code === "UNLISTED_STATUS");
  assert.ok(w, "UNLISTED_STATUS warning recorded");
  assert.equal(r.classification, "FAILED");
  assert.equal(r.reason, "NO_TRANSITION");
  assert.equal(r.status, "MAYBE");
  await store.close();
  void BUILTIN_SIDE_EFFECTS;
});
