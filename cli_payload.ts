/**
 * Reads and checks run payloads (`--payload` from a file or standard input, `--batch` one
 * per line), with limits that keep a hostile payload from exhausting memory or the stack.
 * Both decode the same way: strict UTF-8 (a byte that is not UTF-8 is refused, never
 * replaced), a leading byte-order mark dropped. A number is never changed silently: one
 * beyond a double's range, or an integer literal beyond 2^53 (which a double would round),
 * is refused naming its field.
 *
 * @module
 */
import { ErrorCode, oneLine, quoted, UsageError } from "./errors.ts";
import { nestingDepth } from "./trace/jsonl.ts";
import { checkRegularFile, FileTooLarge } from "./regular_file.ts";

/** Largest accepted payload, in bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/**
 * Largest accepted `--batch` file, in bytes. The file is decoded whole; past a few hundred MiB
 * the text no longer fits in one string, and reading it first costs gigabytes of memory.
 */
export const MAX_BATCH_BYTES = 256 * 1024 * 1024;
/** Deepest accepted nesting of arrays/objects. */
export const MAX_PAYLOAD_DEPTH = 64;

/**
 * Reads `path` (or stdin for "-") and returns the parsed JSON object.
 *
 * @throws {UsageError} PAYLOAD when unreadable, too large, not JSON, too deep or not an object.
 */
export async function readPayloadFile(path: string): Promise<Record<string, unknown>> {
  let bytes: Uint8Array;
  try {
    if (path === "-") bytes = await readAll(Deno.stdin.readable);
    else {
      await checkRegularFile(path, MAX_PAYLOAD_BYTES);
      bytes = await Deno.readFile(path);
    }
  } catch (e) {
    if (e instanceof FileTooLarge) {
      throw new UsageError(
        `Cannot accept --payload ${quoted(path, 200)}: ${e.size} bytes exceeds the ` +
          `${MAX_PAYLOAD_BYTES}-byte limit`,
        ErrorCode.PAYLOAD,
      );
    }
    throw new UsageError(
      `Cannot read --payload ${quoted(path, 200)}: ${e instanceof Error ? oneLine(e.message) : e}`,
      ErrorCode.PAYLOAD,
    );
  }
  const what = `--payload ${quoted(path, 200)}`;
  return parsePayload(decodePayloadText(bytes, what), what);
}

/**
 * Decodes payload bytes as `--payload` and `--batch` both do: strict UTF-8, a leading
 * byte-order mark dropped.
 *
 * @param what Names the input in the message, e.g. `--payload "p.json"`.
 * @throws {UsageError} PAYLOAD when the bytes are not valid UTF-8.
 */
export function decodePayloadText(bytes: Uint8Array, what: string): string {
  try {
    // ignoreBOM false (the default): a leading U+FEFF is dropped.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(
      `Cannot accept ${what}: not valid UTF-8 text (line ${badLine(bytes)})`,
      ErrorCode.PAYLOAD,
    );
  }
}

/** 1-based line of the first byte sequence that is not UTF-8. */
function badLine(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 10) continue;
    try {
      decoder.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    line++;
    start = i + 1;
  }
  return line;
}

/**
 * Reads a `--batch` file: one JSON object per line (blank lines skipped), decoded like a
 * `--payload`. Each payload comes with its 1-based line number in the file.
 *
 * @throws {UsageError} PAYLOAD naming the file (and line) when unreadable, not UTF-8,
 *   empty, or a line is not an acceptable payload.
 */
export async function readBatchFile(
  file: string,
): Promise<Array<{ line: number; payload: Record<string, unknown> }>> {
  let bytes: Uint8Array;
  try {
    if (file === "-") throw new Error("standard input is for --payload -; give a file");
    await checkRegularFile(file, MAX_BATCH_BYTES);
    bytes = await Deno.readFile(file);
  } catch (e) {
    throw new UsageError(
      `Cannot read --batch ${quoted(file, 200)}: ${e instanceof Error ? oneLine(e.message) : e}`,
      ErrorCode.PAYLOAD,
    );
  }
  const text = decodePayloadText(bytes, `--batch ${quoted(file, 200)}`);
  const payloads: Array<{ line: number; payload: Record<string, unknown> }> = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    payloads.push({
      line: i + 1,
      payload: parsePayload(line, `--batch ${quoted(file, 200)} line ${i + 1}`),
    });
  }
  if (payloads.length === 0) {
    throw new UsageError(
      `Invalid --batch ${quoted(file, 200)}: no payload lines`,
      ErrorCode.PAYLOAD,
    );
  }
  return payloads;
}

/**
 * Parses payload text: JSON, nesting at most {@link MAX_PAYLOAD_DEPTH}, an object at the top.
 *
 * @param name Names the input in messages, e.g. `--payload "p.json"` or
 *   `--batch "b.jsonl" line 3`.
 * @throws {UsageError} PAYLOAD otherwise.
 */
