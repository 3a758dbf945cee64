import assert from "node:assert/strict";
import { canonicalJson } from "../../snapshot/canonical.ts";
import { cli, runPayload } from "../_support/cli.ts";
import { editArtifact, tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

async function runAndExamine(
  payload: unknown,
  edit?: (ws: string) => Promise<void>,
  extra: string[] = [],
) {
  const t = await tempWorkspace();
  if (edit) await edit(t.workspace);
  const run = await runPayload(t, WF, payload, ...extra);
  const ex = await cli("examine", run.json.files.jsonl, "--json");
  const text = await cli("examine", run.json.files.jsonl);
  return { run, report: ex.json, code: ex.code, text: text.out.join("\n") };
}

const ADA = { member: { name: "Ada", email: "ada@example.org" } };

Deno.test("examine classifies a NACK as admission and names the IN node and intent file", async () => {
  const { run, report, code } = await runAndExamine({ member: { name: "Ada", email: "nope" } });
  assert.equal(run.code, 1);
  assert.equal(code, 0, "an intact trace of a rejected run examines cleanly");
  assert.equal(report.diagnosis.class, "admission");
  assert.equal(report.diagnosis.node, "IN_MEMBER_APPLIED_V0");
  assert.equal(
    report.diagnosis.file,
    "protocol_snapshot/artifacts/intents/club__IN_MEMBER_APPLIED_V0.json",
  );
  assert.match(report.diagnosis.hint, /\$\.member\.email/);
});

Deno.test("examine classifies a declared non-success exit as a business outcome", async () => {
  const { report } = await runAndExamine(
    ADA,
    (ws) =>
      editArtifact(ws, "workflows/club__WF_REGISTER_MEMBER_V0.json", (a) => {
        a.frontmatter.core.nodes.CC_REGISTER_MEMBER_V0.next.SUCCESS = "EXIT_FAILED";
      }),
  );
  assert.equal(report.result.classification, "ENDED_FAILED");
  assert.equal(report.diagnosis.class, "business_outcome");
  assert.equal(report.diagnosis.node, "CC_REGISTER_MEMBER_V0");
  assert.equal(
    report.diagnosis.file,
    "protocol_snapshot/artifacts/capability_contracts/club__CC_REGISTER_MEMBER_V0.json",
  );
});

Deno.test("examine classifies NO_TRANSITION as governance and names the node and workflow file", async () => {
  const { run, report, text } = await runAndExamine(
    ADA,
    (ws) =>
      editArtifact(ws, "workflows/club__WF_REGISTER_MEMBER_V0.json", (a) => {
        delete a.frontmatter.core.nodes.CC_REGISTER_MEMBER_V0.next.SUCCESS;
      }),
  );
  assert.equal(run.code, 4);
  assert.equal(report.diagnosis.class, "governance");
  assert.equal(report.diagnosis.node, "CC_REGISTER_MEMBER_V0");
  assert.equal(
    report.diagnosis.file,
    "protocol_snapshot/artifacts/workflows/club__WF_REGISTER_MEMBER_V0.json",
  );
  assert.match(text, /SUCCESS/);
});

Deno.test("examine classifies a spent budget as governance and suggests --budget", async () => {
  const { report } = await runAndExamine(ADA, undefined, ["--budget", "4"]);
  assert.equal(report.result.reason, "STEP_BUDGET_EXCEEDED");
  assert.equal(report.diagnosis.class, "governance");
  assert.match(report.diagnosis.hint, /--budget/);
});

Deno.test("examine reports a damaged trace with exit 5", async () => {
  const t = await tempWorkspace();
  const run = await runPayload(t, WF, ADA);
  const lines = (await Deno.readTextFile(run.json.files.jsonl)).split("\n");
  lines.splice(3, 1);
  await Deno.writeTextFile(run.json.files.jsonl, lines.join("\n"));
  const ex = await cli("examine", run.json.files.jsonl);
  assert.equal(ex.code, 5);
  assert.match(ex.out[0], /DAMAGED/);
});

Deno.test("examine detects an edit of the unchained last line (reason/emit)", async () => {
  const t = await tempWorkspace();
  const run = await runPayload(t, WF, ADA);
  for (const edit of [{ reason: "COMPLETED" }, { emit: "EV_FORGED_V0" }]) {
    const lines = (await Deno.readTextFile(run.json.files.jsonl)).trimEnd().split("\n");
    const last = { ...JSON.parse(lines.at(-1)!), ...edit };
    lines[lines.length - 1] = canonicalJson(last);
    const forged = `${t.dir}/forged.jsonl`;
    await Deno.writeTextFile(forged, lines.join("\n") + "\n");
    const ex = await cli("examine", forged, "--json");
    assert.equal(ex.code, 5, JSON.stringify(edit));
    assert.equal(ex.json.intact, false);
  }
});
