import assert from "node:assert/strict";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_HASH_BLOCK_V0";

Deno.test("CT_PURE_HASH_BLOCK_V0 is keccak256 of the CPython canonical JSON", () => {
  const block = {
    proposer: "A_1",
    height: 1,
    predecessor_hash: "0x00",
    transactions: [{ memo: "café \u{1F680}", amount: 2.5 }],
    ok: true,
    none: null,
  };
  // json.dumps(block, sort_keys=True, separators=(",", ":")) as printed by CPython 3.11.
  const canonical =
    '{"height":1,"none":null,"ok":true,"predecessor_hash":"0x00","proposer":"A_1","transactions":[{"amount":2.5,"memo":"caf\\u00e9 \\ud83d\\ude80"}]}';
  assert.deepEqual(runCt(FQDN, { block }), {
    content_hash: `0x${bytesToHex(keccak_256(utf8ToBytes(canonical)))}`,
  });
});

Deno.test("CT_PURE_HASH_BLOCK_V0 ignores key order and hashes non-objects unwrapped", () => {
  assert.deepEqual(runCt(FQDN, { block: { a: 1, b: 2 } }), runCt(FQDN, { block: { b: 2, a: 1 } }));
  assert.deepEqual(runCt(FQDN, { block: null }), {
    content_hash: `0x${bytesToHex(keccak_256(utf8ToBytes("null")))}`,
  });
});
