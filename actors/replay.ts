/**
 * Replay (SPEC §5): re-executes a recorded run with CS results served from its trace (no
 * state is touched) and CTs recomputed with the recorded seed and clock, then compares
 * the new trace body with the recorded one line by line.
 *
 * @module
 */
import { ErrorCode, quoted, TraceError, UsageError } from "../errors.ts";
import type { Snapshot } from "../snapshot/load.ts";
import { openMemoryStore } from "../storage/memory_store.ts";
import { verifyTrace } from "../trace/jsonl.ts";
import { type HeaderRecord, SEMANTICS_VERSION } from "../trace/record.ts";
import type { CapabilityRegistry } from "./capability_registry.ts";
import { ReplaySource } from "./replay_source.ts";

/** Outcome of {@link replayTrace}. */
export interface ReplayReport {
  /** True when every re-executed record equals the recorded one. */
  readonly identical: boolean;
  /** Records compared. */
  readonly records: number;
  /** First difference: 1-based line, recorded and replayed text (null when identical). */
  readonly divergence: { line: number; recorded: string | null; replayed: string | null } | null;
}

/** Fields whose value is any JSON (the payload and the data flowing through steps). */
const DATA_FIELDS = ["payload", "inputs", "outputs", "result", "results"];

/**
 * A record with its data objects replaced by null, for the schema check: they come from
 * JSON.parse, so they are JSON by construction, and walking a 15 MiB payload value by
 * value would cost replay more than the run. Scalars stay, so a field the schema types
 * (an effect's `result` status) is still checked.
 */
function shape(record: unknown): unknown {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return record;
  const out: Record<string, unknown> = { ...record };
  for (const f of DATA_FIELDS) {
    if (out[f] !== null && typeof out[f] === "object") out[f] = null;
  }
  return out;
}

/**
 * Replays a trace body: re-executes the recorded run with CS results served from the trace
 * (no state is read or written) and CTs recomputed with the recorded seed and clock, then
 * compares the new body with the recorded one line by line. Reads `pgs.trace/1` and `/2`.
 *
 * @example
 * ```ts
 * import { createCapabilityRegistry, loadSnapshot, replayTrace, runWorkflow, traceText } from "../mod.ts";
 * import assert from "node:assert/strict";
 * const workspace = new URL("../examples/workspace", import.meta.url).pathname;
 * const run = await runWorkflow({
 *   workspace,
 *   workflow: "club::WF_REGISTER_MEMBER_V0",
 *   payload: { member: { name: "Ada", email: "ada@example.org" } },
 *   kvUrl: ":memory:",
 *   traceFiles: false,
 * });
 * const report = await replayTrace(
 *   traceText(run.lines),
 *   await loadSnapshot(workspace),
 *   createCapabilityRegistry(),
 * );
 * assert.equal(report.identical, true);
 * ```
 * @param text The trace body (the `.jsonl` file's text).
 * @param snapshot The snapshot the run used (its digest must match the header's).
 * @param registry The capabilities the run used (custom ones included).
 * @throws {TraceError} TRACE when the trace is damaged, was recorded under another
 *   semantics version, or the snapshot digest differs.
 * @throws {UsageError} USAGE when an argument is not what it should be.
 */
export async function replayTrace(
  text: string,
  snapshot: Snapshot,
  registry: CapabilityRegistry,
): Promise<ReplayReport> {
  if (typeof text !== "string") {
    throw new UsageError("Invalid trace: expected the .jsonl text as a string");
  }
  if (snapshot === null || typeof snapshot !== "object" || typeof snapshot.get !== "function") {
    throw new UsageError("Invalid snapshot: expected the result of loadSnapshot()");
  }
  if (
    registry === null || typeof registry !== "object" ||
    !(registry.compileOptions?.transforms instanceof Set)
  ) {
    throw new UsageError("Invalid registry: expected the result of createCapabilityRegistry()");
  }
  const { records, problems, version, lines: fileLines } = verifyTrace(text);
  if (problems.length > 0) {
    throw new TraceError(`Cannot replay a damaged trace: ${problems[0]}`);
  }
  // A consistently re-chained file passes the chain; the schema is what tells a header
  // whose fields were retyped (a numeric trace_id, a string budget) from a trace.
  const { validateRecord } = await import("../trace/schema.ts");
  for (const [i, line] of fileLines.entries()) {
    const bad = validateRecord(shape(JSON.parse(line)), i + 1, version);
    if (bad.length > 0) throw new TraceError(`Cannot replay a damaged trace: ${bad[0]}`);
  }
  const header = records[0] as HeaderRecord;
  if (header.semantics_version !== SEMANTICS_VERSION) {
    throw new TraceError(
      `Cannot replay: trace semantics version "${header.semantics_version}", runtime has "${SEMANTICS_VERSION}"`,
    );
  }
  // The compiler and the engine (XState, schema and path libraries) load only when a replay
  // needs them, not with the library.
  const [{ compileWorkflow }, { executeWorkflow }] = await Promise.all([
    import("../snapshot/compile.ts"),
    import("./execute_workflow.ts"),
  ]);
  const compiled = await compileWorkflow(snapshot, header.workflow, registry.compileOptions)
    .catch((e) => {
      // The name comes from the trace, not from the caller: a snapshot without it is simply
      // not the one the trace was recorded on.
      if (e instanceof UsageError && e.code === ErrorCode.WORKFLOW_NAME) {
        throw new TraceError(
          `Cannot replay: this snapshot has no workflow ${quoted(header.workflow, 200)} (the ` +
            `trace was recorded on snapshot ${String(header.snapshot_digest).slice(0, 16)}…)`,
          { cause: e },
        );
      }
      throw e;
    });
  if (compiled.digest !== header.snapshot_digest) {
    throw new TraceError(
      `Cannot replay: snapshot digest ${compiled.digest.slice(0, 16)}… differs from the ` +
        `recorded ${header.snapshot_digest.slice(0, 16)}…`,
    );
  }
  const store = await openMemoryStore();
  try {
    const result = await executeWorkflow(compiled, header.payload, {
      store,
      capabilities: registry.capabilities,
      traceId: header.trace_id,
      seed: header.seed,
      startedAt: header.started_at,
      budget: header.budget,
      replay: new ReplaySource(records),
      reproduce: { version, keyId: header.key_id ?? null },
    }).catch((e) => {
      // The run's inputs come from the header: one the engine refuses (a payload that is
      // not an object) is a damaged trace, not the caller's usage error.
      if (e instanceof UsageError) {
        throw new TraceError(`Cannot replay a damaged trace: line 1 (header): ${e.message}`, {
          cause: e,
        });
      }
      throw e;
    });
    // The body is compared; a pgs.trace/2 seal signs it (examine checks the signature).
    const recorded = version === 2 ? fileLines.slice(0, -1) : fileLines;
    const replayed = version === 2 ? result.lines.slice(0, -1) : result.lines;
    const n = Math.max(recorded.length, replayed.length);
    for (let i = 0; i < n; i++) {
      if (recorded[i] !== replayed[i]) {
        return {
          identical: false,
          records: n,
          divergence: { line: i + 1, recorded: recorded[i] ?? null, replayed: replayed[i] ?? null },
        };
      }
    }
    return { identical: true, records: n, divergence: null };
  } finally {
    await store.close();
  }
}
