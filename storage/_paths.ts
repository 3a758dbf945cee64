/**
 * Paths under a data root, checked component by component with lstat: views and imports
 * never follow a symbolic link, so a link planted in the data root cannot send a write (or
 * an import) outside it.
 *
 * @module
 */
import { join } from "node:path";

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
    at = join(at, parts[i]);
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
