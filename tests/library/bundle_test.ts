/**
 * `deno task bundle`: the one-file build runs run / examine / replay / check from a
 * directory outside the repository (no deno.json, no import map), with only the
 * least-privilege flags, WASM and font embedded (the PNG is rendered).
 */
import assert from "node:assert/strict";
import { deno, outsideWorkspace, ROOT, runFlags } from "./_subprocess.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

Deno.test("the bundle runs run, examine, replay and check outside the repository", async () => {
  const { dir, ws, data } = await outsideWorkspace();
  const bundle = `${dir}/pgs-runtime.js`;
  const built = await deno([
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-run",
    "scripts/bundle.ts",
    bundle,
  ], ROOT);
  assert.equal(built.code, 0, built.err);
  assert.equal(
    built.out.trim(),
    `${bundle}: ${((await Deno.stat(bundle)).size / 2 ** 20).toFixed(2)} MiB, self-contained`,
  );

  // No config is found from `dir` (checked: nothing above a temp dir); --no-config makes sure.
  const cli = (perms: string[], ...args: string[]) =>
    deno(["run", "--no-config", "--no-prompt", "--unstable-kv", ...perms, bundle, ...args], dir);
  const run = (traceId: string) =>
    cli(
      runFlags(ws, data),
      "run",
      "--wf",
      WF,
      "--payload",
      "ws/payloads/ada.json",
      "--workspace",
      ws,
      "--data-root",
      data,
      "--trace-id",
      traceId,
      "--json",
    );
  const r1 = await run("T_bundle_1");
  assert.equal(r1.code, 0, r1.err);
  const r2 = await run("T_bundle_2");
  assert.equal(r2.code, 0, r2.err);
  const j1 = JSON.parse(r1.out);
  const j2 = JSON.parse(r2.out);
  assert.equal(j1.classification, "COMPLETED");
  assert.equal(j2.classification, "COMPLETED");
  assert.deepEqual(j2.files, {
    jsonl: `${ws}/traces/T_bundle_2/T_bundle_2.jsonl`,
    md: `${ws}/traces/T_bundle_2/T_bundle_2.md`,
    png: `${ws}/traces/T_bundle_2/T_bundle_2.png`,
    pending: false,
  });
  assert.deepEqual(j2.warnings, []);
  const png = await Deno.readFile(j2.files.png);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const steps = (await Deno.readTextFile(j2.files.jsonl)).trim().split("\n").map((l) =>
    JSON.parse(l)
  )
    .filter((r) => r.type === "step").map((r) => `${r.step}:${r.status}`);
  assert.deepEqual(steps, [
    "derive_member_id:SUCCESS",
    "register_member:ALREADY_EXISTS",
    "append_member_event:SUCCESS",
  ]);
  const journal = (await Deno.readTextFile(`${data}/club/events/member_events.jsonl`)).trim().split(
    "\n",
  )
    .map((l) => JSON.parse(l).sequence_number);
  assert.deepEqual(journal, [1, 2]);

  const trace = j2.files.jsonl;
  const examine = await cli([`--allow-read=${trace}`], "examine", trace);
  assert.equal(examine.code, 0, examine.err);
  assert.match(
    examine.out.split("\n")[0],
    /^trace T_bundle_2 {2}workflow club::WF_REGISTER_MEMBER_V0 {2}\(\d+ records, intact\)$/,
  );

  const replay = await cli([`--allow-read=${trace},${ws}`], "replay", trace, "--workspace", ws);
  assert.equal(replay.code, 0, replay.err);
  assert.match(replay.out.trim(), /^identical \(\d+ records\)$/);

  const check = await cli([`--allow-read=${ws}`], "check", "--workspace", ws);
  assert.equal(check.code, 0, check.err);
  assert.equal(check.out.trim(), `ok      ${WF}\n1 workflow(s), 0 problem(s)`);

  const lines = (await Deno.readTextFile(trace)).split("\n");
  lines[1] = lines[1].replace('"run":"root"', '"run":"root" ');
  await Deno.writeTextFile(`${dir}/tampered.jsonl`, lines.join("\n"));
  const damaged = await cli(
    [`--allow-read=${dir}/tampered.jsonl`],
    "examine",
    `${dir}/tampered.jsonl`,
  );
  assert.equal(damaged.code, 5);
  assert.match(damaged.out, /DAMAGED/);
  await Deno.remove(dir, { recursive: true });
});
