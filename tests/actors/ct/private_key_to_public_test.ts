import assert from "node:assert/strict";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_PRIVATE_KEY_TO_PUBLIC_V0";
const KEY = "f79bb0d317b310b261a55a8ab393b4c8a1aba6fa4d08aef379caba502d5d67f9";

Deno.test("CT_PURE_PRIVATE_KEY_TO_PUBLIC_V0 gives 0x04‖X‖Y on secp256k1 and secp256r1", () => {
  assert.deepEqual(runCt(FQDN, { private_key_bytes: `0x${KEY}`, curve: "secp256k1" }), {
    public_key_uncompressed_bytes: `0x${
      bytesToHex(secp256k1.getPublicKey(hexToBytes(KEY), false))
    }`,
  });
  assert.deepEqual(runCt(FQDN, { private_key_bytes: KEY, curve: "secp256r1" }), {
    public_key_uncompressed_bytes: `0x${bytesToHex(p256.getPublicKey(hexToBytes(KEY), false))}`,
  });
});

Deno.test("CT_PURE_PRIVATE_KEY_TO_PUBLIC_V0 reads the key as an integer, any length", () => {
  // k = 1 is the generator G.
  assert.deepEqual(runCt(FQDN, { private_key_bytes: "0x01", curve: "secp256k1" }), {
    public_key_uncompressed_bytes: `0x${bytesToHex(secp256k1.Point.BASE.toBytes(false))}`,
  });
  assert.deepEqual(
    runCt(FQDN, { private_key_bytes: `0x0000${KEY}`, curve: "secp256k1" }),
    runCt(FQDN, { private_key_bytes: KEY, curve: "secp256k1" }),
  );
});

Deno.test("CT_PURE_PRIVATE_KEY_TO_PUBLIC_V0 rejects 0, k ≥ n and unknown curves", () => {
  const n = secp256k1.Point.Fn.ORDER.toString(16);
  const bad = [
    { private_key_bytes: "0x00", curve: "secp256k1" },
    { private_key_bytes: n, curve: "secp256k1" },
    { private_key_bytes: KEY, curve: "ed25519" },
    { private_key_bytes: KEY, curve: null },
    { private_key_bytes: "0xzz", curve: "secp256k1" },
  ];
  for (const inputs of bad) {
    assert.throws(() => runCt(FQDN, inputs), CtViolation, JSON.stringify(inputs));
  }
});
