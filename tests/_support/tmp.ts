/**
 * Scratch directories of a test process, removed when the process ends: a test run leaves
 * nothing behind in the system's temp folder.
 *
 * @module
 */

const made: string[] = [];

/** A new empty directory under the system temp folder, removed at the end of the process. */
export async function tempDir(prefix = "pgs-test-"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  if (made.length === 0) globalThis.addEventListener("unload", removeAll);
  made.push(dir);
  return dir;
}

function removeAll(): void {
  for (const dir of made) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // A test left a folder read-only (permission tests): make it writable, try once more.
      try {
        writable(dir);
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // Already gone, or not ours to fix: the OS temp cleaner will have it.
      }
    }
  }
}

function writable(dir: string): void {
  Deno.chmodSync(dir, 0o755);
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory && !e.isSymlink) writable(`${dir}/${e.name}`);
  }
}
