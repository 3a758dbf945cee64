import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_MAP_RESULT_TO_HTTP_V0";
const MAPPING = { SUCCESS: 200, VIOLATION: 422, NOT_FOUND: 404 };

Deno.test("CT_PURE_MAP_RESULT_TO_HTTP_V0 unknown status → BACKEND_ERROR and default 500", () => {
  assert.deepEqual(runCt(FQDN, { execution_result: { status: "WEIRD" }, mapping: {} }), {
    http_status: 500,
    result_status: "BACKEND_ERROR",
    response_body: { status: "WEIRD", exit_reason_code: null, trace_id: null, result_payload: {} },
  });
});

Deno.test("CT_PURE_MAP_RESULT_TO_HTTP_V0 maps FAILED exit reasons", () => {
  const cases: Array<[string, string, number]> = [
    ["EXIT_NOT_FOUND", "NOT_FOUND", 404],
    ["EXIT_REJECTED", "VIOLATION", 422],
    ["ADMISSION_DENIED", "VIOLATION", 422],
    ["NO_TRANSITION", "BACKEND_ERROR", 500],
    ["SOMETHING_ELSE", "BACKEND_ERROR", 500],
  ];
  for (const [reason, status, http] of cases) {
    const out = runCt(FQDN, {
      execution_result: { status: "FAILED", exit_reason_code: reason, trace_id: "T1", message: "" },
      mapping: MAPPING,
    });
    assert.equal(out.result_status, status, reason);
    assert.equal(out.http_status, http, reason);
    // An empty message is falsy, so it is left out of the body.
    assert.deepEqual(out.response_body, {
      status: "FAILED",
      exit_reason_code: reason,
      trace_id: "T1",
      result_payload: {},
    });
  }
});

Deno.test("CT_PURE_MAP_RESULT_TO_HTTP_V0 without status is BACKEND_ERROR; null result is a VIOLATION", () => {
  const out = runCt(FQDN, { execution_result: { result_payload: { a: 1 } }, mapping: MAPPING });
  assert.equal(out.result_status, "BACKEND_ERROR");
  assert.deepEqual(out.response_body, {
    status: "BACKEND_ERROR",
    exit_reason_code: null,
    trace_id: null,
    result_payload: { a: 1 },
  });
  assert.throws(() => runCt(FQDN, { execution_result: null, mapping: MAPPING }), CtViolation);
});
