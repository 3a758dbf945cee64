/**
 * Every workflow of the real snapshot runs: this file pins the list of the 29 workflows to
 * the test file that runs each one (with exact root CC paths and classifications), and checks
 * that `check` compiles all of them without a problem.
 */
import assert from "node:assert/strict";
import { cli } from "../_support/cli.ts";
import { SHARED_WORKSPACE } from "../_support/workspace.ts";

/** Workflow FQDN → the test file that runs it. */
const COVERED_BY: Record<string, string> = {
  "ai_governance::WF_AUTO_RECLAIM_V0": "wf_ai_governance_test.ts",
  "ai_governance::WF_DEMO_COLLATZ_CONJECTURE_V0": "wf_ai_governance_test.ts",
  "ai_governance::WF_DENY_PROVISION_V0": "wf_ai_governance_test.ts",
  "ai_governance::WF_GOVERN_AGENT_ACTION_V0": "wf_ai_governance_test.ts",
  "ai_governance::WF_GOVERN_AGENT_ADMISSION_V0": "wf_ai_governance_test.ts",
  "ai_governance::WF_PROVISION_AI_LICENSING_V0": "wf_ai_governance_test.ts",
  "blockchain::WF_BOOTSTRAP_GENESIS_CHAIN_V0": "wf_chain_test.ts",
  "blockchain::WF_BURN_V0": "wf_transactions_test.ts",
  "blockchain::WF_COMMIT_BLOCK_V0": "wf_chain_test.ts",
  "blockchain::WF_CREATE_WALLET_V0": "wf_identity_test.ts",
  "blockchain::WF_MINT_V0": "wf_transactions_test.ts",
  "blockchain::WF_POOL_V0": "wf_transactions_test.ts",
  "blockchain::WF_PROCESS_SLOT_V0": "wf_consensus_test.ts",
  "blockchain::WF_PROPOSE_BLOCK_V0": "wf_consensus_test.ts",
  "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0": "wf_identity_test.ts",
  "blockchain::WF_REGISTER_VALIDATOR_V0": "wf_identity_test.ts",
  "blockchain::WF_REWARD_V0": "wf_transactions_test.ts",
  "blockchain::WF_RUN_CHAIN_SIMULATION_V0": "wf_consensus_test.ts",
  "blockchain::WF_RUN_CONSENSUS_LOOP_V0": "wf_consensus_test.ts",
  "blockchain::WF_RUN_CONSENSUS_SLOTS_V0": "wf_consensus_test.ts",
  "blockchain::WF_RUN_TX_WORKLOAD_V0": "wf_consensus_test.ts",
  "blockchain::WF_SLASH_V0": "wf_transactions_test.ts",
  "blockchain::WF_STAKE_V0": "wf_transactions_test.ts",
  "blockchain::WF_SUBMIT_TRANSACTION_V0": "wf_transactions_test.ts",
  "blockchain::WF_TRANSFER_V0": "wf_transactions_test.ts",
  "blockchain::WF_UNSTAKE_V0": "wf_transactions_test.ts",
  "blockchain::WF_VERIFY_ACTOR_V0": "wf_identity_test.ts",
  "pgs_capabilities.registry.name_service.workflows::WF_LOOKUP_NAME_V0": "wf_name_service_test.ts",
  "pgs_capabilities.registry.name_service.workflows::WF_REGISTER_NAME_V0":
    "wf_name_service_test.ts",
};

Deno.test("the real snapshot has exactly 29 workflows and each is run by a wf_*_test.ts file", async () => {
  const files: string[] = [];
  for await (const e of Deno.readDir(`${SHARED_WORKSPACE}/protocol_snapshot/artifacts/workflows`)) {
    if (e.isFile && e.name.endsWith(".json")) {
      files.push(e.name.slice(0, -".json".length).replace("__", "::"));
    }
  }
  assert.equal(files.length, 29);
  assert.deepEqual(files.sort(), Object.keys(COVERED_BY).sort());
  for (const [wf, file] of Object.entries(COVERED_BY)) {
    const text = await Deno.readTextFile(new URL(file, import.meta.url));
    const code = wf.split("::")[1];
    assert.ok(text.includes(code), `${file} runs ${wf}`);
  }
});

Deno.test("check compiles all 29 workflows of the real snapshot with no problem", async () => {
  const r = await cli("check", "--workspace", SHARED_WORKSPACE, "--json");
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(r.json.workflows, 29);
  assert.equal(r.json.problems, 0);
});
