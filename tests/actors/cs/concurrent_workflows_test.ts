import assert from "node:assert/strict";
import { ErrorCode, SnapshotError, UsageError } from "../../../errors.ts";
import { CS_CONCURRENT_WORKFLOWS } from "../../../actors/cs/constants.ts";
import { concurrentWorkflowsSideEffect } from "../../../actors/cs/concurrent_workflows.ts";
import type { ChildRunResult, JsonObject } from "../../../actors/capability.ts";
import { FakeTxn, makeCall } from "./_fake_txn.ts";
import { type ChildCall, completed, ended, scriptedChildren } from "./_children.ts";

const LOOP = "blockchain::WF_RUN_CONSENSUS_LOOP_V0";
const TXS = "blockchain::WF_RUN_TX_WORKLOAD_V0";
const THIRD = "blockchain::WF_THIRD_V0";

function concurrent(
  inputs: JsonObject,
  answer?: (call: ChildCall) => ChildRunResult | Promise<ChildRunResult>,
  op = "EXECUTE_CONCURRENT",
) {
  const children = scriptedChildren(answer);
  const call = makeCall(new FakeTxn(), CS_CONCURRENT_WORKFLOWS, op, inputs, null, {
    runChild: children.runChild,
  });
  return { run: () => concurrentWorkflowsSideEffect(call), children };
}

Deno.test("EXECUTE_CONCURRENT starts all children and reports in declaration order when they finish in reverse", async () => {
  const gates = new Map<string, (r: ChildRunResult) => void>();
  const finished: string[] = [];
  const { run, children } = concurrent(
    {
      triggered_by: "A_1",
      workflows: [
        { code: LOOP, payload: { simulation_id: "SIM", slot_schedule: [1] } },
        { code: TXS, payload: { tx_sequence: [] } },
        { code: THIRD },
      ],
    },
    (call) =>
      new Promise<ChildRunResult>((resolve) =>
        gates.set(call.label, (r) => {
          finished.push(call.label);
          resolve(r);
        })
      ),
  );
  const pending = run();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(children.calls.map((c) => c.label), ["0", "1", "2"]);
  gates.get("2")!(completed({ CC_C: { n: 3 } }));
  await Promise.resolve();
  gates.get("1")!(completed({ CC_B: { n: 2 } }));
  await Promise.resolve();
  gates.get("0")!(completed({ CC_A: { n: 1 } }));
  const r = await pending;
  assert.deepEqual(finished, ["2", "1", "0"]);
  assert.deepEqual(r, {
    status: "SUCCESS",
    result: {
      result_status: "SUCCESS",
      results: [
        { code: LOOP, result_status: "SUCCESS", outputs: { CC_A: { n: 1 } } },
        { code: TXS, result_status: "SUCCESS", outputs: { CC_B: { n: 2 } } },
        { code: THIRD, result_status: "SUCCESS", outputs: { CC_C: { n: 3 } } },
      ],
      all_succeeded: true,
    },
  });
  assert.deepEqual(children.calls[0].payload, { simulation_id: "SIM", slot_schedule: [1] });
  assert.deepEqual(children.calls[2].payload, {});
});

Deno.test("EXECUTE_CONCURRENT: a failing child never stops its peers (PARTIAL_FAILURE)", async () => {
  const { run, children } = concurrent(
    { workflows: [{ code: LOOP, payload: {} }, { code: TXS, payload: {} }, { code: THIRD }] },
    (call) => {
      if (call.label === "0") return ended("VIOLATION");
      if (call.label === "1") throw new SnapshotError("Cannot load artifact");
      return completed();
    },
  );
  assert.deepEqual(await run(), {
    status: "PARTIAL_FAILURE",
    result: {
      result_status: "PARTIAL_FAILURE",
      results: [
        { code: LOOP, result_status: "VIOLATION", outputs: {} },
        { code: TXS, result_status: "BACKEND_ERROR", outputs: {}, message: "Cannot load artifact" },
        { code: THIRD, result_status: "SUCCESS", outputs: {} },
      ],
      all_succeeded: false,
    },
  });
  assert.equal(children.calls.length, 3);
});

Deno.test("EXECUTE_CONCURRENT: an unknown workflow is a per-child BACKEND_ERROR", async () => {
  const { run } = concurrent({ workflows: [{ code: "wf::GHOST" }] }, () => {
    throw new UsageError("Unknown workflow", ErrorCode.WORKFLOW_NAME);
  });
  assert.deepEqual((await run()).result.results, [
    { code: "wf::GHOST", result_status: "BACKEND_ERROR", outputs: {}, message: "Unknown workflow" },
  ]);
});

Deno.test("EXECUTE_CONCURRENT: a non-PgsError faults after every child settled", async () => {
  let settled = 0;
  const { run, children } = concurrent(
    { workflows: [{ code: LOOP }, { code: TXS }, { code: THIRD }] },
    async (call) => {
      await new Promise((r) => setTimeout(r, call.label === "0" ? 5 : 0));
      settled++;
      if (call.label !== "2") throw new TypeError(`bug ${call.label}`);
      return completed();
    },
  );
  await assert.rejects(run, /bug 0/);
  assert.equal(children.calls.length, 3);
  assert.equal(settled, 3);
});

Deno.test("EXECUTE_CONCURRENT validates the list before starting any child", async () => {
  const cases: Array<[JsonObject, string]> = [
    [{}, "workflows must be a non-empty list"],
    [{ workflows: [] }, "workflows must be a non-empty list"],
    [{ workflows: { code: LOOP } }, "workflows must be a non-empty list"],
    [{ workflows: [{ code: LOOP }, { code: LOOP }] }, "duplicate workflow codes in workflows list"],
    [{ workflows: [{ code: 1 }, { code: true }] }, "duplicate workflow codes in workflows list"],
    [
      { workflows: [{ code: LOOP }, { payload: {} }] },
      "each workflows entry must have a 'code' field",
    ],
    [{ workflows: [{ code: LOOP }, "x"] }, "workflows[1] must be an object"],
    [{ workflows: [{ code: 151 }] }, "workflows[0].code must be a workflow code string"],
    [{ workflows: [{ code: "" }] }, "workflows[0].code must be a workflow code string"],
    [{ workflows: [{ code: LOOP, payload: [1] }] }, "workflows[0].payload must be an object"],
  ];
  for (const [inputs, message] of cases) {
    const { run, children } = concurrent(inputs);
    assert.deepEqual(await run(), {
      status: "VIOLATION",
      result: { result_status: "VIOLATION", message },
    });
    assert.equal(children.calls.length, 0);
  }
});

Deno.test("concurrent: op other than EXECUTE_CONCURRENT gives BACKEND_ERROR", async () => {
  const { run } = concurrent({ workflows: [{ code: LOOP }] }, undefined, "EXECUTE");
  assert.deepEqual(await run(), {
    status: "BACKEND_ERROR",
    result: { result_status: "BACKEND_ERROR", message: "Unsupported operation: EXECUTE" },
  });
});
