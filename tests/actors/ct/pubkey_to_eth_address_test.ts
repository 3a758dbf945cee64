import assert from "node:assert/strict";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_PUBKEY_TO_ETH_ADDRESS_V0";

function pub(privateKeyHex: string): string {
  return `0x${bytesToHex(secp256k1.getPublicKey(hexToBytes(privateKeyHex), false))}`;
}

Deno.test("CT_PURE_PUBKEY_TO_ETH_ADDRESS_V0 gives known Ethereum addresses", () => {
  // Private key 1 is the well-known 0x7e5f…5bdf; 0x11…11 is the reference's golden value.
  assert.deepEqual(runCt(FQDN, { public_key_uncompressed_bytes: pub("00".repeat(31) + "01") }), {
    eth_address_hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
  });
  assert.deepEqual(runCt(FQDN, { public_key_uncompressed_bytes: pub("11".repeat(32)) }), {
    eth_address_hex: "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a",
  });
});

Deno.test("CT_PURE_PUBKEY_TO_ETH_ADDRESS_V0 equals keccak256(X‖Y)[12:] computed directly", () => {
  const key = pub("f79bb0d317b310b261a55a8ab393b4c8a1aba6fa4d08aef379caba502d5d67f9");
  const direct = bytesToHex(keccak_256(hexToBytes(key.slice(4))).subarray(12));
  assert.deepEqual(runCt(FQDN, { public_key_uncompressed_bytes: key }), {
    eth_address_hex: `0x${direct}`,
  });
});

Deno.test("CT_PURE_PUBKEY_TO_ETH_ADDRESS_V0 needs 65 bytes starting 0x04", () => {
  const key = pub("11".repeat(32));
  const compressed = `0x${bytesToHex(secp256k1.getPublicKey(hexToBytes("11".repeat(32)), true))}`;
  for (const v of [key.slice(0, -2), `0x02${key.slice(4)}`, compressed, null]) {
    assert.throws(() => runCt(FQDN, { public_key_uncompressed_bytes: v }), CtViolation);
  }
});
