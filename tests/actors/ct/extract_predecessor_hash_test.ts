import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_EXTRACT_PREDECESSOR_HASH_V0";

Deno.test("CT_PURE_EXTRACT_PREDECESSOR_HASH_V0 returns the block's predecessor hash or null", () => {
  assert.deepEqual(runCt(FQDN, { block: { predecessor_hash: "0xabc", height: 2 } }), {
    predecessor_hash: "0xabc",
  });
  assert.deepEqual(runCt(FQDN, { block: { height: 0 } }), { predecessor_hash: null });
  assert.deepEqual(runCt(FQDN, { block: null }), { predecessor_hash: null });
  assert.deepEqual(runCt(FQDN, { block: "" }), { predecessor_hash: null });
});

Deno.test("CT_PURE_EXTRACT_PREDECESSOR_HASH_V0 rejects a non-object block", () => {
  assert.throws(() => runCt(FQDN, { block: "0xabc" }), CtViolation);
  assert.throws(() => runCt(FQDN, { block: [1] }), CtViolation);
});
