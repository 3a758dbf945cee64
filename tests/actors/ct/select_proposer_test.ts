import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_SELECT_PROPOSER_V0";
const VALIDATORS = [{ actor_id: "A_1" }, { actor_id: "A_2" }, { actor_id: "A_3" }];

Deno.test("CT_PURE_SELECT_PROPOSER_V0 is round-robin by round_number modulo the set size", () => {
  const picks = [0, 1, 2, 3, 4, 299].map((round_number) =>
    runCt(FQDN, { eligible_validators: VALIDATORS, round_number }).proposer_id
  );
  assert.deepEqual(picks, ["A_1", "A_2", "A_3", "A_1", "A_2", "A_3"]);
});

Deno.test("CT_PURE_SELECT_PROPOSER_V0 rejects empty sets, bad rounds and records without actor_id", () => {
  const bad = [
    { eligible_validators: [], round_number: 0 },
    { eligible_validators: VALIDATORS, round_number: -1 },
    { eligible_validators: VALIDATORS, round_number: 1.5 },
    { eligible_validators: [{ id: "x" }], round_number: 0 },
    { eligible_validators: null, round_number: 0 },
  ];
  for (const inputs of bad) {
    assert.throws(() => runCt(FQDN, inputs), CtViolation, JSON.stringify(inputs));
  }
});
