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
import { StorageError } from "../errors.ts";
import { fromUtf8, utf8 } from "./_codec.ts";
import {
  listStoreMetaEntries,
  readCommittedMap,
  type ReadEnv,
  readLogRange,
  readStoreMeta,
  storeMetaStamp,
} from "./_reads.ts";
import type { StoreMeta } from "./_codec.ts";
import {
  appendFile,
  inspectPath,
  joinPath,
  keepEdited,
  openNoFollow,
  replaceFile,
} from "./_paths.ts";
import { ContentSum } from "./_sum.ts";
import { jsonlBytes, jsonlWithBoundaries, renderJsonView } from "./_render.ts";

export { prettyJson, renderJsonView } from "./_render.ts";

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
    const stateDir = joinPath(this.#dataRoot, ".pgs");
    const lockPath = joinPath(stateDir, "views.lock");
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
          `VIEW_PENDING: cannot write view "${joinPath(this.#dataRoot, entry.path)}" (${
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
    const file = joinPath(this.#dataRoot, path);
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
      // A FIFO or a device in its place is never read (it would block or never end).
      if (!(await Deno.lstat(this.#markPath())).isFile) return {};
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
    return joinPath(this.#dataRoot, ".pgs", "views.json");
  }
}

/** A view path that cannot be written as it stands. */
class ViewPathError extends Error {}

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
