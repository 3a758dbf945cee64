/**
 * capability_transforms::CT_PURE_EXTRACT_V0: the value at a dotted path, type-checked.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsDict, pyIsList, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_EXTRACT_V0";

/** Whether a non-null result has the requested `type`; other type names are not checked. */
function typeOk(value: unknown, type: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" || typeof value === "bigint" ||
        typeof value === "boolean";
    case "object":
      return pyIsDict(value);
    case "array":
      return pyIsList(value);
  }
  return true;
}

/**
 * `{result}`: walks `path` split on "." through objects only (no array indexing); a
 * missing key or non-object step gives null. A null `from` or a type mismatch is a
 * VIOLATION; `number` accepts booleans, as Python's `isinstance(v, (int, float))` does.
 */
export function extract(args: JsonObject, _ctx: TransformContext): JsonObject {
  const from = requireKey(args, "from", ATOM);
  const path = requireKey(args, "path", ATOM);
  const type = requireKey(args, "type", ATOM);
  if (from === null) violation(ATOM, "from must not be null");
  if (typeof path !== "string") violation(ATOM, `path must be str, got ${pyTypeName(path)}`);
  let value: unknown = from;
  for (const segment of path.split(".")) {
    value = pyIsDict(value) && Object.hasOwn(value, segment) ? value[segment] ?? null : null;
    if (value === null) break;
  }
  if (value !== null && !typeOk(value, type)) {
    violation(ATOM, `value at '${path}' is ${pyTypeName(value)}, expected ${String(type)}`);
  }
  return { result: value };
}
