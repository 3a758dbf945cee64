import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_BUILD_ETH_TRANSACTION_V0";
const TO = "0x1234567890123456789012345678901234567890";

// Expected bytes come from running the reference Python encoder on the same inputs.
Deno.test("CT_PURE_BUILD_ETH_TRANSACTION_V0 encodes long data, defaults and nested access lists", () => {
  const out = runCt(FQDN, {
    chain_id: 11155111,
    nonce: 0,
    to: "0X00000000000000000000000000000000000000FF",
    value: " 1_000 ",
    data: `0x${"deadbeef".repeat(20)}`,
    access_list: [[1, []], 0, true],
  });
  assert.deepEqual(out, {
    unsigned_tx_bytes:
      "0x02f88383aa36a780843b9aca008504a817c8008252089400000000000000000000000000000000000000ff8203e8b850" +
      "deadbeef".repeat(20) + "c5c201c08001",
  });
});

Deno.test("CT_PURE_BUILD_ETH_TRANSACTION_V0 coerces like Python int()", () => {
  const out = runCt(FQDN, {
    chain_id: true,
    nonce: 12.7,
    to: TO.slice(2),
    value: "0",
    gas_limit: "30000",
    max_fee_per_gas: "+7",
    max_priority_fee_per_gas: 0,
  });
  assert.deepEqual(out, {
    unsigned_tx_bytes: "0x02df010c80078275309412345678901234567890123456789012345678908080c0",
  });
});

Deno.test("CT_PURE_BUILD_ETH_TRANSACTION_V0 rejects missing fields, bad addresses and values", () => {
  const base = { chain_id: 1, nonce: 0, to: TO, value: "1" };
  const bad = [
    { ...base, chain_id: null },
    { ...base, to: TO.slice(0, -2) },
    { ...base, to: 5 },
    { ...base, value: "-1" },
    { ...base, value: "1e18" },
    { ...base, value: "0x10" },
    { ...base, data: "0xabc" },
    { ...base, access_list: ["0xabcd"] },
    { ...base, access_list: { a: 1 } },
  ];
  for (const inputs of bad) {
    assert.throws(() => runCt(FQDN, inputs), CtViolation, JSON.stringify(inputs));
  }
});
