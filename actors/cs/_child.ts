/**
 * Shared by the three workflow-invoking kinds: running one child and telling a routable
 * failure from a fault.
 *
 * Contract with the engine's `runChild`: it resolves with the child's result whatever
 * the child's outcome; it rejects with a {@link PgsError} for a child that cannot run
 * (code WORKFLOW_NAME = the workflow does not exist or its name is malformed; any other
 * code, e.g. COMPILE = it cannot run), which the kinds turn into statuses as the
 * reference does; any other rejection (a bug, a budget stop) propagates and faults the run.
 *
 * Workflow codes are passed to `runChild` verbatim: an FQDN `<domain>::<WF_CODE>` or a
 * bare code, which the engine resolves against the calling workflow's domain. The kinds
 * cannot do that themselves: a CS call does not know its caller's domain.
 *
 * @module
 */
import { ErrorCode, PgsError } from "../../errors.ts";
import type {
  ChildRunResult,
  JsonObject,
  SideEffectCall,
  SideEffectResult,
} from "../capability.ts";
import { result } from "./_kind.ts";
import { CsStatus } from "./constants.ts";
import { isObject } from "./_values.ts";

/** What running one child gave: its result, or the refusal that kept it from running. */
export type ChildOutcome =
  | { readonly ok: true; readonly child: ChildRunResult }
  | { readonly ok: false; readonly error: PgsError };

/** Runs one child; a PgsError becomes a value, anything else is rethrown. */
export async function runChildSafely(
  call: SideEffectCall,
  workflow: string,
  payload: JsonObject,
  label: string,
): Promise<ChildOutcome> {
  try {
    return { ok: true, child: await call.runChild(workflow, payload, label) };
  } catch (error) {
    if (error instanceof PgsError) return { ok: false, error };
    throw error;
  }
}

/** True when the refusal means "no such workflow". */
export function isUnknownWorkflow(error: PgsError): boolean {
  return error.code === ErrorCode.WORKFLOW_NAME;
}

/** A workflow code as the kinds accept it: a non-empty string, else null. */
export function workflowCode(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** BACKEND_ERROR with the refusal's message (the reference's "executor raised" answer). */
export function backendError(error: PgsError, fields: JsonObject = {}): SideEffectResult {
  return result(CsStatus.BACKEND_ERROR, { message: error.message, ...fields });
}

/** The child's output surface: its CC results, or {} when it reported none. */
export function surface(child: ChildRunResult): JsonObject {
  return isObject(child.results) ? child.results : {};
}
