// deno-lint-ignore-file no-explicit-any -- artifacts are untyped JSON here
/**
 * The seal (snapshot/seal.ts): the executed frontmatter must equal the `## Machine` block
 * of the hashed Markdown content, compiler-added workflow-node `fqdn_id`s aside.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { main } from "../../cli.ts";
import { SnapshotError } from "../../errors.ts";
import { authorArtifact, resealArtifact } from "../../snapshot/author.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { ArtifactKind } from "../../snapshot/resolve.ts";
import { checkSeal } from "../../snapshot/seal.ts";
import { snapshotDir } from "../_support/cli.ts";
import { EXAMPLE_WORKSPACE, SHARED_WORKSPACE, tempWorkspace } from "../_support/workspace.ts";

const OLDER = fileURLToPath(new URL("../../../shared/pgs_generations", import.meta.url));
const GENERATIONS: Array<[string, string, number]> = [
  ["v0.7.x", SHARED_WORKSPACE, 254],
  ["v0.2.0", `${OLDER}/e425bf9`, 135],
  ["v0.4.0", `${OLDER}/420bbe3`, 143],
];
const INTENT = "intents/blockchain__IN_ACTOR_REGISTERED_V0.json";
const REGISTER_WF = "workflows/blockchain__WF_REGISTER_ACTOR_UNVERIFIED_V0.json";

function artifactFiles(root: string): string[] {
  const base = `${root}/protocol_snapshot/artifacts`;
  const out: string[] = [];
  for (const d of Deno.readDirSync(base)) {
    if (!d.isDirectory) continue;
    for (const f of Deno.readDirSync(`${base}/${d.name}`)) {
      if (f.isFile && f.name.endsWith(".json")) out.push(`${d.name}/${f.name}`);
    }
  }
  return out.sort();
}

const read = (root: string, rel: string) =>
  JSON.parse(Deno.readTextFileSync(`${root}/protocol_snapshot/artifacts/${rel}`));

for (const [name, root, count] of GENERATIONS) {
  Deno.test(`seal: every artifact of ${name} (${count}, all kinds) is sealed, and every runtime kind loads`, async () => {
    const files = artifactFiles(root);
    assert.equal(files.length, count);
    for (const rel of files) {
      const a = read(root, rel);
      const problem = await checkSeal(a.content, a.frontmatter, a.artifact_type, a.namespace);
      assert.equal(problem, null, `${rel}: ${JSON.stringify(problem)}`);
    }
    const snapshot = await loadSnapshot(root);
    let loaded = 0;
    for (const kind of Object.keys(ArtifactKind) as Array<keyof typeof ArtifactKind>) {
      for (const fqdn of await snapshot.listArtifacts(kind)) {
        assert.ok(await snapshot.get(kind, fqdn), fqdn);
        loaded++;
      }
    }
    assert.ok(loaded > count / 2, `${loaded} runtime artifacts loaded`);
  });
}

/** The tamper of issue 12: the email field no longer required, its format dropped. */
async function tamperIntent(workspace: string): Promise<void> {
  const path = `${workspace}/protocol_snapshot/artifacts/${INTENT}`;
  const a = JSON.parse(await Deno.readTextFile(path));
  const email = a.frontmatter.core.inputs.actor_record.fields.email_registration;
  email.required = false;
  delete email.format;
  await Deno.writeTextFile(path, JSON.stringify(a, null, 2));
}

