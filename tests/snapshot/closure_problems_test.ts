// deno-lint-ignore-file no-explicit-any -- artifacts are untyped JSON here
/**
 * Closure problems the second fuzz campaign found reported in the wrong place or not at all:
 * each must be a compile problem naming the artifact and the JSON path that causes it.
 */
import assert from "node:assert/strict";
import { CompileError, ErrorCode, SnapshotError } from "../../errors.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { main } from "../../cli.ts";
import {
  editArtifact,
  EXAMPLE_WORKSPACE,
  SHARED_WORKSPACE,
  tempWorkspace,
} from "../_support/workspace.ts";

const registry = createCapabilityRegistry();

async function problemsOf(
  source: string,
  wf: string,
  edits: Array<[string, (a: Record<string, any>) => void]>,
): Promise<string[]> {
  const { workspace } = await tempWorkspace(source);
  for (const [file, edit] of edits) await editArtifact(workspace, file, edit);
  const err = await compileWorkflow(await loadSnapshot(workspace), wf, registry.compileOptions)
    .then(() => null, (e) => e);
  assert.ok(err instanceof CompileError, `expected CompileError, got ${err}`);
  return err.problems.map((p) => `${p.file} ${p.jsonPath}: ${p.message}`);
}

Deno.test("a sub-workflow that does not resolve is the problem of the step that names it, not of --wf", async () => {
  const invoke = "capability_contracts/blockchain__CC_INVOKE_BLOCK_PROPOSAL_V0.json";
  const edit = (a: Record<string, any>) => {
    a.frontmatter.core.pipeline[0].inputs.workflow_code = "blockchain::WF_NOPE_V0";
  };
  assert.deepEqual(
    await problemsOf(SHARED_WORKSPACE, "blockchain::WF_PROCESS_SLOT_V0", [[invoke, edit]]),
    [
      `protocol_snapshot/artifacts/${invoke} $.frontmatter.core.pipeline[0].inputs.workflow_code: ` +
      `WF "blockchain::WF_NOPE_V0" does not resolve to an artifact`,
    ],
  );
  // `check` prints the same place; the workflow given on the command line is not blamed.
  const t = await tempWorkspace(SHARED_WORKSPACE);
  await editArtifact(t.workspace, invoke, edit);
  const out: string[] = [];
  const code = await main(
    ["check", "--workspace", t.workspace, "--wf", "blockchain::WF_PROCESS_SLOT_V0"],
    { out: (l) => out.push(l), err: (l) => out.push(l) },
  );
  assert.equal(code, 3);
  assert.ok(!out.join("\n").includes("(command line)"), out.join("\n"));
  assert.ok(
    out.join("\n").includes(`${invoke} $.frontmatter.core.pipeline[0].inputs.workflow_code`),
  );
});

Deno.test("two pipeline steps with one name are a compile problem (a jump or $.results could mean either)", async () => {
  const cc = "capability_contracts/club__CC_REGISTER_MEMBER_V0.json";
  let name = "";
  let copy = 0;
  const problems = await problemsOf(EXAMPLE_WORKSPACE, "club::WF_REGISTER_MEMBER_V0", [[
    cc,
    (a) => {
      const pipeline = a.frontmatter.core.pipeline;
      name = pipeline[0].step;
      copy = pipeline.push(structuredClone(pipeline[0])) - 1;
    },
  ]]);
  assert.deepEqual(problems, [
    `protocol_snapshot/artifacts/${cc} $.frontmatter.core.pipeline[${copy}].step: step name ` +
    `"${name}" is also the name of pipeline[0]; step names must be unique`,
  ]);
});

Deno.test("a binding policy path that is not a string is refused (SCHEMA), not silently ignored", async () => {
  // v0.2.0 names stores by binding policy path only: a path of 5 used to be dropped and the
  // store taken from the domain's structure, so the run went ahead on a path nobody declared.
  const older = new URL("../../../shared/pgs_generations/e425bf9", import.meta.url).pathname;
  const rb = "runtime_bindings/blockchain__RB_REGISTER_ACTOR_UNVERIFIED_V0.json";
  const { workspace } = await tempWorkspace(older);
  await editArtifact(workspace, rb, (a) => {
    a.frontmatter.core.bindings["capability_side_effects::CS_REGISTRY_V0"].policy.path = 5;
  });
  const err = await compileWorkflow(
    await loadSnapshot(workspace),
    "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0",
    registry.compileOptions,
  ).then(() => null, (e) => e);
  assert.ok(err instanceof SnapshotError, `expected SnapshotError, got ${err}`);
  assert.equal(err.code, ErrorCode.SCHEMA);
  assert.equal(err.file, `protocol_snapshot/artifacts/${rb}`);
  assert.equal(
    err.jsonPath,
    '$.frontmatter.core.bindings["capability_side_effects::CS_REGISTRY_V0"].policy.path',
  );
  assert.match(err.message, /policy\.path: Invalid input: expected string, received number$/);
});
