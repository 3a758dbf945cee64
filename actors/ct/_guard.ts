/**
 * Declared-failure helpers shared by the CT atoms: every bad input a Python atom would
 * reject (and the reference CC would report as VIOLATION) becomes a {@link CtViolation}.
 *
 * @module
 */
import { CtViolation, type JsonObject } from "../capability.ts";

/** Throws the declared CT failure for `atom` with a one-line reason. */
export function violation(atom: string, message: string): never {
  throw new CtViolation(`${atom}: ${message}`);
}

/**
 * Python `inputs[key]` after a `key in inputs` check. Under CT-IR every declared input is
 * bound (absent → null), so this only fails on direct calls that omit the key.
 */
export function requireKey(args: JsonObject, key: string, atom: string): unknown {
  if (!Object.hasOwn(args, key)) violation(atom, `missing required input '${key}'`);
  const value = args[key];
  return value === undefined ? null : value;
}

/** Python `inputs.get(key, fallback)`: the fallback applies only when the key is absent. */
export function getOr(args: JsonObject, key: string, fallback: unknown): unknown {
  if (!Object.hasOwn(args, key) || args[key] === undefined) return fallback;
  return args[key];
}
