/**
 * (d) Trace rendering of a finished run, each renderer on its own: the JSONL text, the
 * Markdown summary, the PNG (Graphviz-WASM + resvg-WASM; engines warm after the first
 * call), and `writeTraceFiles` without PNG (what `run --no-png` and `run --batch` write
 * per run: `.jsonl` + `.md`, each via temp file + rename).
 *
 * @module
 */
import { graphViewOf, writeTraceFiles } from "../../trace/files.ts";
import { traceText } from "../../trace/jsonl.ts";
import { renderMarkdown } from "../../trace/markdown.ts";
import { renderPng } from "../../trace/png.ts";
import { DEMOS, type DemoWorkflow, tempDir } from "../_fixtures.ts";
import { type BenchCase, benchCase } from "../_harness.ts";
import { type SampleRun, sampleRun } from "../_sample.ts";

/** Options of {@link traceCases}. */
export interface TraceSuiteOptions {
  /** Demos whose traces are rendered. */
  readonly demos: readonly DemoWorkflow[];
}

/** Full-size options: the register demo and the 18-node agent-governance workflow. */
export const TRACE_SUITE: TraceSuiteOptions = { demos: [DEMOS.register, DEMOS.agent] };

/** Name of a trace case, as the report finds it. */
export function traceCaseName(demo: DemoWorkflow, what: "jsonl" | "md" | "png" | "files"): string {
  const label = {
    jsonl: "jsonl text",
    md: "md render",
    png: "png render (warm)",
    files: "write .jsonl+.md files",
  }[what];
  return `${demo.key} ${label}`;
}

/** The trace cases. */
export function traceCases(o: TraceSuiteOptions = TRACE_SUITE): BenchCase[] {
  const out: BenchCase[] = [];
  for (const demo of o.demos) {
    const group = `trace ${demo.key}`;
    out.push(benchCase<SampleRun>({
      suite: "d trace",
      group,
      name: traceCaseName(demo, "jsonl"),
      baseline: true,
      setup: () => sampleRun(demo),
      fn: (s) => traceText(s.result.lines),
    }));
    out.push(benchCase<SampleRun>({
      suite: "d trace",
      group,
      name: traceCaseName(demo, "md"),
      setup: () => sampleRun(demo),
      fn: (s) =>
        renderMarkdown(s.result.records, {
          timings: [...s.result.timings],
          tracePath: `traces/${s.result.traceId}/${s.result.traceId}.jsonl`,
          workspace: demo.workspace,
        }),
    }));
    out.push(benchCase<SampleRun>({
      suite: "d trace",
      group,
      name: traceCaseName(demo, "png"),
      setup: async () => {
        const s = await sampleRun(demo);
        await renderPng(graphViewOf(s.compiled.root), s.result.records); // WASM start-up
        return s;
      },
      fn: (s) => renderPng(graphViewOf(s.compiled.root), s.result.records),
    }));
    out.push(benchCase<SampleRun & { workspace: string }>({
      suite: "d trace",
      group,
      name: traceCaseName(demo, "files"),
      setup: async () => ({ ...(await sampleRun(demo)), workspace: await tempDir() }),
      fn: (s) =>
        writeTraceFiles({
          workspace: s.workspace,
          compiled: s.compiled,
          traceId: s.result.traceId,
          lines: s.result.lines,
          records: s.result.records,
          timings: s.result.timings,
          png: false,
        }),
    }));
  }
  return out;
}
