import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_DERIVE_BALANCES_V0";

Deno.test("CT_PURE_DERIVE_BALANCES_V0 folds debits and credits (as the Python atom)", () => {
  const history = [
    {
      seq: 1,
      record: {
        transactions: [{ from_wallet: null, to_wallet: "W_a", amount: 100 }, {
          from_wallet: "W_a",
          to_wallet: "W_b",
          amount: 30,
        }],
      },
    },
    {
      seq: 2,
      record: {
        transactions: [{ from_wallet: "W_b", to_wallet: "W_c", amount: 2.5 }, {
          from_wallet: "W_c",
          to_wallet: "W_a",
        }],
      },
    },
    { seq: 3, record: null },
    null,
  ];
  const out = runCt(FQDN, { committed_history: history });
  assert.deepEqual(out, { reconciled_balances: { W_a: 70, W_b: 27.5, W_c: 2.5 } });
  assert.deepEqual(Object.keys(out.reconciled_balances as object), ["W_a", "W_b", "W_c"]);
});

Deno.test("CT_PURE_DERIVE_BALANCES_V0 of an empty or null history is {}", () => {
  assert.deepEqual(runCt(FQDN, { committed_history: null }), { reconciled_balances: {} });
  assert.deepEqual(runCt(FQDN, { committed_history: [] }), { reconciled_balances: {} });
});

Deno.test("CT_PURE_DERIVE_BALANCES_V0 rejects string amounts and malformed entries", () => {
  const tx = (t: unknown) => [{ record: { transactions: [t] } }];
  for (
    const committed_history of [tx({ to_wallet: "W", amount: "5" }), tx(null), ["x"], { a: 1 }]
  ) {
    assert.throws(() => runCt(FQDN, { committed_history }), CtViolation);
  }
});
