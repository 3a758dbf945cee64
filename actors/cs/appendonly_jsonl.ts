/**
 * CS_APPENDONLY_JSONL_V0: an ordered event log (view format "jsonl").
 *
 * APPEND writes the line `{record_id, sequence_number, timestamp, actor_id, stream_id,
 * record}` (that key order, as the Python runtime writes it) and returns
 * `{record_id, sequence_number}`:
 * - `sequence_number` is the store's gap-free 1-based log number (per store, not per
 *   stream, as in the reference);
 * - `timestamp` is the run clock `ctx.now` (the reference used the wall clock);
 * - `record_id` = timestamp + "_" + (sequence_number - 1) zero-padded to 6 digits;
 * - `actor_id` and `stream_id` are copied as given (null when absent);
 * - `record` must be an object (declared type; "VIOLATION: Invalid record"), else
 *   VIOLATION — the reference never validated it.
 *
 * READ_ALL and GET_ALL return `{entries}`, optionally filtered by `stream_id` (Python
 * equality). Decision (capabilities.md §8.6): the snapshot declares GET_ALL with handler
 * `read_all`; the reference dispatched on `get_all` and answered BACKEND_ERROR. We honour
 * the declared handler, so CC_RECONCILE_BALANCES_V0 receives the committed history.
 *
 * Unknown op → BACKEND_ERROR "No backend handler for op: X" (case-insensitive names).
 *
 * @module
 */
import type { StoreRef } from "../../storage/store.ts";
import type { JsonObject, SideEffectCall, SideEffectFn, SideEffectResult } from "../capability.ts";
import { canonicalJson } from "../../snapshot/canonical.ts";
import { CsStatus } from "./constants.ts";
import { result, storeKind, violation } from "./_kind.ts";
import { copy, input, isObject, pyEqual } from "./_values.ts";

/** The `record_id` of the line numbered `sequence` (1-based) appended at `timestamp`. */
export function appendRecordId(timestamp: string, sequence: number): string {
  return `${timestamp}_${String(sequence - 1).padStart(6, "0")}`;
}

async function append(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const record = input(call.inputs, "record");
  if (!isObject(record)) return violation("Invalid record: expected an object");
  const timestamp = call.ctx.now;
  const sequence = await call.state.append(store, (sequenceNumber) => ({
    record_id: appendRecordId(timestamp, sequenceNumber),
    sequence_number: sequenceNumber,
    timestamp,
    actor_id: copy(input(call.inputs, "actor_id")),
    stream_id: copy(input(call.inputs, "stream_id")),
    record: copy(record),
  }));
  indexEvent(call, store, record, sequence);
  return result(CsStatus.SUCCESS, {
    record_id: appendRecordId(timestamp, sequence),
    sequence_number: sequence,
  });
}

/** Key-map marker: every record of this store since sequence 1 is in the event index. */
export const EVENT_INDEX_MARK = "\u0000evx";
/** Index key prefix of the records with event code `code`. */
export function eventCodePrefix(code: string): string {
  return `\u0000ev\u0000${code}\u0000`;
}
/** Index key prefix of the records with event code `code` whose `field` is `value`. */
export function eventFieldPrefix(code: string, field: string, value: unknown): string {
  return `\u0000ef\u0000${code}\u0000${field}\u0000${canonicalJson(value)}\u0000`;
}

/** Longest index key prefix (UTF-8 bytes) kept: well inside KV's 2 KiB key limit. */
const MAX_INDEX_PREFIX_BYTES = 1000;
const encoder = new TextEncoder();

/**
 * True when an index key with this prefix is kept. A longer one (a very long event code or
 * field name) is not written, and WF admission scans the journal for it instead.
 */
export function indexPrefixFits(prefix: string): boolean {
  return encoder.encode(prefix).length <= MAX_INDEX_PREFIX_BYTES;
}

/** True for the field values the event index holds: scalars of at most 200 JSON chars. */
export function isIndexableValue(value: unknown): boolean {
  return value !== null && typeof value !== "object" && value !== undefined &&
    canonicalJson(value).length <= 200;
}

/**
 * Indexes an event record (one carrying `event_code` or `event_type`) for WF admission:
 * one key per record and per top-level scalar field, written blind (no read), so the
 * check costs a few range reads instead of a scan of the whole journal. A store that
 * had records before it was indexed (imported) never gets the marker and is scanned.
 */
function indexEvent(call: SideEffectCall, store: StoreRef, record: JsonObject, seq: number): void {
  const code = typeof record.event_code === "string"
    ? record.event_code
    : typeof record.event_type === "string"
    ? record.event_type
    : null;
  if (seq === 1) call.state.set(store, EVENT_INDEX_MARK, 1);
  if (code === null) return;
  const codePrefix = eventCodePrefix(code);
  if (indexPrefixFits(codePrefix)) call.state.set(store, `${codePrefix}${seq}`, 1);
  for (const [field, value] of Object.entries(record)) {
    if (!isIndexableValue(value)) continue;
    const prefix = eventFieldPrefix(code, field, value);
    if (indexPrefixFits(prefix)) call.state.set(store, `${prefix}${seq}`, 1);
  }
}

async function readAll(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const streamId = input(call.inputs, "stream_id");
  const log = await call.state.log(store);
  const entries = streamId === null
    ? log
    : log.filter((line) => isObject(line) && pyEqual(line.stream_id, streamId));
  return result(CsStatus.SUCCESS, { entries: copy(entries) });
}

/** CS_APPENDONLY_JSONL_V0: APPEND, READ_ALL, GET_ALL (= READ_ALL). */
export const appendOnlyJsonlSideEffect: SideEffectFn = storeKind({
  code: "CS_APPENDONLY_JSONL_V0",
  ops: { APPEND: append, READ_ALL: readAll, GET_ALL: readAll },
  caseInsensitive: true,
  unknownOp: (op) =>
    result(CsStatus.BACKEND_ERROR, { message: `No backend handler for op: ${op}` }),
});
