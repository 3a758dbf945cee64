import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_VALIDATE_PARAMETER_RULES_V0";
const OK = { valid: true, failed_rule: null };
const PARAMS = { tier: "standard", quantity: 40, amount: "12.5", flag: 1, path: "/x" };

Deno.test("CT_PURE_VALIDATE_PARAMETER_RULES_V0 passes when every rule holds", () => {
  const rules = [
    { field: "tier", op: "eq", value: "standard" },
    { field: "quantity", op: "lte", value: 100 },
    { field: "amount", op: "gt", value: "12" },
    { field: "flag", op: "eq", value: true },
    { field: "tier", op: "neq", value: "premium" },
    { field: "tier", op: "in", allowed: ["standard", "premium"] },
    { field: "path", op: "not_null" },
    "not a rule",
    { field: "", op: "eq" },
    { field: "tier" },
  ];
  assert.deepEqual(runCt(FQDN, { parameters: PARAMS, rules }), OK);
  assert.deepEqual(runCt(FQDN, { parameters: {}, rules: [] }), OK);
});

Deno.test("CT_PURE_VALIDATE_PARAMETER_RULES_V0 first failing rule is a VIOLATION", () => {
  const failing = [
    { field: "quantity", op: "lte", value: 10 },
    { field: "content", op: "not_null" },
    { field: "tier", op: "in" },
    { field: "quantity", op: "gt", value: null },
    { field: "tier", op: "gt", value: 1 },
    { field: "tier", op: "matches", value: "standard" },
    { field: "tier", op: "eq", value: "Standard" },
  ];
  for (const rule of failing) {
    assert.throws(
      () => runCt(FQDN, { parameters: PARAMS, rules: [rule] }),
      CtViolation,
      JSON.stringify(rule),
    );
  }
  assert.throws(() => runCt(FQDN, { parameters: [], rules: [] }), CtViolation);
  assert.throws(() => runCt(FQDN, { parameters: {}, rules: {} }), CtViolation);
});