async function cliRun(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

for (const [name, root] of GENERATIONS) {
  Deno.test(`seal: ${name} register intent with email made optional and unformatted (content untouched) — check and run exit 3, nothing runs`, async () => {
    const t = await tempWorkspace(root);
    await tamperIntent(t.workspace);
    const file = `protocol_snapshot/artifacts/${INTENT}`;
    const where = "$.frontmatter.core.inputs.actor_record.fields.email_registration.format";

    const check = await cliRun(["check", "--workspace", t.workspace, "--json"]);
    assert.equal(check.code, 3);
    const report = JSON.parse(check.out.join("\n"));
    const bad = report.report.filter((r: any) => r.problems.length > 0);
    // Only the workflows reaching that intent are refused, each naming file and field.
    assert.deepEqual(bad.map((r: any) => r.workflow), [
      "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0",
    ]);
    assert.deepEqual(
      bad[0].problems.map((p: any) => [p.file, p.jsonPath]),
      [[file, where]],
    );

    const payload = `${t.dir}/nack.json`;
    await Deno.writeTextFile(
      payload,
      JSON.stringify({
        actor_record: { first_name: "A", last_name: "B", email_registration: "not-an-email" },
      }),
    );
    const run = await cliRun([
      "run",
      "--wf",
      "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0",
      "--payload",
      payload,
      "--workspace",
      t.workspace,
      "--data-root",
      t.dataRoot,
    ]);
    assert.equal(run.code, 3);
    assert.deepEqual(run.err, [
      `error[SEAL]: Cannot verify artifact "${file}": ${where}: frontmatter differs from the ` +
      `"## Machine" block of its hashed content`,
    ]);
    assert.deepEqual(await snapshotDir(t.dataRoot), {});
    assert.deepEqual(await snapshotDir(`${t.workspace}/traces`), {});
  });
}

Deno.test("seal: a workflow node's fqdn_id must be the resolution of its declared code", async () => {
  const t = await tempWorkspace(SHARED_WORKSPACE);
  const path = `${t.workspace}/protocol_snapshot/artifacts/${REGISTER_WF}`;
  const original = await Deno.readTextFile(path);
  const load = async () => {
    const snapshot = await loadSnapshot(t.workspace);
    return await snapshot.get("WF", "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0").then(
      () => null,
      (e) => e,
    );
  };
  assert.equal(await load(), null, "the compiler's fqdn_ids are accepted");
  const cases: Array<[string, (a: any) => void]> = [
    // Swap in another CC: the Machine block still says code CC_REGISTER_ACTOR_KYC_V0.
    [
      "CC_REGISTER_ACTOR_KYC_V0",
      (a) =>
        a.frontmatter.core.nodes.CC_REGISTER_ACTOR_KYC_V0.fqdn_id =
          "blockchain::CC_APPEND_ACTOR_EVENT_V0",
    ],
    // Another namespace for the same code.
    [
      "IN_ACTOR_REGISTERED_V0",
      (a) =>
        a.frontmatter.core.nodes.IN_ACTOR_REGISTERED_V0.fqdn_id = "other::IN_ACTOR_REGISTERED_V0",
    ],
    // A node without a declared code gets no fqdn_id.
    ["EXIT", (a) => a.frontmatter.core.nodes.EXIT.fqdn_id = "blockchain::EXIT"],
  ];
  for (const [node, edit] of cases) {
    const a = JSON.parse(original);
    edit(a);
    await Deno.writeTextFile(path, JSON.stringify(a));
    const e = await load();
    assert.ok(e instanceof SnapshotError, node);
    assert.equal(e.code, "SEAL");
    assert.equal(e.jsonPath, `$.frontmatter.core.nodes.${node}.fqdn_id`);
  }
});

Deno.test("checkSeal() refuses a missing, doubled, unclosed, unparsable or unknown-language Machine block", async () => {
  const fm = { core: { a: 1 } };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["# X\n\nprose only\n", fm, /no "## Machine" block, but the frontmatter is not empty/],
    [
      "## Machine\n\n```yaml\ncore: {a: 1}\n```\n\n## Machine\n\n```yaml\ncore: {a: 1}\n```\n",
      fm,
      /more than one "## Machine" block/,
    ],
    ["## Machine\n\nprose\n```yaml\ncore: {a: 1}\n```\n", fm, /not followed by a fenced block/],
    ["## Machine\n\n```yaml\ncore: {a: 1}\n", fm, /is not closed/],
    ["## Machine\n\n```yaml\ncore: [a: 1\n```\n", fm, /YAML block does not parse/],
    ["## Machine\n\n```json\n{core: 1}\n```\n", fm, /JSON block does not parse/],
    ["## Machine\n\n```toml\n[core]\na = 1\n```\n", fm, /fenced as "toml", expected yaml or json/],
  ];
  for (const [content, frontmatter, message] of cases) {
    const p = await checkSeal(content, frontmatter, "CC", "x");
    assert.ok(p, content);
    assert.equal(p.jsonPath, "$.content");
    assert.match(p.message, message);
  }
  // Nothing executable, nothing to seal.
  assert.equal(await checkSeal("# X\n\nprose only\n", {}, "CT", "x"), null);
});

Deno.test("checkSeal() reads YAML 1.1 like the PGS compiler, ignores headings inside fences, finds the first difference", async () => {
  // PyYAML (YAML 1.1): `no` is false, `on` true, `012` octal, `1e5` and `y` strings (a
  // YAML 1.2 reader gets strings for the first three and a number for the fourth).
  const content = "# X\n\n```md\n## Machine\n```\n\n## Machine\n\n```yaml\n" +
    "core:\n  required: no\n  enabled: on\n  n: 012\n  e: 1e5\n  flag: y\n  list: [b, a]\n```\n";
  const fm = {
    core: { required: false, enabled: true, n: 10, e: "1e5", flag: "y", list: ["b", "a"] },
  };
  assert.equal(await checkSeal(content, fm, "IN", "x"), null);
  // Keys compared in sorted order, arrays by index.
  const p = await checkSeal(content, { core: { ...fm.core, list: ["b"], n: 30 } }, "IN", "x");
  assert.deepEqual(p?.jsonPath, "$.frontmatter.core.list[1]");
  const q = await checkSeal(content, { core: { ...fm.core, "x-y": 1 } }, "IN", "x");
  assert.deepEqual(q?.jsonPath, `$.frontmatter.core["x-y"]`);
});

Deno.test("authorArtifact() and resealArtifact() write content whose Machine block is the frontmatter", async () => {
  const fm = { core: { start_node: "A", nodes: { A: { type: "EXIT", reason: "COMPLETED" } } } };
  for (const pretty of [true, false]) {
    const a = authorArtifact("WF", "ns::WF_X_V0", fm, { pretty }).body as any;
    assert.equal(await checkSeal(a.content, a.frontmatter, "WF", "ns"), null);
  }
  // A real artifact, edited and re-sealed: the prose stays, the seal and hash follow.
  const real = read(SHARED_WORKSPACE, INTENT);
  real.frontmatter.core.summary = "edited";
  const resealed = resealArtifact(real) as any;
  assert.equal(await checkSeal(resealed.content, resealed.frontmatter, "IN", "blockchain"), null);
  assert.ok(resealed.content.startsWith(real.content.slice(0, real.content.indexOf("## Machine"))));
  assert.notEqual(resealed.content_hash, real.content_hash);
  // The committed example workspace (authored by examples/build_workspace.ts) is sealed.
  for (const rel of artifactFiles(EXAMPLE_WORKSPACE)) {
    const e = read(EXAMPLE_WORKSPACE, rel);
    assert.equal(
      await checkSeal(e.content, e.frontmatter, e.artifact_type, e.namespace),
      null,
      rel,
    );
  }
});
