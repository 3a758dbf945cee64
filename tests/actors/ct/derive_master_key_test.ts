import assert from "node:assert/strict";
import { hmac } from "@noble/hashes/hmac.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { HDKey } from "@scure/bip32";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_DERIVE_MASTER_KEY_V0";

Deno.test("CT_PURE_DERIVE_MASTER_KEY_V0 matches BIP32 test vector 1 and @scure/bip32", () => {
  const seed = "000102030405060708090a0b0c0d0e0f";
  const ref = HDKey.fromMasterSeed(hexToBytes(seed));
  assert.deepEqual(runCt(FQDN, { seed_bytes: seed }), {
    master_private_key_bytes: "0xe8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35",
    master_chain_code_bytes: "0x873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508",
  });
  assert.equal(
    bytesToHex(ref.privateKey!),
    "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35",
  );
});

Deno.test("CT_PURE_DERIVE_MASTER_KEY_V0 accepts seeds over 64 bytes (no upper bound)", () => {
  const seed = "ab".repeat(100);
  const i = hmac(sha512, utf8ToBytes("Bitcoin seed"), hexToBytes(seed));
  assert.deepEqual(runCt(FQDN, { seed_bytes: `0x${seed}` }), {
    master_private_key_bytes: `0x${bytesToHex(i.subarray(0, 32))}`,
    master_chain_code_bytes: `0x${bytesToHex(i.subarray(32))}`,
  });
});

Deno.test("CT_PURE_DERIVE_MASTER_KEY_V0 rejects seeds under 16 bytes", () => {
  assert.throws(() => runCt(FQDN, { seed_bytes: "00".repeat(15) }), CtViolation);
  assert.throws(() => runCt(FQDN, { seed_bytes: null }), CtViolation);
});
