/**
 * `examine`: reads a trace body (`pgs.trace/2` or `pgs.trace/1`) and says whether it is
 * intact and, when it is, what happened and why.
 *
 * Intact means: the hash chain, canonical form and schema hold; the root result agrees with
 * the recorded path; with a store copy given (`--data-root`/`--kv`), the file equals the
 * body committed there line for line; with a public key given, the seal's Ed25519 signature
 * verifies. A chain proves order, not origin: a file checked only against itself could have
 * been re-chained by anyone, and the report says which checks were made.
 *
 * Pure but for the lazy load of the signature verifier: the CLI reads the file and the store
 * copy, prints {@link formatExamine} (or the report as JSON) and exits 5 when not intact.
 *
 * @module
 */
import { TraceError, UsageError } from "../../errors.ts";
import { verifyTrace } from "../jsonl.ts";
import type { HeaderRecord, ResultRecord } from "../record.ts";
import { collectPaths } from "../run_path.ts";
import type { validateRecord } from "../schema.ts";
import { keyIdOf, verifySeal } from "../seal.ts";
import { crossCheck } from "./cross_check.ts";
import { diagnose } from "./diagnose.ts";
import type { ExamineReport } from "./types.ts";

export * from "./types.ts";
export { formatExamine } from "./format.ts";

/** What to check a trace against besides itself. */
export interface ExamineOptions {
  /**
   * The body committed in the state store under the header's trace id (`null`: the store
   * has no such trace). Absent: no store was given; the file is checked only against itself.
   */
  readonly stored?: readonly string[] | null;
  /** The Ed25519 public key (raw 32 bytes) the seal must verify with. */
  readonly publicKey?: Uint8Array;
}

/**
 * Examines a trace body (the `.jsonl` file's text).
 *
 * @returns The report; `intact` is false when any check failed.
 * @throws {TraceError} TRACE when `text` is not a string.
 * @throws {UsageError} USAGE when `stored` or `publicKey` is not what they should be.
 */
export async function examineTrace(
  text: string,
  options: ExamineOptions = {},
): Promise<ExamineReport> {
  if (typeof text !== "string") {
    throw new TraceError("Cannot examine trace: expected the .jsonl text as a string");
  }
  checkOptions(options);
  const verified = verifyTrace(text);
  const { records, lines, seal, version } = verified;
  // The schema library loads with the first examination, not with the module.
  const { validateRecord } = await import("../schema.ts");
  let problems = [...verified.problems, ...schemaProblems(lines, version, validateRecord)];
  if (problems.length === 0) problems = crossCheck(records);
  if (options.stored !== undefined) problems.push(...storeProblems(lines, options.stored));
  let signature: ExamineReport["signature"] = "unsealed";
  if (seal && seal.signature !== null && seal.key_id !== null) signature = "not_checked";
  if (options.publicKey && problems.length === 0) {
    const why = await verifySeal(
      seal ?? { signature: null, key_id: null } as never,
      verified.head!,
      options.publicKey,
    );
    if (why) {
      problems.push(
        `line ${lines.length} (seal): ${why}` +
          (seal ? "" : ` (a ${(records[0] as HeaderRecord).schema} trace has no seal)`),
      );
    } else signature = "verified";
  }
  const first = records[0] as Partial<HeaderRecord> | undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const report: ExamineReport = {
    intact: problems.length === 0,
    problems: sortByLine(problems),
    version,
    checked_against: options.stored !== undefined ? "store" : "self",
    signature,
    key_id: seal?.key_id ?? (options.publicKey ? keyIdOf(options.publicKey) : null),
    trace_id: first?.type === "header" ? str(first.trace_id) : null,
    workflow: first?.type === "header" ? str(first.workflow) : null,
    snapshot_digest: first?.type === "header" ? str(first.snapshot_digest) : null,
    records: lines.length,
    result: null,
    path: [],
    child_runs: 0,
    effects: [],
    warnings: [],
    diagnosis: null,
  };
  if (!report.intact) return report;

  const paths = collectPaths(records);
  const result = records[records.length - 1] as ResultRecord;
  report.result = {
    status: result.status,
    classification: result.classification,
    exit_node: result.exit_node,
    reason: result.reason,
    emit: result.emit,
  };
  report.path = paths.root.visits.map((v) => ({
    node: v.node,
    node_type: v.nodeType,
    outcome: v.outcome,
  }));
  report.child_runs = paths.runs.size - 1;
  for (const r of records) {
    if (r.type === "effect") {
      const { run, node, step, store, mutation, key, operation, result } = r;
      report.effects.push({ run, node, step, store, mutation, key, operation, result });
    }
  }
  report.warnings = paths.warnings.map((w) => ({
    run: w.run,
    code: w.code,
    node: w.node ?? null,
    step: w.step ?? null,
    message: w.message,
  }));
  report.diagnosis = diagnose(records, paths, report.warnings);
  return report;
}

/** Refuses options the checks would misread (a wrong `stored` would pass for "not in store"). */
function checkOptions(options: ExamineOptions): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new UsageError("Invalid examine options: expected { stored?, publicKey? }");
  }
  const { stored, publicKey } = options;
  if (
    stored !== undefined && stored !== null &&
    !(Array.isArray(stored) && stored.every((l) => typeof l === "string"))
  ) {
    throw new UsageError(
      `Invalid examine option "stored": expected the committed body's lines (store.readTrace()) ` +
        `or null`,
    );
  }
  if (publicKey !== undefined && !(publicKey instanceof Uint8Array && publicKey.length === 32)) {
    throw new UsageError(
      `Invalid examine option "publicKey": expected the raw 32-byte Ed25519 key as a Uint8Array ` +
        `(store.publicKey())`,
    );
  }
}

/** Differences between the file and the body the store committed. */
function storeProblems(lines: readonly string[], stored: readonly string[] | null): string[] {
  if (stored === null) {
    return ["line 1: no trace with this id is committed in the given state store"];
  }
  const n = Math.max(lines.length, stored.length);
  for (let i = 0; i < n; i++) {
    if (lines[i] !== stored[i]) {
      const what = lines[i] === undefined
        ? "is missing from the file"
        : stored[i] === undefined
        ? "is not in the committed body"
        : "differs from the body committed in the store";
      return [`line ${i + 1}: ${what} (the file is not what the run committed)`];
    }
  }
  return [];
}

/**
 * Schema problems with true line numbers (verifyTrace skips lines that do not parse), and a
 * header anywhere but line 1 (as `validateRecords` reports it).
 */
function schemaProblems(
  lines: readonly string[],
  version: 1 | 2,
  validate: typeof validateRecord,
): string[] {
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // verifyTrace already reports it
    }
    try {
      out.push(...validate(value, i + 1, version));
    } catch {
      out.push(`line ${i + 1}: not a trace record (cannot be validated)`);
    }
    // A re-chained copy of the header further down is well formed on its own.
    if (i > 0 && (value as { type?: unknown } | null)?.type === "header") {
      out.push(`line ${i + 1} (header): a header is only allowed on line 1`);
    }
  }
  return out;
}

function sortByLine(problems: string[]): string[] {
  const lineOf = (p: string) => Number(/^line (\d+)/.exec(p)?.[1] ?? 0);
  return problems.map((p, i) => [p, i] as const)
    .sort((a, b) => lineOf(a[0]) - lineOf(b[0]) || a[1] - b[1])
    .map(([p]) => p);
}
