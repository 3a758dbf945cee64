// deno-lint-ignore-file no-explicit-any -- trace records are read as untyped JSON here
/**
 * Step routing of the generated machine, end to end through executeWorkflow(): a one-CC
 * workflow whose steps are stand-in capabilities answering the status they are asked for.
 */
import assert from "node:assert/strict";
import { CtViolation, type JsonObject } from "../../actors/capability.ts";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { type BindingProblem, compileBinding, compileCondition } from "../../snapshot/bindings.ts";
import type {
  CompiledEvaluation,
  CompiledStep,
  CompiledWorkflow,
  ExecutionGraph,
  Route,
} from "../../snapshot/graph.ts";
import { openMemoryStore } from "../../storage/memory_store.ts";
import { loadPathParser } from "../../snapshot/bindings.ts";

// The compiler loads the path parser; these tests call the binding compiler directly.
await loadPathParser();

const CT = "t::CT_ECHO_V0";
const CS = "t::CS_SAY_V0";

/** CS_SAY returns the status it is asked for; CT_ECHO echoes, or violates on demand. */
const capabilities = {
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
  const s: CompiledStep = {
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
  return s;
}

const go = { kind: "continue" } as const;
const exit = { kind: "exit" } as const;

/** A workflow: CC_T (the steps) → EXIT on every status a test uses. */
function workflow(
  steps: CompiledStep[],
  evaluations: Record<string, CompiledEvaluation> = {},
  required: string[] = [],
): CompiledWorkflow {
  const statuses = ["SUCCESS", "DONE", "ALREADY_EXISTS", "OK_TRUE", "OK_FALSE", "FINE", "ACTIVE"];
  const graph: ExecutionGraph = {
    workflow: "t::WF_T_V0",
    file: "protocol_snapshot/artifacts/workflows/t__WF_T_V0.json",
    start: "CC_T",
    admission: null,
    children: [],
    nodes: {
      CC_T: {
        type: "CC",
        key: "CC_T",
        inputs: compileBinding("$.payload", ["payload", "results"], []),
        next: Object.fromEntries([...statuses, "BAD_INPUT"].map((s) => [s, "EXIT"])),
        cc: {
          fqdn: "t::CC_T_V0",
          file: "protocol_snapshot/artifacts/capability_contracts/t__CC_T_V0.json",
          requiredInputs: required,
          onInputFailure: "BAD_INPUT",
          steps,
          evaluations,
          suppress: [],
        },
      },
      EXIT: { type: "EXIT", key: "EXIT", reason: "EXITED", emit: null },
    },
  };
  return { root: graph, graphs: new Map([[graph.workflow, graph]]), digest: "0".repeat(64) };
}

async function run(compiled: CompiledWorkflow, payload: JsonObject = {}) {
  const store = await openMemoryStore();
  try {
    const r = await executeWorkflow(compiled, payload, {
      store,
      capabilities,
      seed: "00",
      startedAt: "2026-01-01T00:00:00.000Z",
      secretSeed: "00",
    });
    const records = r.records as any[];
    return {
      status: r.status,
      surface: (r.results as any).CC_T,
      steps: records.filter((x) => x.type === "step"),
      warnings: records.filter((x) => x.type === "warning"),
    };
  } finally {
    await store.close();
  }
}

Deno.test("generated machine: continue runs the next step; after the last step the CC ends with its status", async () => {
  const r = await run(workflow([
    step("a", "CS", { say: "SUCCESS" }, { SUCCESS: go }),
    step("b", "CS", { say: "DONE" }, { DONE: go }),
  ]));
  assert.equal(r.status, "DONE");
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.status}:${s.route}`), [
    "a:SUCCESS:continue",
    "b:DONE:continue",
  ]);
});

Deno.test("generated machine: exit ends the CC with the step's status; later steps do not run", async () => {
  const r = await run(workflow([
    step("a", "CS", { say: "ALREADY_EXISTS" }, { ALREADY_EXISTS: exit }),
    step("b", "CS", { say: "SUCCESS" }, { SUCCESS: go }),
  ]));
  assert.equal(r.status, "ALREADY_EXISTS");
  assert.deepEqual(r.steps.map((s) => s.step), ["a"]);
});

Deno.test("generated machine: a step name jumps to that step, also backwards, within the budget", async () => {
  const r = await run(workflow([
    step("a", "CS", { say: "SKIP" }, { SKIP: { kind: "step", index: 2, name: "c" } }),
    step("b", "CS", { say: "SUCCESS" }, { SUCCESS: go }),
    step("c", "CS", { say: "SUCCESS" }, { SUCCESS: exit }),
  ]));
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.route}`), ["a:c", "c:exit"]);
  assert.equal(r.status, "SUCCESS");
  // A step that jumps to itself re-enters its state (a new actor each time) until the
  // budget stops the run.
  const store = await openMemoryStore();
  const loop = await executeWorkflow(
    workflow([step("a", "CS", { say: "AGAIN" }, { AGAIN: { kind: "step", index: 0, name: "a" } })]),
    {},
    { store, capabilities, seed: "00", startedAt: "2026-01-01T00:00:00.000Z", budget: 7 },
  );
  await store.close();
  assert.equal(loop.classification, "FAILED");
  assert.equal(loop.reason, "STEP_BUDGET_EXCEEDED");
  assert.equal((loop.records as any[]).filter((x) => x.type === "step").length, 6);
});

