import assert from "node:assert/strict";
import { StorageError } from "../../../errors.ts";
import { CS_REGISTRY } from "../../../actors/cs/constants.ts";
import { deriveRegistryAddress, registrySideEffect } from "../../../actors/cs/registry.ts";
import type { JsonObject } from "../../../actors/capability.ts";
import type { StoreRef } from "../../../storage/store.ts";
import { FakeTxn, makeCall } from "./_fake_txn.ts";

const STORE: StoreRef = { path: "reg/actors.json", format: "jsonl" };
const A1 = "ADDR_7a23265a909995e35f05657557a2afb1"; // [path, "KYC_1", 1]
const A2 = "ADDR_cad7c3dd2b722601e5ee81055e3fc1aa"; // [path, "KYC_2", 2]
const A3 = "ADDR_cdfb00d635bdd261b17281535e597bba"; // [path, "KYC_1", 3]

function run(txn: FakeTxn, op: string, inputs: JsonObject = {}, store: StoreRef | null = STORE) {
  return registrySideEffect(makeCall(txn, CS_REGISTRY, op, inputs, store));
}

Deno.test("deriveRegistryAddress() is ADDR_ + 32 hex of sha256(canonical [path, key, seq])", () => {
  assert.equal(deriveRegistryAddress(STORE.path, "KYC_1", 1), A1);
  assert.equal(deriveRegistryAddress(STORE.path, "KYC_1", 3), A3);
});

Deno.test("REGISTER appends the Python-shaped binding line and indexes it", async () => {
  const txn = new FakeTxn();
  const r = await run(txn, "REGISTER", {
    key: "KYC_1",
    target_cs: "CS_REGISTRY_V0",
    target_ref: "A_1",
    metadata: { ignored: true },
  });
  assert.deepEqual(r, { status: "SUCCESS", result: { result_status: "SUCCESS", address: A1 } });
  const lines = txn.logOf(STORE.path);
  assert.deepEqual(lines, [
    { key: "KYC_1", address: A1, target_cs: "CS_REGISTRY_V0", target_ref: "A_1" },
  ]);
  assert.deepEqual(Object.keys(lines[0] as object), ["key", "address", "target_cs", "target_ref"]);
  assert.deepEqual(txn.mapOf(STORE.path), {
    KYC_1: { key: "KYC_1", address: A1, target_cs: "CS_REGISTRY_V0", target_ref: "A_1" },
    ["\u0000addr:" + A1]: "KYC_1",
    "\u0000meta": { v: 1, active: 1 },
  });
  assert.deepEqual(txn.mutations(), [
    { store: STORE.path, kind: "append", key: "1" },
    { store: STORE.path, kind: "set", key: "KYC_1" },
    { store: STORE.path, kind: "set", key: "\u0000addr:" + A1 },
    { store: STORE.path, kind: "set", key: "\u0000meta" },
  ]);
});

Deno.test("REGISTER omits null targets and merges value without key/address/tombstone", async () => {
  const txn = new FakeTxn();
  await run(txn, "REGISTER", {
    key: "KYC_1",
    target_cs: null,
    value: { key: "evil", address: "ADDR_x", tombstone: true, note: "n", n: 2 },
  });
  assert.deepEqual(txn.logOf(STORE.path), [{ key: "KYC_1", address: A1, note: "n", n: 2 }]);
});

Deno.test("REGISTER on an active key gives ALREADY_EXISTS and writes nothing", async () => {
  const txn = new FakeTxn();
  await run(txn, "REGISTER", { key: "KYC_1", target_ref: "A_1" });
  const before = txn.mutations().length;
  const r = await run(txn, "REGISTER", { key: "KYC_1", target_ref: "A_other" });
  assert.deepEqual(r, { status: "ALREADY_EXISTS", result: { result_status: "ALREADY_EXISTS" } });
  assert.equal(txn.mutations().length, before);
  assert.equal(txn.logOf(STORE.path).length, 1);
});

Deno.test("REGISTER refuses bad keys and values with VIOLATION", async () => {
  const txn = new FakeTxn();
  const bad = [{}, { key: "" }, { key: 5 }, { key: "\u0000meta" }, { key: "x".repeat(257) }];
  for (const inputs of bad) {
    const r = await run(txn, "REGISTER", inputs);
    assert.equal(r.status, "VIOLATION");
    assert.equal(
      r.result.message,
      "Invalid key: expected a non-empty string of at most 256 characters",
    );
  }
  const ok = await run(txn, "REGISTER", { key: "é".repeat(256) });
  assert.equal(ok.status, "SUCCESS");
  const badValue = await run(txn, "REGISTER", { key: "k", value: [1] });
  assert.deepEqual(badValue.result, {
    result_status: "VIOLATION",
    message: "Invalid value: expected an object or null",
  });
});

