/**
 * Reads and checks a run payload from a file or standard input, with limits that keep a
 * hostile payload from exhausting memory or the stack.
 *
 * @module
 */
import { ErrorCode, UsageError } from "./errors.ts";

/** Largest accepted payload, in bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
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
      const info = await Deno.stat(path);
      if (!info.isFile) throw new Error("not a regular file");
      if (info.size > MAX_PAYLOAD_BYTES) throw new TooLarge(info.size);
      bytes = await Deno.readFile(path);
    }
  } catch (e) {
    if (e instanceof TooLarge) {
      throw new UsageError(
        `Cannot accept --payload "${path}": ${e.size} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte limit`,
        ErrorCode.PAYLOAD,
      );
    }
    throw new UsageError(
      `Cannot read --payload "${path}": ${e instanceof Error ? e.message.split("\n")[0] : e}`,
      ErrorCode.PAYLOAD,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(
      `Cannot accept --payload "${path}": not valid UTF-8 text`,
      ErrorCode.PAYLOAD,
    );
  }
  return parsePayload(text, path);
}

/**
 * Parses payload text: JSON, nesting at most {@link MAX_PAYLOAD_DEPTH}, an object at the top.
 *
 * @throws {UsageError} PAYLOAD otherwise.
 */
export function parsePayload(text: string, name = "payload"): Record<string, unknown> {
  if (text.length > MAX_PAYLOAD_BYTES) {
    throw new UsageError(
      `Cannot accept --payload "${name}": larger than the ${MAX_PAYLOAD_BYTES}-byte limit`,
      ErrorCode.PAYLOAD,
    );
  }
  const depth = maxDepth(text);
  if (depth > MAX_PAYLOAD_DEPTH) {
    throw new UsageError(
      `Cannot accept --payload "${name}": nesting depth ${depth} exceeds ${MAX_PAYLOAD_DEPTH}`,
      ErrorCode.PAYLOAD,
    );
  }
  let value: unknown;
  try {
    // A number JSON can spell but IEEE doubles cannot hold (1e400) would silently become
    // Infinity here and null in the trace: refuse it.
    value = JSON.parse(text, (_k, v) => {
      if (typeof v === "number" && !Number.isFinite(v)) throw new NonFinite();
      return v;
    });
  } catch (e) {
    if (e instanceof NonFinite) {
      throw new UsageError(
        `Invalid --payload "${name}": a number is out of range (larger than a 64-bit float)`,
        ErrorCode.PAYLOAD,
      );
    }
    throw new UsageError(
      `Cannot parse --payload "${name}": not valid JSON (${(e as Error).message})`,
      ErrorCode.PAYLOAD,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(
      `Invalid --payload "${name}": expected a JSON object, got ${
        value === null ? "null" : Array.isArray(value) ? "an array" : typeof value
      }`,
      ErrorCode.PAYLOAD,
    );
  }
  return value as Record<string, unknown>;
}

/** Bracket nesting depth of JSON text, ignoring brackets inside strings. */
function maxDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

class NonFinite extends Error {}

class TooLarge extends Error {
  constructor(readonly size: number) {
    super("too large");
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > MAX_PAYLOAD_BYTES) throw new TooLarge(size);
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
