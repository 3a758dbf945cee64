/**
 * First-open import of an existing PGS data root: when a store has never been written in KV
 * and a file already exists at `<dataRoot>/<path>` (seeded facts, state left by the Python
 * runtime, or a view whose database was deleted), its content becomes the store's initial
 * state, committed on its own before the opening run goes on (see `_import_commit.ts`).
 *
 * - "jsonl": every non-blank line is one log record, in file order. Registry-style lines
 *   (an object with a string `key`) also fold into the key map the way the Python registry
 *   loads them: the last line per key wins, `tombstone: true` removes the key. Lines whose
 *   `key` is not a string stay in the log only.
 * - "json": the file is one JSON object; it becomes the key map. Blank file → empty map.
 *
 * Records and values are re-serialised with `JSON.stringify`, so the rewritten view may
 * differ in whitespace from the imported file (Python's `", "` separators).
 *
 * @module
 */
import { StorageError, UsageError } from "../errors.ts";
import { encodeJson } from "./_codec.ts";
import { inspectPath, joinPath } from "./_paths.ts";
import type { StoreRef } from "./store.ts";

/** A parsed store file, encoded the way the KV layout stores values. */
export interface ImportedStore {
  /** Absolute-or-relative path of the file that was read. */
  readonly file: string;
  /** Log records in file order (JSON bytes); record i has sequence i + 1. */
  readonly log: readonly Uint8Array[];
  /** Key map (JSON bytes by key). */
  readonly map: ReadonlyMap<string, Uint8Array>;
}

/**
 * Reads and parses `<dataRoot>/<ref.path>` when it exists.
 *
 * @returns the parsed store, or null when there is no file.
 * @throws {StorageError} STORAGE when the file is unreadable, not a file, or malformed
 *   (the message names the file and line).
 * @throws {UsageError} USAGE when a symbolic link is on its path (never followed).
 */
export async function importStoreFile(
  dataRoot: string,
  ref: StoreRef,
): Promise<ImportedStore | null> {
  const file = joinPath(dataRoot, ref.path);
  const found = await inspectPath(dataRoot, ref.path).catch(() => null);
  if (found?.link) throw new UsageError(`Cannot import store file: ${found.problem}`);
  // A FIFO would block the read forever and a device never ends: neither is read.
  if (found?.problem) {
    throw new StorageError(`Cannot import store file: ${found.problem}`);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new StorageError(`Cannot import store file "${file}": ${errorText(err)}`, {
      cause: err,
    });
  }
  return parseStoreFile(text, ref.format, file);
}

/**
 * Parses store file text in the given format.
 *
 * @throws {StorageError} STORAGE naming `file` and the line of the first malformed record.
 */
export function parseStoreFile(
  text: string,
  format: StoreRef["format"],
  file: string,
): ImportedStore {
  return format === "jsonl" ? parseJsonl(text, file) : parseJsonObject(text, file);
}

function parseJsonl(text: string, file: string): ImportedStore {
  const log: Uint8Array[] = [];
  const map = new Map<string, Uint8Array>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      throw new StorageError(
        `Cannot import store file "${file}": line ${i + 1} is not JSON (${errorText(err)})`,
        { cause: err },
      );
    }
    const bytes = encodeJson(record, `line ${i + 1} of "${file}"`);
    log.push(bytes);
    if (isObject(record) && typeof record.key === "string") {
      if (record.tombstone === true) map.delete(record.key);
      else map.set(record.key, bytes);
    }
  }
  return { file, log, map };
}

function parseJsonObject(text: string, file: string): ImportedStore {
  const map = new Map<string, Uint8Array>();
  if (text.trim() === "") return { file, log: [], map };
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new StorageError(
      `Cannot import store file "${file}": line ${jsonErrorLine(text, err)} is not valid JSON (${
        errorText(err)
      })`,
      { cause: err },
    );
  }
  if (!isObject(root)) {
    throw new StorageError(
      `Cannot import store file "${file}": line 1: expected a JSON object, found ${
        Array.isArray(root) ? "an array" : typeof root
      }`,
    );
  }
  for (const [key, value] of Object.entries(root)) {
    map.set(key, encodeJson(value, `key "${key}" of "${file}"`));
  }
  return { file, log: [], map };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** 1-based line of a JSON.parse error, from V8's "(line N" or "position N" when present. */
function jsonErrorLine(text: string, err: unknown): number {
  const message = errorText(err);
  const line = /\(line (\d+) column/.exec(message);
  if (line) return Number(line[1]);
  const position = /at position (\d+)/.exec(message);
  if (position) return lineOf(text, Number(position[1]));
  if (/Unexpected end/.test(message)) return lineOf(text, text.trimEnd().length);
  return 1;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