Deno.test("RESOLVE finds by key or by address; unknown gives NOT_FOUND", async () => {
  const txn = new FakeTxn();
  await run(txn, "REGISTER", { key: "KYC_1", target_cs: "CS_X", target_ref: "A_1" });
  await run(txn, "REGISTER", { key: "KYC_2" });
  const expected = { result_status: "SUCCESS", target_cs: "CS_X", target_ref: "A_1" };
  assert.deepEqual((await run(txn, "RESOLVE", { key_or_address: "KYC_1" })).result, expected);
  assert.deepEqual((await run(txn, "RESOLVE", { key_or_address: A1 })).result, expected);
  assert.deepEqual((await run(txn, "RESOLVE", { key_or_address: A2 })).result, {
    result_status: "SUCCESS",
    target_cs: "",
    target_ref: "",
  });
  assert.deepEqual(await run(txn, "RESOLVE", { key_or_address: "nope" }), {
    status: "NOT_FOUND",
    result: { result_status: "NOT_FOUND" },
  });
  assert.equal((await run(txn, "RESOLVE", { key_or_address: "\u0000meta" })).status, "NOT_FOUND");
  const missing = await run(txn, "RESOLVE", {});
  assert.deepEqual(missing.result, {
    result_status: "VIOLATION",
    message: "Invalid key_or_address: expected a non-empty string",
  });
});

Deno.test("EXISTS and COUNT report active bindings only", async () => {
  const txn = new FakeTxn();
  assert.deepEqual((await run(txn, "COUNT")).result, { result_status: "SUCCESS", count: 0 });
  await run(txn, "REGISTER", { key: "KYC_1" });
  await run(txn, "REGISTER", { key: "KYC_2" });
  assert.deepEqual((await run(txn, "COUNT")).result, { result_status: "SUCCESS", count: 2 });
  assert.deepEqual((await run(txn, "EXISTS", { key_or_address: A2 })).result, {
    result_status: "SUCCESS",
    exists: true,
  });
  await run(txn, "DEREGISTER", { key_or_address: "KYC_2" });
  assert.deepEqual((await run(txn, "EXISTS", { key_or_address: "KYC_2" })).result, {
    result_status: "SUCCESS",
    exists: false,
  });
  assert.deepEqual((await run(txn, "COUNT")).result, { result_status: "SUCCESS", count: 1 });
  assert.equal((await run(txn, "EXISTS", { key_or_address: 3 })).status, "VIOLATION");
});

Deno.test("DEREGISTER appends a tombstone; repeat gives NOT_FOUND; re-REGISTER gets a new address", async () => {
  const txn = new FakeTxn();
  await run(txn, "REGISTER", { key: "KYC_1", target_ref: "A_1" });
  await run(txn, "REGISTER", { key: "KYC_2" });
  const r = await run(txn, "DEREGISTER", { key_or_address: A1 });
  assert.deepEqual(r, { status: "SUCCESS", result: { result_status: "SUCCESS" } });
  assert.deepEqual(await run(txn, "DEREGISTER", { key_or_address: "KYC_1" }), {
    status: "NOT_FOUND",
    result: { result_status: "NOT_FOUND" },
  });
  assert.equal((await run(txn, "RESOLVE", { key_or_address: A1 })).status, "NOT_FOUND");
  const again = await run(txn, "REGISTER", { key: "KYC_1", target_ref: "A_1b" });
  assert.deepEqual(again.result, {
    result_status: "SUCCESS",
    address: deriveRegistryAddress(STORE.path, "KYC_1", 4),
  });
  assert.deepEqual(txn.logOf(STORE.path), [
    { key: "KYC_1", address: A1, target_ref: "A_1" },
    { key: "KYC_2", address: A2 },
    { key: "KYC_1", address: A1, tombstone: true },
    { key: "KYC_1", address: again.result.address, target_ref: "A_1b" },
  ]);
  assert.deepEqual(Object.keys(txn.logOf(STORE.path)[2] as object), [
    "key",
    "address",
    "tombstone",
  ]);
  const map = txn.mapOf(STORE.path);
  assert.equal(map["\u0000addr:" + A1], undefined);
  assert.deepEqual(map["\u0000meta"], { v: 1, active: 2 });
  assert.deepEqual(map.KYC_1, { key: "KYC_1", address: again.result.address, target_ref: "A_1b" });
});

