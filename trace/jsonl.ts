/**
 * Reads a `pgs.trace/1` JSONL body and verifies it: every line canonical JSON, `seq`
 * equal to the line index, `prev` chaining each line to the previous one, a header first
 * and the root run's result last. Any edit, deletion, reordering or truncation shows.
 *
 * @module
 */
import { canonicalJson, sha256Hex } from "../snapshot/canonical.ts";
import { GENESIS_PREV, TRACE_SCHEMA, type TraceRecord } from "./record.ts";

/**
 * Deepest nesting a trace line may have. Records nest a payload (at most 64 deep) a few
 * levels down; a line nested deeper is damaged, and is reported as such before parsing
 * (a 100,000-deep line would otherwise exhaust the stack of the canonical-form check).
 */
export const MAX_TRACE_DEPTH = 512;

/** Result of {@link verifyTrace}. */
export interface TraceVerification {
  /** Records parsed (up to the first unparsable line). */
  readonly records: TraceRecord[];
  /** Every integrity problem, "line N: ..." (empty: intact). */
  readonly problems: string[];
}

/** Parses and verifies a trace body (the file's text). */
export function verifyTrace(text: string): TraceVerification {
  const problems: string[] = [];
  const records: TraceRecord[] = [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  else if (lines.length > 0) {
    problems.push(`line ${lines.length}: last line has no newline (truncated?)`);
  }
  let prev = GENESIS_PREV;
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    let rec: TraceRecord;
    if (nestingDepth(line) > MAX_TRACE_DEPTH) {
      problems.push(`line ${n}: nested deeper than ${MAX_TRACE_DEPTH} levels (damaged)`);
      prev = sha256Hex(line);
      continue;
    }
    try {
      rec = JSON.parse(line);
    } catch {
      problems.push(`line ${n}: not JSON`);
      prev = sha256Hex(line);
      continue;
    }
    if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
      problems.push(`line ${n}: not a record object`);
      prev = sha256Hex(line);
      continue;
    }
    if (canonicalJson(rec) !== line) problems.push(`line ${n}: not in canonical form (edited?)`);
    if (rec.seq !== i) {
      problems.push(`line ${n}: seq is ${rec.seq}, expected ${i} (reordered or deleted lines?)`);
    }
    if (rec.prev !== prev) {
      problems.push(`line ${n}: prev hash does not match line ${i} (tampered chain)`);
    }
    records.push(rec);
    prev = sha256Hex(line);
  }
  const first = records[0];
  if (!first || first.type !== "header" || first.schema !== TRACE_SCHEMA) {
    problems.push(`line 1: expected a ${TRACE_SCHEMA} header record`);
  }
  const last = records.at(-1);
  if (!last || last.type !== "result" || last.run !== "root") {
    problems.push(`line ${lines.length}: expected the root run's result record last (truncated?)`);
  }
  return { records, problems };
}

/** Bracket nesting depth of JSON text, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** The file text of a trace body. */
export function traceText(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join("");
}
