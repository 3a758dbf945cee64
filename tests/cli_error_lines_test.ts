/**
 * A path holding a newline (found by the second fuzz campaign): the error line used to be cut
 * at it, losing the rest of the path and what was expected. It is one line still, with the
 * line break written as `\n`, and says everything.
 */
import assert from "node:assert/strict";
import { main } from "../cli.ts";
import { editArtifact, tempWorkspace } from "./_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

Deno.test("an error naming a path with a newline is one whole line (\\n escaped), on stderr and in --json", async () => {
  const t = await tempWorkspace();
  const odd = `${t.dir}/p\nq`;
  await Deno.mkdir(odd);
  await Deno.writeTextFile(`${odd}/f`, "");
  const shown = `${t.dir}/p\\nq`;
  const payload = `${t.workspace}/payloads/ada.json`;
  const run = ["run", "--wf", WF, "--workspace", t.workspace, "--no-png"];
  const cases: Array<[string[], number, string]> = [
    [
      [...run, "--payload", payload, "--data-root", `${odd}/f`],
      2,
      `error[STORAGE]: Cannot use data root "${shown}/f": not a directory`,
    ],
    [
      [...run, "--payload", `${odd}/nope.json`, "--data-root", t.dataRoot],
      2,
      `error[PAYLOAD]: Cannot read --payload "${shown}/nope.json": No such file or directory ` +
      `(os error 2): stat '${shown}/nope.json'`,
    ],
    [
      ["check", "--workspace", `${odd}/f`],
      3,
      `error[SNAPSHOT]: Cannot open workspace "${shown}/f": expected a directory ` +
      `protocol_snapshot/artifacts (Not a directory (os error 20): stat ` +
      `'${shown}/f/protocol_snapshot/artifacts')`,
    ],
    [
      ["examine", `${odd}/nope.jsonl`],
      2,
      `error[USAGE]: Cannot read trace "${shown}/nope.jsonl": No such file or directory ` +
      `(os error 2): stat '${shown}/nope.jsonl'`,
    ],
  ];
  for (const [args, code, line] of cases) {
    const r = await cli(args);
    assert.equal(r.code, code, r.err.join("\n"));
    assert.deepEqual(r.err, [line]);
    assert.deepEqual(r.out, []);
    const j = await cli([...args, "--json"]);
    assert.equal(j.code, code);
    assert.equal(j.out.length, 1);
    assert.equal(
      `error[${JSON.parse(j.out[0]).error.code}]: ${JSON.parse(j.out[0]).error.message}`,
      line,
    );
  }
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(t.dataRoot))).map((e) => e.name),
    [],
    "nothing created",
  );
});

Deno.test("a compile problem quoting an artifact's text with a newline is one line (check and run)", async () => {
  const t = await tempWorkspace();
  await editArtifact(t.workspace, "workflows/club__WF_REGISTER_MEMBER_V0.json", (a) => {
    const node = a.frontmatter.core.nodes.IN_MEMBER_APPLIED_V0;
    delete node.fqdn_id;
    node.code = "IN_X\nY";
  });
  const line = `  protocol_snapshot/artifacts/workflows/club__WF_REGISTER_MEMBER_V0.json ` +
    `$.frontmatter.core.nodes.IN_MEMBER_APPLIED_V0.code: IN reference "club::IN_X\\nY" is not ` +
    `ns::CODE`;
  const check = await cli(["check", "--workspace", t.workspace, "--wf", WF]);
  assert.equal(check.code, 3);
  assert.deepEqual(check.out, [`PROBLEM ${WF}`, line, "1 workflow(s), 1 problem(s)"]);
  const run = await cli([
    "run",
    "--wf",
    WF,
    "--workspace",
    t.workspace,
    "--payload",
    `${t.workspace}/payloads/ada.json`,
    "--data-root",
    t.dataRoot,
    "--no-png",
  ]);
  assert.equal(run.code, 3);
  assert.deepEqual(run.err, [
    `error[COMPILE]: Cannot compile workflow "${WF}": 1 problem(s)`,
    line,
  ]);
});
