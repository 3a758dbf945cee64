import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { lookup } from "../../../actors/ct/lookup.ts";
import { fixedCtx, runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_LOOKUP_V0";
const MAP = { enterprise: ["web_search", "read_file"], none: null, standard: ["read_file"] };

Deno.test("CT_PURE_LOOKUP_V0 returns the mapped value; result_status is not an output", () => {
  assert.deepEqual(runCt(FQDN, { key: "standard", map: MAP }), { result: ["read_file"] });
  assert.deepEqual(runCt(FQDN, { key: "none", map: MAP }), { result: null });
  assert.deepEqual(lookup({ key: "standard", map: MAP }, fixedCtx()), {
    result_status: "SUCCESS",
    result: ["read_file"],
  });
});

Deno.test("CT_PURE_LOOKUP_V0 missing key, non-string key or non-object map is a VIOLATION", () => {
  assert.throws(() => runCt(FQDN, { key: "premium", map: MAP }), CtViolation);
  assert.throws(() => runCt(FQDN, { key: null, map: MAP }), CtViolation);
  assert.throws(() => runCt(FQDN, { key: "toString", map: MAP }), CtViolation);
  assert.throws(() => runCt(FQDN, { key: "a", map: ["a"] }), CtViolation);
});
