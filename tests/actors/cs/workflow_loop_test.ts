import assert from "node:assert/strict";
import { ErrorCode, UsageError } from "../../../errors.ts";
import { CS_WORKFLOW_LOOP } from "../../../actors/cs/constants.ts";
import { workflowLoopSideEffect } from "../../../actors/cs/workflow_loop.ts";
import type { ChildRunResult, JsonObject } from "../../../actors/capability.ts";
import { FakeTxn, makeCall } from "./_fake_txn.ts";
import { type ChildCall, completed, ended, scriptedChildren } from "./_children.ts";

const TX_MAPPING = {
  MINT: "blockchain::WF_MINT_V0",
  TRANSFER: "blockchain::WF_TRANSFER_V0",
  BURN: "blockchain::WF_BURN_V0",
};

function loop(
  inputs: JsonObject,
  answer?: (call: ChildCall) => ChildRunResult | Promise<ChildRunResult>,
  op = "EXECUTE_SEQUENCE",
) {
  const children = scriptedChildren(answer);
  const call = makeCall(new FakeTxn(), CS_WORKFLOW_LOOP, op, inputs, null, {
    runChild: children.runChild,
  });
  return { run: () => workflowLoopSideEffect(call), children };
}

function counts(items: number, subItems: number): JsonObject {
  return { items_processed: items, sub_items_processed: subItems };
}

Deno.test("EXECUTE_SEQUENCE: static code with payload_fields and inject (CC_RUN_SLOT_SEQUENCE)", async () => {
  const { run, children } = loop({
    sequence: [{ slot_number: 1, extra: "x" }, { slot_number: 2 }, {}],
    triggered_by: "A_1",
    item_wf: {
      code: "blockchain::WF_PROCESS_SLOT_V0",
      inject: { simulation_id: "SIM", triggered_by: "A_1" },
      payload_fields: { slot_number: "slot_number" },
    },
  });
  assert.deepEqual(await run(), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", ...counts(3, 0) },
  });
  const wf = "blockchain::WF_PROCESS_SLOT_V0";
  assert.deepEqual(children.calls, [
    {
      workflow: wf,
      payload: { slot_number: 1, simulation_id: "SIM", triggered_by: "A_1" },
      label: "item0",
    },
    {
      workflow: wf,
      payload: { slot_number: 2, simulation_id: "SIM", triggered_by: "A_1" },
      label: "item1",
    },
    {
      workflow: wf,
      payload: { slot_number: null, simulation_id: "SIM", triggered_by: "A_1" },
      label: "item2",
    },
  ]);
});

Deno.test("EXECUTE_SEQUENCE: wf_dispatch passes a copy of the whole item (CC_RUN_TX_SEQUENCE)", async () => {
  const items = [
    { tx_type: "MINT", amount: 6000 },
    { tx_type: "TRANSFER", amount: 1000 },
  ];
  const { run, children } = loop({
    sequence: items,
    item_wf: { wf_dispatch: { key_field: "tx_type", mapping: TX_MAPPING } },
  });
  assert.deepEqual((await run()).result, { result_status: "SUCCESS", ...counts(2, 0) });
  assert.deepEqual(children.calls, [
    { workflow: TX_MAPPING.MINT, payload: items[0], label: "item0" },
    { workflow: TX_MAPPING.TRANSFER, payload: items[1], label: "item1" },
  ]);
  assert.notEqual(children.calls[0].payload, items[0]);
});

