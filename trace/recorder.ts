/**
 * Turns run events into ordered `pgs.trace/1` records: one buffer per (child) run,
 * flattened depth-first in call order (so concurrent children never interleave), then
 * redacted and hash-chained. Observation only: nothing here feeds back into routing.
 *
 * @module
 */
import { canonicalJson, sha256Hex } from "../snapshot/canonical.ts";
import { GENESIS_PREV, type TraceRecord, type UnchainedRecord } from "./record.ts";
import { ValueTable } from "./shared_values.ts";

type Entry = UnchainedRecord | RunRecorder;

/** Distributive Omit over the record union. */
type WithoutRun<T> = T extends unknown ? Omit<T, "run"> : never;
/** A record as a run emits it (the recorder adds `run`). */
export type RunEvent = WithoutRun<UnchainedRecord>;

/** Collects the records of one run; child runs get their own nested recorder. */
export class RunRecorder {
  /** Run id stamped on every record. */
  readonly runId: string;
  #entries: Entry[] = [];

  /** Creates a recorder for run `runId`. */
  constructor(runId: string) {
    this.runId = runId;
  }

  /** Appends a record of this run. */
  push(event: RunEvent): void {
    this.#entries.push({ ...event, run: this.runId } as UnchainedRecord);
  }

  /** Opens a nested recorder for a child run; its records appear here, in call order. */
  child(childRunId: string): RunRecorder {
    const r = new RunRecorder(childRunId);
    this.#entries.push(r);
    return r;
  }

  /** Every record of this run and its children, depth-first. */
  flatten(): UnchainedRecord[] {
    const out: UnchainedRecord[] = [];
    for (const e of this.#entries) {
      if (e instanceof RunRecorder) out.push(...e.flatten());
      else out.push(e);
    }
    return out;
  }
}

/** What to hide: field names redacted everywhere, and secret values seen under them. */
export interface Redaction {
  /** Field names (from every reachable CC's `suppress_trace_fields`). */
  readonly fields: ReadonlySet<string>;
  /** Secret string values collected at run time; replaced wherever they occur. */
  readonly values: ReadonlySet<string>;
}

/** Prefix of every redacted value. */
export const REDACTED_PREFIX = "redacted:sha256:";

/** The stand-in written for a redacted value. */
export function redactedValue(value: unknown): string {
  return `${REDACTED_PREFIX}${sha256Hex(canonicalJson(value ?? null)).slice(0, 16)}`;
}

/** Deep copy of `value` with suppressed fields and secret values replaced. */
export function redact(value: unknown, r: Redaction): unknown {
  if (r.fields.size === 0 && r.values.size === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return r.values.has(v) ? redactedValue(v) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const already = typeof x === "string" && x.startsWith(REDACTED_PREFIX);
        out[k] = r.fields.has(k) && x !== null && !already ? redactedValue(x) : walk(x);
      }
      return out;
    }
    return v;
  };
  return walk(value);
}

/** Options of {@link chainRecords}. */
export interface ChainOptions {
  /**
   * Trace format: 2 records large values once (`shared`), 1 writes every copy (replay of a
   * `pgs.trace/1` trace must reproduce it byte for byte).
   * @default 2
   */
  readonly version?: 1 | 2;
}

/**
 * Sequences, redacts and chains records: `seq` is the line index, `prev` the sha256 of
 * the previous line. Returns the records, their JSONL lines (canonical JSON) and the chain
 * head (the hash of the last line, which the seal signs).
 */
export function chainRecords(
  records: readonly UnchainedRecord[],
  redaction: Redaction,
  options: ChainOptions = {},
): { records: TraceRecord[]; lines: string[]; head: string } {
  const table = (options.version ?? 2) === 2 ? new ValueTable() : null;
  const out: TraceRecord[] = [];
  const lines: string[] = [];
  let prev = GENESIS_PREV;
  for (const [seq, rec] of records.entries()) {
    const full = { ...redactRecord(rec, redaction), seq, prev } as TraceRecord;
    const line = table ? table.encode(full, seq) : canonicalJson(full);
    out.push(full);
    lines.push(line);
    prev = sha256Hex(line);
  }
  return { records: out, lines, head: prev };
}

const VALUE_FIELDS = ["payload", "inputs", "outputs", "result", "results"] as const;
// `key`: an effect's store key can be (or embed, in an index key) a suppressed value.
const TEXT_FIELDS = ["message", "error", "reasons", "key"] as const;

/** Redacts the data-carrying fields of a record; its own envelope fields are never touched. */
function redactRecord(rec: UnchainedRecord, r: Redaction): Record<string, unknown> {
  if (r.fields.size === 0 && r.values.size === 0) return rec;
  const out: Record<string, unknown> = { ...rec };
  for (const f of VALUE_FIELDS) if (f in out) out[f] = redact(out[f], r);
  // Free text (messages, errors, admission reasons) may quote a secret inside a sentence.
  const scrub = (text: string): string => {
    for (const secret of r.values) {
      if (secret.length >= 4 && text.includes(secret)) {
        text = text.split(secret).join(redactedValue(secret));
      }
    }
    return text;
  };
  for (const f of TEXT_FIELDS) {
    const v = out[f];
    if (typeof v === "string") out[f] = scrub(v);
    else if (Array.isArray(v)) out[f] = v.map((x) => typeof x === "string" ? scrub(x) : x);
  }
  return out;
}
