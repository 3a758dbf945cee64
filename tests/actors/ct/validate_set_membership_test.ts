import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_VALIDATE_SET_MEMBERSHIP_V0";

Deno.test("CT_PURE_VALIDATE_SET_MEMBERSHIP_V0 member → is_member true", () => {
  assert.deepEqual(runCt(FQDN, { value: "active", allowed_set: ["active", "pending"] }), {
    is_member: true,
  });
  assert.deepEqual(runCt(FQDN, { value: 1, allowed_set: [true] }), { is_member: true });
  assert.deepEqual(runCt(FQDN, { value: { a: [1] }, allowed_set: [{ a: [1] }] }), {
    is_member: true,
  });
});

Deno.test("CT_PURE_VALIDATE_SET_MEMBERSHIP_V0 non-member or non-array set is a VIOLATION", () => {
  assert.throws(() => runCt(FQDN, { value: "deleted", allowed_set: ["active"] }), CtViolation);
  assert.throws(() => runCt(FQDN, { value: null, allowed_set: [] }), CtViolation);
  assert.throws(() => runCt(FQDN, { value: "a", allowed_set: "abc" }), CtViolation);
});
