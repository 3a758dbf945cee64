import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_EXTRACT_V0";
const FROM = { user: { id: "123", tags: ["a"], active: true, n: 2.5 } };

Deno.test("CT_PURE_EXTRACT_V0 walks a dotted path through objects", () => {
  assert.deepEqual(runCt(FQDN, { from: FROM, path: "user.id", type: "string" }), { result: "123" });
  assert.deepEqual(runCt(FQDN, { from: FROM, path: "user.n", type: "number" }), { result: 2.5 });
  assert.deepEqual(runCt(FQDN, { from: FROM, path: "user.tags", type: "array" }), {
    result: ["a"],
  });
  // Python isinstance(True, (int, float)) is True.
  assert.deepEqual(runCt(FQDN, { from: FROM, path: "user.active", type: "number" }), {
    result: true,
  });
  assert.deepEqual(runCt(FQDN, { from: FROM, path: "user", type: "whatever" }), {
    result: FROM.user,
  });
});

Deno.test("CT_PURE_EXTRACT_V0 gives null for missing keys and array steps", () => {
  assert.deepEqual(runCt(FQDN, { from: FROM, path: "user.nope.x", type: "string" }), {
    result: null,
  });
  assert.deepEqual(runCt(FQDN, { from: FROM, path: "user.tags.0", type: "string" }), {
    result: null,
  });
});

Deno.test("CT_PURE_EXTRACT_V0 rejects a null source and a type mismatch", () => {
  assert.throws(() => runCt(FQDN, { from: null, path: "a", type: "string" }), CtViolation);
  assert.throws(() => runCt(FQDN, { from: FROM, path: "user.id", type: "number" }), CtViolation);
  assert.throws(() => runCt(FQDN, { from: FROM, path: "user", type: "array" }), CtViolation);
});
