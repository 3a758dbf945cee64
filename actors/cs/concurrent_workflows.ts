/**
 * CS_CONCURRENT_WORKFLOWS_V0: EXECUTE_CONCURRENT starts every declared child workflow at
 * once, waits for all of them, and reports each (capabilities.md §4.8).
 *
 * Input `workflows: [{code, payload}]` (`triggered_by` is unused); child labels are the
 * 0-based declaration index ("0", "1", ...). A failing child never stops its peers.
 *
 * Result `{results, all_succeeded}` with status SUCCESS when every child's status is
 * SUCCESS, else PARTIAL_FAILURE. Each result is `{code, result_status: <child status>,
 * outputs: <child CC results>}`, or `{code, result_status: "BACKEND_ERROR", outputs: {},
 * message}` when `runChild` refused the child (PgsError, see `_child.ts`).
 *
 * Decisions beside the reference:
 * - `results` are in declaration order, whatever order the children finish in (the
 *   reference reported completion order, which is not deterministic);
 * - an error other than a PgsError faults the run, after every child has settled (the
 *   first such error in declaration order is rethrown);
 * - validation, all before any child starts: a non-empty list (VIOLATION), no duplicate
 *   `code` (Python equality; VIOLATION), every entry an object with a non-empty string
 *   `code` (VIOLATION; the reference only rejected null codes and crashed on the rest),
 *   `payload` an object or null/absent (= {});
 * - op other than EXECUTE_CONCURRENT (case-insensitive) → BACKEND_ERROR "Unsupported
 *   operation: X".
 *
 * @module
 */
import type { JsonObject, SideEffectFn } from "../capability.ts";
import { CsStatus } from "./constants.ts";
import { result, violation } from "./_kind.ts";
import { input, isObject, pyEqual, truthy } from "./_values.ts";
import { type ChildOutcome, runChildSafely, surface, workflowCode } from "./_child.ts";

interface Planned {
  readonly code: string;
  readonly payload: JsonObject;
}

function plan(workflows: unknown): Planned[] | string {
  if (!Array.isArray(workflows) || workflows.length === 0) {
    return "workflows must be a non-empty list";
  }
  const codes = workflows.filter(isObject).map((entry) => entry.code ?? null);
  if (codes.some((code, i) => codes.findIndex((other) => pyEqual(other, code)) !== i)) {
    return "duplicate workflow codes in workflows list";
  }
  if (codes.some((code) => code === null)) return "each workflows entry must have a 'code' field";
  const planned: Planned[] = [];
  for (const [i, entry] of workflows.entries()) {
    if (!isObject(entry)) return `workflows[${i}] must be an object`;
    const code = workflowCode(entry.code);
    if (code === null) return `workflows[${i}].code must be a workflow code string`;
    const payload = truthy(entry.payload) ? entry.payload : {};
    if (!isObject(payload)) return `workflows[${i}].payload must be an object`;
    planned.push({ code, payload });
  }
  return planned;
}

/** CS_CONCURRENT_WORKFLOWS_V0: EXECUTE_CONCURRENT. */
export const concurrentWorkflowsSideEffect: SideEffectFn = async (call) => {
  if (String(call.op).toUpperCase() !== "EXECUTE_CONCURRENT") {
    return result(CsStatus.BACKEND_ERROR, { message: `Unsupported operation: ${call.op}` });
  }
  const planned = plan(input(call.inputs, "workflows"));
  if (typeof planned === "string") return violation(planned);

  const settled: PromiseSettledResult<ChildOutcome>[] = await Promise.allSettled(
    planned.map(({ code, payload }, i) => runChildSafely(call, code, payload, String(i))),
  );
  const fault = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (fault) throw fault.reason;

  const results = settled.map((s, i) => {
    const outcome = (s as PromiseFulfilledResult<ChildOutcome>).value;
    const { code } = planned[i];
    if (!outcome.ok) {
      return {
        code,
        result_status: CsStatus.BACKEND_ERROR,
        outputs: {},
        message: outcome.error.message,
      };
    }
    return { code, result_status: outcome.child.status, outputs: surface(outcome.child) };
  });
  const allSucceeded = results.every((r) => r.result_status === CsStatus.SUCCESS);
  return result(allSucceeded ? CsStatus.SUCCESS : CsStatus.PARTIAL_FAILURE, {
    results,
    all_succeeded: allSucceeded,
  });
};