Deno.test("generated machine: an evaluation key evaluates the condition and ends with on_true/on_false", async () => {
  const p: BindingProblem[] = [];
  const evaluations = {
    check_said: {
      condition: compileCondition('$.capability_result.said == "SUCCESS"', ["*"], p, "$")!,
      onTrue: "OK_TRUE",
      onFalse: "OK_FALSE",
    },
  };
  for (const [say, expected] of [["SUCCESS", "OK_TRUE"], ["MAYBE", "OK_FALSE"]]) {
    const r = await run(workflow([
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

Deno.test("generated machine: a status on_result does not list ends the CC with it and is flagged", async () => {
  const r = await run(workflow([
    step("a", "CS", { say: "WEIRD" }, { SUCCESS: go }),
    step("b", "CS", { say: "SUCCESS" }, { SUCCESS: go }),
  ]));
  assert.equal(r.status, "WEIRD");
  assert.deepEqual(r.steps.map((s) => `${s.step}:${s.route}`), ["a:unlisted"]);
  assert.deepEqual(r.warnings.map((w) => w.code), ["UNLISTED_STATUS"]);
});

Deno.test("generated machine: on_ct_result renames CT statuses; a declared CT failure routes as its new name", async () => {
  const rename = { success: "FINE", failure: "ACTIVE" };
  const ok = await run(workflow([
    step("t", "CT", { value: 1, fail: false }, { FINE: exit }, {
      v: "$.capability_result.echoed",
    }, rename),
  ]));
  assert.equal(ok.status, "FINE");
  assert.deepEqual(ok.surface, { v: 1 });
  const bad = await run(
    workflow([step("t", "CT", { value: 1, fail: true }, { ACTIVE: exit }, {}, rename)]),
  );
  assert.equal(bad.status, "ACTIVE");
  assert.deepEqual(bad.warnings.map((w) => w.code), ["CT_VIOLATION"]);
});

Deno.test("generated machine: a missing required CC input gives on_input_failure without running a step", async () => {
  const r = await run(
    workflow([step("a", "CS", { say: "SUCCESS" }, { SUCCESS: exit })], {}, ["member_id"]),
    { other: 1 },
  );
  assert.equal(r.status, "BAD_INPUT");
  assert.equal(r.steps.length, 0);
  assert.match(r.warnings[0].message, /required CC input\(s\) member_id missing; status BAD_INPUT/);
});

Deno.test("generated machine: an output path the capability did not produce is null plus a warning, never a status change", async () => {
  const r = await run(workflow([
    step("a", "CS", { say: "SUCCESS" }, { SUCCESS: exit }, {
      said: "$.capability_result.said",
      nope: "$.capability_result.value.x",
    }),
  ]));
  assert.equal(r.status, "SUCCESS");
  assert.deepEqual(r.steps[0].outputs, { said: "SUCCESS", nope: null });
  assert.deepEqual(r.warnings.map((w) => w.code), ["OUTPUT_PATH_MISSING"]);
});

Deno.test("generated machine: step names that are XState path syntax are plain states", async () => {
  const r = await run(workflow([
    step("a.b", "CS", { say: "SUCCESS" }, { SUCCESS: { kind: "step", index: 1, name: "#c" } }),
    step("#c", "CS", { say: "SUCCESS" }, { SUCCESS: { kind: "step", index: 2, name: "@done" } }),
    step("@done", "CS", { say: "DONE" }, { DONE: go }),
  ]));
  assert.deepEqual(r.steps.map((s) => s.step), ["a.b", "#c", "@done"]);
  assert.equal(r.status, "DONE");
});
