/**
 * Python value semantics the reference atoms rely on: `isinstance`, truthiness, `==`,
 * `int()` / `float()` of strings and `str()` of numbers (capabilities.md §2).
 *
 * JSON values arrive through `JSON.parse`, which cannot tell `1.0` from `1`: an
 * integer-valued number is treated as a Python `int` everywhere in this folder.
 *
 * @module
 */
import type { JsonObject } from "../capability.ts";
import { pyFloatRepr } from "./_python_json.ts";

/** Python `isinstance(v, dict)` for a JSON value. */
export function pyIsDict(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Python `isinstance(v, list)` for a JSON value. */
export function pyIsList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

/** Python `isinstance(v, int)`: booleans count, as do integer-valued numbers (see module note). */
export function pyIsInt(v: unknown): v is number | boolean | bigint {
  return typeof v === "boolean" || typeof v === "bigint" ||
    (typeof v === "number" && Number.isInteger(v));
}

/** Python `isinstance(v, int) and not isinstance(v, bool)`. */
export function pyIsStrictInt(v: unknown): v is number | bigint {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

/** Python `isinstance(v, (int, float))`: booleans count. */
export function pyIsNumber(v: unknown): v is number | boolean | bigint {
  return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint";
}

/** The numeric value Python arithmetic sees (`True` is 1). */
export function pyNum(v: number | boolean | bigint): number {
  return typeof v === "boolean" ? (v ? 1 : 0) : Number(v);
}

/** Python truthiness (`bool(v)`); NaN is truthy as in Python. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Uint8Array) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** Python `a == b` on JSON values: `1 == 1.0 == True`, structural, key order ignored. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (pyIsNumber(a) && pyIsNumber(b)) {
    if (typeof a === "bigint" && typeof b === "bigint") return a === b;
    return pyNum(a) === pyNum(b);
  }
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pyEquals(x, b[i]));
  }
  if (pyIsDict(a) && pyIsDict(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

/** Python `x in list` (equality by {@link pyEquals}). */
export function pyIn(list: readonly unknown[], x: unknown): boolean {
  return list.some((item) => pyEquals(item, x));
}

/** Python `type(v).__name__` for a JSON value. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  if (v instanceof Uint8Array) return "bytes";
  return "dict";
}

/** Python `str(n)` for a number (`True`, `12`, `5.5`, `1e-07`). */
export function pyNumStr(n: number | boolean | bigint): string {
  if (typeof n === "boolean") return n ? "True" : "False";
  if (typeof n === "bigint") return n.toString();
  if (Number.isInteger(n)) {
    return Math.abs(n) < 1e21 ? String(Object.is(n, -0) ? 0 : n) : BigInt(n).toString();
  }
  return pyFloatRepr(n);
}

/** Characters Python's `str.strip()` removes (`str.isspace()`). */
const PY_WS =
  "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_WS_CHAR = new RegExp(`^[${PY_WS}]$`);

/**
 * Python `s.strip()`. A scan from both ends, not `/^\s+|\s+$/g`: that regex retries its
 * trailing alternative at every position of an inner whitespace run (quadratic: 9 s on
 * 100,000 spaces between two letters of a payload field).
 */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && PY_WS_CHAR.test(s[start])) start++;
  while (end > start && PY_WS_CHAR.test(s[end - 1])) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

const PY_INT_RE = /^[+-]?\d+(?:_\d+)*$/;

/** Python `int(s)` for a str (base 10, `_` separators, surrounding whitespace); null if it raises. */
export function pyParseInt(s: string): bigint | null {
  const t = pyStrip(s);
  return PY_INT_RE.test(t) ? BigInt(t.replace(/_/g, "")) : null;
}

const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_FLOAT_RE = new RegExp(
  String.raw`^[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?)$`,
);
const PY_FLOAT_SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/** Python `float(s)` for a str; null if it raises. */
export function pyParseFloat(s: string): number | null {
  const t = pyStrip(s);
  const special = PY_FLOAT_SPECIAL_RE.exec(t);
  if (special) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  return PY_FLOAT_RE.test(t) ? Number(t.replace(/_/g, "")) : null;
}

/**
 * Python `int(v)` for any JSON value (bool → 0/1, float truncated, str parsed); null where
 * Python raises (None, lists, dicts, unparsable or non-finite values).
 */
export function pyToInt(v: unknown): bigint | null {
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
  if (typeof v === "string") return pyParseInt(v);
  return null;
}

/** Python `len(s)` for a str: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Deep copy of a JSON value (Python `copy.deepcopy`), keeping key order. */
export function pyDeepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => pyDeepCopy(x)) as T;
  if (v instanceof Uint8Array) return v.slice() as T;
  if (typeof v === "object" && v !== null) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setKey(out, k, pyDeepCopy((v as JsonObject)[k]));
    return out as T;
  }
  return v;
}

/** `obj[key] = value` that also works for the key `__proto__` (a plain data key in Python). */
export function setKey(obj: JsonObject, key: string, value: unknown): void {
  // Only `__proto__` is an accessor on the way (Object.prototype's): plain assignment
  // creates every other key as an own property, and faster.
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else obj[key] = value;
}