Deno.test("EXECUTE_SEQUENCE: sub-items run before their item (CC_EXECUTE_SLOT_SEQUENCE)", async () => {
  const { run, children } = loop({
    sequence: [
      {
        slot: 1,
        epoch: 0,
        round_number: 1,
        timestamp: "t1",
        transactions: [{ tx_type: "MINT", amount: 1 }, { tx_type: "BURN", amount: 2 }],
      },
      { slot: 2, epoch: 0, round_number: 2, timestamp: "t2" },
      { slot: 3, epoch: 0, round_number: 3, timestamp: "t3", transactions: [{ tx_type: "MINT" }] },
    ],
    item_sub_sequence: {
      field: "transactions",
      wf_dispatch: { key_field: "tx_type", mapping: TX_MAPPING },
    },
    item_wf: {
      code: "blockchain::WF_PROPOSE_BLOCK_V0",
      inject: { triggered_by: "A_1" },
      payload_fields: {
        epoch: "epoch",
        round_number: "round_number",
        slot: "slot",
        timestamp: "timestamp",
      },
    },
  });
  assert.deepEqual((await run()).result, { result_status: "SUCCESS", ...counts(3, 3) });
  assert.deepEqual(
    children.calls.map((c) => [c.label, c.workflow]),
    [
      ["item0/sub0", TX_MAPPING.MINT],
      ["item0/sub1", TX_MAPPING.BURN],
      ["item0", "blockchain::WF_PROPOSE_BLOCK_V0"],
      ["item1", "blockchain::WF_PROPOSE_BLOCK_V0"],
      ["item2/sub0", TX_MAPPING.MINT],
      ["item2", "blockchain::WF_PROPOSE_BLOCK_V0"],
    ],
  );
  assert.deepEqual(children.calls[1].payload, { tx_type: "BURN", amount: 2 });
  assert.deepEqual(children.calls[2].payload, {
    epoch: 0,
    round_number: 1,
    slot: 1,
    timestamp: "t1",
    triggered_by: "A_1",
  });
});

Deno.test("EXECUTE_SEQUENCE stops on the first non-SUCCESS child with VIOLATION", async () => {
  const { run, children } = loop(
    {
      sequence: [{ tx_type: "MINT" }, { tx_type: "TRANSFER" }, { tx_type: "BURN" }],
      item_wf: { wf_dispatch: { key_field: "tx_type", mapping: TX_MAPPING } },
    },
    (call) => call.label === "item1" ? ended("VIOLATION") : completed(),
  );
  assert.deepEqual(await run(), {
    status: "VIOLATION",
    result: {
      result_status: "VIOLATION",
      ...counts(1, 0),
      message: 'Workflow "blockchain::WF_TRANSFER_V0" (item1) ended with status "VIOLATION"',
    },
  });
  assert.deepEqual(children.calls.map((c) => c.label), ["item0", "item1"]);
});

Deno.test("EXECUTE_SEQUENCE counts the sub-items that succeeded before a sub-item failed", async () => {
  const { run, children } = loop(
    {
      sequence: [
        { transactions: [{ tx_type: "MINT" }] },
        { transactions: [{ tx_type: "MINT" }, { tx_type: "BURN" }, { tx_type: "MINT" }] },
      ],
      item_sub_sequence: {
        field: "transactions",
        wf_dispatch: { key_field: "tx_type", mapping: TX_MAPPING },
      },
      item_wf: { code: "wf::ITEM" },
    },
    (call) => call.label === "item1/sub1" ? ended("NACK", "REJECTED") : completed(),
  );
  assert.deepEqual((await run()).result, {
    result_status: "VIOLATION",
    ...counts(1, 2),
    message: 'Workflow "blockchain::WF_BURN_V0" (item1/sub1) ended with status "NACK"',
  });
  assert.equal(children.calls.length, 4);
});

