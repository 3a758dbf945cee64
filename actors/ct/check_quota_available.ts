/**
 * capability_transforms::CT_PURE_CHECK_QUOTA_AVAILABLE_V0: `assigned_count < quota`.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsInt, pyNum, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_CHECK_QUOTA_AVAILABLE_V0";

/** `{quota_available}`; both inputs must be ints (bools count, as in Python), quota ≥ 0. */
export function checkQuotaAvailable(args: JsonObject, _ctx: TransformContext): JsonObject {
  const assigned = requireKey(args, "assigned_count", ATOM);
  const quota = requireKey(args, "quota", ATOM);
  if (!pyIsInt(assigned)) {
    violation(ATOM, `assigned_count must be int, got ${pyTypeName(assigned)}`);
  }
  if (!pyIsInt(quota)) violation(ATOM, `quota must be int, got ${pyTypeName(quota)}`);
  if (pyNum(quota) < 0) violation(ATOM, `quota must be non-negative, got ${pyNum(quota)}`);
  return { quota_available: pyNum(assigned) < pyNum(quota) };
}
