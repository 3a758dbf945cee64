import assert from "node:assert/strict";
import { transition } from "xstate";
import { createCapabilityRegistry } from "../../actors/registry.ts";
import { createWorkflowMachine, HALTED_STATE, NO_TRANSITION_STATE } from "../../actors/machine.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { EXAMPLE_WORKSPACE, SHARED_WORKSPACE } from "../_support/workspace.ts";

const registry = createCapabilityRegistry();

async function graphOf(workspace: string, wf: string) {
  return (await compileWorkflow(await loadSnapshot(workspace), wf, registry.compileOptions)).root;
}

Deno.test("createWorkflowMachine() has one state per node and one transition per declared outcome", async () => {
  for (
    const [ws, wf] of [
      [EXAMPLE_WORKSPACE, "club::WF_REGISTER_MEMBER_V0"],
      [SHARED_WORKSPACE, "ai_governance::WF_GOVERN_AGENT_ACTION_V0"],
      [SHARED_WORKSPACE, "blockchain::WF_SUBMIT_TRANSACTION_V0"],
    ]
  ) {
    const graph = await graphOf(ws, wf);
    const machine = createWorkflowMachine(graph);
    const states = machine.root.states;
    assert.deepEqual(
      Object.keys(states).sort(),
      [...Object.keys(graph.nodes), NO_TRANSITION_STATE, HALTED_STATE].sort(),
    );
    for (const node of Object.values(graph.nodes)) {
      const s = states[node.key];
      if (node.type === "EXIT") {
        assert.equal(s.type, "final", node.key);
        continue;
      }
      const declared = Object.entries(node.next).map(([o, t]) => [`pgs.outcome.${o}`, t]).sort();
      const actual = [...s.transitions.entries()]
        .filter(([ev]) => ev.startsWith("pgs.outcome."))
        .map(([ev, ts]) => [ev, ts[0].target![0].key]).sort();
      assert.deepEqual(actual, declared, `${wf} ${node.key}`);
      assert.ok(s.transitions.has("*"), "unlisted outcomes go to NO_TRANSITION");
    }
  }
});

Deno.test("createWorkflowMachine() routes outcome events with the pure transition()", async () => {
  const graph = await graphOf(EXAMPLE_WORKSPACE, "club::WF_REGISTER_MEMBER_V0");
  const machine = createWorkflowMachine(graph);
  const env = { visit: () => new Promise<never>(() => {}) };
  const at = (value: string) =>
    machine.resolveState({
      value,
      context: { payload: {}, results: {}, status: null, lastNode: null, error: null, env },
    });
  const step = (from: string, outcome: string) =>
    String(transition(machine, at(from), { type: `pgs.outcome.${outcome}` })[0].value);
  assert.equal(step("CC_REGISTER_MEMBER_V0", "SUCCESS"), "JOURNAL_JOINED");
  assert.equal(step("CC_REGISTER_MEMBER_V0", "ALREADY_EXISTS"), "JOURNAL_SEEN_AGAIN");
  assert.equal(step("CC_REGISTER_MEMBER_V0", "NOT_FOUND"), NO_TRANSITION_STATE);
  assert.equal(step("IN_MEMBER_APPLIED_V0", "NACK"), "EXIT_REJECTED");
});
