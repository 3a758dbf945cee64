// deno-lint-ignore-file no-explicit-any -- artifacts and trace records are untyped JSON here
/**
 * Intermediate generations (v0.3, v0.5, v0.6 have no fixture): each declaration form is
 * resolved on its own, so a snapshot that mixes one generation's form of one field with
 * another's of the next runs as its parent did, or is refused naming the file and field.
 * Each test builds the mix at test time from temp copies of ../shared fixtures.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { CompileError } from "../../errors.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { editArtifact, SHARED_WORKSPACE, tempWorkspace } from "../_support/workspace.ts";
import { assertRun, payloadOf, readSeed, runWf } from "../e2e/wf_support.ts";

const OLDER = fileURLToPath(new URL("../../../shared/pgs_generations", import.meta.url));
const V04 = `${OLDER}/420bbe3`;
const V07 = SHARED_WORKSPACE;
const A = "protocol_snapshot/artifacts/";
const RB_LICENSE = "runtime_bindings/ai_governance__RB_LICENSE_BINDINGS_V0.json";
const RB_VERIFY = "runtime_bindings/blockchain__RB_VERIFY_ACTOR_V0.json";
const GOV_STRUCTURE = "structures/ai_governance__STRUCTURE_AGENT_GOVERNANCE_STORAGE_V0.json";
const REGISTER_WF = "workflows/blockchain__WF_REGISTER_ACTOR_UNVERIFIED_V0.json";
const RECLAIM = "ai_governance::WF_AUTO_RECLAIM_V0";
const PROVISION = "ai_governance::WF_PROVISION_AI_LICENSING_V0";
const REGISTER = "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0";
const VERIFY = "blockchain::WF_VERIFY_ACTOR_V0";
const AUDIT_LOG = { path: "ai_governance/ai_licensing/audit_log.jsonl", format: "jsonl" };
const registry = createCapabilityRegistry();

async function mixed(root: string, edits: Array<[string, (a: any) => void]>) {
  const t = await tempWorkspace(root);
  for (const [file, edit] of edits) await editArtifact(t.workspace, file, edit);
  return t;
}

async function compile(workspace: string, wf: string) {
  return await compileWorkflow(await loadSnapshot(workspace), wf, registry.compileOptions);
}

/** Provision, then reclaim: admitted only if admission searches the journal provision wrote. */
async function provisionThenReclaim(t: Awaited<ReturnType<typeof tempWorkspace>>) {
  assertRun(await runWf(t, PROVISION, await payloadOf("licensing", "provision")), {
    path: [
      "IN_PROVISION_AI_LICENSE_V0:ACK",
      "CC_VALIDATE_ELIGIBILITY_V0:SUCCESS",
      "CC_PROVISION_LICENSE_V0:SUCCESS",
      "CC_APPEND_AUDIT_EVENT_SUCCESS:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_PROVISIONED",
    emit: "EV_LICENSE_PROVISIONED_V0",
  });
  assertRun(await runWf(t, RECLAIM, await payloadOf("licensing", "reclaim")), {
    path: [
      "IN_RECLAIM_LICENSE_V0:ACK",
      "CC_RECLAIM_UNUSED_LICENSE_V0:SUCCESS",
      "CC_APPEND_AUDIT_EVENT_RECLAIMED:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_RECLAIMED",
    emit: "EV_LICENSE_REVOKED_V0",
  });
}

Deno.test("v0.4 binding naming a v0.7-style storage structure keeps its policy-path journal", async () => {
  // The v0.7 RB form (storage_structure) with the v0.4 binding form (the audit log by
  // policy path); the v0.4 structure declares no .jsonl store. Before: "no journal can
  // hold events", a refusal of a workflow its parent ran.
  const t = await mixed(V04, [[RB_LICENSE, (a) => {
    a.frontmatter.core.storage_structure = "ai_governance::STRUCTURE_AGENT_GOVERNANCE_STORAGE_V0";
  }]]);
  assert.deepEqual((await compile(t.workspace, RECLAIM)).root.admission?.eventStores, [AUDIT_LOG]);
  await provisionThenReclaim(t);
});

Deno.test("a structure declaring another journal does not hide the policy-path journal events go to", async () => {
  // Before: admission searched only the structure's governance audit, the provisioning
  // event sat in the policy-path audit log, and every reclaim was denied in silence.
  const governance = "ai_governance/agent_governance/governance_audit.jsonl";
  const t = await mixed(V04, [
    [RB_LICENSE, (a) => {
      a.frontmatter.core.storage_structure = "ai_governance::STRUCTURE_AGENT_GOVERNANCE_STORAGE_V0";
    }],
    [GOV_STRUCTURE, (a) => {
      a.frontmatter.core.entity_stores.GOVERNANCE_AUDIT = { path: governance };
    }],
  ]);
  assert.deepEqual((await compile(t.workspace, RECLAIM)).root.admission?.eventStores, [
    { path: governance, format: "jsonl" },
    AUDIT_LOG,
  ]);
  await provisionThenReclaim(t);
});

Deno.test("v0.7 bindings without storage_structure take journals from the entities their steps resolve", async () => {
  // v0.4's RB-level form (no structure) with v0.7's bindings (no append-only path) and
  // CC steps (`store: LICENSE_AUDIT`, resolved through the domain's structures).
  const t = await mixed(V07, [
    [RB_LICENSE, (a) => delete a.frontmatter.core.storage_structure],
    [RB_VERIFY, (a) => delete a.frontmatter.core.storage_structure],
  ]);
  assert.deepEqual((await compile(t.workspace, RECLAIM)).root.admission?.eventStores, [AUDIT_LOG]);
  await provisionThenReclaim(t);
  assert.deepEqual((await compile(t.workspace, VERIFY)).root.admission?.eventStores, [
    { path: "blockchain/identity/events/identity_events.jsonl", format: "jsonl" },
  ]);
});

Deno.test("a workflow node with only its code resolves it as the compiler would (the intent still validates)", async () => {
  for (const root of [V04, V07]) {
    const t = await mixed(root, [[REGISTER_WF, (a) => {
      for (const n of Object.values(a.frontmatter.core.nodes) as any[]) {
        if (n.type !== "EXIT") delete n.fqdn_id;
      }
      // `ns::CODE` as written is taken as is.
      const cc = a.frontmatter.core.nodes.CC_GENERATE_ACTOR_ID_V0;
      cc.code = `blockchain::${cc.code}`;
    }]]);
    const compiled = await compile(t.workspace, REGISTER);
    const intake = compiled.root.nodes.IN_ACTOR_REGISTERED_V0;
    assert.equal(intake.type === "IN" && intake.intent?.fqdn, "blockchain::IN_ACTOR_REGISTERED_V0");
    // Before: an IN node without fqdn_id validated nothing and this run went through.
    const seed = await readSeed(t, "register_actor_unverified_payload.json");
    const nack = await runWf(t, REGISTER, {
      actor_record: { ...seed.actor_record, email_registration: "not-an-email" },
    });
    assertRun(nack, {
      path: ["IN_ACTOR_REGISTERED_V0:NACK"],
      classification: "REJECTED",
      status: "NACK",
      exit: "EXIT",
    });
    assert.equal((await runWf(t, REGISTER, seed)).json.classification, "COMPLETED", root);
  }
});

Deno.test("a CC node with neither fqdn_id nor code is a problem naming the node", async () => {
  const t = await mixed(V07, [[REGISTER_WF, (a) => {
    delete a.frontmatter.core.nodes.CC_GENERATE_ACTOR_ID_V0.fqdn_id;
    delete a.frontmatter.core.nodes.CC_GENERATE_ACTOR_ID_V0.code;
  }]]);
  const e = await compile(t.workspace, REGISTER).then(() => null, (e) => e);
  assert.ok(e instanceof CompileError, String(e));
  assert.deepEqual(e.problems.map((p) => `${p.file} ${p.jsonPath}: ${p.message}`), [
    `${A}${REGISTER_WF} $.frontmatter.core.nodes.CC_GENERATE_ACTOR_ID_V0: CC node ` +
    `"CC_GENERATE_ACTOR_ID_V0" has neither fqdn_id nor code: expected the CC it runs`,
  ]);
});

Deno.test("a binding with both policy and config reads each key where it is given", async () => {
  // The settings in `policy` (all generations) and the path in `config` (the name service's
  // form). Before: `policy` hid `config`, so the audit log had no path and no journal.
  const t = await mixed(V04, [[RB_LICENSE, (a) => {
    for (const b of Object.values(a.frontmatter.core.bindings) as any[]) {
      b.config = { path: b.policy.path };
      delete b.policy.path;
    }
  }]]);
  const compiled = await compile(t.workspace, RECLAIM);
  assert.deepEqual(compiled.root.admission?.eventStores, [AUDIT_LOG]);
  await provisionThenReclaim(t);
});
