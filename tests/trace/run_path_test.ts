import assert from "node:assert/strict";
import { collectPaths } from "../../trace/run_path.ts";
import { chain, header } from "../testdata/trace/fixtures.ts";
import { CHILD_RUN, smallTrace } from "../testdata/trace/small_trace.ts";

Deno.test("collectPaths() nests the child run under the visit that started it", () => {
  const { root, runs, warnings, faults } = collectPaths(smallTrace());
  assert.deepEqual(root.visits.map((v) => [v.index, v.node, v.outcome, v.to]), [
    [1, "IN_START", "ACK", "CC_SPAWN"],
    [2, "CC_SPAWN", "SUCCESS", "EXIT_OK"],
    [3, "EXIT_OK", "COMPLETED", null],
  ]);
  const spawn = root.visits[1];
  assert.deepEqual(spawn.steps.map((s) => s.step), ["make_id", "store", "call_child"]);
  assert.equal(spawn.effects.length, 1);
  assert.equal(spawn.children.length, 1);
  const child = spawn.children[0];
  assert.equal(child, runs.get(CHILD_RUN));
  assert.equal(child.workflow, "demo::WF_CHILD_V0");
  assert.deepEqual(child.visits.map((v) => v.node), ["IN_CHILD", "CC_WORK", "EXIT_DONE"]);
  assert.equal(child.result?.classification, "COMPLETED");
  assert.equal(warnings.length, 1);
  assert.equal(faults.length, 0);
});

Deno.test("collectPaths() takes an IN outcome from admission when no transition says it", () => {
  const { root } = collectPaths(chain([
    header("d::W"),
    { type: "node", run: "root", node: "IN_X", node_type: "IN" },
    { type: "admission", run: "root", kind: "IN", node: "IN_X", outcome: "NACK", reasons: ["r"] },
  ]));
  assert.equal(root.visits[0].outcome, "NACK");
  assert.equal(root.visits[0].to, null);
  assert.equal(root.visits[0].noEdge, false);
});

Deno.test("collectPaths() keeps records of a run whose child_run record is missing", () => {
  const { root, runs } = collectPaths(chain([
    header("d::W"),
    { type: "node", run: "root", node: "CC_A", node_type: "CC" },
    { type: "node", run: "root/CC_A/s/0", node: "CC_B", node_type: "CC" },
  ]));
  assert.equal(runs.size, 2);
  assert.deepEqual(root.visits[0].children.map((c) => c.id), ["root/CC_A/s/0"]);
});
