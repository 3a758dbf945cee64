/**
 * Replay reproduces every deterministic trace, byte for byte, including what a custom CS
 * did that replay does not repeat: child runs it started with `call.runChild` (replayed
 * from their `child_run` records, the CS itself never called again), warnings written
 * while it ran (UNKNOWN_CHILD_WORKFLOW), and its fault text, whatever the thrown value was.
 */
import assert from "node:assert/strict";
import {
  CtViolation,
  type JsonObject,
  type SideEffectFn,
  type TransformFn,
} from "../../actors/capability.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { replayTrace } from "../../actors/replay.ts";
import { runWorkflow } from "../../actors/run_workflow.ts";
import { MAX_CHILD_DEPTH } from "../../semantics.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openMemoryStore } from "../../storage/memory_store.ts";
import { traceText } from "../../trace/jsonl.ts";
import type { TraceRecord } from "../../trace/record.ts";
import { editArtifact, tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const ADA = { member: { name: "Ada", email: "ada@example.org" } };
/** Ada's member id (the root run's; children register other members). */
const ADA_ID = "M_b9147ac5a48a1cb9";
const REGISTRY = "capability_side_effects::CS_REGISTRY_V0";
const APPEND = "capability_side_effects::CS_APPENDONLY_JSONL_V0";
const ROOT_STEP = { run: "root", node: "CC_REGISTER_MEMBER_V0", step: "register_member" };
const KID = (label: string) => `root/CC_REGISTER_MEMBER_V0/register_member/${label}`;

type SideEffects = Record<string, SideEffectFn>;

/**
 * Runs the example workflow with `sideEffects` (counting their calls), replays the trace
 * with the same capabilities, and returns both. Replay must not call any of them.
 */
async function runAndReplay(
  sideEffects: SideEffects,
  opts: { budget?: number; edit?: (ws: string) => Promise<void> } = {},
) {
  const t = await tempWorkspace();
  if (opts.edit) await opts.edit(t.workspace);
  let calls = 0;
  const custom = {
    sideEffects: Object.fromEntries(
      Object.entries(sideEffects).map(([fqdn, run]) => [fqdn, {
        storeFormat: fqdn === APPEND ? "jsonl" as const : "json" as const,
        run: (c: Parameters<SideEffectFn>[0]) => (calls++, run(c)),
      }]),
    ),
  };
  const run = await runWorkflow({
    workspace: t.workspace,
    workflow: WF,
    payload: ADA,
    kvUrl: ":memory:",
    traceFiles: false,
    seed: "01",
    startedAt: "2026-01-01T00:00:00Z",
    ...(opts.budget ? { budget: opts.budget } : {}),
    capabilities: custom,
  });
  const callsInRun = calls;
  const replay = await replayTrace(
    traceText(run.lines),
    await loadSnapshot(t.workspace),
    createCapabilityRegistry(custom),
  );
  assert.equal(calls, callsInRun, "replay never calls a custom CS");
  return { run, replay, records: run.records as TraceRecord[] };
}

/** The records of `type` with the fields a test compares. */
function pick(records: readonly TraceRecord[], type: string, fields: string[]) {
  return records.filter((r) => r.type === type).map((r) =>
    Object.fromEntries(fields.map((f) => [f, (r as unknown as Record<string, unknown>)[f]]))
  );
}

const ok = { status: "SUCCESS", result: {} };
/** A registry CS that calls `onRoot` for the root run's step and succeeds elsewhere. */
const onRoot = (f: SideEffectFn): SideEffectFn => async (c) => {
  return c.inputs.key === ADA_ID ? await f(c) : ok;
};
const KID_PAYLOAD = { member: { name: "Kid", email: "kid@example.org" } };

Deno.test("a custom CS that starts a child run replays identical, the child replayed from its record", async () => {
  const { run, replay, records } = await runAndReplay({
    [REGISTRY]: onRoot(async (c) => {
      c.state.set(c.store!, String(c.inputs.key), { ok: true });
      const kid = await c.runChild(WF, KID_PAYLOAD, "kid");
      return { status: "SUCCESS", result: { child: kid.classification } };
    }),
  });
  assert.equal(run.classification, "COMPLETED");
  assert.deepEqual(pick(records, "child_run", ["run", "child", "payload"]), [
    { run: "root", child: KID("kid"), payload: KID_PAYLOAD },
  ]);
  assert.equal(
    records.filter((r) => r.run === KID("kid") && r.type === "result").length,
    1,
    "the child ran to its result",
  );
  assert.deepEqual(replay, { identical: true, records: run.lines.length - 1, divergence: null });
});

Deno.test("several children, unknown workflows among them, replay in recorded order with their warnings", async () => {
  const { run, replay, records } = await runAndReplay({
    [REGISTRY]: onRoot(async (c) => {
      const a = await c.runChild("club::WF_NOPE_V0", {}, "a");
      const [b, d] = await Promise.all([
        c.runChild(WF, KID_PAYLOAD, "b"),
        c.runChild(WF, { member: { name: "Dee", email: "dee@example.org" } }, "d"),
      ]);
      const e = await c.runChild("club::WF_ALSO_NOPE_V0", {}, "e");
      return {
        status: "SUCCESS",
        result: { got: [a, b, d, e].map((x) => x.status) },
      };
    }),
  });
  assert.equal(run.classification, "COMPLETED");
  const rootCalls = records.filter((r) =>
    r.run === "root" && (r.type === "child_run" || r.type === "warning")
  ).map((r) => r.type === "child_run" ? r.child : `${r.type}:${(r as { code: string }).code}`);
  assert.deepEqual(rootCalls, [
    "warning:UNKNOWN_CHILD_WORKFLOW",
    KID("b"),
    KID("d"),
    "warning:UNKNOWN_CHILD_WORKFLOW",
  ]);
  assert.deepEqual(replay.divergence, null);
  assert.equal(replay.identical, true);
});

Deno.test("runChild of an unknown workflow: its UNKNOWN_CHILD_WORKFLOW warning replays", async () => {
  const { run, replay, records } = await runAndReplay({
    [REGISTRY]: async (c) => {
      const r = await c.runChild("club::WF_NOPE_V0", {}, "x");
      return { status: "SUCCESS", result: { cls: r.classification } };
    },
  });
  assert.equal(run.classification, "COMPLETED");
  assert.deepEqual(pick(records, "warning", ["run", "code", "node", "step", "message"]), [{
    ...ROOT_STEP,
    code: "UNKNOWN_CHILD_WORKFLOW",
    message: "child workflow club::WF_NOPE_V0 is not in the compiled closure; reported NOT_FOUND",
  }]);
  assert.deepEqual(replay.divergence, null);
});

Deno.test("warnings the pipeline writes around a served step are written once, not served again", async () => {
  // An input path that does not resolve (INPUT_PATH_MISSING), an output the CS did not
  // produce (OUTPUT_PATH_MISSING) and an unlisted status (UNLISTED_STATUS, then
  // NO_TRANSITION), around a warning written while it ran.
  const { run, replay, records } = await runAndReplay({
    [REGISTRY]: async (c) => {
      await c.runChild("club::WF_NOPE_V0", {}, "x");
      return { status: "PENDING", result: {} };
    },
  }, {
    edit: (ws) =>
      editArtifact(ws, "capability_contracts/club__CC_REGISTER_MEMBER_V0.json", (a) => {
        a.frontmatter.core.pipeline[0].inputs.extra = "$.inputs.nope";
        a.frontmatter.core.pipeline[0].outputs = { ref: "$.capability_result.ref" };
      }),
  });
  assert.equal(run.reason, "NO_TRANSITION");
  assert.deepEqual(pick(records, "warning", ["code"]).map((w) => w.code), [
    "INPUT_PATH_MISSING",
    "UNKNOWN_CHILD_WORKFLOW",
    "OUTPUT_PATH_MISSING",
    "UNLISTED_STATUS",
  ]);
  assert.deepEqual(replay.divergence, null);
});

Deno.test("a served CT's violation (it drew secret entropy) replays with its CT_VIOLATION warning", async () => {
  const t = await tempWorkspace();
  const weak: TransformFn = (_args, ctx) => {
    ctx.secretBytes(4);
    throw new CtViolation("weak: key");
  };
  const custom = { transforms: { "capability_transforms::CT_PURE_GENERATE_ID_V0": weak } };
  const run = await runWorkflow({
    workspace: t.workspace,
    workflow: WF,
    payload: ADA,
    kvUrl: ":memory:",
    traceFiles: false,
    capabilities: custom,
  });
  assert.equal(run.classification, "ENDED_VIOLATION");
  assert.deepEqual(
    pick(run.records as TraceRecord[], "warning", ["code", "message"])[0],
    { code: "CT_VIOLATION", message: "weak: key" },
  );
  const replay = await replayTrace(
    traceText(run.lines),
    await loadSnapshot(t.workspace),
    createCapabilityRegistry(custom),
  );
  assert.deepEqual(replay.divergence, null);
});

Deno.test("a served step visited twice replays each visit's own children", async () => {
  let visit = 0;
  const { run, replay, records } = await runAndReplay({
    [REGISTRY]: onRoot(async (c) => {
      visit++;
      await c.runChild(
        WF,
        { member: { name: `Kid${visit}`, email: "k@example.org" } },
        `v${visit}`,
      );
      return { status: visit === 1 ? "VIOLATION" : "SUCCESS", result: { visit } };
    }),
  }, {
    // VIOLATION runs the step again (a pipeline route back to itself).
    edit: (ws) =>
      editArtifact(ws, "capability_contracts/club__CC_REGISTER_MEMBER_V0.json", (a) => {
        a.frontmatter.core.pipeline[0].on_result.VIOLATION = "register_member";
      }),
  });
  assert.equal(run.classification, "COMPLETED");
  assert.deepEqual(pick(records, "child_run", ["run", "child"]), [
    { run: "root", child: KID("v1") },
    { run: "root", child: KID("v2") },
  ]);
  assert.deepEqual(
    pick(records, "step", ["run", "step", "status"]).filter((s) => s.step === "register_member"),
    [
      { run: KID("v1"), step: "register_member", status: "SUCCESS" },
      { run: "root", step: "register_member", status: "VIOLATION" },
      { run: KID("v2"), step: "register_member", status: "SUCCESS" },
      { run: "root", step: "register_member", status: "SUCCESS" },
    ],
  );
  assert.deepEqual(replay.divergence, null);
});

Deno.test("a child's fault the CS did not catch ends the parent as recorded", async () => {
  const { run, replay, records } = await runAndReplay({
    [REGISTRY]: onRoot(async (c) => {
      await c.runChild(WF, KID_PAYLOAD, "kid");
      return ok;
    }),
    // The child's journal step throws a string: the fault surfaces in the parent at the
    // child's node and step (not the parent step's own).
    [APPEND]: (c) =>
      c.inputs.actor_id === ADA_ID
        ? Promise.resolve({ status: "SUCCESS", result: { sequence_number: 1 } })
        : Promise.reject("journal: offline"),
  });
  assert.equal(run.classification, "FAULTED");
  assert.deepEqual(pick(records, "fault", ["run", "node", "step", "error"]), [
    {
      run: KID("kid"),
      node: "JOURNAL_JOINED",
      step: "append_member_event",
      error: "journal: offline",
    },
    { run: "root", node: "JOURNAL_JOINED", step: "append_member_event", error: "journal: offline" },
  ]);
  assert.deepEqual(replay.divergence, null);
});

Deno.test("a child's fault the CS caught: replay serves the CS's result or its own fault", async () => {
  const throwInKid: SideEffectFn = (c) =>
    c.inputs.actor_id === ADA_ID
      ? Promise.resolve({ status: "SUCCESS", result: { sequence_number: 1 } })
      : Promise.reject(new Error("kid: no"));
  const caught = await runAndReplay({
    [REGISTRY]: onRoot(async (c) => {
      const status = await c.runChild(WF, KID_PAYLOAD, "kid").then(
        () => "SUCCESS",
        () => "SUCCESS",
      );
      return { status, result: { caught: true } };
    }),
    [APPEND]: throwInKid,
  });
  assert.equal(caught.run.classification, "COMPLETED");
  assert.deepEqual(caught.replay.divergence, null);

  const rethrown = await runAndReplay({
    [REGISTRY]: onRoot(async (c) => {
      await c.runChild(WF, KID_PAYLOAD, "kid").catch(() => {
        throw new RangeError("parent gave up");
      });
      return ok;
    }),
    [APPEND]: throwInKid,
  });
  assert.equal(rethrown.run.classification, "FAULTED");
  assert.deepEqual(
    pick(rethrown.records, "fault", ["run", "node", "step", "error"]).at(-1),
    { ...ROOT_STEP, error: "RangeError: parent gave up" },
  );
  assert.deepEqual(rethrown.replay.divergence, null);
});

Deno.test("recursion through runChild stopped by the budget or by the nesting limit replays identical", async () => {
  const recurse: SideEffectFn = async (c) => {
    const r = await c.runChild(WF, ADA, "x");
    return { status: "SUCCESS", result: { cls: r.classification } };
  };
  const budget = await runAndReplay({ [REGISTRY]: recurse }, { budget: 200 });
  assert.equal(budget.run.reason, "STEP_BUDGET_EXCEEDED");
  assert.deepEqual(budget.replay.divergence, null);

  const deep = await runAndReplay({ [REGISTRY]: recurse });
  assert.equal(deep.run.reason, "STEP_BUDGET_EXCEEDED");
  assert.equal(
    deep.records.filter((r) => r.type === "child_run").length,
    MAX_CHILD_DEPTH,
    "stopped by the nesting limit, not the budget",
  );
  assert.deepEqual(deep.replay.divergence, null);
});

Deno.test("a fault's recorded error text replays byte for byte, whatever was thrown", async () => {
  const thrown: [unknown, string][] = [
    ["str", "str"],
    ["", ""],
    ["a: b: c", "a: b: c"],
    [": leading", ": leading"],
    ["trailing: ", "trailing: "],
    [new Error(""), "Error: "],
    [new TypeError("x: y"), "TypeError: x: y"],
    [Object.assign(new Error("m"), { name: "" }), ": m"],
    [null, "null"],
    [42, "42"],
    [{}, "[object Object]"],
  ];
  for (const [value, text] of thrown) {
    const { run, replay, records } = await runAndReplay({
      [REGISTRY]: () => Promise.reject(value),
    });
    assert.equal(run.classification, "FAULTED");
    assert.deepEqual(pick(records, "fault", ["error"]), [{ error: text }]);
    assert.deepEqual(replay.divergence, null, `thrown ${JSON.stringify(text)}`);
  }
});

Deno.test("a pgs.trace/1 body of a run with a custom CS's child replays as /1, identical", async () => {
  const t = await tempWorkspace();
  const custom = {
    sideEffects: {
      [REGISTRY]: {
        storeFormat: "json" as const,
        run: onRoot(async (c) => {
          await c.runChild("club::WF_NOPE_V0", {}, "nope");
          await c.runChild(WF, KID_PAYLOAD, "kid");
          throw "gave up";
        }),
      },
    },
  };
  const registry = createCapabilityRegistry(custom);
  const snapshot = await loadSnapshot(t.workspace);
  const compiled = await compileWorkflow(snapshot, WF, registry.compileOptions);
  const store = await openMemoryStore();
  const run = await executeWorkflow(compiled, ADA as JsonObject, {
    store,
    capabilities: registry.capabilities,
    seed: "01",
    startedAt: "2026-01-01T00:00:00.000Z",
    reproduce: { version: 1, keyId: null },
  });
  await store.close();
  assert.equal(run.classification, "FAULTED");
  assert.match(run.lines[0], /"schema":"pgs\.trace\/1"/);
  const replay = await replayTrace(traceText(run.lines), snapshot, registry);
  assert.deepEqual(replay, { identical: true, records: run.lines.length, divergence: null });
});
