import assert from "node:assert/strict";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { HDKey } from "@scure/bip32";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_DERIVE_CHILD_KEY_V0";
const MASTER = {
  parent_private_key_bytes: "0xe8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35",
  parent_chain_code_bytes: "0x873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508",
};

Deno.test("CT_PURE_DERIVE_CHILD_KEY_V0 matches BIP32 test vector 1, m/0H", () => {
  assert.deepEqual(runCt(FQDN, { ...MASTER, index: 0x80000000 }), {
    child_private_key_bytes: "0xedb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea",
    child_chain_code_bytes: "0x47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141",
  });
});

Deno.test("CT_PURE_DERIVE_CHILD_KEY_V0 non-hardened child matches @scure/bip32 m/1", () => {
  const ref = HDKey.fromMasterSeed(hexToBytes("000102030405060708090a0b0c0d0e0f")).derive("m/1");
  assert.deepEqual(runCt(FQDN, { ...MASTER, index: 1 }), {
    child_private_key_bytes: `0x${bytesToHex(ref.privateKey!)}`,
    child_chain_code_bytes: `0x${bytesToHex(ref.chainCode!)}`,
  });
});

Deno.test("CT_PURE_DERIVE_CHILD_KEY_V0 rejects bad indices, lengths and keys", () => {
  const bad = [
    { ...MASTER, index: -1 },
    { ...MASTER, index: 2 ** 32 },
    { ...MASTER, index: "0" },
    { ...MASTER, index: 1.5 },
    { ...MASTER, index: 0, parent_private_key_bytes: "0x" + "11".repeat(31) },
    { ...MASTER, index: 0, parent_chain_code_bytes: "0x" + "11".repeat(33) },
    { ...MASTER, index: 0, parent_private_key_bytes: "0x" + "00".repeat(32) },
  ];
  for (const inputs of bad) {
    assert.throws(() => runCt(FQDN, inputs), CtViolation, JSON.stringify(inputs));
  }
});
