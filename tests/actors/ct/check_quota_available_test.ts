import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_CHECK_QUOTA_AVAILABLE_V0";

Deno.test("CT_PURE_CHECK_QUOTA_AVAILABLE_V0 is assigned_count < quota", () => {
  assert.deepEqual(runCt(FQDN, { assigned_count: 5, quota: 10 }), { quota_available: true });
  assert.deepEqual(runCt(FQDN, { assigned_count: 10, quota: 10 }), { quota_available: false });
  assert.deepEqual(runCt(FQDN, { assigned_count: 0, quota: 0 }), { quota_available: false });
  // Python bools are ints.
  assert.deepEqual(runCt(FQDN, { assigned_count: false, quota: true }), { quota_available: true });
});

Deno.test("CT_PURE_CHECK_QUOTA_AVAILABLE_V0 rejects non-ints and a negative quota", () => {
  for (
    const inputs of [{ assigned_count: 1.5, quota: 3 }, { assigned_count: 1, quota: null }, {
      assigned_count: "1",
      quota: 3,
    }, { assigned_count: 0, quota: -1 }]
  ) {
    assert.throws(() => runCt(FQDN, inputs), CtViolation, JSON.stringify(inputs));
  }
});
