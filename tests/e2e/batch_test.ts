import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { examineTrace, openStore } from "../../mod.ts";
import { snapshotDir } from "../_support/cli.ts";
import { seedSigningKey } from "../_support/signing.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const FIXED = ["--seed", "0a0b", "--clock", "2026-01-01T00:00:00.000Z", "--no-png"];

async function quiet(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

Deno.test("run --batch gives the same results, traces and state as running the payloads one by one", async () => {
  const a = await tempWorkspace();
  const b = await tempWorkspace();
  // Both data roots seal with the same key, so their bodies can be compared.
  await seedSigningKey(a.dataRoot);
  await seedSigningKey(b.dataRoot);
  const payloads = Array.from({ length: 30 }, (_, i) => ({
    member: { name: `Member ${i % 12}`, email: `m${i % 12}@example.org` },
  }));
  payloads.splice(7, 0, { member: { name: "Bad", email: "not-an-email" } } as never);
  await Deno.writeTextFile(
    `${a.dir}/batch.jsonl`,
    payloads.map((p) => JSON.stringify(p)).join("\n") + "\n",
  );
  const batch = await quiet([
    "run",
    "--wf",
    WF,
    "--batch",
    `${a.dir}/batch.jsonl`,
    "--workspace",
    a.workspace,
    "--data-root",
    a.dataRoot,
    "--trace-id",
    "B1",
    "--json",
    ...FIXED,
  ]);
  assert.equal(batch.code, 1, "one NACK makes the batch exit 1");
  // One JSON object per run as it commits, in input order, then the summary.
  const objects = batch.out.map((l) => JSON.parse(l));
  assert.equal(objects.length, payloads.length + 1);
  const { summary } = objects.pop();
  assert.deepEqual(summary.classifications, { COMPLETED: 30, REJECTED: 1 });
  assert.deepEqual(summary.rejected_lines, [8]);
  assert.deepEqual(summary.failed_lines, []);
  assert.deepEqual(
    objects.map((o) => [o.line, o.trace_id, o.classification]),
    payloads.map((_, i) => [
      i + 1,
      `B1-${String(i + 1).padStart(6, "0")}`,
      i === 7 ? "REJECTED" : "COMPLETED",
    ]),
  );
  assert.ok(objects[7].reasons.length > 0, "the rejected run says why");
  const store = await openStore({ dataRoot: a.dataRoot, readOnly: true });
  const key = await store.publicKey();
  await store.close();
  const signatures = new Set<string>();
  for (const [i, p] of payloads.entries()) {
    await Deno.writeTextFile(`${b.dir}/p.json`, JSON.stringify(p));
    const id = `B1-${String(i + 1).padStart(6, "0")}`;
    const one = await quiet([
      "run",
      "--wf",
      WF,
      "--payload",
      `${b.dir}/p.json`,
      "--workspace",
      b.workspace,
      "--data-root",
      b.dataRoot,
      "--trace-id",
      id,
      ...FIXED,
    ]);
    assert.equal(one.code, i === 7 ? 1 : 0);
    const batchText = await Deno.readTextFile(`${a.workspace}/traces/${id}/${id}.jsonl`);
    const oneText = await Deno.readTextFile(`${b.workspace}/traces/${id}/${id}.jsonl`);
    // The bodies are identical; the seals differ: a batch signs each commit once, so each
    // of its seals carries the Merkle path from the run's chain head to the signed root.
    const body = (t: string) => t.trimEnd().split("\n").slice(0, -1);
    assert.deepEqual(body(batchText), body(oneText), `trace ${id} body identical`);
    const batchSeal = JSON.parse(batchText.trimEnd().split("\n").at(-1)!);
    assert.equal(batchSeal.type, "seal");
    assert.ok(batchSeal.path.length > 0, "a batch seal has a Merkle path");
    assert.deepEqual(JSON.parse(oneText.trimEnd().split("\n").at(-1)!).path, []);
    const report = await examineTrace(batchText, { publicKey: key! });
    assert.equal(report.signature, "verified", `${id}: ${report.problems?.join("; ")}`);
    signatures.add(batchSeal.signature);
  }
  // 31 runs, one commit: one signature for all of them.
  assert.equal(signatures.size, 1);
  const views = (s: Record<string, string>) =>
    Object.fromEntries(Object.entries(s).filter(([k]) => k.startsWith("club/")));
  const va = views(await snapshotDir(a.dataRoot));
  assert.equal(va["club/registry/members.json"].trim().split("\n").length, 12);
  assert.equal(va["club/events/member_events.jsonl"].trim().split("\n").length, 30);
  assert.deepEqual(va, views(await snapshotDir(b.dataRoot)));
});

Deno.test("run --batch refuses a malformed line before running anything", async () => {
  const t = await tempWorkspace();
  await Deno.writeTextFile(
    `${t.dir}/batch.jsonl`,
    `{"member":{"name":"A","email":"a@b.org"}}\n[1,2]\n`,
  );
  const r = await quiet([
    "run",
    "--wf",
    WF,
    "--batch",
    `${t.dir}/batch.jsonl`,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
  ]);
  assert.equal(r.code, 2);
  assert.equal(r.err.length, 1);
  assert.match(
    r.err[0],
    /^error\[PAYLOAD\]: Invalid --batch ".*batch.jsonl" line 2: .*expected a JSON object, got an array/,
  );
  assert.deepEqual(await snapshotDir(t.dataRoot), {});
});

Deno.test("run refuses --payload together with --batch, and neither", async () => {
  const t = await tempWorkspace();
  for (const extra of [["--payload", "x.json", "--batch", "y.jsonl"], []]) {
    const r = await quiet([
      "run",
      "--wf",
      WF,
      "--workspace",
      t.workspace,
      "--data-root",
      t.dataRoot,
      ...extra,
    ]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.err, [
      "error[USAGE]: Expected exactly one of --payload <file|-> or --batch <payloads.jsonl>",
    ]);
  }
});

Deno.test("run --batch in text: a summary naming the rejected lines; --progress draws count, rate and ETA", async () => {
  const t = await tempWorkspace();
  const lines = Array.from({ length: 12 }, (_, i) =>
    JSON.stringify({
      member: { name: `M${i}`, email: i === 3 || i === 4 || i === 9 ? "nope" : `m${i}@x.org` },
    }));
  await Deno.writeTextFile(`${t.dir}/b.jsonl`, lines.join("\n") + "\n");
  const r = await quiet([
    "run",
    "--wf",
    WF,
    "--batch",
    `${t.dir}/b.jsonl`,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
    "--trace-id",
    "BT",
    "--progress",
    ...FIXED,
  ]);
  assert.equal(r.code, 1, r.err.join("\n"));
  assert.match(
    r.out[0],
    /^batch club::WF_REGISTER_MEMBER_V0: 12 run\(s\) in [\d.]+ s \([\d.]+\/s\)$/,
  );
  assert.deepEqual(r.out.slice(1), [
    "  COMPLETED: 9",
    "  REJECTED: 3",
    "  rejected or ended (exit 1), lines: 4-5, 10",
    `traces: ${t.workspace}/traces/BT-*`,
  ]);
  const progress = r.err.filter((l) => l.startsWith("runs "));
  assert.ok(progress.length > 0, r.err.join("\n"));
  assert.match(progress.at(-1)!, /^runs {5}\[#{24}\] 12\/12 {2}\d+\/s {2}ETA 0 s$/);
});
