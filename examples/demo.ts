/**
 * The README demo: copies the example workspace to a fresh temporary directory, runs the
 * member-registration workflow twice with the same payload, and shows what happened:
 * run 1 registers the member; run 2 finds it ALREADY_EXISTS, journals that, and still
 * completes. Then it prints where the traces and state files are and how to examine them.
 *
 * @module
 */
import { main } from "../cli.ts";

const here = new URL("./workspace/", import.meta.url);
const tmp = await Deno.makeTempDir({ prefix: "pgs-demo-" });
const workspace = `${tmp}/workspace`;
const dataRoot = `${tmp}/data`;
await copyDir(here, workspace);

const wf = "club::WF_REGISTER_MEMBER_V0";
const payload = `${workspace}/payloads/ada.json`;
console.log(`# pgs-runtime demo\nworkspace: ${workspace}\ndata root: ${dataRoot}\n`);
const jsonl: string[] = [];
for (const run of [1, 2]) {
  const lines: string[] = [];
  const code = await main(
    [
      "run",
      "--wf",
      wf,
      "--payload",
      payload,
      "--workspace",
      workspace,
      "--data-root",
      dataRoot,
      "--json",
    ],
    { out: (l) => lines.push(l), err: (l) => console.error(l) },
  );
  const r = JSON.parse(lines.join("\n"));
  jsonl.push(r.files.jsonl);
  const body = (await Deno.readTextFile(r.files.jsonl)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const register = body.find((x) => x.type === "step" && x.step === "register_member");
  const path = body.filter((x) => x.type === "transition" && x.run === "root").map((x) =>
    `${x.from} -${x.outcome}->`
  );
  console.log(
    `run ${run}: exit code ${code}, ${r.classification} (status ${r.status}, exit ${r.exit_node})`,
  );
  console.log(`  registry step: ${register?.status}`);
  console.log(`  path: ${path.join(" ")} ${r.exit_node}`);
  console.log(`  trace: ${r.files.jsonl} (+ .md, .png)`);
}
console.log(`\nstate (derived file views of the Deno KV database in ${dataRoot}/.pgs):`);
for (const f of ["club/registry/members.json", "club/events/member_events.jsonl"]) {
  console.log(`--- ${dataRoot}/${f}`);
  console.log((await Deno.readTextFile(`${dataRoot}/${f}`)).trimEnd());
}
// With the data root, examine also compares the file with the committed copy and checks the
// seal with the data root's key.
console.log(`\n$ pgs-runtime examine <run 2 trace> --data-root ${dataRoot}`);
await main(["examine", jsonl[1], "--data-root", dataRoot]);
console.log(`\n$ pgs-runtime replay <run 2 trace> --workspace ${workspace}`);
await main(["replay", jsonl[1], "--workspace", workspace]);
console.log(`\nthe summary, with the exact commands to examine and replay from a shell:`);
console.log(`  ${jsonl[1].replace(/\.jsonl$/, ".md")}`);

async function copyDir(from: URL, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(new URL(`${e.name}/`, from), `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(new URL(e.name, from), `${to}/${e.name}`);
  }
}
