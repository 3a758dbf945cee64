/**
 * The KV Connect URL option (`--kv`, `kvUrl`). `Deno.openKv` takes any string and treats
 * what is not a URL as a file path, so a mistyped URL would silently create a SQLite
 * database in the working directory: everything that opens a store by URL checks it here
 * first.
 *
 * @module
 */
import { quoted, UsageError } from "../errors.ts";

/**
 * Validates a KV Connect URL: `http://` or `https://` with a host (and a valid port), or,
 * where `memory` allows it, `":memory:"`.
 *
 * @param label How the option is named in the message (`--kv`, `kvUrl`).
 * @throws {UsageError} USAGE otherwise.
 */
export function validateKvUrl(url: unknown, label: string, memory = false): string {
  if (typeof url === "string" && memory && url === ":memory:") return url;
  let ok = false;
  if (typeof url === "string" && !/\s/.test(url)) {
    try {
      const u = new URL(url);
      ok = (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    throw new UsageError(
      `Invalid ${label} ${quoted(url, 80)}: expected an http:// or https:// KV Connect URL` +
        (memory ? ` or ":memory:"` : ""),
    );
  }
  return url as string;
}
