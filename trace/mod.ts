/**
 * Trace: the last stop of the data path. A run's `pgs.trace/2` body is JSONL, one record
 * per line, each carrying `seq` and `prev` (a sha256 hash chain), closed by a seal line
 * (Merkle root of the chain heads, signed with the data root's Ed25519 key), so any edit,
 * deletion, reordering, truncation or re-chaining shows. This folder holds the record
 * types, the verifier, the writers of `<workspace>/traces/<ID>/<ID>.{jsonl,md,png}` and
 * `examineTrace`, which says whether a trace is intact and, if so, what happened and why.
 *
 * @example Verify and examine the trace of a run
 * ```ts
 * import { runWorkflow } from "../mod.ts";
 * import { examineTrace, formatExamine, traceText, verifyTrace } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const run = await runWorkflow({
 *   workspace: new URL("../examples/workspace", import.meta.url).pathname,
 *   workflow: "club::WF_REGISTER_MEMBER_V0",
 *   payload: { member: { name: "Ada", email: "ada@example.org" } },
 *   kvUrl: ":memory:",
 *   seed: "01",
 *   startedAt: "2026-01-01T00:00:00.000Z",
 *   traceFiles: false,
 * });
 * const text = traceText(run.lines); // what <workspace>/traces/<ID>/<ID>.jsonl holds
 * assert.deepEqual(verifyTrace(text).problems, []);
 *
 * // Editing any record breaks the chain at the next line.
 * const edited = text.replace('"name":"Ada"', '"name":"Eve"');
 * assert.match(verifyTrace(edited).problems[0], /^line 2: prev hash does not match line 1/);
 *
 * const report = await examineTrace(text);
 * assert.equal(report.intact, true);
 * assert.equal(report.result?.classification, "COMPLETED");
 * assert.match(formatExamine(report), /^trace /);
 * ```
 *
 * @module
 */
export {
  type AdmissionRecord,
  type ChildRunRecord,
  type EffectRecord,
  type FaultRecord,
  type HeaderRecord,
  type NodeRecord,
  type NodeTiming,
  type RecordBase,
  type ResultRecord,
  type SealRecord,
  SEMANTICS_VERSION,
  type StepRecord,
  TRACE_SCHEMA,
  TRACE_SCHEMA_V1,
  type TraceRecord,
  type TransitionRecord,
  type UnchainedRecord,
  type WarningRecord,
} from "./record.ts";
export { traceText, type TraceVerification, verifyTrace } from "./jsonl.ts";
export {
  checkTracesWritable,
  graphViewOf,
  type TraceFileOptions,
  type TraceFiles,
  tracesDir,
  writeTraceFiles,
} from "./files.ts";
export type { GraphView, GraphViewEdge, GraphViewNode } from "./graph_dot.ts";
export { type MarkdownOptions, renderMarkdown } from "./markdown.ts";
export { type PngOptions, renderPng } from "./png.ts";
export {
  type Diagnosis,
  DiagnosisClass,
  type ExamineEffect,
  type ExamineOptions,
  type ExaminePathEntry,
  type ExamineReport,
  type ExamineResult,
  examineTrace,
  type ExamineWarning,
  formatExamine,
} from "./examine/mod.ts";
export {
  keyIdOf,
  merkleRoot,
  parsePublicKey,
  publicKeyPem,
  sealHeads,
  sealLine,
  verifySeal,
} from "./seal.ts";
