/**
 * Evaluates compiled bindings against a scope: `$.<root>.a.b` walks, `{{timestamp}}`
 * (the run clock), `{{<path> ± N}}` integer arithmetic, and literals, recursively.
 *
 * @module
 */
import type { Binding, Condition } from "../snapshot/bindings.ts";

/** Marker for a path that did not resolve (distinct from a resolved null). */
export const MISSING: unique symbol = Symbol("missing");

/** Values a binding scope offers: root name → value. */
export type Scope = Readonly<Record<string, unknown>>;

/** Reads a path; MISSING when a segment is absent. */
export function readPath(scope: Scope, root: string, segs: readonly (string | number)[]): unknown {
  if (!Object.hasOwn(scope, root)) return MISSING;
  let cur: unknown = scope[root];
  for (const s of segs) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, s)) return MISSING;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

/**
 * Resolves a binding. A missing path resolves to null and is reported through `onMissing`
 * (the pipeline turns it into an input failure or a trace warning).
 */
export function resolveBinding(
  b: Binding,
  scope: Scope,
  now: string,
  onMissing?: (pathText: string) => void,
): unknown {
  switch (b.k) {
    case "lit":
      return b.v;
    case "now":
      return now;
    case "path": {
      const v = readPath(scope, b.root, b.segs);
      if (v === MISSING) {
        onMissing?.(b.text);
        return null;
      }
      return v;
    }
    case "arith": {
      const v = resolveBinding(b.path, scope, now, onMissing);
      const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== "number" || !Number.isInteger(n)) {
        onMissing?.(`${b.text} (not an integer: ${JSON.stringify(v)})`);
        return null;
      }
      return n + b.delta;
    }
    case "obj": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of b.entries) out[k] = resolveBinding(v, scope, now, onMissing);
      return out;
    }
    case "arr":
      return b.items.map((v) => resolveBinding(v, scope, now, onMissing));
  }
}

/** Evaluates an evaluation condition; a missing operand makes the condition false. */
export function evaluateCondition(c: Condition, scope: Scope, now: string): boolean {
  let missing = false;
  const l = resolveBinding(c.left, scope, now, () => missing = true);
  const r = resolveBinding(c.right, scope, now, () => missing = true);
  if (missing) return false;
  switch (c.op) {
    case "==":
      return jsonEqual(l, r);
    case "!=":
      return !jsonEqual(l, r);
    default: {
      if (typeof l !== typeof r || (typeof l !== "number" && typeof l !== "string")) return false;
      const a = l as number | string;
      const b = r as number | string;
      return c.op === "<" ? a < b : c.op === "<=" ? a <= b : c.op === ">" ? a > b : a >= b;
    }
  }
}

/** Structural equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const ob = b as Record<string, unknown>;
  return ka.length === Object.keys(ob).length &&
    ka.every((k) => Object.hasOwn(ob, k) && jsonEqual((a as Record<string, unknown>)[k], ob[k]));
}

/**
 * Most JSON values (every number, string, array and object counted once per place it would be
 * written) a value may expand to. An object reachable along several paths is written once per
 * path, so a small graph of shared objects can stand for more text than any store can hold.
 */
export const MAX_JSON_VALUES = 10_000_000;

/**
 * Why `value` is not plain JSON (finite numbers, strings, booleans, null, plain objects and
 * arrays, at most `maxDepth` deep, no cycles, at most {@link MAX_JSON_VALUES} values as
 * written), or null when it is. Values that are not plain JSON cannot be traced, hashed or
 * replayed faithfully.
 */
export function nonJsonReason(value: unknown, maxDepth = 64): string | null {
  const seen = new Set<object>();
  // Objects already found to be plain JSON: how deep they nest and how many values they
  // write. An object shared along many paths is checked once (linear time on any graph).
  const checked = new Map<object, { height: number; count: number }>();
  let total = 0;
  // Height and count of the value `walk` last accepted.
  let height = 0;
  let count = 0;
  const tooMany = (at: string) =>
    `${at} makes the value more than ${MAX_JSON_VALUES} JSON values as written (an object ` +
    `reachable along several paths is written once per path)`;
  const walk = (v: unknown, depth: number, at: string): string | null => {
    height = 0;
    count = 1;
    if (++total > MAX_JSON_VALUES) return tooMany(at);
    if (v === null || typeof v === "string" || typeof v === "boolean") return null;
    if (typeof v === "number") return Number.isFinite(v) ? null : `${at} is ${v}`;
    if (v === undefined) return `${at} is undefined`;
    if (typeof v !== "object") return `${at} is a ${typeof v}`; // function, symbol, bigint
    if (depth > maxDepth) return `${at} is nested deeper than ${maxDepth} levels`;
    if (seen.has(v)) return `${at} is a cycle`;
    const known = checked.get(v);
    if (known) {
      if (depth + known.height - 1 > maxDepth) {
        return `${at} is nested deeper than ${maxDepth} levels`;
      }
      total += known.count - 1;
      if (total > MAX_JSON_VALUES) return tooMany(at);
      height = known.height;
      count = known.count;
      return null;
    }
    let entries: Array<readonly [string, unknown]>;
    let reading = at;
    try {
      // A getter or a Proxy trap of the caller's may throw here: that is a value that cannot
      // be read, said as such, not the caller's exception escaping from deep inside a run.
      const proto = Object.getPrototypeOf(v);
      if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
        const name: unknown = v.constructor?.name;
        const kind = typeof name === "string" && name !== "" ? name : "non-plain object";
        return `${at} is ${/^[AEIO]/i.test(kind) ? "an" : "a"} ${kind}`;
      }
      if (Array.isArray(v)) {
        entries = [];
        for (let i = 0; i < v.length; i++) {
          // A hole of a sparse array has no JSON form (JSON.stringify would write null).
          if (!(i in v)) return `${at}[${i}] is a hole of a sparse array`;
          entries.push([`[${i}]`, v[i]]);
        }
      } else {
        entries = [];
        for (const k of Object.keys(v)) {
          reading = `${at}.${k}`;
          entries.push([`.${k}`, (v as Record<string, unknown>)[k]]);
        }
      }
    } catch (e) {
      const why = e instanceof Error ? e.message.split("\n")[0] : "it threw";
      return `${reading} cannot be read (${why})`;
    }
    seen.add(v);
    let h = 0;
    let c = 1;
    for (const [k, x] of entries) {
      const r = walk(x, depth + 1, `${at}${k}`);
      if (r) return r;
      if (height > h) h = height;
      c += count;
    }
    seen.delete(v);
    height = h + 1;
    count = c;
    checked.set(v, { height, count });
    return null;
  };
  return walk(value, 0, "$");
}
