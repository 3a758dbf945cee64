/**
 * The determinism boundary (SPEC §5). The only file that reads the wall clock or OS
 * entropy, once per run, recording both. Everything else receives a {@link RunContext}.
 *
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { ErrorCode, quoted, UsageError } from "../errors.ts";
import type { TransformContext } from "./capability.ts";

/** Label of the CT entropy streams; bump the version to change the derivation. */
export const CT_ENTROPY_LABEL = "pgs-runtime/ct-entropy/v1";
/** Label of the secret (key material) entropy streams. */
export const CT_SECRET_LABEL = "pgs-runtime/ct-secret/v1";

/** The run's clock and seed: both recorded in the trace header. */
export interface RunContext {
  /** Run clock, ISO-8601 UTC with milliseconds: `{{timestamp}}` and every CT `now`. */
  readonly startedAt: string;
  /** 32-byte seed as 64 lowercase hex digits. */
  readonly seed: string;
  /** A transform context whose entropy stream is scoped to `scope` (e.g. run/node/step#visit). */
  transformContext(scope: string): TransformContext;
}

const SEED_RE = /^[0-9a-fA-F]{2,128}$/;

/** Options of {@link createRunContext}. */
export interface RunContextOptions {
  /** Hex seed; default: 32 bytes of OS entropy. */
  seed?: string;
  /** ISO-8601 run clock; default: the wall clock now. */
  startedAt?: string;
  /**
   * Hex secret seed for key material (never recorded); default: 32 bytes of OS entropy.
   * Fix it only where byte-identical re-runs that generate keys are needed (tests).
   */
  secretSeed?: string;
}

/**
 * Creates a run context. Reads the wall clock and OS entropy only for values not given.
 *
 * @throws {UsageError} USAGE when the seed is not hex or the clock is not ISO-8601.
 */
export function createRunContext(options: RunContextOptions = {}): RunContext {
  const seed = validateSeed(options.seed ?? unsafeRandomHex(32));
  const startedAt = validateClock(options.startedAt ?? new Date().toISOString());
  const seedBytes = hexToBytes(seed.toLowerCase());
  const secret = options.secretSeed ?? unsafeRandomHex(32);
  if (!SEED_RE.test(secret) || secret.length % 2 !== 0) {
    throw new UsageError("Invalid secret seed: expected an even number (2-128) of hex digits");
  }
  const secretBytes = hexToBytes(secret.toLowerCase());
  const now = new Date(startedAt).toISOString();
  return {
    startedAt: now,
    seed: seed.toLowerCase(),
    transformContext(scope: string): TransformContext {
      // Every step gets a context and few draw from it: the streams start on first use.
      let random: ((n: number) => Uint8Array) | undefined;
      let secret: ((n: number) => Uint8Array) | undefined;
      return {
        now,
        randomBytes: (n) =>
          (random ??= entropyStream(seedBytes, `${CT_ENTROPY_LABEL}\0${scope}`))(
            byteCount(n, "randomBytes"),
          ),
        secretBytes: (n) =>
          (secret ??= entropyStream(secretBytes, `${CT_SECRET_LABEL}\0${scope}`))(
            byteCount(n, "secretBytes"),
          ),
      };
    },
  };
}

/**
 * Validates a hex seed (2-128 hex digits, even count).
 *
 * @throws {UsageError} USAGE otherwise.
 */
export function validateSeed(seed: string, label = "seed"): string {
  if (typeof seed !== "string" || !SEED_RE.test(seed) || seed.length % 2 !== 0) {
    throw new UsageError(
      `Invalid ${label} ${quoted(seed, 40)}: expected an even number (2-128) of hex ` +
        `digits`,
    );
  }
  return seed;
}

/**
 * Validates a run clock: an RFC 3339 date-time with an explicit zone and real fields.
 *
 * @throws {UsageError} USAGE otherwise.
 */
export function validateClock(text: string, label = "startedAt"): string {
  if (typeof text !== "string" || !isValidInstant(text)) {
    throw new UsageError(
      `Invalid ${label} ${quoted(text, 40)}: expected an RFC 3339 date-time with a ` +
        `time zone (Z or ±hh:mm), e.g. 2026-01-01T00:00:00.000Z`,
    );
  }
  return text;
}

const INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * True for an RFC 3339 date-time with an explicit zone and real calendar fields: without a
 * zone the same text would name different instants on different machines, and JavaScript
 * silently rolls 2024-02-30 over to March.
 */
function isValidInstant(text: string): boolean {
  const m = INSTANT_RE.exec(text);
  if (!m || Number.isNaN(Date.parse(text))) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((x) => Number(x ?? 0));
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d &&
    t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === sec;
}

/**
 * `n` of `ctx.randomBytes(n)` / `ctx.secretBytes(n)`, refused unless a non-negative integer:
 * the stream would hand back a wrong count (a negative `n` returns part of the pool, a
 * fraction is cut, `NaN` gives nothing) or, for `Infinity`, never return.
 *
 * @throws {TypeError} naming the call and the value; in a CT, a fault of the step.
 */
function byteCount(n: unknown, call: string): number {
  if (typeof n === "number" && Number.isSafeInteger(n) && n >= 0) return n;
  const got = typeof n === "number"
    ? String(n)
    : typeof n === "string"
    ? quoted(n, 20)
    : n === null
    ? "null"
    : typeof n;
  throw new TypeError(`ctx.${call}(n): expected a non-negative integer byte count, got ${got}`);
}

/** Bytes of one HMAC-SHA256 block of an entropy stream. */
const BLOCK = 32;

/**
 * A deterministic byte stream: HMAC-SHA256(seed, label || counter) blocks. Independent
 * labels give independent streams, so adding a consumer shifts no other.
 */
function entropyStream(seed: Uint8Array, label: string): (n: number) => Uint8Array {
  const prefix = utf8ToBytes(label);
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n: number) => {
    if (pool.length < n) {
      // Grown once per draw, not once per block: 1 MB took 4.4 s when each block copied the pool.
      const blocks = Math.ceil((n - pool.length) / BLOCK);
      const next = new Uint8Array(pool.length + blocks * BLOCK);
      next.set(pool);
      const msg = new Uint8Array(prefix.length + 4);
      msg.set(prefix);
      const view = new DataView(msg.buffer);
      for (let b = 0; b < blocks; b++) {
        view.setUint32(prefix.length, counter++);
        next.set(hmac(sha256, seed, msg), pool.length + b * BLOCK);
      }
      pool = next;
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}

function unsafeRandomHex(bytes: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

const TRACE_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A new unique trace id: UTC time plus 64 random bits, e.g. `T20261126T125500123Z_9f0c…`.
 */
export function unsafeNewTraceId(): string {
  const t = new Date().toISOString().replace(/[-:.]/g, "");
  return `T${t}_${unsafeRandomHex(8)}`;
}

/**
 * Validates a user-supplied trace id (`[A-Za-z0-9_-]`, 1-128 chars).
 *
 * @throws {UsageError} TRACE_ID when it does not match.
 */
export function validateTraceId(id: string, label = "traceId"): string {
  if (typeof id !== "string" || !TRACE_ID_RE.test(id)) {
    throw new UsageError(
      `Invalid ${label} ${quoted(id)}: expected 1-128 characters of [A-Za-z0-9_-]`,
      ErrorCode.TRACE_ID,
    );
  }
  return id;
}

/** Monotonic milliseconds, for out-of-body timings only (never part of a trace body). */
export function unsafeMonotonicMs(): number {
  return performance.now();
}
