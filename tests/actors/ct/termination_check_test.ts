import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "ai_governance::CT_PURE_TERMINATION_CHECK_V0";

Deno.test("CT_PURE_TERMINATION_CHECK_V0 all sequences ending at 1 terminate", () => {
  assert.deepEqual(runCt(FQDN, { sequences: { "1": [1], "2": [2, 1], x: [3, true] } }), {
    all_terminate: true,
    non_terminating: [],
  });
  assert.deepEqual(runCt(FQDN, { sequences: {} }), { all_terminate: true, non_terminating: [] });
});

Deno.test("CT_PURE_TERMINATION_CHECK_V0 lists seeds that are empty, not lists or not ending at 1", () => {
  assert.deepEqual(
    runCt(FQDN, { sequences: { a: [4, 2], b: [], c: "1", d: [1], e: null, f: [2, "1"] } }),
    { all_terminate: false, non_terminating: ["a", "b", "c", "e", "f"] },
  );
  assert.throws(() => runCt(FQDN, { sequences: [[1]] }), CtViolation);
});
