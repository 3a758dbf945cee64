import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCtIr } from "../../../actors/ct/mod.ts";
import { ctIrOf, fixedCtx, runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_PASSTHROUGH_V0";

Deno.test("CT_PURE_PASSTHROUGH_V0 returns the value as is in both adaptation modes", () => {
  for (const value of [42, "s", [1], { a: 1 }, { value: 7, b: 2 }, false]) {
    assert.deepEqual(runCt(FQDN, { value }), { value });
    assert.deepEqual(runCtIr(ctIrOf(FQDN), { value }, fixedCtx(), undefined, "conformance"), {
      value,
    });
  }
});

Deno.test("CT_PURE_PASSTHROUGH_V0 of null (or an absent value) is a VIOLATION", () => {
  assert.throws(() => runCt(FQDN, { value: null }), CtViolation);
  assert.throws(() => runCt(FQDN, {}), CtViolation);
});