export function parsePayload(text: string, name = "payload"): Record<string, unknown> {
  if (text.length > MAX_PAYLOAD_BYTES) {
    throw new UsageError(
      `Cannot accept ${name}: larger than the ${MAX_PAYLOAD_BYTES}-byte limit`,
      ErrorCode.PAYLOAD,
    );
  }
  const depth = nestingDepth(text);
  if (depth > MAX_PAYLOAD_DEPTH) {
    throw new UsageError(
      `Cannot accept ${name}: nesting depth ${depth} exceeds ${MAX_PAYLOAD_DEPTH}`,
      ErrorCode.PAYLOAD,
    );
  }
  let value: unknown;
  let inexact = false;
  try {
    // A number JSON can spell but IEEE doubles cannot hold (1e400) would silently become
    // Infinity here and null in the trace: refuse it. An integer literal beyond 2^53 would
    // silently round (…993 → …992): it is replaced by a marker, found below with its path.
    value = JSON.parse(text, (_k, v, context?: { source?: string }) => {
      if (typeof v !== "number") return v;
      if (!Number.isFinite(v)) throw new NonFinite();
      if (Math.abs(v) >= TWO_53 && beyond53(context?.source)) {
        inexact = true;
        return new Inexact(context!.source!);
      }
      return v;
    });
  } catch (e) {
    if (e instanceof NonFinite) {
      throw new UsageError(
        `Invalid ${name}: a number is out of range (larger than a 64-bit float)`,
        ErrorCode.PAYLOAD,
      );
    }
    throw new UsageError(
      `Cannot parse ${name}: not valid JSON (${(e as Error).message})`,
      ErrorCode.PAYLOAD,
    );
  }
  if (inexact) {
    const [path, literal] = findInexact(value, "$")!;
    throw new UsageError(
      `Invalid ${name}: ${path}: the integer ${literal} is beyond 2^53 and a ` +
        `64-bit float cannot hold it exactly (write it as a string)`,
      ErrorCode.PAYLOAD,
    );
  }
  const duplicate = duplicateMember(text);
  if (duplicate) {
    throw new UsageError(
      `Invalid ${name}: ${duplicate[0]}: member ${quoted(duplicate[1])} is given more than once ` +
        `(JSON.parse would silently keep the last)`,
      ErrorCode.PAYLOAD,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(
      `Invalid ${name}: expected a JSON object, got ${
        value === null ? "null" : Array.isArray(value) ? "an array" : typeof value
      }`,
      ErrorCode.PAYLOAD,
    );
  }
  return value as Record<string, unknown>;
}

class NonFinite extends Error {}

/** An object or array being scanned by {@link duplicateMember}. */
interface Frame {
  readonly parent: Frame | null;
  /** Where it sits in its parent: a member name or an index. */
  readonly at: string | number;
  /** Member names seen so far (objects), or null (arrays). */
  readonly keys: Set<string> | null;
  key: string;
  index: number;
}

/**
 * The JSON path of the first object in `text` (valid JSON) that names one member twice, and
 * that name; or null. JSON.parse keeps the last silently, so the payload recorded would not
 * be the one written. Paths are built only for the answer, so the scan stays linear.
 */
function duplicateMember(text: string): [string, string] | null {
  let top = null as Frame | null;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const start = i;
      // The closing quote: the next one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        let b = i - 1;
        while (text.charCodeAt(b) === 92) b--;
        if ((i - 1 - b) % 2 === 0) break;
      }
      if (!expectKey || top === null || top.keys === null) continue;
      const raw = text.slice(start, i + 1);
      const key: string = raw.includes("\\") ? JSON.parse(raw) : raw.slice(1, -1);
      if (top.keys.has(key)) return [pathOf(top), key];
      top.keys.add(key);
      top.key = key;
      expectKey = false;
    } else if (c === 123 || c === 91) {
      const at: string | number = top === null ? "" : top.keys ? top.key : top.index;
      top = { parent: top, at, keys: c === 123 ? new Set() : null, key: "", index: 0 };
      expectKey = c === 123;
    } else if (c === 125 || c === 93) top = top?.parent ?? null;
    else if (c === 44 && top !== null) {
      if (top.keys) expectKey = true;
      else top.index++;
    }
  }
  return null;
}

function pathOf(frame: Frame): string {
  if (frame.parent === null) return "$";
  const at = frame.at;
  return pathOf(frame.parent) +
    (typeof at === "number"
      ? `[${at}]`
      : /^[A-Za-z_][A-Za-z0-9_]*$/.test(at)
      ? `.${at}`
      : `[${JSON.stringify(at)}]`);
}

const TWO_53 = 2 ** 53;

/** True when a number's source text is an integer literal larger than 2^53 in magnitude. */
function beyond53(source: string | undefined): boolean {
  if (source === undefined || !/^-?\d+$/.test(source)) return false;
  const n = BigInt(source);
  return (n < 0n ? -n : n) > 2n ** 53n;
}

/** Marks an integer literal that a double would round. */
class Inexact {
  constructor(readonly literal: string) {}
}

/** Path and literal of the first {@link Inexact} in document order. */
function findInexact(value: unknown, path: string): [string, string] | null {
  if (value instanceof Inexact) return [path, value.literal];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findInexact(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const step = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
      const found = findInexact(v, path + step);
      if (found) return found;
    }
  }
  return null;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > MAX_PAYLOAD_BYTES) throw new FileTooLarge(size, MAX_PAYLOAD_BYTES);
    chunks.push(c);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
