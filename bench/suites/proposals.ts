/**
 * Prototypes of proposed engine changes, timed next to what the engine does today, so the
 * proposals in docs/PERFORMANCE.md carry measured gains. Bench-only code: the engine does
 * not use it. Each prototype is checked against the engine's output in its setup.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../snapshot/canonical.ts";
import { writeTraceFiles } from "../../trace/files.ts";
import { traceText } from "../../trace/jsonl.ts";
import { renderMarkdown } from "../../trace/markdown.ts";
import { GENESIS_PREV, type TraceRecord } from "../../trace/record.ts";
import { chainRecords } from "../../trace/recorder.ts";
import { DEMOS, tempDir } from "../_fixtures.ts";
import { type BenchCase, benchCase } from "../_harness.ts";
import { type SampleRun, sampleRun } from "../_sample.ts";

/** Names of the proposal cases the report reads. */
export const PROPOSAL = {
  chainToday: "chainRecords today, agent trace",
  chainFast: "chain prototype (loop canonical JSON, node:crypto, no-secret fast path), agent trace",
  canonicalFast: "canonical JSON prototype (loops, no intermediate arrays), agent trace",
  canonicalToday: "canonicalJson today, agent trace",
  filesToday: "writeTraceFiles today (async mkdir, temp+rename ×2), register",
  filesSync: "trace files prototype (sync mkdir, temp+rename ×2), register",
} as const;

/** Canonical JSON without intermediate arrays (same output as `canonicalJson`). */
export function loopCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    return text === undefined ? "null" : text;
  }
  if (Array.isArray(value)) {
    let s = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) s += ",";
      s += loopCanonicalJson(value[i]);
    }
    return s + "]";
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let s = "{";
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) s += ",";
    first = false;
    s += JSON.stringify(k) + ":" + loopCanonicalJson(v);
  }
  return s + "}";
}

function nativeSha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The hash chain with the prototype parts (no secrets to redact: records are not copied). */
export function fastChain(records: readonly Record<string, unknown>[]): string[] {
  const lines: string[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 0; seq < records.length; seq++) {
    const line = loopCanonicalJson({ ...records[seq], seq, prev });
    lines.push(line);
    prev = nativeSha256Hex(line);
  }
  return lines;
}

// deno-lint-ignore no-explicit-any
function unchained(records: readonly TraceRecord[]): any[] {
  // deno-lint-ignore no-explicit-any
  return records.map(({ seq: _s, prev: _p, ...r }: any) => r);
}

async function checkedSample(): Promise<SampleRun> {
  for (const demo of Object.values(DEMOS)) {
    const s = await sampleRun(demo);
    for (const r of s.result.records) {
      if (loopCanonicalJson(r) !== canonicalJson(r)) throw new Error("loop canonical JSON differs");
    }
    const lines = fastChain(unchained(s.result.records));
    if (lines.join("\n") !== s.result.lines.join("\n")) throw new Error("fast chain differs");
  }
  return await sampleRun(DEMOS.agent);
}

function writeAtomicSync(path: string, text: string): void {
  Deno.writeTextFileSync(`${path}.tmp`, text);
  Deno.renameSync(`${path}.tmp`, path);
}

function writeSync(dir: string, s: SampleRun): void {
  const id = s.result.traceId;
  const base = `${dir}/traces/${id}/${id}`;
  Deno.mkdirSync(`${dir}/traces/${id}`, { recursive: true });
  writeAtomicSync(`${base}.jsonl`, traceText(s.result.lines));
  const md = renderMarkdown(s.result.records, {
    timings: [...s.result.timings],
    tracePath: `${base}.jsonl`,
    workspace: dir,
  });
  writeAtomicSync(`${base}.md`, md);
}

/** The proposal cases. */
export function proposalCases(): BenchCase[] {
  const files = async () => ({ ...(await sampleRun(DEMOS.register)), dir: await tempDir() });
  return [
    benchCase<SampleRun>({
      suite: "proposals",
      group: "chain",
      name: PROPOSAL.chainToday,
      baseline: true,
      setup: checkedSample,
      fn: (s) =>
        chainRecords(unchained(s.result.records), { fields: new Set(), values: new Set() }),
    }),
    benchCase<SampleRun>({
      suite: "proposals",
      group: "chain",
      name: PROPOSAL.chainFast,
      setup: checkedSample,
      fn: (s) => fastChain(unchained(s.result.records)),
    }),
    benchCase<SampleRun>({
      suite: "proposals",
      group: "canonical",
      name: PROPOSAL.canonicalToday,
      baseline: true,
      setup: checkedSample,
      fn: (s) => s.result.records.map((r) => canonicalJson(r)),
    }),
    benchCase<SampleRun>({
      suite: "proposals",
      group: "canonical",
      name: PROPOSAL.canonicalFast,
      setup: checkedSample,
      fn: (s) => s.result.records.map((r) => loopCanonicalJson(r)),
    }),
    benchCase<SampleRun & { dir: string }>({
      suite: "proposals",
      group: "files",
      name: PROPOSAL.filesToday,
      baseline: true,
      setup: files,
      fn: (s) =>
        writeTraceFiles({
          workspace: s.dir,
          compiled: s.compiled,
          traceId: s.result.traceId,
          lines: s.result.lines,
          records: s.result.records,
          timings: s.result.timings,
          png: false,
        }),
    }),
    benchCase<SampleRun & { dir: string }>({
      suite: "proposals",
      group: "files",
      name: PROPOSAL.filesSync,
      setup: files,
      fn: (s) => writeSync(s.dir, s),
    }),
  ];
}
