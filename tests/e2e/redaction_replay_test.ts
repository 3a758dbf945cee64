// deno-lint-ignore-file no-explicit-any -- trace records are untyped JSON here
import assert from "node:assert/strict";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { replayTrace } from "../../actors/replay.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { traceText } from "../../trace/jsonl.ts";
import { cli, runPayload } from "../_support/cli.ts";
import { editArtifact, tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const SECRET = "ada.secret@example.org";

/** The example with `email` declared a suppressed trace field of the id-deriving CC. */
async function suppressedWorkspace() {
  const t = await tempWorkspace();
  await editArtifact(t.workspace, "capability_contracts/club__CC_DERIVE_MEMBER_ID_V0.json", (a) => {
    a.frontmatter.core.suppress_trace_fields = ["email"];
  });
  return t;
}

async function filesOf(dir: string): Promise<string> {
  let all = "";
  for await (const e of Deno.readDir(dir)) {
    all += e.isFile && !e.name.endsWith(".png") ? await Deno.readTextFile(`${dir}/${e.name}`) : "";
  }
  return all;
}

Deno.test("a suppressed field never reaches a trace file, nested or copied elsewhere, and replay stays identical", async () => {
  const t = await suppressedWorkspace();
  await Deno.writeTextFile(
    `${t.dir}/p.json`,
    JSON.stringify({ member: { name: "Ada", email: SECRET }, note: SECRET }),
  );
  // cli() also re-runs on a copy (byte-identical) and replays (identical).
  const r = await cli(
    "run",
    "--wf",
    WF,
    "--payload",
    `${t.dir}/p.json`,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
    "--json",
  );
  assert.equal(r.code, 0, r.err.join("\n"));
  const text = await filesOf(`${t.workspace}/traces/${r.json.trace_id}`);
  assert.ok(!text.includes(SECRET), "the secret is in no trace file");
  assert.match(text, /"note":"redacted:sha256:[0-9a-f]{16}"/);
});

Deno.test("admission reasons never quote a suppressed value", async () => {
  const t = await suppressedWorkspace();
  const bad = "not-an-email-SECRET-VALUE";
  const r = await runPayload(t, WF, { member: { name: "Ada", email: bad } });
  assert.equal(r.code, 1);
  const text = await filesOf(`${t.workspace}/traces/${r.json.trace_id}`);
  assert.ok(!text.includes(bad));
  assert.match(
    text,
    /\$\.member\.email: \\"redacted:sha256:[0-9a-f]{16}\\" is not an email address/,
  );
});

Deno.test("replay of a FAULTED run that made effects before the fault is identical", async () => {
  const t = await tempWorkspace();
  const registry = createCapabilityRegistry({
    sideEffects: {
      "capability_side_effects::CS_APPENDONLY_JSONL_V0": {
        storeFormat: "jsonl",
        run: async (call) => {
          await call.state.append(call.store!, () => ({}));
          throw new Error("boom");
        },
      },
    },
  });
  const snapshot = await loadSnapshot(t.workspace);
  const compiled = await compileWorkflow(snapshot, WF, registry.compileOptions);
  const store = await openKvStore({ dataRoot: t.dataRoot });
  const run = await executeWorkflow(compiled, { member: { name: "A", email: "a@b.org" } }, {
    store,
    capabilities: registry.capabilities,
    seed: "01",
    startedAt: "2026-01-01T00:00:00.000Z",
  });
  await store.close();
  assert.equal(run.classification, "FAULTED");
  assert.ok(run.records.some((x: any) => x.type === "warning" && x.code === "EFFECTS_DISCARDED"));
  assert.equal(run.records.filter((x: any) => x.type === "effect").length, 0);
  const report = await replayTrace(traceText(run.lines), snapshot, registry);
  assert.deepEqual(report.divergence, null);
  assert.equal(report.identical, true);
});
