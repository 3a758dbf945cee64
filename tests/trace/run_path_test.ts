import assert from "node:assert/strict";
import { collectPaths } from "../../trace/run_path.ts";
import { golden } from "../testdata/golden/mod.ts";

const NOTIFY_RUN = "root/CC_REGISTER/notify/0";

Deno.test("collectPaths() nests the child run under the visit that started it", () => {
  const { root, runs, warnings, faults } = collectPaths(golden("completed").records);
  assert.deepEqual(root.visits.map((v) => [v.index, v.node, v.outcome, v.to]), [
    [1, "IN_REQ", "ACK", "CC_REGISTER"],
    [2, "CC_REGISTER", "SUCCESS", "EXIT_OK"],
    [3, "EXIT_OK", "COMPLETED", null],
  ]);
  const register = root.visits[1];
  assert.deepEqual(register.steps.map((s) => s.step), ["make_id", "store", "notify"]);
  assert.deepEqual(register.effects.map((e) => [e.mutation, e.key]), [
    ["append", "1"],
    ["set", "U_a937a8f2b8c2a987"],
  ]);
  assert.equal(register.children.length, 1);
  const child = register.children[0];
  assert.equal(child, runs.get(NOTIFY_RUN));
  assert.equal(child.workflow, "demo::WF_NOTIFY_V0");
  assert.deepEqual(child.visits.map((v) => v.node), ["IN_NOTIFY", "CC_SEND", "EXIT_SENT"]);
  assert.deepEqual(child.visits[1].effects.map((e) => [e.store, e.key]), [[
    "demo/outbox.jsonl",
    "1",
  ]]);
  assert.equal(child.result?.classification, "COMPLETED");
  assert.equal(warnings.length, 0);
  assert.equal(faults.length, 0);
});

Deno.test("collectPaths() keeps each loop item as its own child run, in call order", () => {
  const { root, runs, faults } = collectPaths(golden("child_fault").records);
  const batch = root.visits[1];
  assert.deepEqual(batch.children.map((c) => [c.id, c.result?.classification]), [
    ["root/CC_BATCH/each/item0", "COMPLETED"],
    ["root/CC_BATCH/each/item1", "FAULTED"],
  ]);
  assert.equal(runs.size, 3);
  assert.deepEqual(faults.map((f) => f.run), ["root/CC_BATCH/each/item1", "root"]);
});

Deno.test("collectPaths() takes an IN outcome from admission when no transition says it", () => {
  // The NACK trace cut after the IN's admission record (no real run ends there).
  const records = golden("nack").records;
  const at = records.findIndex((r) => r.type === "admission" && r.kind === "IN");
  const { root } = collectPaths(records.slice(0, at + 1));
  assert.equal(root.visits[0].node, "IN_REQ");
  assert.equal(root.visits[0].outcome, "NACK");
  assert.equal(root.visits[0].to, null);
  assert.equal(root.visits[0].noEdge, false);
});

Deno.test("collectPaths() keeps records of a run whose child_run record is missing", () => {
  const records = golden("completed").records.filter((r) => r.type !== "child_run");
  const { root, runs } = collectPaths(records);
  assert.equal(runs.size, 2);
  // Without the record that names its parent visit, the child hangs off the root's last visit.
  assert.deepEqual(root.visits[1].children, []);
  assert.deepEqual(root.visits.at(-1)!.children.map((c) => c.id), [NOTIFY_RUN]);
  assert.deepEqual(runs.get(NOTIFY_RUN)!.visits.map((v) => v.node), [
    "IN_NOTIFY",
    "CC_SEND",
    "EXIT_SENT",
  ]);
});
