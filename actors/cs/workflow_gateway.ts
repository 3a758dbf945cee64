/**
 * CS_WORKFLOW_GATEWAY_V0: EXECUTE runs one workflow as a child of this run (label "0").
 *
 * Inputs `workflow_code` (FQDN or bare code, see `_child.ts`) and `payload` (object).
 * Result (capabilities.md §4.6): `{result_status: <child status>, execution_result:
 * {status, classification, ...<child CC results by node key>}}`, so a child that ended
 * SUCCESS gives SUCCESS and any other child status is passed through for the CC to route
 * (CC_INVOKE_BLOCK_PROPOSAL_V0 then also checks `execution_result.status`).
 * `classification` is our addition (COMPLETED, REJECTED, ...).
 *
 * Failures:
 * - missing/empty `workflow_code` → VIOLATION "Missing workflow_code"; a non-string one
 *   (the tokenized form's integer addresses) → VIOLATION;
 * - null/absent `payload` → VIOLATION "Missing payload"; a non-object one → VIOLATION;
 * - unknown workflow → NOT_FOUND: either `runChild` resolves with status NOT_FOUND (passed
 *   through, the engine's way) or refuses with WORKFLOW_NAME → NOT_FOUND `{message}`;
 *   any other PgsError → BACKEND_ERROR `{message}`; other errors fault the run;
 * - op other than EXECUTE (case-insensitive) → BACKEND_ERROR "Unsupported operation: X".
 *
 * @module
 */
import type { SideEffectFn } from "../capability.ts";
import { CsStatus } from "./constants.ts";
import { result, violation } from "./_kind.ts";
import { input, isObject } from "./_values.ts";
import {
  backendError,
  isUnknownWorkflow,
  runChildSafely,
  surface,
  workflowCode,
} from "./_child.ts";

/** CS_WORKFLOW_GATEWAY_V0: EXECUTE. */
export const workflowGatewaySideEffect: SideEffectFn = async (call) => {
  if (String(call.op).toUpperCase() !== "EXECUTE") {
    return result(CsStatus.BACKEND_ERROR, { message: `Unsupported operation: ${call.op}` });
  }
  const rawCode = input(call.inputs, "workflow_code");
  if (rawCode === null || rawCode === "" || rawCode === 0 || rawCode === false) {
    return violation("Missing workflow_code");
  }
  const code = workflowCode(rawCode);
  if (code === null) {
    return violation("Invalid workflow_code: expected <domain>::<WF_CODE> or a WF code");
  }
  const payload = input(call.inputs, "payload");
  if (payload === null) return violation("Missing payload");
  if (!isObject(payload)) return violation("Invalid payload: expected an object");

  const outcome = await runChildSafely(call, code, payload, "0");
  if (!outcome.ok) {
    return isUnknownWorkflow(outcome.error)
      ? result(CsStatus.NOT_FOUND, { message: outcome.error.message })
      : backendError(outcome.error);
  }
  const { child } = outcome;
  const executionResult: Record<string, unknown> = {
    status: child.status,
    classification: child.classification,
  };
  for (const [key, value] of Object.entries(surface(child))) {
    if (!Object.hasOwn(executionResult, key)) executionResult[key] = value;
  }
  return result(child.status, { execution_result: executionResult });
};
