/**
 * Derived file views of the KV state in the PGS on-disk formats, at `<dataRoot>/<path>`:
 *
 * - "jsonl": one line per log record, the record's JSON (`JSON.stringify(record)`) plus "\n".
 * - "json": the key map as one JSON object, keys sorted (UTF-16 code units), 2-space
 *   indent, values laid out like `JSON.stringify(value, null, 2)` but keeping the stored
 *   member order, no trailing newline (the layout of Python's `json.dump(indent=2)`);
 *   an empty map is `{}`.
 *
 * A watermark (`<dataRoot>/.pgs/views.json`) records, per store, the KV version and log
 * length a view was written at plus the file's size, mtime and inode afterwards. A flush
 * skips up-to-date views, appends only the new records to an untouched jsonl view (cost
 * flat as the log grows), and rewrites (temp file in the same directory + rename) anything
 * stale, missing or edited. Flushes are serialised across processes by an exclusive lock
 * on `<dataRoot>/.pgs/views.lock`. A view written while another process's chunked commit is
 * half-way may lag until that store is written again.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { StorageError } from "../errors.ts";
import { concat, fromUtf8, utf8 } from "./_codec.ts";
import { listStoreMetas, readCommittedMap, type ReadEnv, readLogRange } from "./_reads.ts";

/** What a flush did, per store. */
export interface ViewFlushStats {
  /** Views written from scratch. */
  rewritten: number;
  /** jsonl views that only got new lines appended. */
  appended: number;
  /** Views already up to date. */
  skipped: number;
}

/** Watermark of one view. */
interface ViewMark {
  version: number;
  logLength: number;
  /**
   * Sequences ≤ logLength missing from the view: records of a chunked commit still in
   * flight (or lost with a crash). Once one appears, the view is rewritten in order.
   */
  holes?: number[];
  size: number;
  mtime: number | null;
  ino: number | null;
}

interface WatermarkFile {
  source: string;
  stores: Record<string, ViewMark>;
}

/** Options of {@link FileViews}. */
export interface FileViewsOptions {
  /** Identity of the KV database; a watermark written for another database is ignored. */
  readonly source: string;
  /** Keep the watermark in `<dataRoot>/.pgs/views.json` (false: in memory only). @default true */
  readonly persist?: boolean;
}

/** Writes the file views of one data root. */
export class FileViews {
  readonly #dataRoot: string;
  readonly #source: string;
  readonly #persist: boolean;
  #memory: WatermarkFile | null = null;
  #chain: Promise<unknown> = Promise.resolve();

  /** Creates the view writer of a data root. */
  constructor(dataRoot: string, options: FileViewsOptions) {
    this.#dataRoot = dataRoot;
    this.#source = options.source;
    this.#persist = options.persist ?? true;
  }

