// deno-lint-ignore-file no-explicit-any -- machine configs are read as untyped JSON here
import assert from "node:assert/strict";
import { createActor, fromPromise, getNextSnapshot, toPromise } from "xstate";
import type { GraphOutcome } from "../../actors/children.ts";
import type { StepInput } from "../../actors/step_actors.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import {
  ADMISSION_STATE,
  DENIED_STATE,
  DONE_STATE,
  HALTED_STATE,
  INPUTS_STATE,
  NO_TRANSITION_STATE,
  workflowMachineConfig,
} from "../../actors/machine.ts";
import { machineOf } from "../../actors/run_machine.ts";
import { createWorkflowInput } from "../../actors/workflow_machine.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { cli } from "../_support/cli.ts";
import { EXAMPLE_WORKSPACE, SHARED_WORKSPACE } from "../_support/workspace.ts";

const registry = createCapabilityRegistry();

async function compiled(workspace: string, wf: string) {
  return await compileWorkflow(await loadSnapshot(workspace), wf, registry.compileOptions);
}

type Cfg = Record<string, unknown> & {
  states: Record<string, Record<string, unknown> & { states?: Record<string, unknown> }>;
};

Deno.test("createWorkflowMachine() has a state per node, a child state per CC step invoking its FQDN, and a transition per outcome", async () => {
  for (
    const [ws, wf] of [
      [EXAMPLE_WORKSPACE, "club::WF_REGISTER_MEMBER_V0"],
      [SHARED_WORKSPACE, "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0"],
      [SHARED_WORKSPACE, "ai_governance::WF_GOVERN_AGENT_ACTION_V0"],
      [SHARED_WORKSPACE, "blockchain::WF_SUBMIT_TRANSACTION_V0"],
    ]
  ) {
    const graph = (await compiled(ws, wf)).root;
    const cfg = JSON.parse(JSON.stringify(workflowMachineConfig(graph))) as Cfg;
    assert.equal(cfg.id, wf);
    const internal = [NO_TRANSITION_STATE, HALTED_STATE];
    if (graph.admission) internal.push(ADMISSION_STATE, DENIED_STATE);
    assert.deepEqual(
      Object.keys(cfg.states).sort(),
      [...Object.keys(graph.nodes), ...internal].sort(),
    );
    for (const node of Object.values(graph.nodes)) {
      const s = cfg.states[node.key];
      if (node.type === "EXIT") {
        assert.equal(s.type, "final");
        continue;
      }
      const onDone = node.type === "CC" ? s.onDone : (s.invoke as Cfg).onDone;
      const routed = (onDone as Array<{ guard?: { params: { is: string } }; target: string }>)
        .map((t) => [t.guard?.params.is ?? "*", t.target]);
      assert.deepEqual(routed, [...Object.entries(node.next), ["*", NO_TRANSITION_STATE]]);
      if (node.type !== "CC") continue;
      const steps = s.states!;
      assert.deepEqual(Object.keys(steps), [
        INPUTS_STATE,
        ...node.cc.steps.map((st) => st.name),
        DONE_STATE,
      ]);
      for (const st of node.cc.steps) {
        const invoke = (steps[st.name] as { invoke: { src: string; onDone: unknown[] } }).invoke;
        assert.equal(invoke.src, st.capability, `${wf} ${node.key} ${st.name}`);
        assert.ok(invoke.onDone.length >= Object.keys(st.onResult).length + 1);
      }
    }
  }
});

Deno.test("the generated machine routes step results with the pure getNextSnapshot()", async () => {
  const c = await compiled(SHARED_WORKSPACE, "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0");
  const machine = machineOf(c.root, registry.capabilities);
  const cc = {
    node: "CC_REGISTER_ACTOR_KYC_V0",
    visit: 1,
    inputs: {},
    missing: [],
    overBudget: false,
    inputFailure: [],
    steps: {},
    surface: {},
    stepsRun: 0,
    status: null,
    last: null,
  };
  const scope = { rc: { startedAt: "2026-01-01T00:00:00.000Z" }, budget: { used: 0, max: 9 } };
  const at = (step: string) =>
    machine.resolveState({
      value: { CC_REGISTER_ACTOR_KYC_V0: step },
      context: {
        payload: { actor_record: { first_name: "Ada" } },
        scope,
        results: { CC_GENERATE_ACTOR_ID_V0: { actor_id: "A_1" } },
        visits: {},
        status: null,
        lastNode: null,
        cc: structuredClone(cc),
        fault: null,
        denied: null,
      },
    });
  const steps = ["generate_kyc_key", "register_kyc_mapping", "register_actor_id"];
  const done = (step: string, status: string) => ({
    type: `xstate.done.actor.step:CC_REGISTER_ACTOR_KYC_V0:${steps.indexOf(step)}`,
    output: { status, raw: {} },
  });
  const value = (step: string, status: string) =>
    getNextSnapshot(machine, at(step) as any, done(step, status) as any).value;
  // ALREADY_EXISTS on the KYC mapping jumps to register_actor_id (a step name route).
  assert.deepEqual(value("register_kyc_mapping", "ALREADY_EXISTS"), {
    CC_REGISTER_ACTOR_KYC_V0: "register_actor_id",
  });
  // exit ends the CC; its status then selects next[status].
  assert.equal(value("register_kyc_mapping", "VIOLATION"), "EXIT");
  // The next CC is entered, its inputs resolve, and its first step state invokes its actor.
  assert.deepEqual(value("register_actor_id", "SUCCESS"), {
    CC_APPEND_ACTOR_EVENT_V0: "append_actor_event",
  });
  // A status on_result does not list ends the CC (fail closed); no next entry: NO_TRANSITION.
  assert.equal(value("register_actor_id", "WEIRD"), NO_TRANSITION_STATE);
});

