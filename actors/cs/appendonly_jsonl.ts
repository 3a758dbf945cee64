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
import type { SideEffectCall, SideEffectFn, SideEffectResult } from "../capability.ts";
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
  return result(CsStatus.SUCCESS, {
    record_id: appendRecordId(timestamp, sequence),
    sequence_number: sequence,
  });
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
