/**
 * blockchain::CT_PURE_SELECT_PROPOSER_V0: round-robin block proposer,
 * `eligible_validators[round_number % len]`.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsDict, pyIsInt, pyIsList, pyNum } from "./_python.ts";

const ATOM = "CT_PURE_SELECT_PROPOSER_V0";

/** `{proposer_id}`; an empty list, a negative round or a record without `actor_id` fails. */
export function selectProposer(args: JsonObject, _ctx: TransformContext): JsonObject {
  const validators = requireKey(args, "eligible_validators", ATOM);
  const round = requireKey(args, "round_number", ATOM);
  if (!pyIsList(validators) || validators.length === 0) {
    violation(ATOM, "eligible_validators must be a non-empty array");
  }
  if (!pyIsInt(round) || pyNum(round) < 0) {
    violation(ATOM, "round_number must be a non-negative integer");
  }
  const selected = validators[pyNum(round) % validators.length];
  if (!pyIsDict(selected) || !Object.hasOwn(selected, "actor_id")) {
    violation(ATOM, "validator record missing required field 'actor_id'");
  }
  return { proposer_id: selected.actor_id ?? null };
}
