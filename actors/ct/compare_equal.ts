/**
 * capability_transforms::CT_PURE_COMPARE_EQUAL_V0: equality of `left` and `right`.
 *
 * No implementation exists in any reference repository (the Python import fails, so the
 * step is always VIOLATION there). Decision: its only caller,
 * CC_VALIDATE_PREDECESSOR_LINK_V0, routes SUCCESS → commit the block and VIOLATION → exit
 * in WF_COMMIT_BLOCK_V0, so a mismatch must be VIOLATION or a block with a wrong
 * predecessor would be committed. Equal → `{is_equal: true}`; unequal → VIOLATION.
 * Equality is Python `==` on any JSON value (the declared type is string).
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyEquals } from "./_python.ts";

const ATOM = "CT_PURE_COMPARE_EQUAL_V0";

/** `{is_equal: true}` when `left == right`; otherwise a VIOLATION (see module note). */
export function compareEqual(args: JsonObject, _ctx: TransformContext): JsonObject {
  const left = requireKey(args, "left", ATOM);
  const right = requireKey(args, "right", ATOM);
  if (!pyEquals(left, right)) violation(ATOM, "left and right are not equal");
  return { is_equal: true };
}
