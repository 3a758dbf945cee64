/**
 * Canonical JSON (keys sorted by UTF-16 code unit, no whitespace, JSON.stringify string
 * escaping) and sha256 helpers, used for the snapshot digest and the trace hash chain.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { UsageError } from "../errors.ts";

/**
 * Canonical JSON text of a JSON value; `undefined` object members are dropped.
 *
 * @throws {UsageError} for a BigInt (JSON has no such number), a cyclic or too deeply nested
 *   value, or one whose text would be too long for a string.
 */
export function canonicalJson(value: unknown): string {
  try {
    return encode(value);
  } catch (e) {
    // The recursion overflows the stack on a cycle: the caller's value, not a runtime fault.
    if (!(e instanceof RangeError)) throw e;
    throw new UsageError(
      `Cannot encode canonical JSON: ${
        /call stack/i.test(e.message)
          ? "the value is cyclic or nested too deeply"
          : "the text would be too long"
      }`,
      undefined,
      { cause: e },
    );
  }
}

function encode(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint") {
      throw new UsageError("Cannot encode canonical JSON: a BigInt is not a JSON value");
    }
    const text = JSON.stringify(value);
    return text === undefined ? "null" : text;
  }
  // Plain loops: this runs on every trace record of every run.
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += encode(value[i]);
    }
    return out + "]";
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out += ",";
    first = false;
    out += JSON.stringify(k) + ":" + encode(v);
  }
  return out + "}";
}

const encoder = new TextEncoder();

/** sha256 hex in pure JS: no start-up cost (a single CLI run hashes a few hundred lines). */
function jsSha256Hex(text: string | Uint8Array): string {
  return bytesToHex(sha256(typeof text === "string" ? encoder.encode(text) : text));
}

let impl: (text: string | Uint8Array) => string = jsSha256Hex;
let hashed = 0;
let switching = false;

/**
 * After this many hashes a process is a long-running one (a batch, a server, a library
 * caller): worth loading the platform's native SHA-256, which hashes a trace line about 5×
 * faster but costs ~15 ms of start-up (Deno's Node compatibility layer) a short run would
 * not earn back. Digests are the same either way.
 */
const NATIVE_AFTER = 2_000;

function switchToNative(): void {
  switching = true;
  import("node:crypto").then(({ createHash }) => {
    impl = (text) => createHash("sha256").update(text).digest("hex");
  }, () => {
    // No native hash here (a restricted runtime): the JS one stays.
  });
}

/**
 * sha256 of the UTF-8 bytes of `text`, as 64 lowercase hex digits.
 *
 * @throws {UsageError} when `text` is neither a string nor a Uint8Array.
 */
export function sha256Hex(text: string | Uint8Array): string {
  if (typeof text !== "string" && !(text instanceof Uint8Array)) {
    throw new UsageError("Cannot hash: expected a string or a Uint8Array");
  }
  if (!switching && ++hashed > NATIVE_AFTER) switchToNative();
  return impl(text);
}
