/**
 * ai_governance::CT_PURE_COLLATZ_STEP_V0: the full Collatz sequence of each input number.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsList, pyIsStrictInt, pyTypeName, setKey } from "./_python.ts";

const ATOM = "CT_PURE_COLLATZ_STEP_V0";

/**
 * `{sequences: {str(n): [n, …, 1]}}`. Two JS limits, documented deviations: a JS object
 * lists integer-like keys in ascending order (Python keeps input order), and a sequence
 * value above 2^53 − 1 is a VIOLATION because a JSON number cannot hold it exactly
 * (Python's ints are unbounded).
 */
export function collatzStep(args: JsonObject, _ctx: TransformContext): JsonObject {
  const numbers = requireKey(args, "numbers", ATOM);
  if (!pyIsList(numbers)) violation(ATOM, `'numbers' must be a list, got ${pyTypeName(numbers)}`);
  const sequences: JsonObject = {};
  for (const n of numbers) {
    if (!pyIsStrictInt(n)) {
      violation(ATOM, `each number must be a positive integer, got ${pyTypeName(n)}`);
    }
    const start = Number(n);
    if (start < 1) violation(ATOM, `each number must be >= 1, got ${start}`);
    const seq = [start];
    let current = start;
    while (current !== 1) {
      current = current % 2 === 0 ? current / 2 : 3 * current + 1;
      if (current > Number.MAX_SAFE_INTEGER) {
        violation(ATOM, `sequence of ${start} exceeds 2^53 - 1`);
      }
      seq.push(current);
    }
    setKey(sequences, String(start), seq);
  }
  return { sequences };
}
