import assert from "node:assert/strict";
import { CtViolation, type JsonObject } from "../../actors/capability.ts";
import { type NodeEnv, runContract } from "../../actors/pipeline.ts";
import { createRunContext } from "../../actors/run_context.ts";
import { type BindingProblem, compileBinding, compileCondition } from "../../snapshot/bindings.ts";
import type { CcNode, CompiledStep, Route } from "../../snapshot/graph.ts";
import { openMemoryStore } from "../../storage/memory_store.ts";
import type { StepRecord, UnchainedRecord } from "../../trace/record.ts";
import { RunRecorder } from "../../trace/recorder.ts";

const CT = "t::CT_ECHO_V0";
const CS = "t::CS_SAY_V0";

/** CS_SAY returns the status it is asked for; CT_ECHO echoes, or violates on demand. */
const caps = {
  transforms: {
    [CT]: (args: JsonObject) => {
      if (args.fail) throw new CtViolation("asked to fail");
      return { echoed: args.value };
    },
  },
  sideEffects: {
    [CS]: (call: { inputs: JsonObject }) =>
      Promise.resolve({ status: String(call.inputs.say), result: { said: call.inputs.say } }),
  },
};

const ctIr = {
  ct_fqdn: CT,
  inputs: { value: {}, fail: {} },
  atom_stream: [{ atom: CT, args: { value: "$.inputs.value", fail: "$.inputs.fail" }, out: "r" }],
  outputs: { echoed: { from: "r" } },
};

function step(
  name: string,
  kind: "CT" | "CS",
  inputs: Record<string, unknown>,
  onResult: Record<string, Route>,
  outputs: Record<string, string> = {},
  onCtResult = { success: "SUCCESS", failure: "VIOLATION" },
): CompiledStep {
  const p: BindingProblem[] = [];
  const step: CompiledStep = {
    name,
    kind,
    capability: kind === "CT" ? CT : CS,
    ctIr: kind === "CT" ? ctIr : undefined,
    op: kind === "CS" ? "SAY" : null,
    store: null,
    policy: {},
    inputs: compileBinding(inputs, ["inputs", "results"], p),
    outputs: Object.entries(outputs).map(([k, v]) => [k, compileBinding(v, ["*"], p)] as const),
    onResult,
    onCtResult,
  };
  assert.deepEqual(p, []);
  return step;
}

const go = { kind: "continue" } as const;
const exit = { kind: "exit" } as const;

function node(steps: CompiledStep[], evaluations = {}, required: string[] = []): CcNode {
  return {
    type: "CC",
    key: "CC_T",
    next: {},
    inputs: { k: "lit", v: {} },
    cc: {
      fqdn: "t::CC_T_V0",
      file: "protocol_snapshot/artifacts/capability_contracts/t__CC_T_V0.json",
      requiredInputs: required,
      onInputFailure: "BAD_INPUT",
      steps,
      evaluations,
      suppress: [],
    },
  };
}

async function run(n: CcNode, inputs: JsonObject = {}) {
  const store = await openMemoryStore();
  const rec = new RunRecorder("root");
  let out: { status: string; surface: JsonObject } | undefined;
  await store.transact(async (txn) => {
    const env: NodeEnv = {
      txn,
      rc: createRunContext({ seed: "00", startedAt: "2026-01-01T00:00:00.000Z", secretSeed: "00" }),
      rec,
      caps,
      budget: { used: 0, max: 100 },
      secrets: new Set(),
      onTurn: (work) => work(),
      runChild: () => Promise.reject(new Error("no children")),
    };
    out = await runContract(n, inputs, env, "root/CC_T#1");
    return { value: null, trace: null };
  });
  await store.close();
  const records = rec.flatten();
  const steps = records.filter((r): r is Omit<StepRecord, "seq" | "prev"> => r.type === "step");
  const warnings = records.filter((r) => r.type === "warning") as Array<
    UnchainedRecord & { code: string; message: string }
  >;
  return { ...out!, steps, warnings };
}

