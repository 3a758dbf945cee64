/**
 * capability_transforms::CT_PURE_PASSTHROUGH_V0: returns its input as the `value` output.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";

const ATOM = "CT_PURE_PASSTHROUGH_V0";

/**
 * `{value: value}`. Decision: the Python atom returns the raw value, so the reference
 * runtime's single-key unwrap turns `{"a":1}` into `1`; we wrap it, so the declared output
 * `value` is always the input (conformance vectors are identical either way). A `null`
 * value stays a VIOLATION, as the reference's "Atom returned None".
 */
export function passthrough(args: JsonObject, _ctx: TransformContext): JsonObject {
  const value = requireKey(args, "value", ATOM);
  if (value === null) violation(ATOM, "value is null (the atom would return None)");
  return { value };
}
