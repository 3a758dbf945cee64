import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_CHECK_TRAINING_STATUS_V0";

Deno.test("CT_PURE_CHECK_TRAINING_STATUS_V0 passes the boolean through", () => {
  assert.deepEqual(runCt(FQDN, { training_completed: true }), { is_eligible: true });
  assert.deepEqual(runCt(FQDN, { training_completed: false }), { is_eligible: false });
});

Deno.test("CT_PURE_CHECK_TRAINING_STATUS_V0 rejects anything but a boolean", () => {
  for (const v of [1, "true", null]) {
    assert.throws(() => runCt(FQDN, { training_completed: v }), CtViolation);
  }
});
