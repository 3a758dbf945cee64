/**
 * capability_transforms::CT_PURE_LOOKUP_V0: value of `key` in a literal `map`.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsDict, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_LOOKUP_V0";

/**
 * `{result_status: "SUCCESS", result}`; a missing key is a VIOLATION. JSON object keys are
 * strings, so any non-string key (None, numbers, unhashable lists) cannot match.
 */
export function lookup(args: JsonObject, _ctx: TransformContext): JsonObject {
  const key = requireKey(args, "key", ATOM);
  const map = requireKey(args, "map", ATOM);
  if (!pyIsDict(map)) violation(ATOM, `map must be object, got ${pyTypeName(map)}`);
  if (typeof key !== "string" || !Object.hasOwn(map, key)) {
    violation(ATOM, `key ${JSON.stringify(key)} not found in map`);
  }
  return { result_status: "SUCCESS", result: map[key] ?? null };
}
