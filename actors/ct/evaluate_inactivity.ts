/**
 * capability_transforms::CT_PURE_EVALUATE_INACTIVITY_V0: whole days since the last activity
 * and whether they reach a threshold.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { violation } from "./_guard.ts";
import { floorDays, parseIsoDatetimeUs } from "./_iso_datetime.ts";
import { pyIsNumber, pyNum, pyTruthy, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_EVALUATE_INACTIVITY_V0";

/** Python `_parse_iso`: a trailing Z becomes +00:00, naive values are UTC. */
function parse(s: unknown, field: string): bigint | null {
  if (typeof s !== "string") violation(ATOM, `${field} must be str, got ${pyTypeName(s)}`);
  return parseIsoDatetimeUs(s.endsWith("Z") ? `${s.slice(0, -1)}+00:00` : s);
}

/**
 * `{is_inactive, days_inactive}`; `days_inactive = floor((current − last) / 1 day)`, 999
 * when `last_active_date` is empty or a date does not parse.
 *
 * Decision: an absent `current_date` (how its only caller, CC_RECLAIM_UNUSED_LICENSE_V0,
 * calls it) means the run clock `ctx.now`, not the wall clock, so replays agree. The
 * reference default `threshold_days = 30` never applies under CT-IR: null is a VIOLATION.
 */
export function evaluateInactivity(args: JsonObject, ctx: TransformContext): JsonObject {
  const last = args.last_active_date ?? null;
  const threshold = Object.hasOwn(args, "threshold_days") ? args.threshold_days ?? null : 30;
  const current = args.current_date ?? null;
  if (!pyTruthy(last)) return { is_inactive: true, days_inactive: 999 };
  let days = 999;
  const lastUs = parse(last, "last_active_date");
  if (lastUs !== null) {
    const currentUs = pyTruthy(current) ? parse(current, "current_date") : parse(ctx.now, "now");
    if (currentUs !== null) days = floorDays(currentUs - lastUs);
  }
  if (!pyIsNumber(threshold)) {
    violation(ATOM, `threshold_days must be a number, got ${pyTypeName(threshold)}`);
  }
  return { is_inactive: days >= pyNum(threshold), days_inactive: days };
}
