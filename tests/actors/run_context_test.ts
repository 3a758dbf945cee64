/**
 * The run context's entropy streams: the bytes a CT draws are fixed by seed, scope and
 * position (not by how the draws are split), and a byte count that is not a non-negative
 * integer is a TypeError naming the call, so a CT with such a bug faults instead of
 * silently getting a wrong number of bytes (or, for Infinity, never returning).
 */
import assert from "node:assert/strict";
import { bytesToHex } from "@noble/hashes/utils.js";
import { createRunContext } from "../../actors/run_context.ts";
import { runWorkflow, type TransformFn } from "../../mod.ts";
import { EXAMPLE_WORKSPACE } from "../_support/workspace.ts";

const FIXED = { seed: "01", startedAt: "2026-01-01T00:00:00Z", secretSeed: "02" };
/** The first 48 bytes of the random stream of scope "root/CC/step#1" under {@link FIXED}. */
const FIRST_48 = "256364abaf1e35db58563acf6352284b0778afd073422e948f67efacb1dbbe13" +
  "aac9d1b6057b88d3c56835af4db0b64f";

Deno.test("randomBytes/secretBytes: the same bytes however the draws are split", () => {
  const ctx = () => createRunContext(FIXED).transformContext("root/CC/step#1");
  const split = ctx();
  const parts = [5, 40, 0, 3].map((n) => bytesToHex(split.randomBytes(n)));
  assert.deepEqual(parts, [
    "256364abaf",
    "1e35db58563acf6352284b0778afd073422e948f67efacb1dbbe13aac9d1b6057b88d3c56835af4d",
    "",
    "b0b64f",
  ]);
  assert.equal(parts.join(""), FIRST_48);
  assert.equal(bytesToHex(ctx().randomBytes(48)), FIRST_48);
  assert.equal(
    bytesToHex(ctx().secretBytes(33)),
    "6ddd56de13fa68320692920c4c852c44a4349a1ec5d418bea33f64b767b6fd275b",
  );
  // One large draw is one allocation (it used to copy the pool once per 32-byte block).
  const big = ctx().randomBytes(100_000);
  assert.equal(big.length, 100_000);
  assert.equal(bytesToHex(big.subarray(0, 48)), FIRST_48);
});

Deno.test("randomBytes/secretBytes refuse a count that is not a non-negative integer", () => {
  const ctx = createRunContext(FIXED).transformContext("root/CC/step#1");
  const bad: Array<[unknown, string]> = [
    [-1, "-1"],
    [1.5, "1.5"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [2 ** 53, "9007199254740992"],
    ["3", '"3"'],
    [null, "null"],
    [undefined, "undefined"],
    [{}, "object"],
  ];
  ctx.randomBytes(10); // a pool left over, which a negative count used to hand out in part
  for (const call of ["randomBytes", "secretBytes"] as const) {
    for (const [n, shown] of bad) {
      assert.throws(() => ctx[call](n as number), {
        name: "TypeError",
        message: `ctx.${call}(n): expected a non-negative integer byte count, got ${shown}`,
      });
    }
  }
  // A refused draw takes nothing from the stream.
  assert.equal(bytesToHex(ctx.randomBytes(38)), FIRST_48.slice(20));
});

Deno.test("a CT asking ctx.randomBytes() for a negative count faults the run, naming the call", async () => {
  const negative: TransformFn = (_args, ctx) => ({ id: bytesToHex(ctx.randomBytes(-4)) });
  const result = await runWorkflow({
    workspace: EXAMPLE_WORKSPACE,
    workflow: "club::WF_REGISTER_MEMBER_V0",
    payload: { member: { name: "Ada", email: "ada@example.org" } },
    kvUrl: ":memory:",
    capabilities: { transforms: { "capability_transforms::CT_PURE_GENERATE_ID_V0": negative } },
    seed: "01",
    startedAt: "2026-01-01T00:00:00.000Z",
    traceFiles: false,
  });
  assert.equal(result.classification, "FAULTED");
  const fault = result.records.find((r) => r.type === "fault");
  assert.equal(fault?.type, "fault");
  assert.equal(
    fault.error,
    "TypeError: ctx.randomBytes(n): expected a non-negative integer byte count, got -4",
  );
});
