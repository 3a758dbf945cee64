/**
 * The one check every input file passes before it is read: the CLI's payload, batch, trace
 * and key files, and the snapshot's artifacts.
 *
 * @module
 */

/** A file (or stream) larger than the limit it is read under. */
export class FileTooLarge extends Error {
  /** Creates the error for `size` bytes against a `limit`. */
  constructor(readonly size: number, readonly limit: number) {
    super(`${size} bytes exceeds the ${limit}-byte limit`);
  }
}

/**
 * Throws unless `path` is a regular file (or a link to one) of at most `maxBytes`. Only such a
 * file is read: a FIFO would block the read forever, a device (/dev/zero) never ends, and a
 * file far beyond what the reader holds is refused before it is read whole.
 *
 * @throws {FileTooLarge} beyond `maxBytes`; an Error "not a regular file"; the stat's error.
 */
export async function checkRegularFile(path: string, maxBytes = Infinity): Promise<void> {
  const info = await Deno.stat(path);
  if (!info.isFile) throw new Error("not a regular file");
  if (info.size > maxBytes) throw new FileTooLarge(info.size, maxBytes);
}
