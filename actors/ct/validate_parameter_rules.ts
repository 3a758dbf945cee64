/**
 * capability_transforms::CT_PURE_VALIDATE_PARAMETER_RULES_V0: declarative parameter rules
 * (`not_null`, `eq`, `neq`, `in`, `lt`, `lte`, `gt`, `gte`), the first failure being a
 * VIOLATION.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import {
  pyEquals,
  pyIn,
  pyIsDict,
  pyIsList,
  pyIsNumber,
  pyNum,
  pyParseFloat,
  pyTruthy,
  pyTypeName,
} from "./_python.ts";

const ATOM = "CT_PURE_VALIDATE_PARAMETER_RULES_V0";

/** A numeric operand as the atom sees it: strings go through Python `float()`. */
function operand(v: unknown): unknown {
  return typeof v === "string" ? pyParseFloat(v) : v;
}

/** Python `value in allowed` for the container kinds JSON can carry. */
function contains(allowed: unknown, value: unknown): boolean {
  if (pyIsList(allowed)) return pyIn(allowed, value);
  if (typeof allowed === "string") return typeof value === "string" && allowed.includes(value);
  if (pyIsDict(allowed)) return typeof value === "string" && Object.hasOwn(allowed, value);
  return false;
}

/**
 * Whether `value` satisfies `rule`. Ordering compares numbers only: where Python would
 * compare other types it either raises or (list vs list) compares lexicographically; both
 * are treated as a failed rule here.
 */
function holds(value: unknown, op: unknown, rule: JsonObject): boolean {
  const ruleValue = rule.value ?? null;
  switch (op) {
    case "not_null":
      return value !== null;
    case "eq":
      return pyEquals(value, ruleValue);
    case "neq":
      return !pyEquals(value, ruleValue);
    case "in":
      return contains(Object.hasOwn(rule, "allowed") ? rule.allowed : [], value);
    case "lt":
    case "lte":
    case "gt":
    case "gte": {
      if (value === null || ruleValue === null) return false;
      const a = operand(value);
      const b = operand(ruleValue);
      if (!pyIsNumber(a) || !pyIsNumber(b)) return false;
      const [x, y] = [pyNum(a), pyNum(b)];
      if (op === "lt") return x < y;
      if (op === "lte") return x <= y;
      if (op === "gt") return x > y;
      return x >= y;
    }
  }
  return false;
}

/** `{result_status: "SUCCESS", valid: true, failed_rule: null}` when every rule holds. */
export function validateParameterRules(args: JsonObject, _ctx: TransformContext): JsonObject {
  const parameters = requireKey(args, "parameters", ATOM);
  const rules = requireKey(args, "rules", ATOM);
  if (!pyIsDict(parameters)) {
    violation(ATOM, `parameters must be object, got ${pyTypeName(parameters)}`);
  }
  if (!pyIsList(rules)) violation(ATOM, `rules must be array, got ${pyTypeName(rules)}`);
  for (const rule of rules) {
    if (!pyIsDict(rule)) continue;
    const field = rule.field ?? null;
    const op = rule.op ?? null;
    if (!pyTruthy(field) || !pyTruthy(op)) continue;
    if (typeof field === "object") {
      violation(ATOM, `unhashable rule field ${JSON.stringify(field)}`);
    }
    const value = typeof field === "string" && Object.hasOwn(parameters, field)
      ? parameters[field] ?? null
      : null;
    if (!holds(value, op, rule)) violation(ATOM, `rule failed: ${JSON.stringify(rule)}`);
  }
  return { result_status: "SUCCESS", valid: true, failed_rule: null };
}
