import assert from "node:assert/strict";
import { join } from "node:path";
import { openMemoryStore } from "../../../storage/memory_store.ts";
import type { StateTxn, StoreRef } from "../../../storage/store.ts";
import type { JsonObject, SideEffectResult } from "../../../actors/capability.ts";
import { BUILTIN_SIDE_EFFECTS, deriveRegistryAddress } from "../../../actors/cs/mod.ts";
import { CS_APPENDONLY_JSONL, CS_MUTABLE_JSON, CS_REGISTRY } from "../../../actors/cs/constants.ts";
import { makeCall, NOW } from "./_fake_txn.ts";
import { tempDir } from "../../_support/tmp.ts";

const REG: StoreRef = { path: "reg/actors.json", format: "jsonl" };
const EVENTS: StoreRef = { path: "events/e.jsonl", format: "jsonl" };
const DOC: StoreRef = { path: "state/doc.json", format: "json" };

function call(
  txn: StateTxn,
  fqdn: string,
  op: string,
  inputs: JsonObject,
  store: StoreRef,
): Promise<SideEffectResult> {
  return BUILTIN_SIDE_EFFECTS[fqdn](makeCall(txn, fqdn, op, inputs, store));
}

Deno.test("CS kinds on the memory store: imported Python registry, fresh stores, views", async () => {
  const root = await tempDir();
  try {
    await Deno.mkdir(join(root, "reg"), { recursive: true });
    await Deno.writeTextFile(
      join(root, REG.path),
      '{"key": "K1", "address": "ADDR_py1", "target_ref": "R1"}\n' +
        '{"key": "K1", "address": "ADDR_py1", "tombstone": true}\n' +
        '{"key": "K2", "address": "ADDR_py2", "target_cs": "CS", "target_ref": "R2"}\n',
    );
    const store = await openMemoryStore({ dataRoot: root });
    const { value } = await store.transact(async (txn) => {
      const out = [
        await call(txn, CS_REGISTRY, "COUNT", {}, REG),
        await call(txn, CS_REGISTRY, "RESOLVE", { key_or_address: "ADDR_py2" }, REG),
        await call(txn, CS_REGISTRY, "REGISTER", { key: "K2" }, REG),
        await call(txn, CS_REGISTRY, "REGISTER", { key: "K1", target_ref: "R1b" }, REG),
        await call(
          txn,
          CS_APPENDONLY_JSONL,
          "APPEND",
          { record: { a: 1 }, stream_id: "S" },
          EVENTS,
        ),
        await call(txn, CS_MUTABLE_JSON, "WRITE", { key: "b", value: { n: 1 } }, DOC),
        await call(txn, CS_MUTABLE_JSON, "WRITE", { key: "a", value: [1] }, DOC),
      ];
      return { value: out, trace: null };
    });
    assert.deepEqual(value.map((r) => r.status), [
      "SUCCESS",
      "SUCCESS",
      "ALREADY_EXISTS",
      "SUCCESS",
      "SUCCESS",
      "SUCCESS",
      "SUCCESS",
    ]);
    assert.deepEqual(value[0].result, { result_status: "SUCCESS", count: 1 });
    assert.deepEqual(value[1].result, {
      result_status: "SUCCESS",
      target_cs: "CS",
      target_ref: "R2",
    });
    const address = deriveRegistryAddress(REG.path, "K1", 4);
    assert.deepEqual(value[3].result, { result_status: "SUCCESS", address });

    const second = await store.transact(async (txn) => ({
      value: [
        await call(txn, CS_REGISTRY, "COUNT", {}, REG),
        await call(txn, CS_REGISTRY, "RESOLVE", { key_or_address: address }, REG),
        await call(txn, CS_APPENDONLY_JSONL, "GET_ALL", { stream_id: "S" }, EVENTS),
        await call(txn, CS_MUTABLE_JSON, "LIST", {}, DOC),
      ],
      trace: null,
    }));
    assert.deepEqual(second.value[0].result, { result_status: "SUCCESS", count: 2 });
    assert.deepEqual(second.value[1].result.target_ref, "R1b");
    assert.deepEqual(second.value[2].result.entries, [{
      record_id: `${NOW}_000000`,
      sequence_number: 1,
      timestamp: NOW,
      actor_id: null,
      stream_id: "S",
      record: { a: 1 },
    }]);
    assert.deepEqual(second.value[3].result.keys, ["a", "b"]);
    await store.close();

    const registryLines = (await Deno.readTextFile(join(root, REG.path))).trim().split("\n");
    assert.equal(registryLines.length, 4);
    assert.deepEqual(JSON.parse(registryLines[3]), { key: "K1", address, target_ref: "R1b" });
    const doc = JSON.parse(await Deno.readTextFile(join(root, DOC.path)));
    assert.deepEqual(doc, { a: [1], b: { n: 1 } });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("two concurrent transactions REGISTER one key: one SUCCESS, one ALREADY_EXISTS", async () => {
  const store = await openMemoryStore();
  try {
    const register = () =>
      store.transact(async (txn) => ({
        value: await call(txn, CS_REGISTRY, "REGISTER", { key: "K" }, REG),
        trace: null,
      }));
    const results = await Promise.all([register(), register()]);
    assert.deepEqual(results.map((r) => r.value.status).sort(), ["ALREADY_EXISTS", "SUCCESS"]);
    const count = await store.transact(async (txn) => ({
      value: await call(txn, CS_REGISTRY, "COUNT", {}, REG),
      trace: null,
    }));
    assert.deepEqual(count.value.result, { result_status: "SUCCESS", count: 1 });
  } finally {
    await store.close();
  }
});
