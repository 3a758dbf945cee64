/**
 * capability_transforms::CT_PURE_CHECK_TRAINING_STATUS_V0: eligibility is the training flag.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_CHECK_TRAINING_STATUS_V0";

/** `{is_eligible: training_completed}`; anything but a boolean is a VIOLATION. */
export function checkTrainingStatus(args: JsonObject, _ctx: TransformContext): JsonObject {
  const done = requireKey(args, "training_completed", ATOM);
  if (typeof done !== "boolean") {
    violation(ATOM, `training_completed must be bool, got ${pyTypeName(done)}`);
  }
  return { is_eligible: done };
}
