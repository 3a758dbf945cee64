import assert from "node:assert/strict";
import { bytesToHex } from "@noble/hashes/utils.js";
import { CtViolation } from "../../../actors/capability.ts";
import { bigIntToBytes, bytesToBigInt, hexArg, pyFromHex } from "../../../actors/ct/_hex.ts";

Deno.test("pyFromHex() matches CPython bytes.fromhex()", () => {
  // Expected values from CPython 3.11.
  const cases: Array<[string, string | null]> = [
    ["", ""],
    ["00 ff", "00ff"],
    ["00ff ", "00ff"],
    [" 00", "00"],
    ["00\t11", "0011"],
    ["00\x0b11", "0011"],
    ["ABcd", "abcd"],
    ["0 0", null],
    ["0", null],
    ["zz", null],
    ["0x00", null],
    ["00\u00a011", null],
  ];
  for (const [s, v] of cases) {
    const got = pyFromHex(s);
    assert.equal(got === null ? null : bytesToHex(got), v, JSON.stringify(s));
  }
});

Deno.test("hexArg() strips 0x, and 0X only when asked", () => {
  assert.equal(bytesToHex(hexArg("0xABcd", "f", "T")), "abcd");
  assert.equal(bytesToHex(hexArg("0XABcd", "f", "T", { upperPrefix: true })), "abcd");
  assert.throws(() => hexArg("0XABcd", "f", "T"), CtViolation);
  assert.throws(() => hexArg(12, "f", "T"), CtViolation);
  assert.throws(() => hexArg("0xabc", "f", "T"), CtViolation);
});

Deno.test("bytesToBigInt() / bigIntToBytes() are big-endian", () => {
  assert.equal(bytesToBigInt(Uint8Array.of(1, 0)), 256n);
  assert.equal(bytesToBigInt(new Uint8Array(0)), 0n);
  assert.equal(bytesToHex(bigIntToBytes(256n, 4)), "00000100");
});
