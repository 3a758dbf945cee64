import assert from "node:assert/strict";
import { CS_APPENDONLY_JSONL } from "../../../actors/cs/constants.ts";
import {
  appendOnlyJsonlSideEffect,
  appendRecordId,
  EVENT_INDEX_MARK,
  eventCodePrefix,
  eventFieldPrefix,
} from "../../../actors/cs/appendonly_jsonl.ts";
import type { JsonObject } from "../../../actors/capability.ts";
import type { StoreRef } from "../../../storage/store.ts";
import { FakeTxn, makeCall, NOW } from "./_fake_txn.ts";

const STORE: StoreRef = { path: "bc/events/identity_events.jsonl", format: "jsonl" };
const OTHER: StoreRef = { path: "bc/events/other.jsonl", format: "jsonl" };

function run(txn: FakeTxn, op: string, inputs: JsonObject = {}, store: StoreRef | null = STORE) {
  return appendOnlyJsonlSideEffect(makeCall(txn, CS_APPENDONLY_JSONL, op, inputs, store));
}

Deno.test("appendRecordId() is timestamp + _ + 6-digit (sequence - 1)", () => {
  assert.equal(appendRecordId("T", 1), "T_000000");
  assert.equal(appendRecordId("T", 1234568), "T_1234567");
});

Deno.test("APPEND writes the Python-shaped line with the run clock and per-store sequence", async () => {
  const txn = new FakeTxn();
  const r1 = await run(txn, "APPEND", {
    record: { event_code: "EV_A", n: 1 },
    stream_id: "A_1",
    actor_id: "A_1",
  });
  assert.deepEqual(r1, {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", record_id: `${NOW}_000000`, sequence_number: 1 },
  });
  const r2 = await run(txn, "append", { record: {} });
  assert.deepEqual(r2.result, {
    result_status: "SUCCESS",
    record_id: `${NOW}_000001`,
    sequence_number: 2,
  });
  const r3 = await run(txn, "APPEND", { record: { x: 1 } }, OTHER);
  assert.equal(r3.result.sequence_number, 1);
  const lines = txn.logOf(STORE.path);
  assert.deepEqual(lines, [
    {
      record_id: `${NOW}_000000`,
      sequence_number: 1,
      timestamp: NOW,
      actor_id: "A_1",
      stream_id: "A_1",
      record: { event_code: "EV_A", n: 1 },
    },
    {
      record_id: `${NOW}_000001`,
      sequence_number: 2,
      timestamp: NOW,
      actor_id: null,
      stream_id: null,
      record: {},
    },
  ]);
  assert.deepEqual(Object.keys(lines[0] as object), [
    "record_id",
    "sequence_number",
    "timestamp",
    "actor_id",
    "stream_id",
    "record",
  ]);
  // Appends, plus the private event index (NUL-prefixed keys) of the event record.
  assert.deepEqual(txn.mutations(), [
    { store: STORE.path, kind: "append", key: "1" },
    { store: STORE.path, kind: "set", key: "\u0000evx" },
    { store: STORE.path, kind: "set", key: "\u0000ev\u0000EV_A\u00001" },
    {
      store: STORE.path,
      kind: "set",
      key: '\u0000ef\u0000EV_A\u0000event_code\u0000"EV_A"\u00001',
    },
    { store: STORE.path, kind: "set", key: "\u0000ef\u0000EV_A\u0000n\u00001\u00001" },
    { store: STORE.path, kind: "append", key: "2" },
    { store: OTHER.path, kind: "append", key: "1" },
    { store: OTHER.path, kind: "set", key: "\u0000evx" },
  ]);
});

Deno.test("APPEND copies the record: later changes to the input do not reach state", async () => {
  const txn = new FakeTxn();
  const record = { a: [1] };
  await run(txn, "APPEND", { record });
  record.a.push(2);
  assert.deepEqual((txn.logOf(STORE.path)[0] as JsonObject).record, { a: [1] });
});

Deno.test("APPEND of a non-object record gives VIOLATION and writes nothing", async () => {
  const txn = new FakeTxn();
  for (const record of [undefined, null, "x", [1]]) {
    const r = await run(txn, "APPEND", record === undefined ? {} : { record });
    assert.deepEqual(r, {
      status: "VIOLATION",
      result: { result_status: "VIOLATION", message: "Invalid record: expected an object" },
    });
  }
  assert.deepEqual(txn.mutations(), []);
});

Deno.test("READ_ALL and GET_ALL return every entry, or those of one stream (Python equality)", async () => {
  const txn = new FakeTxn();
  await run(txn, "APPEND", { record: { i: 1 }, stream_id: "S1" });
  await run(txn, "APPEND", { record: { i: 2 }, stream_id: "S2" });
  await run(txn, "APPEND", { record: { i: 3 }, stream_id: 1 });
  const all = await run(txn, "READ_ALL");
  assert.equal(all.status, "SUCCESS");
  assert.deepEqual(all.result.entries, txn.logOf(STORE.path));
  const viaGetAll = await run(txn, "GET_ALL", { stream_id: "S2" });
  assert.deepEqual(viaGetAll.result, {
    result_status: "SUCCESS",
    entries: [txn.logOf(STORE.path)[1]],
  });
  const numeric = await run(txn, "get_all", { stream_id: true });
  assert.deepEqual(numeric.result.entries, [txn.logOf(STORE.path)[2]]);
  const empty = await run(new FakeTxn(), "GET_ALL");
  assert.deepEqual(empty.result, { result_status: "SUCCESS", entries: [] });
  assert.deepEqual(
    txn.mutations().filter((m) => m.kind !== "append").map((m) => m.key),
    ["\u0000evx"],
    "records without an event code are not indexed; only the index marker is set",
  );
});

Deno.test("APPEND indexes event records so admission reads a range, not the journal", async () => {
  const txn = new FakeTxn();
  await run(txn, "APPEND", { record: { event_code: "EV_X", actor_id: "A_1", payload: { a: 1 } } });
  await run(txn, "APPEND", { record: { event_type: "EV_Y", actor_id: "A_2" } });
  assert.deepEqual(await txn.keys(STORE, eventCodePrefix("EV_X")), [`${eventCodePrefix("EV_X")}1`]);
  assert.deepEqual(await txn.keys(STORE, eventFieldPrefix("EV_X", "actor_id", "A_1")), [
    `${eventFieldPrefix("EV_X", "actor_id", "A_1")}1`,
  ]);
  assert.deepEqual(await txn.keys(STORE, eventFieldPrefix("EV_Y", "actor_id", "A_2")), [
    `${eventFieldPrefix("EV_Y", "actor_id", "A_2")}2`,
  ]);
  assert.deepEqual(await txn.keys(STORE, eventFieldPrefix("EV_X", "payload", { a: 1 })), []);
  assert.equal(await txn.get(STORE, EVENT_INDEX_MARK), 1);
});

Deno.test("appendonly: unknown op BACKEND_ERROR, missing store VIOLATION", async () => {
  const txn = new FakeTxn();
  assert.deepEqual(await run(txn, "GET_RANGE"), {
    status: "BACKEND_ERROR",
    result: { result_status: "BACKEND_ERROR", message: "No backend handler for op: GET_RANGE" },
  });
  const r = await run(txn, "APPEND", { record: {} }, null);
  assert.equal(r.status, "VIOLATION");
  assert.match(String(r.result.message), /^Cannot run CS_APPENDONLY_JSONL_V0 APPEND: no store/);
});
