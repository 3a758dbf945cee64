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
 * length a view was written at, the file's size, mtime, ctime and inode afterwards, and a
 * running checksum of its content. A flush skips up-to-date views, appends only the new
 * records to an intact jsonl view (cost flat as the log grows), and rewrites (temp file in
 * the same directory + rename) anything stale or missing. Flushes are serialised across
 * processes by an exclusive lock on `<dataRoot>/.pgs/views.lock`.
 *
 * Edits are found by content: a view whose checksum differs from the watermark's is
 * restored from KV, and the edited file is kept beside it as `<file>.edited-<sum>` (a
 * warning says so), so a user's edit is never silently lost. Reading a view costs O(size),
 * so it is read only when needed: when its metadata changed, or while it is "racy". The
 * file system reports change times in whole seconds, so an edit within the second of our
 * own write, with the mtime put back, leaves the metadata unchanged; a view is therefore
 * read once more at the first flush a full second after it was written (the flush learns
 * the file system's current time from the lock file it writes), and trusted on its
 * metadata from then on. A view written by every run is thus read at every flush.
 *
 * Views never follow a symbolic link: every path component under the data root is checked
 * with lstat, temp files are created exclusively, and an append checks that the file it
 * opened is the one it inspected. A view that cannot be written (a link or a directory in
 * the way, a read-only or full disk) is a warning and is retried by the next flush; it
 * never fails the run whose commit made it stale.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { StorageError } from "../errors.ts";
import { concat, fromUtf8, utf8 } from "./_codec.ts";
import {
  listStoreMetaEntries,
  readCommittedMap,
  type ReadEnv,
  readLogRange,
  readStoreMeta,
  storeMetaStamp,
} from "./_reads.ts";
import type { StoreMeta } from "./_codec.ts";
import { inspectPath } from "./_paths.ts";

/** What a flush did, per store. */
export interface ViewFlushStats {
  /** Views written from scratch. */
  rewritten: number;
  /** jsonl views that only got new lines appended. */
  appended: number;
  /** Views already up to date. */
  skipped: number;
  /**
   * One line per view that could not be written (left for the next flush) or that was
   * restored over an edit (the edited copy kept beside it).
   */
  warnings: string[];
}

/** Watermark of one view. */
interface ViewMark {
  version: number;
  logLength: number;
  /**
   * Sequences ≤ logLength missing from the view (left by the chunked commits of older
   * versions). Once one appears, the view is rewritten in order.
   */
  holes?: number[];
  size: number;
  mtime: number | null;
  ctime: number | null;
  ino: number | null;
  /** Running checksum of the content we left (see {@link ContentSum}). */
  sum: string;
  /** Verified by content after the second of its last write: metadata suffice now. */
  sealed?: boolean;
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
  readonly #linkFree = new Set<string>();
  #memory: WatermarkFile | null = null;
  #chain: Promise<unknown> = Promise.resolve();

  /** Creates the view writer of a data root. */
  constructor(dataRoot: string, options: FileViewsOptions) {
    this.#dataRoot = dataRoot;
    this.#source = options.source;
    this.#persist = options.persist ?? true;
  }

  /**
   * The symbolic link in the way of the view of `path`, or null. Run before a commit that
   * writes the store (and cached once clean), so such a run is refused before it commits.
   */
  async linkInTheWay(path: string): Promise<string | null> {
    if (this.#linkFree.has(path)) return null;
    const found = await inspectPath(this.#dataRoot, path);
    if (found.link) return found.problem;
    this.#linkFree.add(path);
    return null;
  }

  /**
   * Brings every view up to date with the committed state. A view that cannot be written
   * is a warning in the result, never an exception.
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
      lock = await openNoFollow(lockPath);
    } catch (err) {
      const stats = { rewritten: 0, appended: 0, skipped: 0, warnings: [] as string[] };
      if (!isIoError(err)) throw err;
      stats.warnings.push(
        `VIEWS_PENDING: cannot lock views at "${lockPath}" (${message(err)}); ` +
          `the next run on this data root writes them`,
      );
      return stats;
    }
    try {
      await lock.lock(true);
      // The file system's clock, from the lock file's mtime: whether a view's one-second
      // change-time window has passed (see the module doc). Never the process clock.
      let now: number | null = null;
      try {
        await lock.seek(0, Deno.SeekMode.Start);
        await lock.write(new Uint8Array([0]));
        now = (await lock.stat()).mtime?.getTime() ?? null;
      } catch {
        // No clock: views stay unsealed (read again next time), which is always correct.
      }
      return await this.#flush(env, now);
    } finally {
      lock.close();
    }
  }

  async #flush(env: ReadEnv, now: number | null): Promise<ViewFlushStats> {
    const stats: ViewFlushStats = { rewritten: 0, appended: 0, skipped: 0, warnings: [] };
    const marks = await this.#loadMarks();
    let changed = false;
    for (const entry of await listStoreMetaEntries(env)) {
      try {
        const next = await this.#flushOne(env, entry, marks[entry.path], now, stats);
        if (next !== undefined) {
          marks[entry.path] = next;
          changed = true;
        }
      } catch (err) {
        if (!isIoError(err)) throw err;
        stats.warnings.push(
          `VIEW_PENDING: cannot write view "${join(this.#dataRoot, entry.path)}" (${
            message(err)
          }); the next run on this data root writes it`,
        );
      }
    }
    if (changed) {
      try {
        await this.#saveMarks(marks);
      } catch (err) {
        if (!isIoError(err)) throw err;
        stats.warnings.push(
          `VIEWS_PENDING: cannot save the view watermark (${message(err)}); ` +
            `the next run on this data root checks every view again`,
        );
      }
    }
    return stats;
  }

  /** Brings one view up to date; returns its new mark (undefined: unchanged). */
  async #flushOne(
    env: ReadEnv,
    entry: { path: string; meta: StoreMeta; stamp: string },
    mark: ViewMark | undefined,
    now: number | null,
    stats: ViewFlushStats,
  ): Promise<ViewMark | undefined> {
    const { path } = entry;
    let meta = entry.meta;
    const file = join(this.#dataRoot, path);
    const found = await inspectPath(this.#dataRoot, path);
    if (found.problem !== null) throw new ViewPathError(found.problem);
    const stat = found.info;
    let intact = false;
    let markChanged = false;
    let sum: ContentSum | null = null;
    let edited: Uint8Array | null = null;
    if (stat !== null && mark !== undefined) {
      const sameMeta = sameFile(mark, stat);
      if (sameMeta && mark.sealed) {
        intact = true;
      } else {
        // Changed metadata, or a racy view: only its content tells.
        const bytes = await Deno.readFile(file);
        sum = new ContentSum().update(bytes);
        if (sum.text() === mark.sum) {
          intact = true;
          const next = markOf(mark.version, mark.logLength, stat, sum, mark.holes);
          if (sealable(next, now)) next.sealed = true;
          markChanged = !sameMeta || next.sealed === true;
          mark = next;
        } else {
          edited = bytes;
        }
      }
    }
    const holes = mark?.holes ?? [];
    if (
      intact && mark !== undefined && holes.length === 0 && mark.version === meta.version &&
      mark.logLength === meta.logLength
    ) {
      stats.skipped++;
      return markChanged ? mark : undefined;
    }
    if (
      meta.format === "jsonl" && intact && mark !== undefined && holes.length === 0 &&
      mark.logLength <= meta.logLength
    ) {
      // New records arrived (or only the key map changed): the log is append-only.
      const range = await readLogRange(env, path, mark.logLength, meta.logLength);
      const base = sum ?? ContentSum.from(mark.sum);
      if (range.records.length === 0) {
        stats.skipped++;
        return { ...mark, version: meta.version };
      }
      const bytes = jsonlBytes(range.records);
      const after = await appendFile(file, bytes, stat!);
      stats.appended++;
      return markOf(
        meta.version,
        meta.logLength,
        after,
        base.update(bytes),
        missing(range.seqs, mark.logLength, meta.logLength),
      );
    }
    let bytes: Uint8Array;
    let seqs: number[] = [];
    let boundaries: number[] = [];
    if (meta.format === "jsonl") {
      const range = await readLogRange(env, path, 0, meta.logLength);
      seqs = range.seqs;
      ({ bytes, boundaries } = jsonlWithBoundaries(range.records));
    } else {
      ({ meta, bytes } = await this.#consistentMap(env, path, entry));
    }
    if (
      edited !== null && !sameBytes(edited, bytes) &&
      !ourPrefix(edited, bytes, boundaries, mark!.size)
    ) {
      const copy = await keepEdited(file, edited, sum!);
      stats.warnings.push(
        `VIEW_EDITED: "${file}" was edited outside pgs-runtime; restored it from the state ` +
          `database and kept the edited file as "${copy}"`,
      );
    }
    const after = await replaceFile(file, bytes);
    stats.rewritten++;
    return markOf(
      meta.version,
      meta.logLength,
      after,
      new ContentSum().update(bytes),
      meta.format === "jsonl" ? missing(seqs, 0, meta.logLength) : [],
    );
  }

  /**
   * The rendered key map of a store at one version: read again when a commit landed while
   * it was being read (a large map is listed in batches), so a view is never torn.
   */
  async #consistentMap(
    env: ReadEnv,
    path: string,
    entry: { meta: StoreMeta; stamp: string },
  ): Promise<{ meta: StoreMeta; bytes: Uint8Array }> {
    let { meta, stamp } = entry;
    for (let attempt = 0;; attempt++) {
      const map = await readCommittedMap(env, path);
      const entries = [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const bytes = utf8(renderJsonView(entries.map(([k, v]) => [k, fromUtf8(v.bytes)])));
      if (attempt >= 4 || await storeMetaStamp(env, path) === stamp) return { meta, bytes };
      const again = await readStoreMeta(env, path);
      if (again.meta === null || again.stamp === null) return { meta, bytes };
      ({ meta, stamp } = { meta: again.meta, stamp: again.stamp });
    }
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

/** A view path that cannot be written as it stands. */
class ViewPathError extends Error {}

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

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A running content checksum: two 32-bit multiply-rotate lanes over little-endian words
 * plus the length, resumable from its text form so an append extends it without reading
 * the file again. It finds edits, accidental or not, by someone who cannot also write the
 * state database beside the view; it is not a cryptographic signature (the trace is).
 */
export class ContentSum {
  #h1 = 0x9747b28c;
  #h2 = 0x3c6ef372;
  #len = 0;
  #tail: number[] = [];

  /** Resumes a sum from {@link ContentSum.text}. */
  static from(text: string): ContentSum {
    const [len, h1, h2, tail] = text.split(":");
    const s = new ContentSum();
    s.#len = Number(len);
    s.#h1 = parseInt(h1, 16) | 0;
    s.#h2 = parseInt(h2, 16) | 0;
    s.#tail = tail === "" || tail === undefined
      ? []
      : tail.match(/../g)!.map((h) => parseInt(h, 16));
    return s;
  }

  /** Adds bytes; returns this. */
  update(bytes: Uint8Array): this {
    this.#len += bytes.length;
    let i = 0;
    if (this.#tail.length > 0) {
      while (this.#tail.length < 4 && i < bytes.length) this.#tail.push(bytes[i++]);
      if (this.#tail.length < 4) return this;
      this.#run(Uint8Array.from(this.#tail), 0, 4);
      this.#tail = [];
    }
    const end = i + ((bytes.length - i) & ~3);
    this.#run(bytes, i, end);
    for (i = end; i < bytes.length; i++) this.#tail.push(bytes[i]);
    return this;
  }

  #run(bytes: Uint8Array, from: number, to: number): void {
    let h1 = this.#h1;
    let h2 = this.#h2;
    const at = bytes.byteOffset + from;
    // Whole words straight from memory when aligned (little-endian platforms: all Deno runs on).
    const words = LITTLE_ENDIAN && at % 4 === 0
      ? new Int32Array(bytes.buffer, at, (to - from) >>> 2)
      : null;
    const n = (to - from) >>> 2;
    for (let w = 0; w < n; w++) {
      const i = from + 4 * w;
      const k = words !== null
        ? words[w]
        : bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
      let k1 = Math.imul(k, 0xcc9e2d51);
      k1 = Math.imul((k1 << 15) | (k1 >>> 17), 0x1b873593);
      h1 ^= k1;
      h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
      let k2 = Math.imul(k, 0x85ebca6b);
      k2 = Math.imul((k2 << 17) | (k2 >>> 15), 0xc2b2ae35);
      h2 = Math.imul(h2 ^ k2, 0x27d4eb2f);
      h2 = (((h2 << 11) | (h2 >>> 21)) + h1) | 0;
    }
    this.#h1 = h1;
    this.#h2 = h2;
  }

  /** Text form: equal for equal content. */
  text(): string {
    const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
    const tail = this.#tail.map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${this.#len}:${hex(this.#h1)}:${hex(this.#h2)}:${tail}`;
  }
}

/** Opens (creating) a file for writing, refusing a symbolic link in its place. */
async function openNoFollow(path: string): Promise<Deno.FsFile> {
  const before = await Deno.lstat(path).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  });
  if (before?.isSymlink) throw new Deno.errors.PermissionDenied(`"${path}" is a symbolic link`);
  const file = await Deno.open(path, { create: true, write: true });
  const opened = await file.stat();
  const now = await Deno.lstat(path);
  if (now.isSymlink || now.ino !== opened.ino || now.dev !== opened.dev) {
    file.close();
    throw new Deno.errors.PermissionDenied(`"${path}" changed while being opened`);
  }
  return file;
}

function jsonlBytes(records: readonly Uint8Array[]): Uint8Array {
  return jsonlWithBoundaries(records).bytes;
}

/** The jsonl text of records and the offset after each record. */
function jsonlWithBoundaries(
  records: readonly Uint8Array[],
): { bytes: Uint8Array; boundaries: number[] } {
  const parts: Uint8Array[] = [];
  const boundaries: number[] = [];
  const nl = new Uint8Array([10]);
  let at = 0;
  for (const r of records) {
    parts.push(r, nl);
    at += r.length + 1;
    boundaries.push(at);
  }
  return { bytes: parts.length === 0 ? new Uint8Array(0) : concat(parts), boundaries };
}

/**
 * True when `found` is the first records of `expected`, at least the `known` bytes of our
 * last write (a flush killed after writing a view but before saving its watermark left it
 * so): not an edit.
 */
function ourPrefix(
  found: Uint8Array,
  expected: Uint8Array,
  boundaries: number[],
  known: number,
): boolean {
  if (found.length < known || !boundaries.includes(found.length)) return false;
  return sameBytes(found, expected.subarray(0, found.length));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Keeps an edited view beside it as `<file>.edited-<sum>`; returns that path. */
async function keepEdited(file: string, bytes: Uint8Array, sum: ContentSum): Promise<string> {
  const [len, h1, h2, tail] = sum.text().split(":");
  const tag = `${h1}${h2}${tail}-${len}`;
  const copy = `${file}.edited-${tag}`;
  try {
    await Deno.writeFile(copy, bytes, { createNew: true });
  } catch (err) {
    // The same edit was kept before (the name is its checksum).
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
  return copy;
}

async function replaceFile(file: string, bytes: Uint8Array): Promise<Deno.FileInfo> {
  const dir = dirname(file);
  const temp = join(dir, `.${file.slice(dir.length + 1)}.${Deno.pid}.tmp`);
  try {
    await Deno.mkdir(dir, { recursive: true });
    // A temp file left by a killed flush (or anything planted at its name) is removed,
    // not written through: the new one is created exclusively.
    await Deno.remove(temp).catch(() => undefined);
    await Deno.writeFile(temp, bytes, { createNew: true });
    await Deno.rename(temp, file);
    return await Deno.lstat(file);
  } catch (err) {
    await Deno.remove(temp).catch(() => undefined);
    throw err;
  }
}

/** Appends to `file`, which must still be the file `expected` describes (no link swapped in). */
async function appendFile(
  file: string,
  bytes: Uint8Array,
  expected: Deno.FileInfo,
): Promise<Deno.FileInfo> {
  using handle = await Deno.open(file, { append: true });
  const opened = await handle.stat();
  if (opened.ino !== expected.ino || opened.dev !== expected.dev) {
    throw new Deno.errors.PermissionDenied(`"${file}" was replaced while being appended to`);
  }
  let written = 0;
  while (written < bytes.length) written += await handle.write(bytes.subarray(written));
  return await handle.stat();
}

function markOf(
  version: number,
  logLength: number,
  info: Deno.FileInfo,
  sum: ContentSum,
  holes: number[] = [],
): ViewMark {
  return {
    version,
    logLength,
    ...(holes.length > 0 ? { holes } : {}),
    size: info.size,
    mtime: info.mtime?.getTime() ?? null,
    ctime: info.ctime?.getTime() ?? null,
    ino: info.ino ?? null,
    sum: sum.text(),
  };
}

function sameFile(mark: ViewMark, info: Deno.FileInfo): boolean {
  return mark.size === info.size && mark.mtime === (info.mtime?.getTime() ?? null) &&
    mark.ctime === (info.ctime?.getTime() ?? null) && mark.ino === (info.ino ?? null);
}

/**
 * True when `now` is past the change-time second of the view's last write: an edit from
 * then on moves its ctime, so a content check now is the last one needed.
 */
function sealable(mark: ViewMark, now: number | null): boolean {
  if (now === null || mark.ctime === null || mark.mtime === null) return false;
  const written = Math.max(mark.ctime, mark.mtime);
  return now >= (Math.floor(written / 1000) + 1) * 1000;
}

/** I/O conditions a flush reports as warnings (anything else is a bug and propagates). */
function isIoError(err: unknown): boolean {
  return err instanceof ViewPathError || err instanceof StorageError ||
    Object.values(Deno.errors).some((E) => err instanceof E);
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/** Sequences in (from, to] that `seqs` (ascending) does not contain. */
function missing(seqs: number[], from: number, to: number): number[] {
  const have = new Set(seqs);
  const out: number[] = [];
  for (let q = from + 1; q <= to; q++) if (!have.has(q)) out.push(q);
  return out;
}
