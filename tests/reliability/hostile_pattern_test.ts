// Guarantee: a hostile snapshot stays bounded. A catastrophic `pattern` (here `(a+)+b`,
// 27 s on 30 characters with a backtracking engine, doubling per character) in a CC's
// literal schema, or one a payload supplies, runs on the linear-time engine: the run ends
// with a defined outcome, well inside a deadline, whatever `--budget` says.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { authorArtifact, writeArtifacts } from "../../snapshot/author.ts";
import { SHARED_WORKSPACE } from "../_support/workspace.ts";
import { tempDir } from "../_support/tmp.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CT = "capability_transforms::CT_PURE_VALIDATE_RECORD_STRUCTURE_V0";
const WF = "pat::WF_CHECK_NAME_V0";
const HOSTILE = "(a+)+b";

/** A workspace whose one CC validates `name` against `schema` (literal, or from the payload). */
async function hostileWorkspace(schema: unknown): Promise<{ dir: string; ws: string }> {
  const dir = await tempDir("pgs-pattern-");
  const ws = `${dir}/ws`;
  const step = {
    step: "check_name",
    transform: CT,
    inputs: { record: { name: "$.inputs.name" }, schema },
    outputs: { violations: "$.capability_result.violations" },
    on_result: { SUCCESS: "exit", VIOLATION: "exit" },
  };
  await writeArtifacts(ws, [
    authorArtifact("WF", WF, {
      runtime_binding: "pat::RB_CHECK_NAME_V0",
      core: {
        start_node: "IN_NAME_V0",
        nodes: {
          IN_NAME_V0: { type: "IN", next: { ACK: "CC_CHECK_NAME_V0", NACK: "EXIT_BAD" } },
          CC_CHECK_NAME_V0: {
            type: "CC",
            code: "CC_CHECK_NAME_V0",
            fqdn_id: "pat::CC_CHECK_NAME_V0",
            inputs: { name: "$.payload.name", schema: "$.payload.schema" },
            next: { SUCCESS: "EXIT_OK", VIOLATION: "EXIT_BAD" },
          },
          EXIT_OK: { type: "EXIT", reason: "COMPLETED" },
          EXIT_BAD: { type: "EXIT", reason: "EXITED" },
        },
      },
    }),
    authorArtifact("RB", "pat::RB_CHECK_NAME_V0", { core: { bindings: {} } }),
    authorArtifact("CC", "pat::CC_CHECK_NAME_V0", {
      core: { inputs: { name: { type: "string", required: true } }, pipeline: [step] },
    }),
  ]);
  // The real CT artifact (its Markdown, hash and seal as published).
  const file =
    "capability_transforms/capability_transforms__CT_PURE_VALIDATE_RECORD_STRUCTURE_V0.json";
  await Deno.mkdir(`${ws}/protocol_snapshot/artifacts/capability_transforms`, { recursive: true });
  await Deno.copyFile(
    `${SHARED_WORKSPACE}/protocol_snapshot/artifacts/${file}`,
    `${ws}/protocol_snapshot/artifacts/${file}`,
  );
  return { dir, ws };
}

/** `pgs-runtime run` in a subprocess, killed after 60 s (a hang fails the test). */
async function run(dir: string, ws: string, payload: unknown) {
  await Deno.writeTextFile(`${dir}/p.json`, JSON.stringify(payload));
  const proc = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}cli.ts`,
      "run",
      "--wf",
      WF,
      "--payload",
      `${dir}/p.json`,
      "--workspace",
      ws,
      "--data-root",
      `${dir}/data`,
      "--json",
      "--no-png",
      "--budget",
      "5",
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.ok(proc.code === 0 || proc.code === 1, text(proc.stderr));
  const json = JSON.parse(text(proc.stdout));
  const recs = (await Deno.readTextFile(json.files.jsonl)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const step = recs.find((x) => x.type === "step" && x.step === "check_name");
  return { code: proc.code, json, step };
}

Deno.test("hostile pattern: a catastrophic literal pattern in a CC schema ends the run with a defined outcome", async () => {
  const { dir, ws } = await hostileWorkspace({ name: { type: "string", pattern: HOSTILE } });
  const { code, json, step } = await run(dir, ws, { name: "a".repeat(48) });
  assert.equal(code, 0);
  assert.equal(json.classification, "COMPLETED");
  assert.equal(json.exit_node, "EXIT_OK");
  assert.equal(step.status, "SUCCESS");
  assert.deepEqual(step.outputs.violations, [{
    field: "name",
    rule: "pattern",
    message: `Field 'name' does not match pattern '${HOSTILE}'`,
  }]);
});

Deno.test("hostile pattern: a catastrophic pattern supplied by the payload is bounded too (no compile-time vetting possible)", async () => {
  const { dir, ws } = await hostileWorkspace("$.inputs.schema");
  const { json, step } = await run(dir, ws, {
    name: `${"a".repeat(48)}b`,
    schema: { name: { pattern: HOSTILE } },
  });
  assert.equal(json.classification, "COMPLETED");
  assert.deepEqual(step.outputs.violations, []);
  // A pattern RE2 cannot run (a backreference) is the CT's declared failure: VIOLATION.
  const bad = await run(dir, ws, { name: "aa", schema: { name: { pattern: "(a)\\1" } } });
  assert.equal(bad.code, 1);
  assert.equal(bad.json.classification, "ENDED_VIOLATION");
  assert.equal(bad.json.exit_node, "EXIT_BAD");
  assert.equal(bad.step.status, "VIOLATION");
});
