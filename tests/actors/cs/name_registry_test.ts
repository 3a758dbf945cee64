import assert from "node:assert/strict";
import { StorageError } from "../../../errors.ts";
import { CS_NAME_REGISTRY } from "../../../actors/cs/constants.ts";
import { nameRegistrySideEffect } from "../../../actors/cs/name_registry.ts";
import type { JsonObject } from "../../../actors/capability.ts";
import type { StoreRef } from "../../../storage/store.ts";
import { FakeTxn, makeCall } from "./_fake_txn.ts";

const STORE: StoreRef = { path: "name_registry.json", format: "json" };

function run(txn: FakeTxn, op: string, inputs: JsonObject = {}, store: StoreRef | null = STORE) {
  return nameRegistrySideEffect(makeCall(txn, CS_NAME_REGISTRY, op, inputs, store));
}

Deno.test("name registry WRITE then READ; last write wins", async () => {
  const txn = new FakeTxn();
  assert.deepEqual(await run(txn, "WRITE", { name: "alice", resource_addresses: ["0xa"] }), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", success: true },
  });
  await run(txn, "WRITE", { name: "alice", resource_addresses: ["0xb", "0xc"] });
  assert.deepEqual(await run(txn, "READ", { name: "alice" }), {
    status: "SUCCESS",
    result: { result_status: "SUCCESS", resource_addresses: ["0xb", "0xc"] },
  });
  assert.deepEqual(txn.mapOf(STORE.path), { alice: { resource_addresses: ["0xb", "0xc"] } });
});

Deno.test("name registry READ of an unknown name gives NOT_FOUND with []", async () => {
  const txn = new FakeTxn();
  assert.deepEqual(await run(txn, "READ", { name: "bob" }), {
    status: "NOT_FOUND",
    result: { result_status: "NOT_FOUND", resource_addresses: [] },
  });
  txn.maps.set(STORE.path, new Map([["imported", {}]]));
  assert.deepEqual((await run(txn, "READ", { name: "imported" })).result, {
    result_status: "SUCCESS",
    resource_addresses: [],
  });
});

Deno.test("name registry validation gives VIOLATION with error", async () => {
  const txn = new FakeTxn();
  const cases: Array<[string, JsonObject, string]> = [
    ["READ", {}, "name must be non-empty string"],
    ["READ", { name: "" }, "name must be non-empty string"],
    ["WRITE", { name: 3, resource_addresses: [] }, "name must be non-empty string"],
    ["READ", { name: "n".repeat(257) }, "name must be at most 256 characters"],
    ["WRITE", { name: "a" }, "resource_addresses must be an array"],
    ["WRITE", { name: "a", resource_addresses: "0x1" }, "resource_addresses must be an array"],
    [
      "WRITE",
      { name: "a", resource_addresses: Array(101).fill("x") },
      "resource_addresses must hold at most 100 addresses",
    ],
    [
      "WRITE",
      { name: "a", resource_addresses: [1] },
      "resource_addresses must be an array of strings",
    ],
  ];
  for (const [op, inputs, error] of cases) {
    assert.deepEqual(await run(txn, op, inputs), {
      status: "VIOLATION",
      result: { result_status: "VIOLATION", error },
    });
  }
  assert.deepEqual(txn.mutations(), []);
});

Deno.test("name registry ops are case-sensitive: unknown op gives VIOLATION", async () => {
  const txn = new FakeTxn();
  for (const op of ["read", "DELETE"]) {
    assert.deepEqual(await run(txn, op, { name: "a" }), {
      status: "VIOLATION",
      result: { result_status: "VIOLATION", error: `Unsupported operation: ${op}` },
    });
  }
});

Deno.test("name registry: StorageError gives BACKEND_ERROR; no store gives VIOLATION", async () => {
  const txn = new FakeTxn();
  txn.failWith = new StorageError("gone");
  assert.deepEqual((await run(txn, "READ", { name: "a" })).result, {
    result_status: "BACKEND_ERROR",
    error: "gone",
  });
  const r = await run(new FakeTxn(), "WRITE", { name: "a", resource_addresses: [] }, null);
  assert.equal(r.status, "VIOLATION");
  assert.match(String(r.result.message), /^Cannot run CS_NAME_REGISTRY_V0 WRITE: no store/);
});