Deno.test("EXECUTE_SEQUENCE: unmapped key gives VIOLATION; a refusal gives BACKEND_ERROR", async () => {
  const unmapped = loop({
    sequence: [{ tx_type: "MINT" }, { tx_type: "BOGUS" }],
    item_wf: { wf_dispatch: { key_field: "tx_type", mapping: TX_MAPPING } },
  });
  assert.deepEqual((await unmapped.run()).result, {
    result_status: "VIOLATION",
    ...counts(1, 0),
    message: "No WF mapped for tx_type='BOGUS'",
  });
  const unmappedSub = loop({
    sequence: [{ transactions: [{ amount: 1 }] }],
    item_sub_sequence: {
      field: "transactions",
      wf_dispatch: { key_field: "tx_type", mapping: TX_MAPPING },
    },
    item_wf: { code: "wf::ITEM" },
  });
  assert.deepEqual((await unmappedSub.run()).result, {
    result_status: "VIOLATION",
    ...counts(0, 0),
    message: "No WF mapped for tx_type=None",
  });
  const refused = loop(
    { sequence: [{}, {}], item_wf: { code: "wf::MISSING" } },
    (call) => {
      if (call.label === "item1") throw new UsageError("Unknown workflow", ErrorCode.WORKFLOW_NAME);
      return completed();
    },
  );
  assert.deepEqual((await refused.run()).result, {
    result_status: "BACKEND_ERROR",
    ...counts(1, 0),
    message: "Unknown workflow",
  });
  const bug = loop({ sequence: [{}], item_wf: { code: "wf::X" } }, () => {
    throw new Error("bug");
  });
  await assert.rejects(bug.run, /bug/);
});

Deno.test("EXECUTE_SEQUENCE validates its inputs before running anything", async () => {
  const cases: Array<[JsonObject, string]> = [
    [{ item_wf: { code: "wf::X" } }, "sequence must be a list"],
    [{ sequence: {}, item_wf: { code: "wf::X" } }, "sequence must be a list"],
    [{ sequence: [] }, "item_wf must be a dict"],
    [{ sequence: [], item_wf: {} }, "item_wf must be a dict"],
    [{ sequence: [], item_wf: { inject: { a: 1 } } }, "item_wf must have 'code' or 'wf_dispatch'"],
    [
      { sequence: [], item_wf: { code: "wf::X", wf_dispatch: { key_field: "k" } } },
      "item_wf must have exactly one of 'code' or 'wf_dispatch', not both",
    ],
    [{ sequence: [], item_wf: { code: 151 } }, "item_wf.code must be a workflow code string"],
    [{ sequence: [], item_wf: { wf_dispatch: "x" } }, "item_wf.wf_dispatch must be an object"],
    [{ sequence: [], item_wf: { code: "wf::X", inject: [1] } }, "item_wf.inject must be an object"],
    [
      { sequence: [1], item_wf: { code: "wf::X", payload_fields: { a: "a" } } },
      "sequence item 0 must be an object",
    ],
    [
      { sequence: [{ t: 5 }], item_wf: { code: "wf::X" }, item_sub_sequence: { field: "t" } },
      "sub-sequence field 't' is not a list",
    ],
  ];
  for (const [inputs, message] of cases) {
    const { run, children } = loop(inputs);
    assert.deepEqual(await run(), {
      status: "VIOLATION",
      result: { result_status: "VIOLATION", ...counts(0, 0), message },
    });
    assert.equal(children.calls.length, 0);
  }
});

Deno.test("EXECUTE_SEQUENCE: an empty sequence succeeds; a static code without fields sends {}", async () => {
  const empty = loop({ sequence: [], item_wf: { code: "wf::X" } });
  assert.deepEqual((await empty.run()).result, { result_status: "SUCCESS", ...counts(0, 0) });
  const bare = loop({ sequence: [7, { a: 1 }], item_wf: { code: "WF_BARE" } });
  assert.equal((await bare.run()).status, "SUCCESS");
  assert.deepEqual(bare.children.calls, [
    { workflow: "WF_BARE", payload: {}, label: "item0" },
    { workflow: "WF_BARE", payload: {}, label: "item1" },
  ]);
});

Deno.test("loop: op other than EXECUTE_SEQUENCE gives BACKEND_ERROR", async () => {
  const { run } = loop({ sequence: [] }, undefined, "EXECUTE");
  assert.deepEqual(await run(), {
    status: "BACKEND_ERROR",
    result: { result_status: "BACKEND_ERROR", message: "Unsupported operation: EXECUTE" },
  });
});
