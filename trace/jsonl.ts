/**
 * Reads a trace body (`pgs.trace/2`, or `pgs.trace/1`) and verifies it: every line
 * canonical JSON, `seq` equal to the line index, `prev` chaining each line to the previous
 * one, a header first, the root run's result last (then, in `pgs.trace/2`, the seal), and
 * every `shared` reference resolvable. Any edit, deletion, reordering or truncation shows.
 * The signature of the seal is checked by `examine` (it needs the public key).
 *
 * @module
 */
import { TraceError } from "../errors.ts";
import { canonicalJson, sha256Hex } from "../snapshot/canonical.ts";
import {
  GENESIS_PREV,
  type SealRecord,
  TRACE_SCHEMA,
  TRACE_SCHEMA_V1,
  type TraceRecord,
} from "./record.ts";
import { resolveShared } from "./shared_values.ts";

/**
 * Deepest nesting a trace line may have. Records nest a payload (at most 64 deep) a few
 * levels down; a line nested deeper is damaged, and is reported as such before parsing
 * (a 100,000-deep line would otherwise exhaust the stack of the canonical-form check).
 */
export const MAX_TRACE_DEPTH = 512;

const HEADER_EXPECTED = `a ${TRACE_SCHEMA} (or ${TRACE_SCHEMA_V1}) header record`;

/** Result of {@link verifyTrace}. */
export interface TraceVerification {
  /** Format version from the header (2 when the header is unreadable). */
  readonly version: 1 | 2;
  /** The body's records, header to root result, shared values resolved. */
  readonly records: TraceRecord[];
  /** The seal (pgs.trace/2), or null. */
  readonly seal: SealRecord | null;
  /** sha256 of the root result line: what the seal signs. */
  readonly head: string | null;
  /** The lines of the file. */
  readonly lines: readonly string[];
  /** Every integrity problem, "line N: ..." (empty: intact). */
  readonly problems: string[];
}

/** Splits a body into its lines; `truncated` when the last one has no newline. */
export function splitTraceLines(text: string): { lines: string[]; truncated: boolean } {
  const lines = text.split("\n");
  if (lines.at(-1) === "") {
    lines.pop();
    return { lines, truncated: false };
  }
  return { lines, truncated: lines.length > 0 };
}

/**
 * Parses and verifies a trace body (the file's text).
 *
 * @throws {TraceError} TRACE when `text` is not a string.
 */
export function verifyTrace(text: string): TraceVerification {
  if (typeof text !== "string") {
    throw new TraceError("Cannot verify trace: expected the .jsonl text as a string");
  }
  const problems: string[] = [];
  const parsed: Array<Record<string, unknown>> = [];
  // 1-based file line of each parsed record: lines that do not parse are skipped.
  const lineOf: number[] = [];
  const { lines, truncated } = splitTraceLines(text);
  if (lines.length === 0) {
    // One problem: there is no line 0 to name the missing result or seal on.
    problems.push(`line 1: the file is empty (expected ${HEADER_EXPECTED})`);
    return { version: 2, records: [], seal: null, head: null, lines, problems };
  }
  if (truncated) problems.push(`line ${lines.length}: last line has no newline (truncated?)`);
  let prev = GENESIS_PREV;
  let headHash: string | null = null;
  const hashes: string[] = [];
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    let rec: Record<string, unknown>;
    if (nestingDepth(line) > MAX_TRACE_DEPTH) {
      problems.push(`line ${n}: nested deeper than ${MAX_TRACE_DEPTH} levels (damaged)`);
      prev = sha256Hex(line);
      hashes.push(prev);
      continue;
    }
    try {
      rec = JSON.parse(line);
    } catch {
      problems.push(`line ${n}: not JSON`);
      prev = sha256Hex(line);
      hashes.push(prev);
      continue;
    }
    if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
      problems.push(`line ${n}: not a record object`);
      prev = sha256Hex(line);
      hashes.push(prev);
      continue;
    }
    if (canonicalJson(rec) !== line) problems.push(`line ${n}: not in canonical form (edited?)`);
    if (rec.seq !== i) {
      problems.push(`line ${n}: seq is ${rec.seq}, expected ${i} (reordered or deleted lines?)`);
    }
    if (rec.prev !== prev) {
      problems.push(`line ${n}: prev hash does not match line ${i} (tampered chain)`);
    }
    parsed.push(rec);
    lineOf.push(n);
    prev = sha256Hex(line);
    hashes.push(prev);
  }
  const first = parsed[0];
  const version = first?.schema === TRACE_SCHEMA_V1 ? 1 : 2;
  if (
    !first || first.type !== "header" ||
    (first.schema !== TRACE_SCHEMA && first.schema !== TRACE_SCHEMA_V1)
  ) {
    problems.push(`line 1: expected ${HEADER_EXPECTED}`);
  }
  let seal: SealRecord | null = null;
  let body = parsed;
  if (version === 2) {
    const last = parsed.at(-1);
    if (last?.type === "seal" && last.run === "root") {
      seal = last as unknown as SealRecord;
      body = parsed.slice(0, -1);
      headHash = hashes[parsed.length - 2] ?? null;
      const n = lines.length;
      if ((first?.key_id ?? null) !== seal.key_id) {
        problems.push(`line ${n}: seal key_id is not the header's key_id`);
      }
      const unsealed = seal.signature === null;
      if (unsealed !== (seal.key_id === null) || (unsealed && seal.path?.length !== 0)) {
        problems.push(`line ${n}: an unsealed trace has neither key_id, signature nor path`);
      }
    } else {
      problems.push(`line ${lines.length}: expected the seal record last (truncated?)`);
    }
    for (const [i, r] of body.entries()) {
      if (r.type === "seal") {
        problems.push(`line ${lineOf[i]}: a seal is only allowed on the last line`);
      }
    }
  } else {
    headHash = hashes.at(-1) ?? null;
    for (const [i, r] of body.entries()) {
      if ("shared" in r) problems.push(`line ${lineOf[i]}: shared values are not pgs.trace/1`);
    }
  }
  // No record before the seal (or none parsed): line 1 is already reported as no header.
  const result = body.at(-1);
  if (result && (result.type !== "result" || result.run !== "root")) {
    problems.push(
      `line ${lineOf[body.length - 1]}: expected the root run's result record last (truncated?)`,
    );
  }
  if (problems.length === 0) problems.push(...resolveShared(body));
  return {
    version,
    records: body as unknown as TraceRecord[],
    seal,
    head: headHash,
    lines,
    problems,
  };
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

/**
 * The file text of a trace body.
 *
 * @throws {TraceError} TRACE when `lines` is not an array of strings (a run's `lines`).
 */
export function traceText(lines: readonly string[]): string {
  if (!Array.isArray(lines) || lines.some((l) => typeof l !== "string")) {
    throw new TraceError("Cannot write trace text: expected the lines of a body (strings)");
  }
  return lines.map((l) => `${l}\n`).join("");
}
