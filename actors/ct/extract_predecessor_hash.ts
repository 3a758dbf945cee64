/**
 * blockchain::CT_PURE_EXTRACT_PREDECESSOR_HASH_V0: the `predecessor_hash` a block carries.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsDict, pyTruthy, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_EXTRACT_PREDECESSOR_HASH_V0";

/** `{predecessor_hash}` (null when absent or the block is empty); a non-object is a VIOLATION. */
export function extractPredecessorHash(args: JsonObject, _ctx: TransformContext): JsonObject {
  const raw = requireKey(args, "block", ATOM);
  const block = pyTruthy(raw) ? raw : {};
  if (!pyIsDict(block)) violation(ATOM, `block must be an object, got ${pyTypeName(block)}`);
  const hash = Object.hasOwn(block, "predecessor_hash") ? block.predecessor_hash ?? null : null;
  return { predecessor_hash: hash };
}
