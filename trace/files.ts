/**
 * Writes a committed trace to `<workspace>/traces/<ID>/<ID>.{jsonl,md,png}`. Each file is
 * written atomically (temp + rename). A rendering failure never changes the run: it is
 * reported as a warning (returned, and shown in the .md), never thrown.
 *
 * @module
 */
import { ErrorCode, UsageError } from "../errors.ts";
import type { CompiledWorkflow, ExecutionGraph } from "../snapshot/graph.ts";
import type { KvStore } from "../storage/mod.ts";
import type { GraphView } from "./graph_dot.ts";
import { traceText } from "./jsonl.ts";
import { renderMarkdown } from "./markdown.ts";
import { type PngRender, renderPng } from "./png.ts";
import type { NodeTiming, TraceRecord } from "./record.ts";

/** Options of {@link writeTraceFiles}. */
export interface TraceFileOptions {
  /** Workspace directory (traces go to `<workspace>/traces/<ID>/`). */
  workspace: string;
  /** The compiled workflow (for the PNG's graph). */
  compiled: CompiledWorkflow;
  /** Trace id. */
  traceId: string;
  /** Committed body lines. */
  lines: readonly string[];
  /** Committed records. */
  records: readonly TraceRecord[];
  /** Node timings. */
  timings: readonly NodeTiming[];
  /**
   * Render the PNG.
   * @default true
   */
  png?: boolean;
  /**
   * A picture started before the run (`startPngRender()` of trace/png.ts, which loads the
   * engines early); without one the engines load when the PNG is drawn.
   */
  pngRender?: PngRender;
}

/** Paths written and warnings raised. */
export interface TraceFiles {
  /** The JSONL body. */
  jsonl: string;
  /** The Markdown summary. */
  md: string;
  /** The PNG, or null when not rendered. */
  png: string | null;
  /** Rendering problems (the run is unaffected). */
  warnings: string[];
}

/** `<workspace>/traces`, where every trace's folder lives. */
export function tracesDir(workspace: string): string {
  return `${workspace.replace(/\/+$/, "")}/traces`;
}

/** The graph the PNG draws: every node and declared outcome edge. */
export function graphViewOf(graph: ExecutionGraph): GraphView {
  const nodes = Object.values(graph.nodes);
  return {
    workflow: graph.workflow,
    start: graph.start,
    nodes: nodes.map((n) => {
      const code = n.type === "CC" ? n.cc.fqdn.split("::")[1] : undefined;
      return { key: n.key, type: n.type, ...(code && code !== n.key ? { label: code } : {}) };
    }),
    edges: nodes.flatMap((n) =>
      n.type === "EXIT"
        ? []
        : Object.entries(n.next).map(([outcome, to]) => ({ from: n.key, outcome, to }))
    ),
  };
}

/** Writes the trace files; returns their paths and any rendering warnings. */
export async function writeTraceFiles(o: TraceFileOptions): Promise<TraceFiles> {
  const dir = `${tracesDir(o.workspace)}/${o.traceId}`;
  await Deno.mkdir(dir, { recursive: true });
  const base = `${dir}/${o.traceId}`;
  const files: TraceFiles = { jsonl: `${base}.jsonl`, md: `${base}.md`, png: null, warnings: [] };
  await writeAtomic(files.jsonl, traceText(o.lines));
  if (o.png !== false) {
    try {
      const graph = graphViewOf(o.compiled.root);
      const png = o.pngRender
        ? await o.pngRender.finish(graph, o.records)
        : await renderPng(graph, o.records);
      await writeAtomic(`${base}.png`, png);
      files.png = `${base}.png`;
    } catch (e) {
      files.warnings.push(`PNG_RENDER_FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let md = renderMarkdown(o.records, {
    timings: [...o.timings],
    tracePath: files.jsonl,
    workspace: o.workspace,
    ...(files.png ? { pngPath: `${o.traceId}.png` } : {}),
  });
  if (files.warnings.length > 0) {
    md += `\n## Rendering warnings\n\n${files.warnings.map((w) => `- ${w}`).join("\n")}\n`;
  }
  await writeAtomic(files.md, md);
  return files;
}

let tmpCounter = 0;

/** Renders and writes `<ID>.png` next to an already written trace (batch mode, lazily). */
export async function writeTracePng(
  workspace: string,
  compiled: CompiledWorkflow,
  traceId: string,
  records: readonly TraceRecord[],
): Promise<string> {
  const path = `${tracesDir(workspace)}/${traceId}/${traceId}.png`;
  await writeAtomic(path, await renderPng(graphViewOf(compiled.root), records));
  return path;
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${++tmpCounter}`;
  if (typeof data === "string") await Deno.writeTextFile(tmp, data);
  else await Deno.writeFile(tmp, data);
  await Deno.rename(tmp, path);
}

/**
 * Writes the .jsonl and .md of traces committed by a process that died before writing its
 * files (the commit leaves a marker until the files exist), so no committed run stays
 * without its trace files. Returns the ids written.
 */
export async function writeMissingTraceFiles(
  store: Pick<KvStore, "pendingTraceFiles" | "readTrace" | "traceFilesWritten">,
  workspace: string,
): Promise<string[]> {
  const pending = await store.pendingTraceFiles();
  const written: string[] = [];
  for (const id of pending) {
    const lines = await store.readTrace(id);
    if (lines === null) continue;
    const dir = `${tracesDir(workspace)}/${id}`;
    await Deno.mkdir(dir, { recursive: true });
    await writeAtomic(`${dir}/${id}.jsonl`, traceText(lines));
    const records = lines.map((l) => JSON.parse(l) as TraceRecord);
    await writeAtomic(
      `${dir}/${id}.md`,
      renderMarkdown(records, { tracePath: `${dir}/${id}.jsonl`, workspace }),
    );
    written.push(id);
  }
  if (pending.length > 0) await store.traceFilesWritten(pending);
  return written;
}

/**
 * Refuses a run whose trace files could not be written, before anything is committed: a
 * run must never leave effects without its trace files.
 *
 * @throws {UsageError} USAGE when the traces folder is not writable or not a folder.
 */
export async function checkTracesWritable(workspace: string): Promise<void> {
  const dir = tracesDir(workspace);
  // Asked of the permission system rather than probed with a file: a probe left behind by a
  // killed process would be litter in the traces folder.
  if (Deno.permissions.querySync({ name: "write", path: dir }).state !== "granted") {
    throw new UsageError(
      `Cannot write trace files to "${dir}": no write permission (run with --allow-write=${dir})`,
    );
  }
  const info = await Deno.stat(dir).catch(() => null);
  if (info && !info.isDirectory) {
    throw new UsageError(`Cannot write trace files to "${dir}": it exists and is not a directory`);
  }
}

/**
 * Two runs never share a trace file, even across data roots: refuses an id already used.
 *
 * @throws {UsageError} TRACE_ID when `<workspace>/traces/<id>` exists.
 */
export async function checkTraceIdUnused(workspace: string, traceId: string): Promise<void> {
  const dir = `${tracesDir(workspace)}/${traceId}`;
  if (await Deno.stat(dir).then(() => true, () => false)) {
    throw new UsageError(
      `Invalid --trace-id "${traceId}": "${dir}" already exists (trace ids are never reused)`,
      ErrorCode.TRACE_ID,
    );
  }
}
