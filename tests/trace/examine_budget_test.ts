/**
 * `examineTrace()` on runs that spent their step budget, across the shapes the budget is
 * spent in: a flat run, a child run started by a gateway, runaway recursion through child
 * runs, a loop's child runs, and concurrent children nesting a loop. Every trace is what
 * the engine wrote for a real run (golden workspace plus a concurrent workflow authored
 * here), swept over every budget from 1 to one past what the run needs: each must be
 * judged intact, with the recounted units equal to the budget when it ran out. Edited
 * result lines must still be caught.
 */
import assert from "node:assert/strict";
import { runWorkflow } from "../../mod.ts";
import { authorArtifact, resealArtifact, writeArtifacts } from "../../snapshot/author.ts";
import { canonicalJson, sha256Hex } from "../../snapshot/canonical.ts";
import { budgetUse } from "../../trace/examine/budget.ts";
import { examineTrace } from "../../trace/examine/mod.ts";
import { traceText, verifyTrace } from "../../trace/jsonl.ts";
import { diagnose } from "../../trace/examine/diagnose.ts";
import { collectPaths } from "../../trace/run_path.ts";
import type { TraceRecord } from "../../trace/record.ts";
import { golden } from "../testdata/golden/mod.ts";
import { GOLDEN_CAPABILITIES, goldenArtifacts, NS, WF } from "../testdata/golden/workspace.ts";
import { tempDir } from "../_support/tmp.ts";

const CS_CONCURRENT = "capability_side_effects::CS_CONCURRENT_WORKFLOWS_V0";
const WF_FAN = `${NS}::WF_FAN_V0`;
const CC = "protocol_snapshot/artifacts/capability_contracts";
const WFS = "protocol_snapshot/artifacts/workflows";

/** The golden workspace plus WF_FAN_V0: WF_BATCH_V0 (a loop) and WF_REGISTER_V0 concurrently. */
async function writeWorkspace(dir: string): Promise<void> {
  const layer = { layer: "GOLDEN" };
  const artifacts = goldenArtifacts().map((a) => {
    if (a.dir !== "runtime_bindings") return a;
    const body = structuredClone(a.body) as {
      frontmatter: { core: { bindings: Record<string, unknown> } };
    };
    body.frontmatter.core.bindings[CS_CONCURRENT] = { policy: {} };
    return { ...a, body: resealArtifact(body as unknown as Record<string, unknown>) };
  });
  artifacts.push(
    authorArtifact("CS", CS_CONCURRENT, {
      cs_code: "CS_CONCURRENT_WORKFLOWS_V0",
      core: { operations: ["EXECUTE_CONCURRENT"] },
    }, {
      ...layer,
      extra: {
        cs_ir: {
          cs_metadata: { capability: { supported_operation_specs: ["EXECUTE_CONCURRENT"] } },
        },
      },
    }),
    authorArtifact("IN", `${NS}::IN_FAN_V0`, {
      core: { inputs: { items: { type: "array", required: true, items: { type: "object" } } } },
    }, layer),
    authorArtifact("CC", `${NS}::CC_FAN_V0`, {
      core: {
        result_status_contract: { on_input_failure: "VIOLATION" },
        inputs: { items: { type: "array", required: true } },
        pipeline: [{
          step: "fan",
          side_effect: CS_CONCURRENT,
          op: "EXECUTE_CONCURRENT",
          inputs: {
            workflows: [
              { code: WF.batch, payload: { items: "$.inputs.items" } },
              { code: WF.register, payload: { name: "ada", email: "ada@example.org" } },
            ],
          },
          outputs: {},
          on_result: { SUCCESS: "exit", PARTIAL_FAILURE: "exit", VIOLATION: "exit" },
        }],
      },
    }, layer),
    authorArtifact("WF", WF_FAN, {
      wf_code: "WF_FAN_V0",
      runtime_binding: `${NS}::RB_DEMO_V0`,
      core: {
        start_node: "IN_FAN",
        nodes: {
          IN_FAN: { type: "IN", fqdn_id: `${NS}::IN_FAN_V0`, next: { ACK: "CC_FAN" } },
          CC_FAN: {
            type: "CC",
            fqdn_id: `${NS}::CC_FAN_V0`,
            inputs: { items: "$.payload.items" },
            next: { SUCCESS: "EXIT", PARTIAL_FAILURE: "EXIT", VIOLATION: "EXIT" },
          },
          EXIT: { type: "EXIT", reason: "EXITED" },
        },
      },
    }, layer),
  );
  await writeArtifacts(dir, artifacts);
}

const workspace = await tempDir("pgs-examine-budget-");
await writeWorkspace(workspace);

