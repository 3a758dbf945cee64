/**
 * Value helpers shared by the CS kinds: JSON shape tests, Python-compatible equality and
 * Python-compatible string length.
 *
 * @module
 */
import type { JsonObject } from "../capability.ts";
import { pyDeepCopy } from "../ct/_python.ts";

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Length in code points, as Python's `len(str)` counts it. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** `value` if present, else null: Python's `payload.get(name)` on a resolved input. */
export function input(inputs: JsonObject, name: string): unknown {
  const value = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
  return value === undefined ? null : value;
}

/**
 * Python `==` on JSON values: structural, key order ignored, and booleans equal to the
 * numbers 1 and 0 (`1 == 1.0 == True`), which the reference's filters rely on.
 */
export function pyEqual(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
  if (a === null || b === null) return a === b;
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => pyEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && pyEqual(a[k], b[k]));
  }
  return false;
}

function numeric(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return null;
}

/**
 * A deep copy, so state never aliases the engine's input or output objects. The values are
 * JSON: a plain walk is several times faster than `structuredClone` on what a step passes.
 */
export function copy<T>(value: T): T {
  return pyDeepCopy(value);
}

/** Python truthiness of a JSON value (`None`, `False`, `0`, `""`, `[]`, `{}` are false). */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** A short Python-style repr for messages: `'text'`, `None`, or JSON. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "string") return `'${value}'`;
  if (typeof value === "boolean") return value ? "True" : "False";
  return JSON.stringify(value);
}
