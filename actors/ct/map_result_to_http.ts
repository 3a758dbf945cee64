/**
 * capability_transforms::CT_PURE_MAP_RESULT_TO_HTTP_V0: maps a workflow execution result to
 * an HTTP status and response body.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsDict, pyTruthy, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_MAP_RESULT_TO_HTTP_V0";

const EXIT_REASON_STATUS: Readonly<Record<string, string>> = {
  EXIT_VIOLATION: "VIOLATION",
  EXIT_NOT_FOUND: "NOT_FOUND",
  EXIT_BACKEND_ERROR: "BACKEND_ERROR",
  EXIT_REJECTED: "VIOLATION",
  ADMISSION_DENIED: "VIOLATION",
  NO_TRANSITION: "BACKEND_ERROR",
  EXECUTION_ERROR: "BACKEND_ERROR",
  GOVERNANCE_VIOLATION: "BACKEND_ERROR",
};

function field(obj: JsonObject, key: string, fallback: unknown): unknown {
  return Object.hasOwn(obj, key) && obj[key] !== undefined ? obj[key] : fallback;
}

/**
 * `{http_status, response_body, result_status}`. `http_status` is `mapping[result_status]`
 * (500 when absent). `error_code` and `message` join the body only when truthy.
 * Decision: a null `result_payload` becomes `{}` as capabilities.md §3.2 states.
 */
export function mapResultToHttp(args: JsonObject, _ctx: TransformContext): JsonObject {
  const er = requireKey(args, "execution_result", ATOM);
  const mapping = requireKey(args, "mapping", ATOM);
  if (!pyIsDict(er)) violation(ATOM, `execution_result must be object, got ${pyTypeName(er)}`);
  if (!pyIsDict(mapping)) violation(ATOM, `mapping must be object, got ${pyTypeName(mapping)}`);
  const execStatus = field(er, "status", "BACKEND_ERROR");
  const exitReason = field(er, "exit_reason_code", null);
  let resultStatus = "BACKEND_ERROR";
  if (execStatus === "SUCCESS") resultStatus = "SUCCESS";
  else if (execStatus === "FAILED" && typeof exitReason === "string") {
    resultStatus = Object.hasOwn(EXIT_REASON_STATUS, exitReason)
      ? EXIT_REASON_STATUS[exitReason]
      : "BACKEND_ERROR";
  }
  const body: JsonObject = {
    status: execStatus,
    exit_reason_code: exitReason,
    trace_id: field(er, "trace_id", null),
    result_payload: field(er, "result_payload", null) ?? {},
  };
  if (pyTruthy(er.error_code)) body.error_code = er.error_code;
  if (pyTruthy(er.message)) body.message = er.message;
  return {
    http_status: field(mapping, resultStatus, 500),
    response_body: body,
    result_status: resultStatus,
  };
}
