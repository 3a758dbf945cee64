/**
 * `pgs.trace/1` traces stay readable: a body the previous release wrote (the example
 * workflow, seed 00, clock 2026-01-01T00:00:00Z, trace id T1) examines intact as version 1
 * and replays identical, byte for byte, under the current engine.
 */
import assert from "node:assert/strict";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { replayTrace } from "../../actors/replay.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { examineTrace } from "../../trace/examine/mod.ts";
import { EXAMPLE_WORKSPACE } from "../_support/workspace.ts";

const V1 = new URL("../testdata/v1/club_register_T1.jsonl", import.meta.url);

Deno.test("a pgs.trace/1 body examines intact (chain only: it has no seal)", async () => {
  const report = await examineTrace(await Deno.readTextFile(V1));
  assert.equal(report.intact, true, report.problems.join("\n"));
  assert.equal(report.version, 1);
  assert.equal(report.signature, "unsealed");
  assert.equal(report.result?.classification, "COMPLETED");
  assert.deepEqual(report.path.map((v) => v.node), [
    "IN_MEMBER_APPLIED_V0",
    "CC_DERIVE_MEMBER_ID_V0",
    "CC_REGISTER_MEMBER_V0",
    "JOURNAL_JOINED",
    "EXIT_DONE",
  ]);
});

Deno.test("a pgs.trace/1 body replays identical under the current engine", async () => {
  const text = await Deno.readTextFile(V1);
  const report = await replayTrace(
    text,
    await loadSnapshot(EXAMPLE_WORKSPACE),
    createCapabilityRegistry(),
  );
  assert.deepEqual(report, { identical: true, records: 18, divergence: null });
  // An edit of the v1 body is still seen.
  const edited = text.replace('"outcome":"ACK"', '"outcome":"NACK"');
  assert.equal((await examineTrace(edited)).intact, false);
});
