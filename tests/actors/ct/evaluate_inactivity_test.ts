import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_EVALUATE_INACTIVITY_V0";

Deno.test("CT_PURE_EVALUATE_INACTIVITY_V0 floors whole days (CPython-checked examples)", () => {
  const cases: Array<[string, string, number]> = [
    ["2024-01-01", "2024-01-31T23:59:59Z", 30],
    ["2024-01-02T00:00:01", "2024-01-01", -2],
    ["2024-01-01T00:00:00+05:00", "2024-01-01", 0],
    ["2024-01-01T00:00:00Z", "2024-02-15T00:00:00Z", 45],
  ];
  for (const [last, current, days] of cases) {
    const out = runCt(FQDN, { last_active_date: last, current_date: current, threshold_days: 30 });
    assert.deepEqual(out, { is_inactive: days >= 30, days_inactive: days }, `${last} → ${current}`);
  }
});

Deno.test("CT_PURE_EVALUATE_INACTIVITY_V0 without current_date uses the run clock", () => {
  // fixedCtx().now is 2026-01-01T00:00:00.000Z.
  assert.deepEqual(runCt(FQDN, { last_active_date: "2025-12-01T00:00:00Z", threshold_days: 30 }), {
    is_inactive: true,
    days_inactive: 31,
  });
});

Deno.test("CT_PURE_EVALUATE_INACTIVITY_V0 empty or unparsable dates give 999", () => {
  assert.deepEqual(runCt(FQDN, { last_active_date: "", threshold_days: null }), {
    is_inactive: true,
    days_inactive: 999,
  });
  assert.deepEqual(runCt(FQDN, { last_active_date: "yesterday", threshold_days: 1000 }), {
    is_inactive: false,
    days_inactive: 999,
  });
});

Deno.test("CT_PURE_EVALUATE_INACTIVITY_V0 null threshold or non-string date is a VIOLATION", () => {
  assert.throws(() => runCt(FQDN, { last_active_date: "2024-01-01" }), CtViolation);
  assert.throws(() => runCt(FQDN, { last_active_date: 20240101, threshold_days: 1 }), CtViolation);
});
