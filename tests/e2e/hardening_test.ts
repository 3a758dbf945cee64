// deno-lint-ignore-file no-explicit-any -- trace records and artifacts are untyped JSON here
import assert from "node:assert/strict";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { CompileError, ErrorCode, UsageError } from "../../errors.ts";
import { canonicalJson } from "../../snapshot/canonical.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openMemoryStore } from "../../storage/memory_store.ts";
import { examineTrace } from "../../trace/examine/mod.ts";
import { traceText } from "../../trace/jsonl.ts";
import { adaRunArgs, cli, runPayload } from "../_support/cli.ts";
import { editArtifact, tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const WF_FILE = "workflows/club__WF_REGISTER_MEMBER_V0.json";
const DERIVE = "capability_contracts/club__CC_DERIVE_MEMBER_ID_V0.json";
const CT = "capability_transforms/capability_transforms__CT_PURE_GENERATE_ID_V0.json";
const ADA = { member: { name: "Ada", email: "ada@example.org" } };

async function compileProblems(edit: (ws: string) => Promise<void>): Promise<string[]> {
  const t = await tempWorkspace();
  await edit(t.workspace);
  const reg = createCapabilityRegistry();
  const err = await compileWorkflow(await loadSnapshot(t.workspace), WF, reg.compileOptions)
    .then(() => null, (e) => e);
  assert.ok(err instanceof CompileError, String(err));
  return err.problems.map((p: any) => `${p.jsonPath}: ${p.message}`);
}

Deno.test("a suppressed value used as a store key does not reach the trace files through effect keys", async () => {
  const t = await tempWorkspace();
  await editArtifact(t.workspace, "capability_contracts/club__CC_REGISTER_MEMBER_V0.json", (a) => {
    a.frontmatter.core.suppress_trace_fields = ["member_id"];
  });
  const r = await runPayload(t, WF, ADA);
  assert.equal(r.code, 0, r.err.join("\n"));
  const dir = `${t.workspace}/traces/${r.json.trace_id}`;
  const text = await Deno.readTextFile(`${dir}/${r.json.trace_id}.jsonl`) +
    await Deno.readTextFile(`${dir}/${r.json.trace_id}.md`);
  assert.doesNotMatch(text, /M_[0-9a-f]{16}/, "no member id in clear");
  assert.match(text, /"key":"redacted:sha256:[0-9a-f]{16}"/);
});

Deno.test("compile refuses an EXIT start node, CT-IR loops, unknown output symbols and $.results typos", async () => {
  assert.deepEqual(
    await compileProblems((ws) =>
      editArtifact(ws, WF_FILE, (a) => a.frontmatter.core.start_node = "EXIT_DONE")
    ),
    ['$.frontmatter.core.start_node: start_node "EXIT_DONE" is an EXIT node; expected an IN or CC node'],
  );
  assert.deepEqual(
    await compileProblems((ws) =>
      editArtifact(ws, CT, (a) => a.ct_ir.atom_stream[0].loop = { over: "$.x" })
    ),
    ["$.ct_ir.atom_stream[0].loop: CT-IR loop steps are not supported"],
  );
  assert.deepEqual(
    await compileProblems((ws) => editArtifact(ws, CT, (a) => a.ct_ir.outputs.id.from = "nosuch")),
    ['$.ct_ir.outputs.id.from: output id reads symbol "nosuch", but the atom step produces "__atom_result__"'],
  );
  const typo = await compileProblems((ws) =>
    editArtifact(ws, WF_FILE, (a) => {
      a.frontmatter.core.nodes.CC_REGISTER_MEMBER_V0.inputs.member_id =
        "$.results.CC_NOPE.member_id";
    })
  );
  assert.equal(typo.length, 1);
  assert.match(
    typo[0],
    /binding path "\$\.results\.CC_NOPE\.member_id" names CC node "CC_NOPE", which does not exist/,
  );
  const stepTypo = await compileProblems((ws) =>
    editArtifact(
      ws,
      DERIVE,
      (a) => a.frontmatter.core.pipeline[0].inputs.prefix = "$.results.nostep.x",
    )
  );
  assert.match(stepTypo[0], /names pipeline step "nostep", which does not exist/);
});

Deno.test("examine: a FAULTED or NO_TRANSITION last line rewritten as STEP_BUDGET_EXCEEDED is damage", async () => {
  const t = await tempWorkspace();
  const reg = createCapabilityRegistry({
    sideEffects: {
      "capability_side_effects::CS_REGISTRY_V0": {
        storeFormat: "jsonl",
        run: () => Promise.reject(new Error("boom")),
      },
    },
  });
  const compiled = await compileWorkflow(await loadSnapshot(t.workspace), WF, reg.compileOptions);
  const store = await openMemoryStore();
  const run = await executeWorkflow(compiled, ADA, {
    store,
    capabilities: reg.capabilities,
    seed: "01",
  });
  await store.close();
  assert.equal(run.classification, "FAULTED");
  assert.equal(run.status, "FAULT");
  assert.equal((await examineTrace(traceText(run.lines))).intact, true);
  const lines = [...run.lines];
  const last = JSON.parse(lines.at(-1)!);
  lines[lines.length - 1] = canonicalJson({
    ...last,
    status: "STEP_BUDGET_EXCEEDED",
    reason: "STEP_BUDGET_EXCEEDED",
    classification: "FAILED",
  });
  assert.equal((await examineTrace(traceText(lines))).intact, false);
});

Deno.test("library: a payload that is not plain JSON is a PAYLOAD refusal; a capability returning one is a fault", async () => {
  const t = await tempWorkspace();
  const reg = createCapabilityRegistry({
    transforms: { "capability_transforms::CT_PURE_GENERATE_ID_V0": () => ({ id: 1n as unknown }) },
  });
  const compiled = await compileWorkflow(await loadSnapshot(t.workspace), WF, reg.compileOptions);
  const store = await openMemoryStore();
  const cyclic: any = { member: { name: "A", email: "a@b.org" } };
  cyclic.self = cyclic;
  for (const payload of [{ n: 1n }, { n: Number.NaN }, { d: new Date(0) }, cyclic]) {
    const err = await executeWorkflow(compiled, payload, { store, capabilities: reg.capabilities })
      .then(() => null, (e) => e);
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.code, ErrorCode.PAYLOAD);
  }
  const r = await executeWorkflow(compiled, ADA, {
    store,
    capabilities: reg.capabilities,
    seed: "02",
  });
  assert.equal(r.classification, "FAULTED");
  const fault = r.records.find((x: any) => x.type === "fault") as any;
  assert.match(fault.error, /returned a result that is not plain JSON: \$\.id is a bigint/);
  await store.close();
});

Deno.test("the CLI's compile refusal names the whole workflow", async () => {
  const t = await tempWorkspace();
  await editArtifact(t.workspace, WF_FILE, (a) => a.frontmatter.core.start_node = "NOWHERE");
  const r = await cli("check", "--workspace", t.workspace, "--wf", WF);
  assert.equal(r.code, 3);
  const run = await cli(
    ...adaRunArgs(t),
  );
  assert.equal(run.code, 3);
  assert.equal(run.err[0], `error[COMPILE]: Cannot compile workflow "${WF}": 1 problem(s)`);
});
