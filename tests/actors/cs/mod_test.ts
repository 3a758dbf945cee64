import assert from "node:assert/strict";
import { BUILTIN_SIDE_EFFECTS, CS_STORE_FORMATS } from "../../../actors/cs/mod.ts";
import type { SideEffectResult } from "../../../actors/capability.ts";
import { FakeTxn, makeCall } from "./_fake_txn.ts";
import { completed, scriptedChildren } from "./_children.ts";

const WORKSPACE = Deno.env.get("PGS_WORKSPACE") ??
  new URL("../../../../shared/pgs_workspace", import.meta.url).pathname;
const CS_DIR = `${WORKSPACE}/protocol_snapshot/artifacts/capability_side_effects`;

function hasWorkspace(): boolean {
  try {
    return Deno.statSync(CS_DIR).isDirectory;
  } catch {
    return false;
  }
}

interface CsArtifact {
  fqdn_id: string;
  cs_ir: { cs_metadata: { capability: { supported_operation_specs: string[] } } };
}

function readArtifacts(): CsArtifact[] {
  return [...Deno.readDirSync(CS_DIR)]
    .filter((e) => e.name.endsWith(".json"))
    .map((e) => JSON.parse(Deno.readTextFileSync(`${CS_DIR}/${e.name}`)) as CsArtifact);
}

Deno.test("BUILTIN_SIDE_EFFECTS has the 8 kinds; CS_STORE_FORMATS the 5 persistent ones", () => {
  assert.deepEqual(Object.keys(BUILTIN_SIDE_EFFECTS).sort(), [
    "capability_side_effects::CS_APPENDONLY_JSONL_V0",
    "capability_side_effects::CS_CONCURRENT_WORKFLOWS_V0",
    "capability_side_effects::CS_MUTABLE_JSON_V0",
    "capability_side_effects::CS_REGISTRY_V0",
    "capability_side_effects::CS_SEND_EMAIL_V0",
    "capability_side_effects::CS_WORKFLOW_GATEWAY_V0",
    "capability_side_effects::CS_WORKFLOW_LOOP_V0",
    "pgs_capabilities.registry.name_service.capability_side_effects::CS_NAME_REGISTRY_V0",
  ]);
  assert.deepEqual(CS_STORE_FORMATS, {
    "capability_side_effects::CS_REGISTRY_V0": "jsonl",
    "capability_side_effects::CS_APPENDONLY_JSONL_V0": "jsonl",
    "capability_side_effects::CS_MUTABLE_JSON_V0": "json",
    "pgs_capabilities.registry.name_service.capability_side_effects::CS_NAME_REGISTRY_V0": "json",
    "capability_side_effects::CS_SEND_EMAIL_V0": "jsonl",
  });
  assert.ok(Object.isFrozen(BUILTIN_SIDE_EFFECTS) && Object.isFrozen(CS_STORE_FORMATS));
});

Deno.test({
  name: "every snapshot CS FQDN is bound and every declared op has a handler",
  ignore: !hasWorkspace(),
  async fn() {
    const artifacts = readArtifacts();
    assert.deepEqual(
      artifacts.map((a) => a.fqdn_id).sort(),
      Object.keys(BUILTIN_SIDE_EFFECTS).sort(),
    );
    for (const artifact of artifacts) {
      const kind = BUILTIN_SIDE_EFFECTS[artifact.fqdn_id];
      for (const op of artifact.cs_ir.cs_metadata.capability.supported_operation_specs) {
        const format = CS_STORE_FORMATS[artifact.fqdn_id];
        const store = format ? { path: "probe", format } : null;
        const children = scriptedChildren(() => completed());
        const r: SideEffectResult = await kind(
          makeCall(new FakeTxn(), artifact.fqdn_id, op, {}, store, {
            runChild: children.runChild,
          }),
        );
        const message = String(r.result.message ?? r.result.error ?? "");
        assert.doesNotMatch(message, /No backend handler|Unsupported operation/, `${op}`);
        assert.equal(r.result.result_status, r.status);
      }
    }
  },
});
