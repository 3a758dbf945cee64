import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_COMPARE_EQUAL_V0";
const HEAD = "0x5d8b2bfa0b1a0f1c7d4c4ddc0b2e8f2f1b0a9c8d7e6f5a4b3c2d1e0f9a8b7c6d";

Deno.test("CT_PURE_COMPARE_EQUAL_V0 succeeds with is_equal true when left == right", () => {
  assert.deepEqual(runCt(FQDN, { left: HEAD, right: HEAD }), { is_equal: true });
  assert.deepEqual(runCt(FQDN, { left: 1, right: true }), { is_equal: true });
});

Deno.test("CT_PURE_COMPARE_EQUAL_V0 mismatch is a VIOLATION (predecessor link check)", () => {
  assert.throws(() => runCt(FQDN, { left: HEAD, right: HEAD.toUpperCase() }), CtViolation);
  assert.throws(() => runCt(FQDN, { left: null, right: HEAD }), CtViolation);
});
