import assert from "node:assert/strict";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { CtViolation } from "../../../actors/capability.ts";
import { ecdsaSign } from "../../../actors/ct/ecdsa_sign.ts";
import { fixedCtx, runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_ECDSA_SIGN_V0";
const KEY = "11".repeat(32);

Deno.test("CT_PURE_ECDSA_SIGN_V0 signature verifies and recovers the signer's key", () => {
  const hash = keccak_256(utf8ToBytes("pgs"));
  const out = runCt(FQDN, {
    private_key_bytes: KEY,
    message_hash: bytesToHex(hash),
    curve: "secp256k1",
  });
  const r = BigInt(out.r as string);
  const s = BigInt(out.s as string);
  const v = out.v as number;
  assert.ok(v === 0 || v === 1);
  assert.ok(s <= secp256k1.Point.Fn.ORDER / 2n, "low-s");
  assert.equal(out.signed_bytes, `${out.r}${(out.s as string).slice(2)}0${v}`);
  const compact = hexToBytes((out.signed_bytes as string).slice(2, 130));
  const publicKey = secp256k1.getPublicKey(hexToBytes(KEY));
  assert.ok(secp256k1.verify(compact, hash, publicKey, { prehash: false }));
  const recovered = secp256k1.Signature.fromBytes(compact, "compact").addRecoveryBit(v)
    .recoverPublicKey(hash).toBytes(true);
  assert.equal(bytesToHex(recovered), bytesToHex(publicKey));
  assert.ok(r > 0n);
});

Deno.test("CT_PURE_ECDSA_SIGN_V0 is deterministic (RFC 6979) and defaults curve only when absent", () => {
  const args = { private_key_bytes: `0x${KEY}`, message_hash: `0x${"ab".repeat(32)}` };
  assert.deepEqual(ecdsaSign(args, fixedCtx()), runCt(FQDN, { ...args, curve: "secp256k1" }));
  // Under CT-IR an omitted curve is bound as null, which the reference rejects.
  assert.throws(() => runCt(FQDN, args), CtViolation);
});

Deno.test("CT_PURE_ECDSA_SIGN_V0 rejects wrong lengths, invalid keys and other curves", () => {
  const base = { private_key_bytes: KEY, message_hash: "ab".repeat(32), curve: "secp256k1" };
  const bad = [
    { ...base, curve: "secp256r1" },
    { ...base, message_hash: "ab".repeat(31) },
    { ...base, private_key_bytes: "11".repeat(33) },
    { ...base, private_key_bytes: "00".repeat(32) },
    { ...base, private_key_bytes: "ff".repeat(32) },
  ];
  for (const inputs of bad) {
    assert.throws(() => runCt(FQDN, inputs), CtViolation, JSON.stringify(inputs));
  }
});
