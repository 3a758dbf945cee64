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
import { traceText, verifyTrace } from "./jsonl.ts";
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
  /** The examine and replay command lines the `.md` suggests, given the `.jsonl` path. */
  commands?: (tracePath: string) => { examine: string; replay: string };
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
  /** Rendering and writing problems, one line each (the run is unaffected). */
  warnings: string[];
  /**
   * True when the .jsonl or .md could not be written (a warning says why). The caller then
   * leaves the store's "files pending" marker in place, so the next `runWorkflow` (or CLI
   * `run`) on that store writes them from the committed copy (see `healPendingFiles`).
   */
  pending: boolean;
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

/**
 * Writes the trace files of a committed run; returns their paths and warnings. Never
 * throws for an I/O condition (folder missing, full or read-only, a link or a directory in
 * the way): the run is committed, so such a problem is a warning and `pending: true`.
 * Never follows a symbolic link: the folder must be a real directory, and each file is
 * written to a new temp file and renamed over the target (which replaces a link rather
 * than writing through it).
 */
export async function writeTraceFiles(o: TraceFileOptions): Promise<TraceFiles> {
  const dir = `${tracesDir(o.workspace)}/${o.traceId}`;
  const base = `${dir}/${o.traceId}`;
  const files: TraceFiles = {
    jsonl: `${base}.jsonl`,
    md: `${base}.md`,
    png: null,
    warnings: [],
    pending: false,
  };
  // A folder this call made holds nothing yet: no file to look at before each rename.
  let fresh = false;
  try {
    fresh = await ensureTraceFolder(o.workspace, o.traceId);
    await writeAtomic(files.jsonl, traceText(o.lines), fresh);
  } catch (e) {
    files.pending = true;
    files.warnings.push(pendingWarning(o.traceId, e));
    return files;
  }
  if (o.png !== false) {
    try {
      const graph = graphViewOf(o.compiled.root);
      const png = o.pngRender
        ? await o.pngRender.finish(graph, o.records)
        : await renderPng(graph, o.records);
      await writeAtomic(`${base}.png`, png, fresh);
      files.png = `${base}.png`;
    } catch (e) {
      files.warnings.push(`PNG_RENDER_FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  try {
    // Inside the try: the run is committed, so even a summary that cannot be rendered (a
    // caller's `commands` that throws) is a warning, not the run's result.
    let md = renderMarkdown(o.records, {
      timings: [...o.timings],
      tracePath: files.jsonl,
      workspace: o.workspace,
      commands: o.commands?.(files.jsonl),
      ...(files.png ? { pngPath: `${o.traceId}.png` } : {}),
    });
    if (files.warnings.length > 0) {
      md += `\n## Rendering warnings\n\n${files.warnings.map((w) => `- ${w}`).join("\n")}\n`;
    }
    await writeAtomic(files.md, md, fresh);
  } catch (e) {
    files.pending = true;
    files.warnings.push(pendingWarning(o.traceId, e));
  }
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
  await ensureTraceFolder(workspace, traceId);
  const path = `${tracesDir(workspace)}/${traceId}/${traceId}.png`;
  await writeAtomic(path, await renderPng(graphViewOf(compiled.root), records));
  return path;
}

/**
 * Writes `data` to a new temp file beside `path` (created exclusively, so a link planted
 * at the temp name is never followed), then renames it over `path` (which replaces a link
 * there rather than writing through it). `fresh`: the folder was just made, so nothing is at
 * `path` to look at first (a folder there would still make the rename fail).
 */
async function writeAtomic(path: string, data: string | Uint8Array, fresh = false): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${++tmpCounter}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data, { createNew: true });
    else await Deno.writeFile(tmp, data, { createNew: true });
    if (!fresh) {
      const there = await lstatOrNull(path);
      if (there?.isDirectory) throw new Error(`"${path}" is a directory`);
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * Makes sure `<workspace>/traces/<id>` is a real directory (creating it, and `traces/`,
 * when missing), never following a link. Returns true when this call made the run's folder.
 */
async function ensureTraceFolder(workspace: string, traceId: string): Promise<boolean> {
  const traces = tracesDir(workspace);
  const info = await lstatOrNull(traces);
  if (info === null) {
    await Deno.mkdir(traces).catch((e) => {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    });
    realDirectory(traces, await Deno.lstat(traces));
  } else realDirectory(traces, info);
  // A folder claimed before the run is there; a batch's are made here, and one made here is
  // a real directory (mkdir never follows a link: it fails on anything already there).
  const dir = `${traces}/${traceId}`;
  const there = await lstatOrNull(dir);
  if (there === null) {
    try {
      await Deno.mkdir(dir);
      return true;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
  realDirectory(dir, there ?? await Deno.lstat(dir));
  return false;
}

function realDirectory(path: string, info: Deno.FileInfo): void {
  if (info.isDirectory) return;
  throw new Error(
    `"${path}" is ${info.isSymlink ? "a symbolic link" : "not a directory"} (never followed)`,
  );
}

function pendingWarning(traceId: string, e: unknown): string {
  return `TRACE_FILES_PENDING: cannot write the trace files of ${traceId} (${
    errorLine(e)
  }); the next run on this data root writes them once the traces folder is writable`;
}

function errorLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * Writes the .jsonl and .md of traces committed by a process that died before writing its
 * files (the commit leaves a marker naming the workspace until the files exist), so no
 * committed run stays without its trace files. Only the traces of this workspace are
 * written (another workspace's wait for a run there). One trace whose files cannot be
 * written never blocks the others: it is skipped, `warn` is told why, and its marker stays
 * for the next run. Returns the ids written.
 */
export async function writeMissingTraceFiles(
  store: Pick<KvStore, "pendingTraceFiles" | "readTrace" | "traceFilesWritten">,
  workspace: string,
  options: { warn?: (line: string) => void; wrote?: (traceId: string) => void } = {},
): Promise<string[]> {
  const pending = await store.pendingTraceFiles(await Deno.realPath(workspace));
  const written: string[] = [];
  for (const id of pending) {
    try {
      const lines = await store.readTrace(id);
      if (lines === null) continue;
      await ensureTraceFolder(workspace, id);
      const dir = `${tracesDir(workspace)}/${id}`;
      await writeAtomic(`${dir}/${id}.jsonl`, traceText(lines));
      const records = verifyTrace(traceText(lines)).records;
      await writeAtomic(
        `${dir}/${id}.md`,
        renderMarkdown(records, { tracePath: `${dir}/${id}.jsonl`, workspace }),
      );
      written.push(id);
      options.wrote?.(id);
    } catch (e) {
      options.warn?.(pendingWarning(id, e));
    }
  }
  if (written.length > 0) await store.traceFilesWritten(written);
  return written;
}

/**
 * Refuses a run whose trace files could not be written, before anything is committed: a
 * run must never leave effects without its trace files.
 *
 * @throws {UsageError} USAGE when the traces folder is not writable, not a folder, or a
 *   symbolic link (trace files are never written through a link).
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
  const info = await Deno.lstat(dir).catch(() => null);
  if (info?.isSymlink) {
    throw new UsageError(
      `Cannot write trace files to "${dir}": it is a symbolic link (trace files are never written through a link)`,
    );
  }
  if (info && !info.isDirectory) {
    throw new UsageError(`Cannot write trace files to "${dir}": it exists and is not a directory`);
  }
}

/**
 * Two runs never share a trace file, even across data roots: refuses an id already used.
 * Anything at `<workspace>/traces/<id>` counts, a dangling link included.
 *
 * @throws {UsageError} TRACE_ID when `<workspace>/traces/<id>` exists.
 */
export async function checkTraceIdUnused(
  workspace: string,
  traceId: string,
  label = "traceId",
): Promise<void> {
  const dir = `${tracesDir(workspace)}/${traceId}`;
  if (await lstatOrNull(dir).catch(() => null) !== null) {
    throw new UsageError(
      `Invalid ${label} "${traceId}": "${dir}" already exists (trace ids are never reused)`,
      ErrorCode.TRACE_ID,
    );
  }
}

/**
 * Claims `<workspace>/traces/<id>` for one run before its commit: creates the folder (and
 * `traces/` when missing) with an exclusive mkdir, so of several processes sharing the
 * workspace with the same trace id exactly one gets it. Call {@link releaseTraceFolder}
 * when the run then commits nothing.
 *
 * @returns the claimed folder.
 * @throws {UsageError} TRACE_ID when the folder (or anything, a link included) exists;
 *   USAGE when `traces/` is a link or not a folder, or the folder cannot be created.
 */
export async function claimTraceFolder(
  workspace: string,
  traceId: string,
  label = "traceId",
): Promise<string> {
  await claimTraceFolders(workspace, [traceId], label);
  return `${tracesDir(workspace)}/${traceId}`;
}

/**
 * Claims the folders of several trace ids (a batch with a given prefix) as
 * {@link claimTraceFolder} claims one, checking `traces/` once before and once after; when
 * one is refused, the ones claimed here are given up again.
 *
 * @throws {UsageError} as {@link claimTraceFolder}.
 */
export async function claimTraceFolders(
  workspace: string,
  traceIds: readonly string[],
  label = "traceId",
): Promise<void> {
  const traces = tracesDir(workspace);
  await checkTracesWritable(workspace);
  const claimed: string[] = [];
  try {
    await Deno.mkdir(traces).catch((e) => {
      if (e instanceof Deno.errors.AlreadyExists) return;
      throw new UsageError(`Cannot create trace folder "${traces}": ${errorLine(e)}`);
    });
    for (const id of traceIds) {
      const dir = `${traces}/${id}`;
      try {
        await Deno.mkdir(dir);
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) {
          throw new UsageError(
            `Invalid ${label} "${id}": "${dir}" already exists (trace ids are never reused)`,
            ErrorCode.TRACE_ID,
          );
        }
        throw new UsageError(`Cannot create trace folder "${dir}": ${errorLine(e)}`);
      }
      claimed.push(id);
    }
    // `traces/` could have been swapped for a link between the check and the mkdirs.
    await checkTracesWritable(workspace);
  } catch (e) {
    for (const id of claimed) await releaseTraceFolder(workspace, id);
    throw e;
  }
}

/** Gives up a claim of {@link claimTraceFolder}: removes the folder while it is empty. */
export async function releaseTraceFolder(workspace: string, traceId: string): Promise<void> {
  const dir = `${tracesDir(workspace)}/${traceId}`;
  const info = await lstatOrNull(dir).catch(() => null);
  if (info?.isDirectory) await Deno.remove(dir).catch(() => undefined);
}