  /**
   * Brings every view up to date with the committed state.
   *
   * @throws {StorageError} STORAGE when a view or the watermark cannot be written.
   */
  flush(env: ReadEnv): Promise<ViewFlushStats> {
    const run = this.#chain.then(() => this.#locked(env));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #locked(env: ReadEnv): Promise<ViewFlushStats> {
    const stateDir = join(this.#dataRoot, ".pgs");
    const lockPath = join(stateDir, "views.lock");
    let lock: Deno.FsFile;
    try {
      await Deno.mkdir(stateDir, { recursive: true });
      lock = await Deno.open(lockPath, { create: true, write: true });
    } catch (err) {
      throw new StorageError(`Cannot lock views at "${lockPath}": ${message(err)}`, { cause: err });
    }
    try {
      await lock.lock(true);
      return await this.#flush(env);
    } finally {
      lock.close();
    }
  }

  async #flush(env: ReadEnv): Promise<ViewFlushStats> {
    const stats: ViewFlushStats = { rewritten: 0, appended: 0, skipped: 0 };
    const marks = await this.#loadMarks();
    let changed = false;
    for (const [path, meta] of await listStoreMetas(env)) {
      const file = join(this.#dataRoot, path);
      const mark = marks[path];
      const stat = await statOrNull(file);
      const intact = mark !== undefined && stat !== null && sameFile(mark, stat);
      const holes = mark?.holes ?? [];
      if (
        intact && holes.length === 0 && mark.version === meta.version &&
        mark.logLength === meta.logLength
      ) {
        stats.skipped++;
        continue;
      }
      let next: ViewMark;
      const filled = intact && holes.length > 0 && await anyPresent(env, path, holes);
      if (meta.format === "jsonl" && intact && !filled && mark.logLength <= meta.logLength) {
        // New records arrived (or only the key map changed): the log is append-only.
        const range = await readLogRange(env, path, mark.logLength, meta.logLength);
        const after = range.records.length === 0 ? stat : await appendFile(file, range.records);
        next = markOf(meta.version, meta.logLength, after, [
          ...holes,
          ...missing(range.seqs, mark.logLength, meta.logLength),
        ]);
        if (range.records.length === 0) stats.skipped++;
        else stats.appended++;
      } else if (meta.format === "jsonl") {
        const range = await readLogRange(env, path, 0, meta.logLength);
        const after = await replaceFile(file, jsonlBytes(range.records));
        next = markOf(meta.version, meta.logLength, after, missing(range.seqs, 0, meta.logLength));
        stats.rewritten++;
      } else {
        const map = await readCommittedMap(env, path);
        const entries = [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const text = renderJsonView(entries.map(([k, v]) => [k, fromUtf8(v.bytes)]));
        const after = await replaceFile(file, utf8(text));
        next = markOf(meta.version, meta.logLength, after);
        stats.rewritten++;
      }
      marks[path] = next;
      changed = true;
    }
    if (changed) await this.#saveMarks(marks);
    return stats;
  }

  async #loadMarks(): Promise<Record<string, ViewMark>> {
    if (!this.#persist) return { ...(this.#memory?.stores ?? {}) };
    try {
      const parsed = JSON.parse(await Deno.readTextFile(this.#markPath())) as WatermarkFile;
      if (parsed.source === this.#source && typeof parsed.stores === "object") {
        return parsed.stores ?? {};
      }
    } catch {
      // Missing or unreadable watermark: every view is rebuilt, which is always correct.
    }
    return {};
  }

  async #saveMarks(stores: Record<string, ViewMark>): Promise<void> {
    const data: WatermarkFile = { source: this.#source, stores };
    if (!this.#persist) {
      this.#memory = data;
      return;
    }
    await replaceFile(this.#markPath(), utf8(JSON.stringify(data)));
  }

  #markPath(): string {
    return join(this.#dataRoot, ".pgs", "views.json");
  }
}

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

function jsonlBytes(records: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const nl = new Uint8Array([10]);
  for (const r of records) parts.push(r, nl);
  return parts.length === 0 ? new Uint8Array(0) : concat(parts);
}

async function replaceFile(file: string, bytes: Uint8Array): Promise<Deno.FileInfo> {
  const dir = dirname(file);
  const temp = join(dir, `.${file.slice(dir.length + 1)}.${Deno.pid}.tmp`);
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(temp, bytes);
    await Deno.rename(temp, file);
    return await Deno.stat(file);
  } catch (err) {
    await Deno.remove(temp).catch(() => undefined);
    throw new StorageError(`Cannot write view "${file}": ${message(err)}`, { cause: err });
  }
}

async function appendFile(file: string, records: readonly Uint8Array[]): Promise<Deno.FileInfo> {
  try {
    using handle = await Deno.open(file, { append: true });
    const bytes = jsonlBytes(records);
    let written = 0;
    while (written < bytes.length) written += await handle.write(bytes.subarray(written));
    return await handle.stat();
  } catch (err) {
    throw new StorageError(`Cannot append to view "${file}": ${message(err)}`, { cause: err });
  }
}

async function statOrNull(file: string): Promise<Deno.FileInfo | null> {
  try {
    const info = await Deno.stat(file);
    return info.isFile ? info : null;
  } catch {
    return null;
  }
}

function markOf(
  version: number,
  logLength: number,
  info: Deno.FileInfo,
  holes: number[] = [],
): ViewMark {
  return {
    version,
    logLength,
    ...(holes.length > 0 ? { holes } : {}),
    size: info.size,
    mtime: info.mtime?.getTime() ?? null,
    ino: info.ino ?? null,
  };
}

function sameFile(mark: ViewMark, info: Deno.FileInfo): boolean {
  return mark.size === info.size && mark.mtime === (info.mtime?.getTime() ?? null) &&
    mark.ino === (info.ino ?? null);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when one of the (ascending) missing sequences has a record now. */
async function anyPresent(env: ReadEnv, path: string, holes: number[]): Promise<boolean> {
  const wanted = new Set(holes);
  const range = await readLogRange(env, path, holes[0] - 1, holes[holes.length - 1]);
  return range.seqs.some((q) => wanted.has(q));
}

/** Sequences in (from, to] that `seqs` (ascending) does not contain. */
function missing(seqs: number[], from: number, to: number): number[] {
  const have = new Set(seqs);
  const out: number[] = [];
  for (let q = from + 1; q <= to; q++) if (!have.has(q)) out.push(q);
  return out;
}
