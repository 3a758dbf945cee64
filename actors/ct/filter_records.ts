/**
 * capability_transforms::CT_PURE_FILTER_RECORDS_V0: the records matching every criterion.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyEquals, pyIsDict, pyIsList, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_FILTER_RECORDS_V0";
const PRESENT = "present";

/**
 * `{extracted}` in source order. A criterion equal to "present" needs a non-null field;
 * any other needs Python equality (a missing field is None). No match is a VIOLATION.
 */
export function filterRecords(args: JsonObject, _ctx: TransformContext): JsonObject {
  const source = requireKey(args, "source", ATOM);
  const criteria = requireKey(args, "filter", ATOM);
  if (!pyIsList(source)) violation(ATOM, `'source' must be an array, got ${pyTypeName(source)}`);
  if (!pyIsDict(criteria)) {
    violation(ATOM, `'filter' must be an object, got ${pyTypeName(criteria)}`);
  }
  const entries = Object.entries(criteria);
  const extracted = source.filter((record) =>
    pyIsDict(record) &&
    entries.every(([field, criterion]) => {
      const value = Object.hasOwn(record, field) ? record[field] ?? null : null;
      return pyEquals(criterion, PRESENT) ? value !== null : pyEquals(value, criterion);
    })
  );
  if (extracted.length === 0) violation(ATOM, "no records matched filter criteria");
  return { extracted };
}
