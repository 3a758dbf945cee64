import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_DERIVE_SLOT_EPOCH_V0";

// Expected values from running the reference Python atom.
Deno.test("CT_PURE_DERIVE_SLOT_EPOCH_V0 derives slot context from a fixed base time", () => {
  assert.deepEqual(runCt(FQDN, { slot_number: 1 }), {
    round_number: 1,
    slot_index: 1,
    epoch_number: 0,
    timestamp: "2026-01-01T00:00:30Z",
  });
  assert.deepEqual(runCt(FQDN, { slot_number: 100000, slots_per_epoch: 7 }), {
    round_number: 100000,
    slot_index: 5,
    epoch_number: 14285,
    timestamp: "2026-02-04T17:20:00Z",
  });
  assert.deepEqual(runCt(FQDN, { slot_number: 65, slot_start_ts: "X", slots_per_epoch: 0 }), {
    round_number: 65,
    slot_index: 1,
    epoch_number: 2,
    timestamp: "X",
  });
});

Deno.test("CT_PURE_DERIVE_SLOT_EPOCH_V0 rejects bad slot numbers and epochs past year 9999", () => {
  for (
    const inputs of [{}, { slot_number: -1 }, { slot_number: "1" }, {
      slot_number: 1,
      slots_per_epoch: -3,
    }, { slot_number: 2 ** 40 }]
  ) {
    assert.throws(() => runCt(FQDN, inputs), CtViolation, JSON.stringify(inputs));
  }
});
