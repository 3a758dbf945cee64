/**
 * Files under a data root that never follow a symbolic link: paths are checked component by
 * component with lstat, temp files are created exclusively, and an append or a lock checks
 * that the file it opened is the one it inspected. So a link planted in the data root cannot
 * send a view write (or an import) outside it.
 *
 * @module
 */
import type { ContentSum } from "./_sum.ts";

/**
 * `parts` joined by single slashes. Enough for data-root paths, whose store paths are
 * checked relative paths (never `..`); not `node:path`, which costs the CLI ~20 ms of
 * Node compatibility start-up.
 */
export function joinPath(...parts: string[]): string {
  let out = parts[0];
  for (const part of parts.slice(1)) {
    const p = part.replace(/^[/\\]+|[/\\]+$/g, "");
    if (p === "") continue;
    out = /[/\\]$/.test(out) ? out + p : `${out}/${p}`;
  }
  return out;
}

/** The folder part of `path` (`/` or `\\` separated); `.` when there is none. */
export function dirnameOf(path: string): string {
  const at = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return at < 0 ? "." : at === 0 ? path.slice(0, 1) : path.slice(0, at);
}

/** What lstat found along `<dataRoot>/<path>`: the file, or the problem in the way. */
export interface Inspected {
  /** The view file (null: missing). */
  info: Deno.FileInfo | null;
  /** Why it cannot be written, naming the path (null: it can). */
  problem: string | null;
  /** True when the problem is a symbolic link. */
  link: boolean;
}

/** Checks every component of `<dataRoot>/<path>` with lstat (never following a link). */
export async function inspectPath(dataRoot: string, path: string): Promise<Inspected> {
  const parts = path.split("/");
  let at = dataRoot;
  for (let i = 0; i < parts.length; i++) {
    at = joinPath(at, parts[i]);
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(at);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return { info: null, problem: null, link: false };
      throw err;
    }
    if (info.isSymlink) {
      return { info: null, problem: `"${at}" is a symbolic link (never followed)`, link: true };
    }
    const last = i === parts.length - 1;
    if (!last && !info.isDirectory) {
      return { info: null, problem: `"${at}" is not a directory`, link: false };
    }
    if (last && info.isDirectory) {
      return { info: null, problem: `"${at}" is a directory`, link: false };
    }
    if (last && !info.isFile) {
      return { info: null, problem: `"${at}" is not a regular file`, link: false };
    }
    if (last) return { info, problem: null, link: false };
  }
  return { info: null, problem: null, link: false };
}

/** Opens (creating) a file for writing, refusing a symbolic link in its place. */
export async function openNoFollow(path: string): Promise<Deno.FsFile> {
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

/** Keeps an edited view beside it as `<file>.edited-<sum>`; returns that path. */
export async function keepEdited(
  file: string,
  bytes: Uint8Array,
  sum: ContentSum,
): Promise<string> {
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

/** Writes `file` atomically: an exclusive temp file in the same directory, then a rename. */
export async function replaceFile(file: string, bytes: Uint8Array): Promise<Deno.FileInfo> {
  const dir = dirnameOf(file);
  const temp = joinPath(dir, `.${file.slice(dir.length + 1)}.${Deno.pid}.tmp`);
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
export async function appendFile(
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
