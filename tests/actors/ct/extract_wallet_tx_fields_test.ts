import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_EXTRACT_WALLET_TX_FIELDS_V0";

Deno.test("CT_PURE_EXTRACT_WALLET_TX_FIELDS_V0 reads address, nonce and actor", () => {
  const wallet = {
    actor_id: "A_1",
    addresses: { eoa: [{ address: "0xaa" }, { address: "0xbb" }] },
    state: { eoa: { nonce: 7 } },
  };
  assert.deepEqual(runCt(FQDN, { wallet_record: wallet }), {
    from_address: "0xaa",
    current_nonce: 7,
    actor_id: "A_1",
  });
  assert.deepEqual(runCt(FQDN, { wallet_record: {} }), {
    from_address: null,
    current_nonce: 0,
    actor_id: null,
  });
  assert.deepEqual(runCt(FQDN, { wallet_record: { addresses: { eoa: null } } }), {
    from_address: null,
    current_nonce: 0,
    actor_id: null,
  });
});

Deno.test("CT_PURE_EXTRACT_WALLET_TX_FIELDS_V0 rejects null sub-objects and non-objects", () => {
  for (
    const wallet_record of [null, [], { addresses: null }, { state: null }, {
      state: { eoa: null },
    }, { addresses: { eoa: ["0xaa"] } }]
  ) {
    assert.throws(() => runCt(FQDN, { wallet_record }), CtViolation, JSON.stringify(wallet_record));
  }
});
