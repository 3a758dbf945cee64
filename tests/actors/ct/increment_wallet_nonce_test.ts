import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_INCREMENT_WALLET_NONCE_V0";

Deno.test("CT_PURE_INCREMENT_WALLET_NONCE_V0 reserves the nonce and returns an incremented copy", () => {
  const wallet = { actor_id: "A_1", state: { eoa: { nonce: 41, other: 1 }, utxo: {} } };
  const out = runCt(FQDN, { wallet_record: wallet });
  assert.deepEqual(out, {
    nonce: 41,
    updated_wallet_record: { actor_id: "A_1", state: { eoa: { nonce: 42, other: 1 }, utxo: {} } },
  });
  assert.equal(wallet.state.eoa.nonce, 41, "input not mutated");
});

Deno.test("CT_PURE_INCREMENT_WALLET_NONCE_V0 creates missing state objects, appended last", () => {
  const out = runCt(FQDN, { wallet_record: { actor_id: "A_1" } });
  assert.deepEqual(out, {
    nonce: 0,
    updated_wallet_record: { actor_id: "A_1", state: { eoa: { nonce: 1 } } },
  });
  assert.deepEqual(Object.keys(out.updated_wallet_record as object), ["actor_id", "state"]);
});

Deno.test("CT_PURE_INCREMENT_WALLET_NONCE_V0 rejects non-numeric nonces and null state", () => {
  for (
    const wallet_record of [null, { state: null }, { state: { eoa: { nonce: "5" } } }, {
      state: { eoa: { nonce: null } },
    }]
  ) {
    assert.throws(() => runCt(FQDN, { wallet_record }), CtViolation, JSON.stringify(wallet_record));
  }
});
