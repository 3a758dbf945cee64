import assert from "node:assert/strict";
import { CS_MUTABLE_JSON } from "../../../actors/cs/constants.ts";
import { mutableJsonSideEffect } from "../../../actors/cs/mutable_json.ts";
import type { JsonObject } from "../../../actors/capability.ts";
import type { StoreRef } from "../../../storage/store.ts";
import { FakeTxn, makeCall } from "./_fake_txn.ts";

const STORE: StoreRef = { path: "bc/mempool/state/mempool.json", format: "json" };
const KEY_MESSAGE =
  "Invalid key: expected a string with a non-whitespace character, at most 256 characters";

function run(txn: FakeTxn, op: string, inputs: JsonObject = {}, store: StoreRef | null = STORE) {
  return mutableJsonSideEffect(makeCall(txn, CS_MUTABLE_JSON, op, inputs, store));
}

Deno.test("WRITE then READ; last write wins; absent value stores null", async () => {
  const txn = new FakeTxn();
  assert.deepEqual(await run(txn, "WRITE", { key: "a", value: { n: 1 } }), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS" },
  });
  assert.deepEqual(await run(txn, "READ", { key: "a" }), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", value: { n: 1 } },
  });
  await run(txn, "write", { key: "a", value: 2 });
  assert.deepEqual((await run(txn, "READ", { key: "a" })).result.value, 2);
  await run(txn, "WRITE", { key: "b" });
  assert.deepEqual(await run(txn, "READ", { key: "b" }), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", value: null },
  });
  assert.deepEqual(txn.mapOf(STORE.path), { a: 2, b: null });
  assert.deepEqual(txn.mutations(), [
    { store: STORE.path, kind: "set", key: "a" },
    { store: STORE.path, kind: "set", key: "a" },
    { store: STORE.path, kind: "set", key: "b" },
  ]);
});

Deno.test("READ of an absent key gives NOT_FOUND; the returned value is a copy", async () => {
  const txn = new FakeTxn();
  assert.deepEqual(await run(txn, "READ", { key: "x" }), {
    status: "NOT_FOUND",
    result: { result_status: "NOT_FOUND" },
  });
  await run(txn, "WRITE", { key: "x", value: { list: [1] } });
  const r = await run(txn, "READ", { key: "x" });
  (r.result.value as { list: number[] }).list.push(2);
  assert.deepEqual(txn.mapOf(STORE.path).x, { list: [1] });
});

Deno.test("key validation gives VIOLATION for READ/WRITE/DELETE/EXISTS", async () => {
  const txn = new FakeTxn();
  for (const op of ["READ", "WRITE", "DELETE", "EXISTS"]) {
    for (const inputs of [{}, { key: "" }, { key: "  \t" }, { key: 7 }, { key: "k".repeat(257) }]) {
      assert.deepEqual(await run(txn, op, inputs), {
        status: "VIOLATION",
        result: { result_status: "VIOLATION", message: KEY_MESSAGE },
      });
    }
  }
  assert.deepEqual(txn.mutations(), []);
});

Deno.test("DELETE removes a present key, NOT_FOUND otherwise; EXISTS reports", async () => {
  const txn = new FakeTxn();
  await run(txn, "WRITE", { key: "a", value: 1 });
  assert.deepEqual((await run(txn, "EXISTS", { key: "a" })).result, {
    result_status: "SUCCESS",
    exists: true,
  });
  assert.deepEqual(await run(txn, "DELETE", { key: "a" }), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS" },
  });
  assert.deepEqual(await run(txn, "DELETE", { key: "a" }), {
    status: "NOT_FOUND",
    result: { result_status: "NOT_FOUND" },
  });
  assert.deepEqual((await run(txn, "EXISTS", { key: "a" })).result, {
    result_status: "SUCCESS",
    exists: false,
  });
  assert.deepEqual(txn.mapOf(STORE.path), {});
});

Deno.test("LIST gives records and keys in key order; LIST_KEYS gives keys", async () => {
  const txn = new FakeTxn();
  assert.deepEqual((await run(txn, "LIST")).result, {
    result_status: "SUCCESS",
    records: [],
    keys: [],
  });
  await run(txn, "WRITE", { key: "tx_b", value: { s: "B" } });
  await run(txn, "WRITE", { key: "tx_a", value: { s: "A" } });
  assert.deepEqual(await run(txn, "LIST"), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", records: [{ s: "A" }, { s: "B" }], keys: ["tx_a", "tx_b"] },
  });
  assert.deepEqual((await run(txn, "LIST_KEYS")).result, {
    result_status: "SUCCESS",
    keys: ["tx_a", "tx_b"],
  });
});