async function run(workflow: string, payload: Record<string, unknown>, budget: number) {
  return await runWorkflow({
    workspace,
    workflow,
    payload,
    kvUrl: ":memory:",
    capabilities: GOLDEN_CAPABILITIES,
    traceFiles: false,
    seed: "00",
    startedAt: "2025-01-01T00:00:00.000Z",
    budget,
  });
}

const ITEMS = { items: [{ item: 1 }, { item: 3 }, { item: 4 }] };

/** Each shape: workflow, payload, and the units a complete run needs (null: never completes). */
const SHAPES = [
  // A flat run whose third step starts a child run (gateway).
  {
    name: "gateway child",
    workflow: WF.register,
    payload: { name: "ada", email: "a@b.org" },
    needs: 8,
  },
  // The workflow starts itself again until the budget runs out.
  { name: "runaway recursion", workflow: WF.loop, payload: { n: 0 }, needs: null },
  // A loop step starting one child run per item.
  { name: "loop children", workflow: WF.batch, payload: ITEMS, needs: 12 },
  // Two concurrent children, one of them a loop with children of its own.
  { name: "concurrent nested children", workflow: WF_FAN, payload: ITEMS, needs: 23 },
] as const;

for (const shape of SHAPES) {
  Deno.test(`examineTrace() judges every budget-limited run intact (${shape.name})`, async () => {
    let spent = 0;
    let finished: string | null = null;
    for (let budget = 1; budget <= 40 && finished === null; budget++) {
      const r = await run(shape.workflow, shape.payload, budget);
      const text = traceText(r.lines);
      const report = await examineTrace(text);
      assert.deepEqual(report.problems, [], `budget ${budget}`);
      const use = budgetUse(verifyTrace(text).records);
      if (r.reason === "STEP_BUDGET_EXCEEDED") {
        spent++;
        // Exactly what the engine charged: the refused charge was the one after these.
        assert.equal(use.units, budget, `budget ${budget}: recounted units`);
        assert.equal(report.diagnosis?.class, "governance");
        assert.match(report.diagnosis!.hint, new RegExp(`^the step budget of ${budget} `));
      } else {
        // The budget sufficed: the run spent less than it, and its end is its own.
        assert.ok(use.units <= budget, `budget ${budget}: ${use.units} units`);
        finished = r.classification;
      }
    }
    // Every budget below what the run needs runs out; the first that suffices ends it.
    assert.equal(spent, shape.needs === null ? 40 : shape.needs - 1);
    assert.equal(finished, shape.needs === null ? null : "COMPLETED");
  });
}

/**
 * The trace with its root result line (the last before the seal) edited and the seal
 * re-chained to it: the chain holds, only the cross-check can see the edit.
 */
function withResult(lines: readonly string[], edit: Record<string, unknown>): string {
  const result = canonicalJson({ ...JSON.parse(lines.at(-2)!), ...edit });
  const seal = canonicalJson({ ...JSON.parse(lines.at(-1)!), prev: sha256Hex(result) });
  const text = traceText(lines.with(-2, result).with(-1, seal));
  assert.deepEqual(verifyTrace(text).problems, [], "the chain holds");
  return text;
}

const TO_BUDGET = {
  status: "STEP_BUDGET_EXCEEDED",
  reason: "STEP_BUDGET_EXCEEDED",
  classification: "FAILED",
  exit_node: null,
  emit: null,
  results: {},
};

Deno.test("examineTrace() still catches a result edited to or from STEP_BUDGET_EXCEEDED", async () => {
  // A run denied admission spent nothing: claiming a spent budget is a lie the count exposes.
  const denied = golden("admission_denied");
  const last = denied.lines.length - 1;
  assert.deepEqual((await examineTrace(withResult(denied.lines, TO_BUDGET))).problems, [
    `line ${last} (result): reason "STEP_BUDGET_EXCEEDED" / status "STEP_BUDGET_EXCEEDED" is ` +
    "not what the root run recorded",
  ]);
  // A runaway that did spend its budget cannot be passed off as another failure.
  const runaway = golden("budget_runaway");
  for (const reason of ["NO_TRANSITION", "FAULT", "ADMISSION_DENIED"]) {
    const text = withResult(runaway.lines, { status: reason, reason });
    const r = await examineTrace(text);
    assert.equal(r.intact, false, reason);
    assert.match(r.problems.join("\n"), /is not what the root run recorded/, reason);
  }
  // Nor can a completed run be passed off as one that ran out, even one that needed exactly
  // its budget (12 units): its EXIT and its outputs are on record.
  const done = await run(WF.batch, ITEMS, 12);
  assert.equal(done.classification, "COMPLETED");
  const at = done.lines.length - 1;
  assert.deepEqual((await examineTrace(withResult(done.lines, TO_BUDGET))).problems, [
    `line ${at} (result): exit_node is null but the root run entered EXIT_DONE`,
    `line ${at} (result): results do not match the outputs recorded on the root run's transitions`,
  ]);
});

