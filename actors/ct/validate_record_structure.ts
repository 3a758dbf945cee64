/**
 * capability_transforms::CT_PURE_VALIDATE_RECORD_STRUCTURE_V0: checks a record against a
 * field schema and lists every violation; content never fails the step. A `pattern` runs
 * on the linear-time engine of _pattern.ts, which must be loaded first (the compiler's
 * `prepare` hook does it for the workflows that reach this atom).
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyFromHex } from "./_hex.ts";
import {
  pyIsDict,
  pyIsList,
  pyIsNumber,
  pyIsStrictInt,
  pyLen,
  pyNum,
  pyNumStr,
  pyParseFloat,
  pyParseInt,
  pyTruthy,
  pyTypeName,
} from "./_python.ts";
import { pyFloatRepr } from "./_python_json.ts";
import { fullMatchBounded, PatternError } from "./_pattern.ts";

const ATOM = "CT_PURE_VALIDATE_RECORD_STRUCTURE_V0";

/** One reported problem. */
interface Violation {
  field: string;
  rule: string;
  message: string;
}

/** Whether `v` has the declared `type`; unknown type names pass. */
function typeMatches(v: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "integer":
      return pyIsStrictInt(v);
    case "number":
      return typeof v === "number" || typeof v === "bigint";
    case "boolean":
      return typeof v === "boolean";
    case "object":
      return pyIsDict(v);
    case "array":
      return pyIsList(v);
    case "integer_string":
      return typeof v === "string" && pyParseInt(v) !== null;
    case "hex_string":
      return typeof v === "string" && /^0[xX]/.test(v) && pyFromHex(v.slice(2)) !== null;
  }
  return true;
}

/** The number a value stands for: itself, or a str through `int()` then `float()`. */
function numericForm(v: unknown): number | null {
  if (pyIsNumber(v)) return pyNum(v);
  if (typeof v !== "string") return null;
  const i = pyParseInt(v);
  if (i !== null) return Number(i);
  return pyParseFloat(v);
}

/** `str()` of a schema bound or a numeric form, as the Python f-string prints it. */
function show(v: unknown): string {
  return pyIsNumber(v) ? pyNumStr(v) : String(v);
}

/**
 * Python `re.fullmatch(pattern, v)` on the linear-time engine (_pattern.ts): a hostile
 * pattern from the snapshot or the payload cannot stall a run. An invalid pattern raises,
 * as `re.error` does; so does one RE2 does not support (backreferences, lookaround).
 */
function fullMatch(pattern: unknown, v: string): boolean {
  if (typeof pattern !== "string") violation(ATOM, "pattern must be a string");
  try {
    return fullMatchBounded(pattern, v);
  } catch (e) {
    if (!(e instanceof PatternError)) throw e;
    violation(ATOM, `invalid pattern '${pattern.slice(0, 200)}': ${e.message}`);
  }
}

/** A bound compared with a number; Python raises TypeError for a non-number bound. */
function bound(v: unknown, key: string): number {
  if (!pyIsNumber(v)) violation(ATOM, `${key} must be a number, got ${pyTypeName(v)}`);
  return pyNum(v);
}

function checkField(field: string, spec: JsonObject, record: JsonObject, out: Violation[]): void {
  const v = Object.hasOwn(record, field) ? record[field] ?? null : null;
  if (pyTruthy(spec.required) && (v === null || v === "")) {
    out.push({ field, rule: "required", message: `Field '${field}' is required` });
    return;
  }
  if (v === null) return;
  const type = spec.type;
  if (pyTruthy(type) && typeof type === "string" && !typeMatches(v, type)) {
    out.push({
      field,
      rule: "type",
      message: `Field '${field}' must be ${type}, got ${pyTypeName(v)}`,
    });
    return;
  }
  if (Object.hasOwn(spec, "pattern") && spec.pattern !== null && typeof v === "string") {
    if (!fullMatch(spec.pattern, v)) {
      out.push({
        field,
        rule: "pattern",
        message: `Field '${field}' does not match pattern '${String(spec.pattern)}'`,
      });
    }
  }
  const num = numericForm(v);
  if (num !== null) {
    if (spec.min_value !== undefined && spec.min_value !== null) {
      if (num < bound(spec.min_value, "min_value")) {
        out.push({
          field,
          rule: "min_value",
          message: `Field '${field}' must be >= ${show(spec.min_value)}, got ${showNum(v, num)}`,
        });
      }
    }
    if (spec.max_value !== undefined && spec.max_value !== null) {
      if (num > bound(spec.max_value, "max_value")) {
        out.push({
          field,
          rule: "max_value",
          message: `Field '${field}' must be <= ${show(spec.max_value)}, got ${showNum(v, num)}`,
        });
      }
    }
  }
  if (typeof v === "string") {
    const len = pyLen(v);
    if (spec.min_length !== undefined && spec.min_length !== null) {
      if (len < bound(spec.min_length, "min_length")) {
        out.push({
          field,
          rule: "min_length",
          message: `Field '${field}' must be at least ${show(spec.min_length)} characters`,
        });
      }
    }
    if (spec.max_length !== undefined && spec.max_length !== null) {
      if (len > bound(spec.max_length, "max_length")) {
        out.push({
          field,
          rule: "max_length",
          message: `Field '${field}' must be at most ${show(spec.max_length)} characters`,
        });
      }
    }
  }
  const other = spec.lte_field;
  if (typeof other === "string" && Object.hasOwn(record, other)) {
    const otherNum = numericForm(record[other] ?? null);
    if (num !== null && otherNum !== null && num > otherNum) {
      out.push({ field, rule: "lte_field", message: `Field '${field}' must be <= '${other}'` });
    }
  }
}

/** How Python prints the numeric form: `int()` of a str prints as an int, `float()` as a float. */
function showNum(v: unknown, num: number): string {
  if (pyIsNumber(v)) return pyNumStr(v);
  const parsed = pyParseInt(v as string);
  return parsed !== null ? parsed.toString() : pyFloatRepr(num);
}

/** `{violations: [{field, rule, message}…]}` in schema order; checks 4–7 accumulate. */
export function validateRecordStructure(args: JsonObject, _ctx: TransformContext): JsonObject {
  const record = requireKey(args, "record", ATOM);
  const schema = requireKey(args, "schema", ATOM);
  if (!pyIsDict(record)) violation(ATOM, `record must be object, got ${pyTypeName(record)}`);
  if (!pyIsDict(schema)) violation(ATOM, `schema must be object, got ${pyTypeName(schema)}`);
  const violations: Violation[] = [];
  for (const [field, spec] of Object.entries(schema)) {
    if (pyIsDict(spec)) checkField(field, spec, record, violations);
  }
  return { violations };
}
