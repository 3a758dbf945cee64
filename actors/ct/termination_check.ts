/**
 * ai_governance::CT_PURE_TERMINATION_CHECK_V0: whether every Collatz sequence ends at 1.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyEquals, pyIsDict, pyIsList, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_TERMINATION_CHECK_V0";

/**
 * `{all_terminate, non_terminating}`: a seed is non-terminating when its value is not a
 * non-empty list or its last element is not `== 1` (1.0 and true count as 1).
 */
export function terminationCheck(args: JsonObject, _ctx: TransformContext): JsonObject {
  const sequences = requireKey(args, "sequences", ATOM);
  if (!pyIsDict(sequences)) {
    violation(ATOM, `'sequences' must be a dict, got ${pyTypeName(sequences)}`);
  }
  const nonTerminating = Object.entries(sequences)
    .filter(([, seq]) => !pyIsList(seq) || seq.length === 0 || !pyEquals(seq.at(-1), 1))
    .map(([seed]) => seed);
  return { all_terminate: nonTerminating.length === 0, non_terminating: nonTerminating };
}