Deno.test("examineTrace() names the loop step whose child runs spent the budget", async () => {
  const items = { items: Array.from({ length: 8 }, (_, i) => ({ item: 10 + i })) };
  const r = await run(WF.batch, items, 20);
  assert.equal(r.reason, "STEP_BUDGET_EXCEEDED");
  const report = await examineTrace(traceText(r.lines));
  assert.deepEqual(report.problems, []);
  // 3 units in the root (IN, CC, loop step), 3 per item (IN, CC, bump): the 6th item's
  // bump is the 21st charge.
  const sixth = "root/CC_BATCH/each/item5";
  assert.deepEqual(report.diagnosis, {
    class: "governance",
    run: sixth,
    node: "CC_NONCE",
    step: null,
    inputs: [],
    file: `${WFS}/demo__WF_ITEM_V0.json`,
    hint: "the step budget of 20 (node visits + steps, child runs included) ran out at the " +
      `first step of CC_NONCE in child run ${sixth} (STEP_BUDGET_EXCEEDED); spent: 7 IN ` +
      "verdicts, 7 CC visits and 6 steps in 7 runs; CC_BATCH step each started 6 child runs " +
      "of demo::WF_ITEM_V0, which spent 17 of the 20 units; if the work is legitimately this " +
      "long, rerun with --budget <n> above 20; otherwise give CC_BATCH step each less to do " +
      `(see ${CC}/demo__CC_BATCH_V0.json)`,
  });
});

Deno.test("examineTrace() accepts recursion stopped at the nesting limit and says a budget will not help", async () => {
  const r = await run(WF.loop, { n: 0 }, 1000);
  assert.equal(r.reason, "STEP_BUDGET_EXCEEDED");
  const text = traceText(r.lines);
  const report = await examineTrace(text);
  assert.deepEqual(report.problems, []);
  // 65 runs (root + 64 levels) of 4 units each: the deepest run's recurse step was charged
  // but refused before it started a child, so it left no record (259 evidenced).
  const use = budgetUse(verifyTrace(text).records);
  assert.equal(use.units, 259);
  assert.equal(use.deepest.length, 65);
  const deepest = use.deepest.at(-1)!;
  assert.equal(deepest, Array(64).fill("CC_TICK/recurse/0").join("/").replace(/^/, "root/"));
  assert.equal(report.diagnosis?.run, deepest);
  assert.match(
    report.diagnosis!.hint,
    new RegExp(
      "; runaway recursion: demo::WF_LOOP_V0 runs again inside itself, started by CC_TICK " +
        "step recurse of demo::WF_LOOP_V0; child runs nested 64 deep, the nesting limit of 64 " +
        "\\(a larger --budget does not help\\)",
    ),
  );
});

Deno.test("diagnose() names the most repeated step when no child run or recursion spent the budget", () => {
  // The compiler refuses cycles, so no real run enters a node twice; the golden budget
  // trace with its CC visit made three times is the shape such a loop would leave.
  const base = golden("budget").records;
  const visit = base.findIndex((r) => r.type === "node" && r.node === "CC_REGISTER");
  const again = {
    type: "transition",
    run: "root",
    from: "CC_REGISTER",
    outcome: "AGAIN",
    to: "CC_REGISTER",
    outputs: null,
  } as unknown as TraceRecord;
  const loop = [...base.slice(visit, visit + 3), again];
  const records = [...base.slice(0, visit), ...loop, ...loop, ...base.slice(visit)]
    .map((r, seq) => ({ ...r, seq }));
  const use = budgetUse(records);
  assert.deepEqual(use.repeated.slice(0, 2).map((s) => [s.node, s.step, s.times]), [
    ["CC_REGISTER", "make_id", 3],
    ["CC_REGISTER", "store", 3],
  ]);
  assert.equal(use.units, 1 + 3 * 3);
  const d = diagnose(records, collectPaths(records), []);
  assert.equal(
    d.hint,
    "the step budget of 4 (node visits + steps, child runs included) ran out after " +
      "CC_REGISTER step store (STEP_BUDGET_EXCEEDED); spent: 1 IN verdict, 3 CC visits and 6 " +
      "steps in 1 run; the most repeated: CC_REGISTER step make_id of demo::WF_REGISTER_V0, " +
      "3 times; if the work is legitimately this long, rerun with --budget <n> above 4",
  );
});
