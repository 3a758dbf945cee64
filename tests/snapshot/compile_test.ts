// deno-lint-ignore-file no-explicit-any -- trace records and artifacts are untyped JSON here
import assert from "node:assert/strict";
import { CompileError, ErrorCode, SnapshotError, UsageError } from "../../errors.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { editArtifact, tempWorkspace } from "../_support/workspace.ts";
import { tempDir } from "../_support/tmp.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const WF_FILE = "workflows/club__WF_REGISTER_MEMBER_V0.json";
const REGISTER_CC = "capability_contracts/club__CC_REGISTER_MEMBER_V0.json";
const registry = createCapabilityRegistry();

async function compileEdited(
  edits: Array<[string, (a: Record<string, any>) => void]>,
  options = registry.compileOptions,
) {
  const { workspace } = await tempWorkspace();
  for (const [file, edit] of edits) await editArtifact(workspace, file, edit);
  return compileWorkflow(await loadSnapshot(workspace), WF, options);
}

async function problemsOf(
  edits: Array<[string, (a: Record<string, any>) => void]>,
  options = registry.compileOptions,
) {
  const err = await compileEdited(edits, options).then(() => null, (e) => e);
  assert.ok(err instanceof CompileError, `expected CompileError, got ${err}`);
  assert.equal(err.code, ErrorCode.COMPILE);
  return err.problems.map((p) => `${p.file} ${p.jsonPath}: ${p.message}`);
}

Deno.test("compileWorkflow() compiles the example into one graph per reachable workflow", async () => {
  const compiled = await compileEdited([]);
  assert.deepEqual(Object.keys(compiled.root.nodes), [
    "IN_MEMBER_APPLIED_V0",
    "CC_DERIVE_MEMBER_ID_V0",
    "CC_REGISTER_MEMBER_V0",
    "JOURNAL_JOINED",
    "JOURNAL_SEEN_AGAIN",
    "EXIT_DONE",
    "EXIT_REJECTED",
    "EXIT_FAILED",
  ]);
  const reg = compiled.root.nodes.CC_REGISTER_MEMBER_V0;
  assert.equal(reg.type, "CC");
  if (reg.type === "CC") {
    assert.deepEqual(reg.cc.steps[0].store, {
      path: "club/registry/members.json",
      format: "jsonl",
    });
  }
  assert.match(compiled.digest, /^[0-9a-f]{64}$/);
  assert.equal((await compileEdited([])).digest, compiled.digest, "digest is stable");
});

Deno.test("compileWorkflow() digest changes when an executable part changes", async () => {
  const a = await compileEdited([]);
  const b = await compileEdited([[REGISTER_CC, (x) => x.frontmatter.core.summary = "changed"]]);
  assert.notEqual(a.digest, b.digest);
});

Deno.test("compileWorkflow() lists a missing next target", async () => {
  const p = await problemsOf([[
    WF_FILE,
    (a) => a.frontmatter.core.nodes.CC_REGISTER_MEMBER_V0.next.SUCCESS = "NOWHERE",
  ]]);
  assert.deepEqual(p, [
    `protocol_snapshot/artifacts/${WF_FILE} $.frontmatter.core.nodes.CC_REGISTER_MEMBER_V0.next.SUCCESS: ` +
    `next target "NOWHERE" is not a node (nodes: IN_MEMBER_APPLIED_V0, CC_DERIVE_MEMBER_ID_V0, CC_REGISTER_MEMBER_V0, ` +
    `JOURNAL_JOINED, JOURNAL_SEEN_AGAIN, EXIT_DONE, EXIT_REJECTED, EXIT_FAILED)`,
  ]);
});

Deno.test("compileWorkflow() lists an on_result value that is not continue/exit/step/evaluation", async () => {
  const p = await problemsOf([[
    REGISTER_CC,
    (a) => a.frontmatter.core.pipeline[0].on_result.SUCCESS = "jump_somewhere",
  ]]);
  assert.equal(p.length, 1);
  assert.match(
    p[0],
    /pipeline\[0\]\.on_result\.SUCCESS: on_result value "jump_somewhere" is not continue/,
  );
});

Deno.test("compileWorkflow() lists unresolved IN, CC, CT, CS, RB and STRUCTURE references", async () => {
  const cases: Array<[string, (a: Record<string, any>) => void, RegExp]> = [
    [
      WF_FILE,
      (a) => a.frontmatter.core.nodes.IN_MEMBER_APPLIED_V0.fqdn_id = "club::IN_NOPE_V0",
      /IN "club::IN_NOPE_V0" does not resolve/,
    ],
    [
      WF_FILE,
      (a) => a.frontmatter.core.nodes.JOURNAL_JOINED.fqdn_id = "club::CC_NOPE_V0",
      /CC "club::CC_NOPE_V0" does not resolve/,
    ],
    [
      "capability_contracts/club__CC_DERIVE_MEMBER_ID_V0.json",
      (a) => a.frontmatter.core.pipeline[0].transform = "capability_transforms::CT_NOPE_V0",
      /CT "capability_transforms::CT_NOPE_V0" does not resolve/,
    ],
    [
      REGISTER_CC,
      (a) => a.frontmatter.core.pipeline[0].side_effect = "capability_side_effects::CS_NOPE_V0",
      /CS "capability_side_effects::CS_NOPE_V0" does not resolve/,
    ],
    [
      WF_FILE,
      (a) => a.frontmatter.runtime_binding = "club::RB_NOPE_V0",
      /RB "club::RB_NOPE_V0" does not resolve/,
    ],
    [
      "runtime_bindings/club__RB_REGISTER_MEMBER_V0.json",
      (a) => a.frontmatter.core.storage_structure = "club::STRUCTURE_NOPE_V0",
      /STRUCTURE "club::STRUCTURE_NOPE_V0" does not resolve/,
    ],
  ];
  for (const [file, edit, re] of cases) {
    const p = await problemsOf([[file, edit]]);
    assert.ok(p.some((x) => re.test(x)), `${re} in ${JSON.stringify(p)}`);
  }
});

