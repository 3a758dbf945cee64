import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { execEmit } from "../../../actors/ct/exec_emit.ts";
import { fixedCtx, runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_EXEC_EMIT_V0";

Deno.test("CT_EXEC_EMIT_V0 emits its value unchanged, null included", () => {
  const value = { nested: { list: [1, "two", null] }, emoji: "\u{1F680}" };
  assert.deepEqual(runCt(FQDN, { value }), { result: value });
  assert.deepEqual(runCt(FQDN, { value: null }), { result: null });
  assert.deepEqual(runCt(FQDN, {}), { result: null });
});

Deno.test("CT_EXEC_EMIT_V0 direct call without a value key is a VIOLATION", () => {
  assert.throws(() => execEmit({}, fixedCtx()), CtViolation);
});
