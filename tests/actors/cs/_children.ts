/**
 * A scripted `runChild` for the workflow kinds: records every call and answers from a
 * function of (workflow, payload, label).
 *
 * @module
 */
import type { ChildRunResult, JsonObject } from "../../../actors/capability.ts";
import type { RunClassification } from "../../../semantics.ts";

/** One recorded child call. */
export interface ChildCall {
  /** Workflow code as passed. */
  workflow: string;
  /** Payload as passed. */
  payload: JsonObject;
  /** Label as passed. */
  label: string;
}

/** A completed child with the given results. */
export function completed(results: JsonObject = {}): ChildRunResult {
  return { status: "SUCCESS", classification: "COMPLETED", results };
}

/** A child that ended with `status`. */
export function ended(
  status: string,
  classification: RunClassification = `ENDED_${status}`,
): ChildRunResult {
  return { status, classification, results: {} };
}

/** Records calls; `answer` may return a result, a promise, or throw. */
export function scriptedChildren(
  answer: (call: ChildCall) => ChildRunResult | Promise<ChildRunResult> = () => completed(),
): {
  calls: ChildCall[];
  runChild: (workflow: string, payload: JsonObject, label: string) => Promise<ChildRunResult>;
} {
  const calls: ChildCall[] = [];
  return {
    calls,
    runChild: (workflow, payload, label) => {
      const call = { workflow, payload, label };
      calls.push(call);
      try {
        return Promise.resolve(answer(call));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
