import assert from "node:assert/strict";
import { assembleRecord } from "../../../actors/ct/assemble_record.ts";
import { fixedCtx, runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_ASSEMBLE_RECORD_V0";

Deno.test("CT_PURE_ASSEMBLE_RECORD_V0 returns fields as the record", () => {
  const fields = { block_id: "B_1", is_canonical: false, tx_ids: ["T_1"] };
  assert.deepEqual(runCt(FQDN, { fields }), { record: fields });
  assert.deepEqual(runCt(FQDN, {}), { record: null });
});

Deno.test("CT_PURE_ASSEMBLE_RECORD_V0 direct call without fields copies all inputs", () => {
  assert.deepEqual(assembleRecord({ a: 1, b: { c: 2 } }, fixedCtx()), {
    record: { a: 1, b: { c: 2 } },
  });
});
