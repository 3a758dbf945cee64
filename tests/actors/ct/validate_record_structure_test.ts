import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_VALIDATE_RECORD_STRUCTURE_V0";

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 reports bounds, lengths and types", () => {
  const record = { a: "12", b: "x", c: 5.5, d: "0x1" };
  const schema = {
    a: { max_value: 10 },
    b: { min_length: 2 },
    c: { type: "integer" },
    d: { type: "hex_string" },
  };
  assert.deepEqual(runCt(FQDN, { record, schema }), {
    violations: [
      { field: "a", rule: "max_value", message: "Field 'a' must be <= 10, got 12" },
      { field: "b", rule: "min_length", message: "Field 'b' must be at least 2 characters" },
      { field: "c", rule: "type", message: "Field 'c' must be integer, got float" },
      { field: "d", rule: "type", message: "Field 'd' must be hex_string, got str" },
    ],
  });
});

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 required, pattern, min_value, lte_field", () => {
  const record = {
    name: "",
    code: "ab1",
    amount: "0.5",
    low: 9,
    high: 3,
    emoji: "\u{1F680}\u{1F680}",
  };
  const schema = {
    name: { required: true, type: "string" },
    missing: { required: true },
    optional: { type: "integer" },
    code: { type: "string", pattern: "[a-z]+", max_length: 2 },
    amount: { min_value: 1 },
    low: { type: "integer", lte_field: "high" },
    emoji: { max_length: 2, type: "string" },
    skipped: "not a spec",
  };
  assert.deepEqual(runCt(FQDN, { record, schema }), {
    violations: [
      { field: "name", rule: "required", message: "Field 'name' is required" },
      { field: "missing", rule: "required", message: "Field 'missing' is required" },
      { field: "code", rule: "pattern", message: "Field 'code' does not match pattern '[a-z]+'" },
      { field: "code", rule: "max_length", message: "Field 'code' must be at most 2 characters" },
      { field: "amount", rule: "min_value", message: "Field 'amount' must be >= 1, got 0.5" },
      { field: "low", rule: "lte_field", message: "Field 'low' must be <= 'high'" },
    ],
  });
});

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 accepts integer_string and hex_string forms", () => {
  const record = { n: " -1_000 ", h: "0X", i: 3, b: true };
  const schema = {
    n: { type: "integer_string" },
    h: { type: "hex_string" },
    i: { type: "number" },
    b: { type: "integer" },
  };
  assert.deepEqual(runCt(FQDN, { record, schema }), {
    violations: [{ field: "b", rule: "type", message: "Field 'b' must be integer, got bool" }],
  });
});

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 rejects non-objects and bad patterns", () => {
  assert.throws(() => runCt(FQDN, { record: null, schema: {} }), CtViolation);
  assert.throws(() => runCt(FQDN, { record: {}, schema: [] }), CtViolation);
  assert.throws(
    () => runCt(FQDN, { record: { a: "x" }, schema: { a: { pattern: "(" } } }),
    CtViolation,
  );
});
