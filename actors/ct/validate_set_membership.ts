/**
 * capability_transforms::CT_PURE_VALIDATE_SET_MEMBERSHIP_V0: `value in allowed_set`.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIn, pyIsList, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_VALIDATE_SET_MEMBERSHIP_V0";

/**
 * `{result_status: "SUCCESS", is_member: true}`; a non-member is a VIOLATION, so
 * `is_member: false` never surfaces (as in the reference and its vectors).
 */
export function validateSetMembership(args: JsonObject, _ctx: TransformContext): JsonObject {
  const value = requireKey(args, "value", ATOM);
  const allowed = requireKey(args, "allowed_set", ATOM);
  if (!pyIsList(allowed)) {
    violation(ATOM, `allowed_set must be array, got ${pyTypeName(allowed)}`);
  }
  if (!pyIn(allowed, value)) violation(ATOM, `value ${JSON.stringify(value)} not in allowed_set`);
  return { result_status: "SUCCESS", is_member: true };
}
