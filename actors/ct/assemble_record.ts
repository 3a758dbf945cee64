/**
 * capability_transforms::CT_PURE_ASSEMBLE_RECORD_V0: returns `fields` as `record` (CCs pass
 * object literals whose `$.` paths the dispatcher has already resolved).
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { pyDeepCopy } from "./_python.ts";

/** `{record: fields}` (even when null); without a `fields` key, a copy of all inputs. */
export function assembleRecord(args: JsonObject, _ctx: TransformContext): JsonObject {
  if (Object.hasOwn(args, "fields")) return { record: args.fields ?? null };
  return { record: pyDeepCopy(args) };
}
