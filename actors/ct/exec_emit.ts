/**
 * capability_transforms::CT_EXEC_EMIT_V0: emits its input unchanged as `result` (the only
 * `ct_exec` transform; `null` is a valid value).
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey } from "./_guard.ts";

const ATOM = "CT_EXEC_EMIT_V0";

/** `{result: value}`; fails only when the `value` key is absent. */
export function execEmit(args: JsonObject, _ctx: TransformContext): JsonObject {
  return { result: requireKey(args, "value", ATOM) };
}
