import assert from "node:assert/strict";
import { CompileError, ErrorCode, UsageError } from "../../../errors.ts";
import { CS_WORKFLOW_GATEWAY } from "../../../actors/cs/constants.ts";
import { workflowGatewaySideEffect } from "../../../actors/cs/workflow_gateway.ts";
import type { ChildRunResult, JsonObject } from "../../../actors/capability.ts";
import { FakeTxn, makeCall } from "./_fake_txn.ts";
import { type ChildCall, completed, ended, scriptedChildren } from "./_children.ts";

const WF = "blockchain::WF_PROPOSE_BLOCK_V0";

function gateway(
  inputs: JsonObject,
  answer?: (call: ChildCall) => ChildRunResult | Promise<ChildRunResult>,
  op = "EXECUTE",
) {
  const children = scriptedChildren(answer);
  const txn = new FakeTxn();
  const call = makeCall(txn, CS_WORKFLOW_GATEWAY, op, inputs, null, {
    runChild: children.runChild,
  });
  return { run: () => workflowGatewaySideEffect(call), children, txn };
}

Deno.test("EXECUTE runs the child (label 0) and reports its status and surface", async () => {
  const payload = { epoch: 0, slot: 1, triggered_by: "A_1" };
  const { run, children, txn } = gateway(
    { workflow_code: WF, payload },
    () => completed({ CC_X: { block_hash: "0xab" }, status: "ignored" }),
  );
  assert.deepEqual(await run(), {
    status: "SUCCESS",
    result: {
      result_status: "SUCCESS",
      execution_result: {
        status: "SUCCESS",
        classification: "COMPLETED",
        CC_X: { block_hash: "0xab" },
      },
    },
  });
  assert.deepEqual(children.calls, [{ workflow: WF, payload, label: "0" }]);
  assert.deepEqual(txn.mutations(), []);
});

Deno.test("EXECUTE passes a non-SUCCESS child status through; bare codes go verbatim", async () => {
  const { run, children } = gateway(
    { workflow_code: "WF_PROPOSE_BLOCK_V0", payload: {} },
    () => ended("NACK", "REJECTED"),
  );
  assert.deepEqual(await run(), {
    status: "NACK",
    result: {
      result_status: "NACK",
      execution_result: { status: "NACK", classification: "REJECTED" },
    },
  });
  assert.equal(children.calls[0].workflow, "WF_PROPOSE_BLOCK_V0");
});

Deno.test("EXECUTE of an unknown workflow (WORKFLOW_NAME refusal) gives NOT_FOUND", async () => {
  const { run } = gateway({ workflow_code: "wf::GHOST", payload: {} }, () => {
    throw new UsageError('Unknown workflow "wf::GHOST"', ErrorCode.WORKFLOW_NAME);
  });
  assert.deepEqual(await run(), {
    status: "NOT_FOUND",
    result: { result_status: "NOT_FOUND", message: 'Unknown workflow "wf::GHOST"' },
  });
});

Deno.test("EXECUTE passes an engine-reported NOT_FOUND child through as NOT_FOUND", async () => {
  const { run } = gateway(
    { workflow_code: "wf::GHOST", payload: {} },
    () => ({ status: "NOT_FOUND", classification: "FAILED", results: {} }),
  );
  assert.deepEqual(await run(), {
    status: "NOT_FOUND",
    result: {
      result_status: "NOT_FOUND",
      execution_result: { status: "NOT_FOUND", classification: "FAILED" },
    },
  });
});

Deno.test("EXECUTE maps other refusals to BACKEND_ERROR and lets other errors fault", async () => {
  const refused = gateway({ workflow_code: WF, payload: {} }, () => {
    throw new CompileError(WF, [{ file: "f.json", jsonPath: "$.x", message: "bad" }]);
  });
  const r = await refused.run();
  assert.equal(r.status, "BACKEND_ERROR");
  assert.match(String(r.result.message), /^Cannot compile workflow/);
  const bug = gateway({ workflow_code: WF, payload: {} }, () => {
    throw new RangeError("budget");
  });
  await assert.rejects(bug.run, RangeError);
});

Deno.test("EXECUTE validates workflow_code and payload before running anything", async () => {
  const cases: Array<[JsonObject, string]> = [
    [{ payload: {} }, "Missing workflow_code"],
    [{ workflow_code: "", payload: {} }, "Missing workflow_code"],
    [{ workflow_code: 0, payload: {} }, "Missing workflow_code"],
    [
      { workflow_code: 151, payload: {} },
      "Invalid workflow_code: expected <domain>::<WF_CODE> or a WF code",
    ],
    [{ workflow_code: WF }, "Missing payload"],
    [{ workflow_code: WF, payload: null }, "Missing payload"],
    [{ workflow_code: WF, payload: [1] }, "Invalid payload: expected an object"],
  ];
  for (const [inputs, message] of cases) {
    const { run, children } = gateway(inputs);
    assert.deepEqual(await run(), {
      status: "VIOLATION",
      result: { result_status: "VIOLATION", message },
    });
    assert.equal(children.calls.length, 0);
  }
});

Deno.test("gateway: op other than EXECUTE gives BACKEND_ERROR; the op is case-insensitive", async () => {
  const { run } = gateway({ workflow_code: WF, payload: {} }, undefined, "RUN");
  assert.deepEqual(await run(), {
    status: "BACKEND_ERROR",
    result: { result_status: "BACKEND_ERROR", message: "Unsupported operation: RUN" },
  });
  const lower = gateway({ workflow_code: WF, payload: {} }, undefined, "execute");
  assert.equal((await lower.run()).status, "SUCCESS");
});
