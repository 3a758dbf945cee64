import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "ai_governance::CT_PURE_COLLATZ_STEP_V0";

Deno.test("CT_PURE_COLLATZ_STEP_V0 computes each full sequence (as the Python atom)", () => {
  assert.deepEqual(runCt(FQDN, { numbers: [6, 1, 7, 6] }), {
    sequences: {
      "6": [6, 3, 10, 5, 16, 8, 4, 2, 1],
      "1": [1],
      "7": [7, 22, 11, 34, 17, 52, 26, 13, 40, 20, 10, 5, 16, 8, 4, 2, 1],
    },
  });
  assert.deepEqual(runCt(FQDN, { numbers: [] }), { sequences: {} });
  assert.equal(
    (runCt(FQDN, { numbers: [27] }).sequences as Record<string, number[]>)["27"].length,
    112,
  );
});

Deno.test("CT_PURE_COLLATZ_STEP_V0 rejects non-lists, bools, floats and n < 1", () => {
  for (const numbers of [null, "7", [0], [true], [2.5], ["3"]]) {
    assert.throws(() => runCt(FQDN, { numbers }), CtViolation, JSON.stringify(numbers));
  }
});