Deno.test("a workflow machine runs under XState's own createActor with provided capability actors", async () => {
  const c = await compiled(EXAMPLE_WORKSPACE, "club::WF_REGISTER_MEMBER_V0");
  const calls: string[] = [];
  // Stand-ins for the two CS kinds: the registry says the member exists, the journal appends.
  const machine = machineOf(c.root, registry.capabilities).provide({
    actors: {
      "capability_side_effects::CS_REGISTRY_V0": fromPromise(async ({ input }) => {
        calls.push(`${(input as StepInput).step.op} ${(input as StepInput).inputs.key}`);
        return await Promise.resolve({ status: "ALREADY_EXISTS", raw: { result_status: "x" } });
      }),
      "capability_side_effects::CS_APPENDONLY_JSONL_V0": fromPromise(async ({ input }) => {
        calls.push(`APPEND ${JSON.stringify((input as StepInput).inputs.record)}`);
        return await Promise.resolve({ status: "SUCCESS", raw: { sequence_number: 7 } });
      }),
    },
  });
  const input = createWorkflowInput(c, { member: { name: "Ada", email: "ada@example.org" } }, {
    seed: "00",
    startedAt: "2026-01-01T00:00:00.000Z",
  });
  const actor = createActor(machine, { input });
  const seen: string[] = [];
  actor.subscribe((s) => seen.push(JSON.stringify(s.value)));
  actor.start();
  const out = await toPromise(actor) as GraphOutcome;
  assert.equal(out.classification, "COMPLETED");
  assert.equal(out.exitNode, "EXIT_DONE");
  assert.equal(out.status, "SUCCESS");
  // The CT ran for real (the member id is derived); the CS stand-ins saw it.
  const id = (out.results.CC_DERIVE_MEMBER_ID_V0 as { member_id: string }).member_id;
  assert.match(id, /^M_[0-9a-f]{16}$/);
  assert.deepEqual(calls, [
    `REGISTER ${id}`,
    `APPEND {"event_code":"EV_MEMBER_SEEN_AGAIN_V0","member_id":"${id}","at":"2026-01-01T00:00:00.000Z"}`,
  ]);
  assert.ok(seen.includes(JSON.stringify({ JOURNAL_SEEN_AGAIN: "append_member_event" })));
});

Deno.test("check --machine prints the generated machine: CC states with a step state invoking each CT/CS FQDN", async () => {
  const r = await cli(
    "check",
    "--workspace",
    SHARED_WORKSPACE,
    "--wf",
    "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0",
    "--machine",
  );
  assert.equal(r.code, 0);
  const cfg = JSON.parse(r.out.join("\n"));
  assert.equal(cfg.id, "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0");
  const kyc = cfg.states.CC_REGISTER_ACTOR_KYC_V0;
  assert.deepEqual(
    Object.entries(kyc.states).map(([k, v]) => [k, (v as any).invoke?.src ?? null]),
    [
      [INPUTS_STATE, null],
      ["generate_kyc_key", "capability_transforms::CT_PURE_GENERATE_ID_V0"],
      ["register_kyc_mapping", "capability_side_effects::CS_REGISTRY_V0"],
      ["register_actor_id", "capability_side_effects::CS_REGISTRY_V0"],
      [DONE_STATE, null],
    ],
  );
  assert.equal(cfg.states.IN_ACTOR_REGISTERED_V0.invoke.src, "pgs.intent");
  assert.equal(cfg.states.EXIT.type, "final");
  const bad = await cli("check", "--workspace", SHARED_WORKSPACE, "--machine");
  assert.equal(bad.code, 2);
  assert.match(bad.err.join("\n"), /^error\[USAGE\]: Missing --wf/);
});