Deno.test("compileWorkflow() lists a CT atom and a CS kind without a bound implementation", async () => {
  const bare = {
    transforms: new Set<string>(),
    sideEffects: new Map(),
  };
  const p = await problemsOf([], bare);
  assert.ok(
    p.some((x) =>
      /CT atom "capability_transforms::CT_PURE_GENERATE_ID_V0" has no bound implementation/.test(x)
    ),
  );
  assert.ok(
    p.some((x) =>
      /CS kind "capability_side_effects::CS_REGISTRY_V0" has no bound implementation/.test(x)
    ),
  );
  assert.ok(
    p.some((x) =>
      /CS kind "capability_side_effects::CS_APPENDONLY_JSONL_V0" has no bound implementation/.test(
        x,
      )
    ),
  );
});

Deno.test("compileWorkflow() refuses binding paths that try script evaluation or do not parse", async () => {
  for (
    const path of ["$..[?(@.constructor)]", "$.payload[(@.length-1)]", "$.payload.*", "$.nowhere.x"]
  ) {
    const p = await problemsOf([[
      WF_FILE,
      (a) => a.frontmatter.core.nodes.CC_DERIVE_MEMBER_ID_V0.inputs.member = path,
    ]]);
    assert.equal(p.length, 1, JSON.stringify(p));
    assert.match(p[0], /CC_DERIVE_MEMBER_ID_V0\.inputs\.member: binding path/);
  }
});

Deno.test("compileWorkflow() reports every problem at once", async () => {
  const p = await problemsOf([
    [WF_FILE, (a) => {
      a.frontmatter.core.nodes.CC_REGISTER_MEMBER_V0.next.SUCCESS = "NOWHERE";
      a.frontmatter.core.nodes.JOURNAL_JOINED.fqdn_id = "club::CC_NOPE_V0";
    }],
    [REGISTER_CC, (a) => a.frontmatter.core.pipeline[0].on_result.SUCCESS = "bogus"],
  ]);
  assert.equal(p.length, 3, JSON.stringify(p));
});

Deno.test("compileWorkflow() refuses a cycle and a store missing from the storage structure", async () => {
  const p = await problemsOf([
    [
      WF_FILE,
      (a) => a.frontmatter.core.nodes.JOURNAL_JOINED.next.SUCCESS = "CC_REGISTER_MEMBER_V0",
    ],
    [REGISTER_CC, (a) => a.frontmatter.core.pipeline[0].store = "NOT_A_STORE"],
  ]);
  assert.ok(
    p.some((x) =>
      /graph has a cycle CC_REGISTER_MEMBER_V0 → JOURNAL_JOINED → CC_REGISTER_MEMBER_V0/.test(x)
    ),
    JSON.stringify(p),
  );
  assert.ok(p.some((x) => /store "NOT_A_STORE" is not an entity store/.test(x)));
});

Deno.test("compileWorkflow() refuses malformed and unknown workflow names with UsageError", async () => {
  const { workspace } = await tempWorkspace();
  const snap = await loadSnapshot(workspace);
  for (const name of ["../../x::y", "club::WF/../../etc", "club", "a::b::c", "club::WF_NOPE_V0"]) {
    const err = await compileWorkflow(snap, name, registry.compileOptions).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof UsageError, name);
    assert.equal(err.code, ErrorCode.WORKFLOW_NAME);
  }
});

Deno.test("loadSnapshot()/compile refuse tampered content, malformed JSON and wrong artifact types", async () => {
  const cases: Array<[(ws: string) => Promise<void>, string, string]> = [
    [
      (ws) => editArtifact(ws, REGISTER_CC, (a) => a.content += "tampered"),
      ErrorCode.HASH_MISMATCH,
      "$.content_hash",
    ],
    [
      (ws) => Deno.writeTextFile(`${ws}/protocol_snapshot/artifacts/${REGISTER_CC}`, "{ not json"),
      ErrorCode.SNAPSHOT,
      "$",
    ],
    [
      (ws) => editArtifact(ws, REGISTER_CC, (a) => a.artifact_type = "CT"),
      ErrorCode.SCHEMA,
      "$.artifact_type",
    ],
    [
      (ws) => editArtifact(ws, REGISTER_CC, (a) => a.frontmatter.core.pipeline = "nope"),
      ErrorCode.SCHEMA,
      "$.frontmatter.core.pipeline",
    ],
  ];
  for (const [mutate, code, jsonPath] of cases) {
    const { workspace } = await tempWorkspace();
    await mutate(workspace);
    const err = await compileWorkflow(await loadSnapshot(workspace), WF, registry.compileOptions)
      .then(() => null, (e) => e);
    assert.ok(err instanceof SnapshotError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.file, `protocol_snapshot/artifacts/${REGISTER_CC}`);
    assert.equal(err.jsonPath, jsonPath);
  }
});

Deno.test("loadSnapshot() refuses a workspace without a snapshot", async () => {
  const dir = await tempDir();
  const err = await loadSnapshot(dir).then(() => null, (e) => e);
  assert.ok(err instanceof SnapshotError);
  assert.match(err.message, /expected a directory protocol_snapshot\/artifacts/);
});
