import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_FILTER_RECORDS_V0";
const SOURCE = [
  { id: 1, status: "ACTIVE", stake: 1 },
  { id: 2, status: null, stake: true },
  "not a record",
  { id: 3, status: "ACTIVE" },
];

Deno.test("CT_PURE_FILTER_RECORDS_V0 keeps matching records in source order", () => {
  assert.deepEqual(runCt(FQDN, { source: SOURCE, filter: { status: "present" } }), {
    extracted: [SOURCE[0], SOURCE[3]],
  });
  // Python equality: 1 == True; a missing field compares as None.
  assert.deepEqual(runCt(FQDN, { source: SOURCE, filter: { stake: 1 } }), {
    extracted: [SOURCE[0], SOURCE[1]],
  });
  assert.deepEqual(runCt(FQDN, { source: SOURCE, filter: { stake: null } }), {
    extracted: [SOURCE[3]],
  });
  assert.deepEqual(runCt(FQDN, { source: SOURCE, filter: {} }), {
    extracted: [SOURCE[0], SOURCE[1], SOURCE[3]],
  });
});

Deno.test("CT_PURE_FILTER_RECORDS_V0 with no match, or bad inputs, is a VIOLATION", () => {
  assert.throws(() => runCt(FQDN, { source: SOURCE, filter: { id: 9 } }), CtViolation);
  assert.throws(() => runCt(FQDN, { source: {}, filter: {} }), CtViolation);
  assert.throws(() => runCt(FQDN, { source: [], filter: [] }), CtViolation);
});
