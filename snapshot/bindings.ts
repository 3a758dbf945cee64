/**
 * Parses binding expressions once, at compile time: `$.root.a.b` paths (parsed by
 * jsonpath-plus, restricted to plain member/index segments so no script or filter can
 * ever be evaluated), `{{timestamp}}`, `{{<path> + N}}` / `- N`, and literals (recursively).
 *
 * @module
 */
import type { JSONPath as JsonPathApi } from "jsonpath-plus";

let jsonPath: typeof JsonPathApi | undefined;

/**
 * Loads the path parser (jsonpath-plus) once. Only compiling parses paths, so it loads
 * with the compiler, not with the library: `compileWorkflow` awaits it first.
 */
export async function loadPathParser(): Promise<void> {
  jsonPath ??= (await import("jsonpath-plus")).JSONPath;
}

/** A compiled binding expression. */
export type Binding =
  | { readonly k: "lit"; readonly v: unknown }
  | {
    readonly k: "path";
    readonly root: string;
    readonly segs: readonly (string | number)[];
    readonly text: string;
  }
  | { readonly k: "obj"; readonly entries: readonly (readonly [string, Binding])[] }
  | { readonly k: "arr"; readonly items: readonly Binding[] }
  | { readonly k: "now" }
  | {
    readonly k: "arith";
    readonly path: Binding & { k: "path" };
    readonly delta: number;
    readonly text: string;
  };

/** Where a binding sits, for problem messages. */
export interface BindingProblem {
  /** JSON path of the offending value relative to the binding's owner. */
  readonly at: string;
  /** What is wrong. */
  readonly message: string;
}

const TEMPLATE_RE = /^\{\{\s*(.*?)\s*\}\}$/;
const ARITH_RE = /^(\$\.[^\s+-]+)\s*([+-])\s*(\d+)$/;
const MEMBER_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const PLAIN_PATH_RE = /^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])+$/;

/**
 * Compiles a binding value. `roots` lists the allowed path roots (e.g. payload, results).
 * Problems are appended to `problems`; the returned binding is then a literal stand-in.
 */
export function compileBinding(
  value: unknown,
  roots: readonly string[],
  problems: BindingProblem[],
  at = "",
): Binding {
  if (typeof value === "string") {
    const tpl = TEMPLATE_RE.exec(value);
    if (tpl) return compileTemplate(tpl[1], value, roots, problems, at);
    if (/^\$[.[]/.test(value) || value === "$") return compilePath(value, roots, problems, at);
    return { k: "lit", v: value };
  }
  if (Array.isArray(value)) {
    return {
      k: "arr",
      items: value.map((v, i) => compileBinding(v, roots, problems, `${at}[${i}]`)),
    };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([key, v]) =>
      [key, compileBinding(v, roots, problems, `${at}.${key}`)] as const
    );
    return entries.every(([, b]) => b.k === "lit") ? { k: "lit", v: value } : { k: "obj", entries };
  }
  return { k: "lit", v: value };
}

function compileTemplate(
  inner: string,
  text: string,
  roots: readonly string[],
  problems: BindingProblem[],
  at: string,
): Binding {
  if (inner === "timestamp") return { k: "now" };
  const m = ARITH_RE.exec(inner);
  if (m) {
    const path = compilePath(m[1], roots, problems, at);
    if (path.k !== "path") return path;
    return { k: "arith", path, delta: (m[2] === "-" ? -1 : 1) * Number(m[3]), text };
  }
  problems.push({
    at,
    message: `template "${text}" is not {{timestamp}} or {{<$.path> + N}} / {{<$.path> - N}}`,
  });
  return { k: "lit", v: text };
}

/** Parses a `$.root.a.b` path into segments, refusing anything but members and indexes. */
export function compilePath(
  text: string,
  roots: readonly string[],
  problems: BindingProblem[],
  at = "",
): Binding {
  if (!PLAIN_PATH_RE.test(text)) {
    problems.push({
      at,
      message: `binding path "${text}" must be $.<root>.<field>... with plain field names and ` +
        `[index] only (no brackets with names, filters, scripts, wildcards or recursive descent)`,
    });
    return { k: "lit", v: text };
  }
  let segs: (string | number)[];
  try {
    if (!jsonPath) throw new Error("the path parser is not loaded: await loadPathParser() first");
    segs = jsonPath.toPathArray(text).slice();
  } catch (e) {
    problems.push({
      at,
      message: `binding path "${text}" does not parse: ${(e as Error).message}`,
    });
    return { k: "lit", v: text };
  }
  if (segs[0] !== "$" || segs.length < 2) {
    problems.push({ at, message: `binding path "${text}" must be $.<root>.<field>...` });
    return { k: "lit", v: text };
  }
  const out: (string | number)[] = [];
  for (const s of segs.slice(1)) {
    if (/^\d+$/.test(String(s)) && out.length > 0) out.push(Number(s));
    else if (MEMBER_RE.test(String(s))) out.push(String(s));
    else {
      problems.push({
        at,
        message: `binding path "${text}" has segment "${s}": only plain field names and ` +
          `indexes are allowed (no filters, scripts, wildcards or recursive descent)`,
      });
      return { k: "lit", v: text };
    }
  }
  const root = String(out[0]);
  if (!roots.includes(root) && !roots.includes("*")) {
    problems.push({
      at,
      message: `binding path "${text}" starts at "$.${root}", expected one of ${
        roots.map((r) => `$.${r}`).join(", ")
      }`,
    });
    return { k: "lit", v: text };
  }
  return { k: "path", root, segs: out.slice(1), text };
}

/** A compiled `evaluation` condition: `<operand> <op> <operand>`. */
export interface Condition {
  /** Left operand. */
  readonly left: Binding;
  /** Comparison operator. */
  readonly op: "==" | "!=" | "<" | "<=" | ">" | ">=";
  /** Right operand. */
  readonly right: Binding;
  /** Source text. */
  readonly text: string;
}

const COND_RE = /^\s*(\S+)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$/;

/** Parses an evaluation condition; operands are `$.paths` or JSON literals. */
export function compileCondition(
  text: string,
  roots: readonly string[],
  problems: BindingProblem[],
  at: string,
): Condition | null {
  const m = COND_RE.exec(text);
  if (!m) {
    problems.push({ at, message: `condition "${text}" is not "<operand> <op> <operand>"` });
    return null;
  }
  const operand = (s: string): Binding | null => {
    if (s.startsWith("$")) return compilePath(s, roots, problems, at);
    try {
      return { k: "lit", v: JSON.parse(s) };
    } catch {
      problems.push({
        at,
        message: `condition operand ${s} is neither a $.path nor a JSON literal`,
      });
      return null;
    }
  };
  const left = operand(m[1]);
  const right = operand(m[3]);
  if (!left || !right) return null;
  return { left, op: m[2] as Condition["op"], right, text };
}
