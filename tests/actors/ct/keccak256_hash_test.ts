import assert from "node:assert/strict";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_KECCAK256_HASH_V0";
const EMPTY = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

Deno.test("CT_PURE_KECCAK256_HASH_V0 is Ethereum Keccak-256, not NIST SHA3-256", () => {
  assert.deepEqual(runCt(FQDN, { input_bytes: "0x" }), { hash_hex: EMPTY });
  assert.notEqual(`0x${bytesToHex(sha3_256(new Uint8Array()))}`, EMPTY);
  // keccak256("Hello"), the vector value; 0X and whitespace between pairs are accepted.
  const hello = "0x06b3dfaec148fb1bb2b066f10ec285e7c9bf402ab32aa78a5d38e34566810cd2";
  assert.deepEqual(runCt(FQDN, { input_bytes: "0X48656C6C6F" }), { hash_hex: hello });
  assert.deepEqual(runCt(FQDN, { input_bytes: "48 65 6c 6c 6f" }), { hash_hex: hello });
});

Deno.test("CT_PURE_KECCAK256_HASH_V0 rejects invalid hex and non-strings", () => {
  for (const v of ["0xabc", "hello", 12, null]) {
    assert.throws(() => runCt(FQDN, { input_bytes: v }), CtViolation, String(v));
  }
});
