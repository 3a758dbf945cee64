/**
 * Python-canonical JSON: the bytes of
 * `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`, which
 * GENERATE_ID and HASH_BLOCK hash (capabilities.md §2). RFC 8785 and
 * `snapshot/canonical.ts` differ from it (non-ASCII escaping, number format).
 *
 * Known limitation: values come from `JSON.parse`, which turns `1.0` into `1`, so a float
 * with an integral value is written as an int (`{"value":1}` where Python writes
 * `{"value":1.0}`) and gives a different hash. Integers beyond 2^53 have already lost
 * precision the same way. Pass a `bigint` to write an exact large integer.
 *
 * @module
 */
import { CtViolation } from "../capability.ts";

/** `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "number":
      return pyJsonNumber(value);
    case "string":
      return pyJsonString(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v)).join(",")}]`;
      if (value instanceof Uint8Array) break;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort(compareCodePoints);
      return `{${keys.map((k) => `${pyJsonString(k)}:${pythonJsonDumps(obj[k])}`).join(",")}}`;
    }
  }
  throw new CtViolation(`Object of type ${typeof value} is not JSON serializable`);
}

/** Python sorts str keys by code point; JS `sort()` compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** A JSON string literal with Python `ensure_ascii` escaping (UTF-16 units as `\uxxxx`). */
function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** A number as Python writes it: integral values as ints (see module note), else float repr. */
function pyJsonNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  if (Number.isInteger(n)) {
    if (Object.is(n, -0)) return "0";
    return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  }
  return pyFloatRepr(n);
}

/**
 * Python `repr(float)`: shortest round-trip digits, positional for exponents -4..15,
 * otherwise `d.ddde±XX` (`1e-07`, `1.5e+16`), and always a `.0` on integral values.
 */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const sign = n < 0 ? "-" : "";
  const [mant, expText] = Math.abs(n).toExponential().split("e");
  const digits = mant.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${digits[0]}${frac}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || "0"}`;
}
