/**
 * The PGS on-disk layout of file views: a "jsonl" log and a "json" key map (see `views.ts`).
 *
 * @module
 */
import { concat } from "./_codec.ts";

/**
 * Renders a "json" view from `[key, valueJsonText]` pairs already in key order.
 *
 * @example
 * ```ts
 * renderJsonView([["a", '{"x":[1,2]}']]); // '{\n  "a": {\n    "x": [\n      1,\n      2\n    ]\n  }\n}'
 * ```
 */
export function renderJsonView(entries: ReadonlyArray<readonly [string, string]>): string {
  if (entries.length === 0) return "{}";
  const members = entries.map(([k, v]) => `  ${JSON.stringify(k)}: ${prettyJson(v, "  ")}`);
  return `{\n${members.join(",\n")}\n}`;
}

/**
 * Re-indents compact JSON text with 2 spaces per level without parsing it, so member order
 * and number spelling stay as stored; `{}` and `[]` stay compact like JSON.stringify.
 */
export function prettyJson(compact: string, indent = ""): string {
  let out = "";
  let depth = 0;
  const pad = (d: number) => "\n" + indent + "  ".repeat(d);
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i];
    if (c === '"') {
      let j = i + 1;
      while (compact[j] !== '"') j += compact[j] === "\\" ? 2 : 1;
      out += compact.slice(i, j + 1);
      i = j;
    } else if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      if (compact[i + 1] === close) {
        out += c + close;
        i++;
      } else {
        depth++;
        out += c + pad(depth);
      }
    } else if (c === "}" || c === "]") {
      depth--;
      out += pad(depth) + c;
    } else if (c === ",") {
      out += "," + pad(depth);
    } else if (c === ":") {
      out += ": ";
    } else {
      out += c;
    }
  }
  return out;
}

/** The jsonl text of records. */
export function jsonlBytes(records: readonly Uint8Array[]): Uint8Array {
  return jsonlWithBoundaries(records).bytes;
}

/** The jsonl text of records and the offset after each record. */
export function jsonlWithBoundaries(
  records: readonly Uint8Array[],
): { bytes: Uint8Array; boundaries: number[] } {
  const parts: Uint8Array[] = [];
  const boundaries: number[] = [];
  const nl = new Uint8Array([10]);
  let at = 0;
  for (const r of records) {
    parts.push(r, nl);
    at += r.length + 1;
    boundaries.push(at);
  }
  return { bytes: parts.length === 0 ? new Uint8Array(0) : concat(parts), boundaries };
}