Deno.test("DELETE_MANY drains the present keys once each; null keys = []", async () => {
  const txn = new FakeTxn();
  for (const key of ["a", "b", "c"]) await run(txn, "WRITE", { key, value: key });
  assert.deepEqual(await run(txn, "DELETE_MANY", { keys: ["a", "zz", "c", "a", 5] }), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", drained_count: 2 },
  });
  assert.deepEqual(txn.mapOf(STORE.path), { b: "b" });
  assert.deepEqual((await run(txn, "DELETE_MANY", { keys: null })).result, {
    result_status: "SUCCESS",
    drained_count: 0,
  });
  assert.deepEqual((await run(txn, "DELETE_MANY", {})).result.drained_count, 0);
  assert.deepEqual(await run(txn, "DELETE_MANY", { keys: "abc" }), {
    status: "VIOLATION",
    result: {
      result_status: "VIOLATION",
      message: "Invalid keys: expected an array of keys or null",
    },
  });
});

Deno.test("UPDATE_WHERE claims matching records with Python equality; null removes a field", async () => {
  const txn = new FakeTxn();
  await run(txn, "WRITE", { key: "t2", value: { status: "PENDING", amount: 1.0 } });
  await run(txn, "WRITE", {
    key: "t1",
    value: { status: "PENDING", amount: 1, claimed_by: "old" },
  });
  await run(txn, "WRITE", { key: "t3", value: { status: "CLAIMED", amount: 1 } });
  await run(txn, "WRITE", { key: "t4", value: "not a record" });
  await run(txn, "WRITE", { key: "t5", value: { status: "PENDING", amount: true } });
  const r = await run(txn, "UPDATE_WHERE", {
    filter: { status: "PENDING", amount: 1 },
    updates: { status: "CLAIMED", claimed_by: "P1", note: null },
  });
  assert.deepEqual(r, {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", matched_keys: ["t1", "t2", "t5"], updated_count: 3 },
  });
  const map = txn.mapOf(STORE.path);
  assert.deepEqual(map.t1, { status: "CLAIMED", amount: 1, claimed_by: "P1" });
  assert.deepEqual(Object.keys(map.t2 as object), ["status", "amount", "claimed_by"]);
  assert.deepEqual(map.t3, { status: "CLAIMED", amount: 1 });
  const release = await run(txn, "UPDATE_WHERE", {
    filter: { claimed_by: "P1", status: "CLAIMED" },
    updates: { claimed_by: null, status: "PENDING" },
  });
  assert.deepEqual(release.result.matched_keys, ["t1", "t2", "t5"]);
  assert.deepEqual(txn.mapOf(STORE.path).t1, { status: "PENDING", amount: 1 });
});

Deno.test("UPDATE_WHERE: empty filter matches every object record; missing field equals null", async () => {
  const txn = new FakeTxn();
  await run(txn, "WRITE", { key: "a", value: { x: 1 } });
  await run(txn, "WRITE", { key: "b", value: [1] });
  const all = await run(txn, "UPDATE_WHERE", { filter: {}, updates: {} });
  assert.deepEqual(all.result, { result_status: "SUCCESS", matched_keys: ["a"], updated_count: 1 });
  const nullMatch = await run(txn, "UPDATE_WHERE", { filter: { y: null }, updates: { y: 2 } });
  assert.deepEqual(nullMatch.result.matched_keys, ["a"]);
  assert.deepEqual(txn.mapOf(STORE.path).a, { x: 1, y: 2 });
});

Deno.test("UPDATE_WHERE with no match gives VIOLATION and writes nothing", async () => {
  const txn = new FakeTxn();
  await run(txn, "WRITE", { key: "a", value: { status: "CLAIMED" } });
  const before = txn.mutations().length;
  assert.deepEqual(
    await run(txn, "UPDATE_WHERE", { filter: { status: "PENDING" }, updates: { status: "X" } }),
    {
      status: "VIOLATION",
      result: {
        result_status: "VIOLATION",
        message: "No record matches the filter",
        matched_keys: [],
        updated_count: 0,
      },
    },
  );
  assert.equal(txn.mutations().length, before);
  assert.deepEqual(await run(txn, "UPDATE_WHERE", { filter: null, updates: {} }), {
    status: "VIOLATION",
    result: {
      result_status: "VIOLATION",
      message: "Invalid filter: expected an object of field values",
    },
  });
  assert.deepEqual((await run(txn, "UPDATE_WHERE", { filter: {}, updates: [1] })).result, {
    result_status: "VIOLATION",
    message: "Invalid updates: expected an object of field values",
  });
});

Deno.test("mutable json: old GET/PUT ops give BACKEND_ERROR; no store gives VIOLATION", async () => {
  const txn = new FakeTxn();
  for (const op of ["GET", "PUT"]) {
    assert.deepEqual(await run(txn, op, { key: "a" }), {
      status: "BACKEND_ERROR",
      result: { result_status: "BACKEND_ERROR", message: `No backend handler for op: ${op}` },
    });
  }
  const r = await run(txn, "READ", { key: "a" }, null);
  assert.equal(r.status, "VIOLATION");
  assert.match(String(r.result.message), /^Cannot run CS_MUTABLE_JSON_V0 READ: no store/);
});