Deno.test("an imported log without index is indexed once by its first op, then answered from the index", async () => {
  const txn = new FakeTxn();
  txn.logs.set(STORE.path, [
    { key: "K1", address: "ADDR_old1", target_cs: "CS", target_ref: "R1" },
    { address: "ADDR_nokey" },
    { key: "K2", address: "ADDR_old2" },
    { key: "K1", address: "ADDR_old1", tombstone: true },
    { key: "K3", address: "ADDR_old3", target_ref: "R3" },
    { key: "K3", address: "ADDR_old3b", target_ref: "R3b" },
  ]);
  assert.deepEqual((await run(txn, "COUNT")).result, { result_status: "SUCCESS", count: 2 });
  assert.equal((await run(txn, "RESOLVE", { key_or_address: "K1" })).status, "NOT_FOUND");
  assert.deepEqual((await run(txn, "RESOLVE", { key_or_address: "ADDR_old3b" })).result, {
    result_status: "SUCCESS",
    target_cs: "",
    target_ref: "R3b",
  });
  assert.equal((await run(txn, "REGISTER", { key: "K2" })).status, "ALREADY_EXISTS");
  const r = await run(txn, "REGISTER", { key: "K1" });
  assert.deepEqual(r.result, {
    result_status: "SUCCESS",
    address: deriveRegistryAddress(STORE.path, "K1", 7),
  });
  assert.equal((await run(txn, "DEREGISTER", { key_or_address: "ADDR_old2" })).status, "SUCCESS");
  assert.deepEqual(txn.logOf(STORE.path).slice(6), [
    { key: "K1", address: r.result.address },
    { key: "K2", address: "ADDR_old2", tombstone: true },
  ]);
  const map = txn.mapOf(STORE.path);
  assert.deepEqual(map["\u0000meta"], { v: 1, active: 2 });
  assert.deepEqual(map.K3, { key: "K3", address: "ADDR_old3b", target_ref: "R3b" });
  assert.equal(map["\u0000addr:ADDR_old3b"], "K3");
  assert.equal(map["\u0000addr:" + r.result.address], "K1");
  assert.equal(map.K2, undefined);
  assert.equal(map["\u0000addr:ADDR_old2"], undefined);
  assert.deepEqual((await run(txn, "COUNT")).result, { result_status: "SUCCESS", count: 2 });
});

Deno.test("registry ops are case-insensitive; unknown op gives BACKEND_ERROR", async () => {
  const txn = new FakeTxn();
  assert.equal((await run(txn, "register", { key: "k" })).status, "SUCCESS");
  assert.deepEqual(await run(txn, "LOOKUP", {}), {
    status: "BACKEND_ERROR",
    result: { result_status: "BACKEND_ERROR", message: "No backend handler for op: LOOKUP" },
  });
});

Deno.test("registry without a store gives VIOLATION with a message", async () => {
  const r = await run(new FakeTxn(), "REGISTER", { key: "k" }, null);
  assert.equal(r.status, "VIOLATION");
  assert.equal(
    r.result.message,
    'Cannot run CS_REGISTRY_V0 REGISTER: no store declared (set "store" on the step to an ' +
      'entity of the RB storage structure, or "path" in the RB policy)',
  );
});

Deno.test("a StorageError from the transaction becomes BACKEND_ERROR; other errors propagate", async () => {
  const txn = new FakeTxn();
  txn.failWith = new StorageError("Cannot read store: disk gone");
  assert.deepEqual(await run(txn, "COUNT"), {
    status: "BACKEND_ERROR",
    result: { result_status: "BACKEND_ERROR", message: "Cannot read store: disk gone" },
  });
  txn.failWith = new TypeError("bug");
  await assert.rejects(() => run(txn, "COUNT"), TypeError);
});

Deno.test("concurrent REGISTERs of one key on one transaction write one line", async () => {
  const txn = new FakeTxn();
  const results = await Promise.all([
    run(txn, "REGISTER", { key: "K" }),
    run(txn, "REGISTER", { key: "K" }),
    run(txn, "REGISTER", { key: "K" }),
  ]);
  assert.deepEqual(results.map((r) => r.status), ["SUCCESS", "ALREADY_EXISTS", "ALREADY_EXISTS"]);
  assert.equal(txn.logOf(STORE.path).length, 1);
});

Deno.test("document mode: RESOLVE/EXISTS/COUNT answer from a key → value document, writes are refused", async () => {
  // The v0.2/v0.4 wallet store: written by CS_MUTABLE_JSON_V0, read by CS_REGISTRY_V0.
  const doc: StoreRef = { path: "wallet/state/wallets.json", format: "json" };
  const txn = new FakeTxn();
  txn.set(doc, "W_1", { wallet_id: "W_1", status: "active" });
  const resolved = await run(txn, "RESOLVE", { key_or_address: "W_1" }, doc);
  assert.deepEqual(resolved, {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", target_cs: "", target_ref: "" },
  });
  assert.deepEqual(await run(txn, "RESOLVE", { key_or_address: "W_2" }, doc), {
    status: "NOT_FOUND",
    result: { result_status: "NOT_FOUND" },
  });
  assert.deepEqual(
    (await run(txn, "exists", { key_or_address: "W_1" }, doc)).result,
    { result_status: "SUCCESS", exists: true },
  );
  assert.deepEqual((await run(txn, "COUNT", {}, doc)).result, {
    result_status: "SUCCESS",
    count: 1,
  });
  for (const op of ["REGISTER", "DEREGISTER"]) {
    const r = await run(txn, op, { key: "W_2", key_or_address: "W_1" }, doc);
    assert.equal(r.status, "BACKEND_ERROR", op);
    assert.match(String(r.result.message), /is a key → value document written by another kind/);
  }
  // Nothing but the document's own entry: no index, no log, no meta.
  assert.deepEqual(txn.mapOf(doc.path), { W_1: { wallet_id: "W_1", status: "active" } });
  assert.deepEqual(txn.logOf(doc.path), []);
});
