// deno-lint-ignore-file no-explicit-any -- artifacts are untyped JSON here
/**
 * Stores, journals and formats resolved from each generation's own declarations
 * (snapshot/stores.ts), on temp copies of v0.2.0 (e425bf9): bindings without a storage
 * structure, admission journals named by policy paths, the wallet document read by one CS
 * kind and written by another, and the ambiguities `check` must name.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { CompileError } from "../../errors.ts";
import { authorArtifact, writeArtifacts } from "../../snapshot/author.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import type { CompiledStep } from "../../snapshot/graph.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { editArtifact, tempWorkspace } from "../_support/workspace.ts";

const V02 = fileURLToPath(new URL("../../../shared/pgs_generations/e425bf9", import.meta.url));
const REGISTER = "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0";
const RECLAIM = "ai_governance::WF_AUTO_RECLAIM_V0";
const CREATE_WALLET = "blockchain::WF_CREATE_WALLET_V0";
const RB_REGISTER = "runtime_bindings/blockchain__RB_REGISTER_ACTOR_UNVERIFIED_V0.json";
const RB_LICENSE = "runtime_bindings/ai_governance__RB_LICENSE_BINDINGS_V0.json";
const STRUCTURE = "structures/blockchain__STRUCTURE_BLOCKCHAIN_STORAGE_V0.json";
const APPEND = "capability_side_effects::CS_APPENDONLY_JSONL_V0";
const A = "protocol_snapshot/artifacts/";
const registry = createCapabilityRegistry();

async function v02(edits: Array<[string, (a: any) => void]> = []) {
  const t = await tempWorkspace(V02);
  for (const [file, edit] of edits) await editArtifact(t.workspace, file, edit);
  return t;
}

async function compile(workspace: string, wf: string, options = registry.compileOptions) {
  return await compileWorkflow(await loadSnapshot(workspace), wf, options);
}

async function problems(workspace: string, wf: string, options = registry.compileOptions) {
  const e = await compile(workspace, wf, options).then(() => null, (e) => e);
  assert.ok(e instanceof CompileError, String(e));
  return e.problems.map((p) => `${p.file} ${p.jsonPath}: ${p.message}`);
}

function steps(compiled: Awaited<ReturnType<typeof compile>>): Record<string, CompiledStep> {
  const out: Record<string, CompiledStep> = {};
  for (const n of Object.values(compiled.root.nodes)) {
    if (n.type === "CC") { for (const s of n.cc.steps) out[`${n.key}.${s.name}`] = s; }
  }
  return out;
}

Deno.test("compileWorkflow() resolves a step's store entity through the domain's STRUCTURE when the binding names none", async () => {
  const t = await v02();
  const compiled = await compile(t.workspace, REGISTER);
  const s = steps(compiled);
  assert.deepEqual(s["CC_REGISTER_ACTOR_KYC_V0.register_kyc_mapping"].store, {
    path: "blockchain/identity/registry/actors.json",
    format: "jsonl",
  });
  assert.deepEqual(s["CC_APPEND_ACTOR_EVENT_V0.append_actor_event"].store, {
    path: "blockchain/identity/events/identity_events.jsonl",
    format: "jsonl",
  });
  // The structure that gave the paths is executable data of the run: in the digest.
  const edited = await v02([[STRUCTURE, (a) => a.frontmatter.core.summary = "edited"]]);
  assert.notEqual((await compile(edited.workspace, REGISTER)).digest, compiled.digest);
});

Deno.test("compileWorkflow() lists an entity store that the binding's policy path contradicts, naming both artifacts", async () => {
  const t = await v02([[RB_REGISTER, (a) => {
    a.frontmatter.core.bindings[APPEND].policy.path =
      "{{module_data_root}}/blockchain/identity/events/other.jsonl";
  }]]);
  assert.deepEqual(await problems(t.workspace, REGISTER), [
    `${A}capability_contracts/blockchain__CC_APPEND_ACTOR_EVENT_V0.json ` +
    `$.frontmatter.core.pipeline[0].store: store "ACTOR_EVENTS" is ambiguous: ` +
    `${A}${STRUCTURE} declares "blockchain/identity/events/identity_events.jsonl" but the ` +
    `runtime binding ${A}${RB_REGISTER} (no storage_structure) gives this CS the policy path ` +
    `"blockchain/identity/events/other.jsonl"`,
  ]);
});

Deno.test("compileWorkflow() lists an entity two structures of the domain declare differently, and one none declares", async () => {
  const t = await v02();
  await writeArtifacts(t.workspace, [
    authorArtifact("STRUCTURE", "blockchain::STRUCTURE_SHADOW_V0", {
      core: { entity_stores: { ACTOR: { path: "blockchain/shadow/actors.json" } } },
    }),
  ]);
  assert.deepEqual(await problems(t.workspace, REGISTER), [
    `${A}capability_contracts/blockchain__CC_REGISTER_ACTOR_KYC_V0.json ` +
    `$.frontmatter.core.pipeline[1].store: store "ACTOR" is ambiguous: ` +
    `${A}${STRUCTURE} declares "blockchain/identity/registry/actors.json" and ` +
    `${A}structures/blockchain__STRUCTURE_SHADOW_V0.json declares ` +
    `"blockchain/shadow/actors.json", and the runtime binding ${A}${RB_REGISTER} names no ` +
    `storage_structure to choose`,
  ]);
  const u = await v02([[STRUCTURE, (a) => delete a.frontmatter.core.entity_stores.ACTOR_EVENTS]]);
  assert.deepEqual(await problems(u.workspace, REGISTER), [
    `${A}capability_contracts/blockchain__CC_APPEND_ACTOR_EVENT_V0.json ` +
    `$.frontmatter.core.pipeline[0].store: store "ACTOR_EVENTS" is not an entity store of any ` +
    `STRUCTURE of domain "blockchain" (${A}${STRUCTURE}), and the runtime binding ` +
    `${A}${RB_REGISTER} names no storage_structure`,
  ]);
});

Deno.test("compileWorkflow() takes admission journals from binding policy paths; none at all is a problem", async () => {
  const t = await v02();
  const compiled = await compile(t.workspace, RECLAIM);
  assert.deepEqual(compiled.root.admission?.eventStores, [
    { path: "ai_governance/ai_licensing/audit_log.jsonl", format: "jsonl" },
  ]);
  const u = await v02([[RB_LICENSE, (a) => delete a.frontmatter.core.bindings[APPEND]]]);
  assert.deepEqual(await problems(u.workspace, RECLAIM), [
    `${A}workflows/ai_governance__WF_AUTO_RECLAIM_V0.json $.frontmatter.core.admission: ` +
    `admission requires EV_LICENSE_PROVISIONED_V0 (the gate could never open) and forbids ` +
    `EV_LICENSE_REVOKED_V0 (the gate could never close), but no journal can hold events: ` +
    `runtime binding ${A}${RB_LICENSE} (no storage_structure) and the steps of the workflow ` +
    `declare no .jsonl store`,
  ]);
});

Deno.test("compileWorkflow() serves the v0.2 wallet document: CS_REGISTRY_V0 RESOLVE reads what CS_MUTABLE_JSON_V0 writes", async () => {
  const t = await v02();
  const s = steps(await compile(t.workspace, CREATE_WALLET));
  const wallets = { path: "blockchain/wallet/state/wallets.json", format: "json" };
  assert.deepEqual(s["CC_CHECK_WALLET_EXISTS_V0.check_wallet_exists"].store, wallets);
  assert.deepEqual(s["CC_CREATE_WALLET_RECORD_V0.write_wallet_state"].store, wallets);
  // The wallet index goes to the registry's own policy path, a registry log.
  assert.deepEqual(s["CC_CREATE_WALLET_RECORD_V0.register_wallet_index"].store, {
    path: "blockchain/identity/registry/actors.json",
    format: "jsonl",
  });
});

Deno.test("compileWorkflow() lists a store two kinds would use in two formats when neither can serve the other", async () => {
  const check = `${A}capability_contracts/blockchain__CC_CHECK_WALLET_EXISTS_V0.json`;
  const write = `${A}capability_contracts/blockchain__CC_CREATE_WALLET_RECORD_V0.json`;
  const expected = (op: string) => [
    `${write} $.frontmatter.core.pipeline[0]: store "blockchain/wallet/state/wallets.json" is ` +
    `used as "json" by capability_side_effects::CS_MUTABLE_JSON_V0 WRITE here and as "jsonl" ` +
    `by capability_side_effects::CS_REGISTRY_V0 ${op} at ${check} $.frontmatter.core.pipeline[0]; ` +
    `one store has one format, and neither op can serve the other's`,
  ];

  // A registry write into the document.
  const t = await v02([[
    "capability_contracts/blockchain__CC_CHECK_WALLET_EXISTS_V0.json",
    (a) => a.frontmatter.core.pipeline[0].op = "REGISTER",
  ]]);
  assert.deepEqual(await problems(t.workspace, CREATE_WALLET), expected("REGISTER"));
  // A registry whose kinds declare no document reads (an application's own set).
  const u = await v02();
  const { documentReads: _, ...plain } = registry.compileOptions;
  assert.deepEqual(await problems(u.workspace, CREATE_WALLET, plain), expected("RESOLVE"));
});
