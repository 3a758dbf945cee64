import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { snapshotDir } from "../_support/cli.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

Deno.test("refusals: zone-less or impossible --clock, out-of-range numbers, reused trace id, long batch prefix", async () => {
  const t = await tempWorkspace();
  const base = [
    "run",
    "--wf",
    WF,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
    "--no-png",
  ];
  const ada = ["--payload", `${t.workspace}/payloads/ada.json`];
  await Deno.writeTextFile(
    `${t.dir}/big.json`,
    '{"member":{"name":"A","email":"a@b.org","age":1e400}}',
  );
  await Deno.writeTextFile(`${t.dir}/b.jsonl`, '{"member":{"name":"A","email":"a@b.org"}}\n');
  const cases: Array<[string[], RegExp]> = [
    [
      [...ada, "--clock", "2024-01-01T00:00:00"],
      /^error\[USAGE\]: Invalid --clock "2024-01-01T00:00:00": expected an RFC 3339 date-time with a time zone/,
    ],
    [
      [...ada, "--clock", "2024-02-30T00:00:00Z"],
      /^error\[USAGE\]: Invalid --clock "2024-02-30T00:00:00Z"/,
    ],
    [
      ["--payload", `${t.dir}/big.json`],
      /^error\[PAYLOAD\]: Invalid --payload ".*big.json": a number is out of range/,
    ],
    [
      ["--batch", `${t.dir}/b.jsonl`, "--trace-id", "x".repeat(125)],
      /^error\[TRACE_ID\]: Invalid --trace-id "x+…?": as a batch prefix it must leave room/,
    ],
    [
      [...ada, "--budget", "0x10"],
      /^error\[USAGE\]: Invalid --budget "0x10": expected a positive integer/,
    ],
  ];
  const before = await snapshotDir(t.dir);
  for (const [extra, re] of cases) {
    const r = await run([...base, ...extra]);
    assert.equal(r.code, 2, extra.join(" "));
    assert.equal(r.err.length, 1, r.err.join("\n"));
    assert.match(r.err[0], re);
  }
  assert.deepEqual(await snapshotDir(t.dir), before, "no state change");

  // A trace id is never reused in a workspace, even with another data root.
  const first = await run([...base, ...ada, "--trace-id", "T_once"]);
  assert.equal(first.code, 0);
  const body = await Deno.readTextFile(`${t.workspace}/traces/T_once/T_once.jsonl`);
  const again = await run([
    "run",
    "--wf",
    WF,
    ...ada,
    "--workspace",
    t.workspace,
    "--data-root",
    `${t.dir}/other`,
    "--trace-id",
    "T_once",
    "--no-png",
  ]);
  assert.equal(again.code, 2);
  assert.match(
    again.err[0],
    /^error\[TRACE_ID\]: Invalid --trace-id "T_once": ".*traces\/T_once" already exists/,
  );
  assert.equal(await Deno.readTextFile(`${t.workspace}/traces/T_once/T_once.jsonl`), body);

  const missing = await run(["examine", `${t.dir}/nope.jsonl`]);
  assert.equal(missing.code, 2, "an unreadable trace path is a usage error");
});