Deno.test("runContract(): continue runs the next step; after the last step the CC ends with its status", async () => {
  const r = await run(node([
    step("a", "CS", { say: "SUCCESS" }, { SUCCESS: go }),
    step("b", "CS", { say: "DONE" }, { DONE: go }),
  ]));
  assert.equal(r.status, "DONE");
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.status}:${s.route}`), [
    "a:SUCCESS:continue",
    "b:DONE:continue",
  ]);
});

Deno.test("runContract(): exit ends the CC with the step's status; later steps do not run", async () => {
  const r = await run(node([
    step("a", "CS", { say: "ALREADY_EXISTS" }, { ALREADY_EXISTS: exit }),
    step("b", "CS", { say: "SUCCESS" }, { SUCCESS: go }),
  ]));
  assert.equal(r.status, "ALREADY_EXISTS");
  assert.deepEqual(r.steps.map((s) => s.step), ["a"]);
});

Deno.test("runContract(): a step name jumps to that step", async () => {
  const r = await run(node([
    step("a", "CS", { say: "SKIP" }, { SKIP: { kind: "step", index: 2, name: "c" } }),
    step("b", "CS", { say: "SUCCESS" }, { SUCCESS: go }),
    step("c", "CS", { say: "SUCCESS" }, { SUCCESS: exit }),
  ]));
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.route}`), ["a:c", "c:exit"]);
  assert.equal(r.status, "SUCCESS");
});

Deno.test("runContract(): an evaluation key evaluates the condition and ends with on_true/on_false", async () => {
  const p: BindingProblem[] = [];
  const evaluations = {
    check_said: {
      condition: compileCondition('$.capability_result.said == "SUCCESS"', ["*"], p, "$")!,
      onTrue: "OK_TRUE",
      onFalse: "OK_FALSE",
    },
  };
  for (const [say, expected] of [["SUCCESS", "OK_TRUE"], ["MAYBE", "OK_FALSE"]]) {
    const r = await run(node([
      step("a", "CS", { say }, { [say]: { kind: "evaluation", name: "check_said" } }),
    ], evaluations));
    assert.equal(r.status, expected);
    assert.deepEqual(r.steps[0].evaluation, {
      name: "check_said",
      condition: '$.capability_result.said == "SUCCESS"',
      value: expected === "OK_TRUE",
      status: expected,
    });
  }
});

Deno.test("runContract(): a status on_result does not list ends the CC with it and is flagged", async () => {
  const r = await run(node([
    step("a", "CS", { say: "WEIRD" }, { SUCCESS: go }),
    step("b", "CS", { say: "SUCCESS" }, { SUCCESS: go }),
  ]));
  assert.equal(r.status, "WEIRD");
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.route}`), ["a:unlisted"]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["UNLISTED_STATUS"]);
});

Deno.test("runContract(): on_ct_result renames CT statuses; a declared CT failure routes as its new name", async () => {
  const rename = { success: "FINE", failure: "ACTIVE" };
  const ok = await run(
    node([
      step("t", "CT", { value: 1, fail: false }, { FINE: exit }, {
        v: "$.capability_result.echoed",
      }, rename),
    ]),
  );
  assert.equal(ok.status, "FINE");
  assert.deepEqual(ok.surface, { v: 1 });
  const bad = await run(
    node([step("t", "CT", { value: 1, fail: true }, { ACTIVE: exit }, {}, rename)]),
  );
  assert.equal(bad.status, "ACTIVE");
  assert.deepEqual(bad.warnings.map((w) => w.code), ["CT_VIOLATION"]);
});

Deno.test("runContract(): a missing required CC input gives on_input_failure without running a step", async () => {
  const r = await run(
    node([step("a", "CS", { say: "SUCCESS" }, { SUCCESS: exit })], {}, ["member_id"]),
    { other: 1 },
  );
  assert.equal(r.status, "BAD_INPUT");
  assert.equal(r.steps.length, 0);
  assert.match(r.warnings[0].message, /required CC input\(s\) member_id missing; status BAD_INPUT/);
});

Deno.test("runContract(): an output path the capability did not produce is null plus a warning, never a status change", async () => {
  const r = await run(node([
    step("a", "CS", { say: "SUCCESS" }, { SUCCESS: exit }, {
      said: "$.capability_result.said",
      nope: "$.capability_result.value.x",
    }),
  ]));
  assert.equal(r.status, "SUCCESS");
  assert.deepEqual(r.steps[0].outputs, { said: "SUCCESS", nope: null });
  assert.deepEqual(r.warnings.map((w) => w.code), ["OUTPUT_PATH_MISSING"]);
});
