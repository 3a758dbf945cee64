/**
 * CS_WORKFLOW_LOOP_V0: EXECUTE_SEQUENCE runs child workflows for each item of a
 * sequence, one after the other (capabilities.md §4.7).
 *
 * Inputs (already resolved by the engine, `inject` included; `triggered_by` is unused):
 * - `sequence`: array of items;
 * - `item_wf`: exactly one of `code` (static workflow) or `wf_dispatch {key_field,
 *   mapping}` (workflow = `mapping[item[key_field]]`), plus optional `payload_fields
 *   {dest: src}` and `inject {field: value}`. Payload: `{dest: item[src]}` (missing =
 *   null) when `payload_fields` is non-empty; otherwise `{}` for a static code and a copy
 *   of the whole item for `wf_dispatch`. `inject` is merged last (item workflow only);
 * - `item_sub_sequence` (optional) `{field, wf_dispatch, payload_fields}`: for each
 *   sub-item of `item[field]` (missing = []), BEFORE the item's workflow, run
 *   `mapping[sub[key_field]]` with `{dest: sub[src]}` or a copy of the sub-item.
 *
 * Per item: sub-items first, then the item workflow; the first child whose status is not
 * SUCCESS stops the loop with VIOLATION, the first refusal of `runChild` (PgsError, see
 * `_child.ts`) with BACKEND_ERROR. Labels: `item<i>` for the item workflow and
 * `item<i>/sub<j>` for its sub-items (0-based).
 *
 * Result: `{items_processed, sub_items_processed}` always (also on every failure, with
 * `message`); SUCCESS when every child succeeded. Decisions beside the reference:
 * - counts are exact: a failure inside a sub-sequence still counts the sub-items of that
 *   item that already succeeded (the reference dropped them); pre-loop VIOLATIONs also
 *   carry the zero counts (the reference omitted them for two of them);
 * - malformed shapes the reference crashed on (a non-object item or sub-item, a
 *   non-object `wf_dispatch`/`payload_fields`/`inject`, a non-string workflow code) are
 *   VIOLATION with a message;
 * - op other than EXECUTE_SEQUENCE (case-insensitive) → BACKEND_ERROR "Unsupported
 *   operation: X".
 *
 * @module
 */
import type { JsonObject, SideEffectCall, SideEffectFn, SideEffectResult } from "../capability.ts";
import { CsStatus } from "./constants.ts";
import { result } from "./_kind.ts";
import { copy, input, isObject, pyRepr, truthy } from "./_values.ts";
import { runChildSafely, workflowCode } from "./_child.ts";

interface Dispatch {
  readonly keyField: unknown;
  readonly mapping: JsonObject;
}

interface SubSpec {
  readonly field: unknown;
  readonly dispatch: Dispatch;
  readonly payloadFields: JsonObject;
}

interface ItemSpec {
  readonly code: string | null;
  readonly dispatch: Dispatch | null;
  readonly payloadFields: JsonObject;
  readonly inject: JsonObject;
}

/** Counts so far; failures report them too. */
class Progress {
  items = 0;
  subItems = 0;

  fail(status: string, message: string): SideEffectResult {
    return result(status, {
      items_processed: this.items,
      sub_items_processed: this.subItems,
      message,
    });
  }
}

function parseDispatch(value: unknown, where: string): Dispatch | string {
  if (!truthy(value)) return { keyField: null, mapping: {} };
  if (!isObject(value)) return `${where}.wf_dispatch must be an object`;
  const mapping = value.mapping ?? {};
  if (!isObject(mapping)) return `${where}.wf_dispatch.mapping must be an object`;
  return { keyField: value.key_field ?? null, mapping };
}

function objectOrEmpty(value: unknown): JsonObject | null {
  if (!truthy(value)) return {};
  return isObject(value) ? value : null;
}

function parseItemSpec(value: unknown): ItemSpec | string {
  if (!truthy(value) || !isObject(value)) return "item_wf must be a dict";
  const hasCode = truthy(value.code);
  const hasDispatch = truthy(value.wf_dispatch);
  if (!hasCode && !hasDispatch) return "item_wf must have 'code' or 'wf_dispatch'";
  if (hasCode && hasDispatch) {
    return "item_wf must have exactly one of 'code' or 'wf_dispatch', not both";
  }
  const code = hasCode ? workflowCode(value.code) : null;
  if (hasCode && code === null) return "item_wf.code must be a workflow code string";
  const dispatch = hasDispatch ? parseDispatch(value.wf_dispatch, "item_wf") : null;
  if (typeof dispatch === "string") return dispatch;
  const payloadFields = objectOrEmpty(value.payload_fields);
  if (payloadFields === null) return "item_wf.payload_fields must be an object";
  const inject = objectOrEmpty(value.inject);
  if (inject === null) return "item_wf.inject must be an object";
  return { code, dispatch, payloadFields, inject };
}

function parseSubSpec(value: unknown): SubSpec | null | string {
  if (!truthy(value) || !isObject(value)) return null;
  const dispatch = parseDispatch(value.wf_dispatch, "item_sub_sequence");
  if (typeof dispatch === "string") return dispatch;
  const payloadFields = objectOrEmpty(value.payload_fields);
  if (payloadFields === null) return "item_sub_sequence.payload_fields must be an object";
  return { field: value.field ?? null, dispatch, payloadFields };
}

/** `{dest: source[src]}`, null for a missing source field. */
function buildPayload(source: JsonObject, fields: JsonObject): JsonObject {
  const payload: JsonObject = {};
  for (const [dest, src] of Object.entries(fields)) {
    payload[dest] = typeof src === "string" && Object.hasOwn(source, src)
      ? copy(source[src])
      : null;
  }
  return payload;
}

/** `mapping[source[key_field]]`, matching only string keys (JSON object keys). */
function lookup(dispatch: Dispatch, source: unknown): { key: unknown; code: unknown } {
  const field = dispatch.keyField;
  const key = truthy(field) && typeof field === "string" && isObject(source) &&
      Object.hasOwn(source, field)
    ? source[field]
    : null;
  const code = typeof key === "string" && Object.hasOwn(dispatch.mapping, key)
    ? dispatch.mapping[key]
    : null;
  return { key, code };
}

/** Runs one child; null when it succeeded, else the failing result. */
async function runOne(
  call: SideEffectCall,
  progress: Progress,
  code: string,
  payload: JsonObject,
  label: string,
): Promise<SideEffectResult | null> {
  const outcome = await runChildSafely(call, code, payload, label);
  if (!outcome.ok) return progress.fail(CsStatus.BACKEND_ERROR, outcome.error.message);
  if (outcome.child.status !== CsStatus.SUCCESS) {
    return progress.fail(
      CsStatus.VIOLATION,
      `Workflow "${code}" (${label}) ended with status "${outcome.child.status}"`,
    );
  }
  return null;
}

async function runSubSequence(
  call: SideEffectCall,
  progress: Progress,
  spec: SubSpec,
  item: unknown,
  index: number,
): Promise<SideEffectResult | null> {
  let subItems: unknown = [];
  if (truthy(spec.field)) {
    if (!isObject(item)) {
      return progress.fail(CsStatus.VIOLATION, `sequence item ${index} must be an object`);
    }
    const field = String(spec.field);
    subItems = Object.hasOwn(item, field) ? item[field] : [];
  }
  if (!Array.isArray(subItems)) {
    return progress.fail(
      CsStatus.VIOLATION,
      `sub-sequence field '${String(spec.field)}' is not a list`,
    );
  }
  for (const [j, sub] of subItems.entries()) {
    const { key, code } = lookup(spec.dispatch, sub);
    const keyField = String(spec.dispatch.keyField);
    if (!isObject(sub)) {
      return progress.fail(
        CsStatus.VIOLATION,
        `sub-item ${j} of sequence item ${index} must be an object`,
      );
    }
    if (!truthy(code)) {
      return progress.fail(CsStatus.VIOLATION, `No WF mapped for ${keyField}=${pyRepr(key)}`);
    }
    const wf = workflowCode(code);
    if (wf === null) {
      return progress.fail(
        CsStatus.VIOLATION,
        `WF mapped for ${keyField}=${pyRepr(key)} is not a code`,
      );
    }
    const payload = truthy(spec.payloadFields) ? buildPayload(sub, spec.payloadFields) : copy(sub);
    const failed = await runOne(call, progress, wf, payload, `item${index}/sub${j}`);
    if (failed) return failed;
    progress.subItems++;
  }
  return null;
}

async function runItem(
  call: SideEffectCall,
  progress: Progress,
  spec: ItemSpec,
  item: unknown,
  index: number,
): Promise<SideEffectResult | null> {
  let wf: string | null;
  let payload: JsonObject;
  if (spec.dispatch) {
    const { key, code } = lookup(spec.dispatch, item);
    const keyField = String(spec.dispatch.keyField);
    if (!truthy(code)) {
      return progress.fail(CsStatus.VIOLATION, `No WF mapped for ${keyField}=${pyRepr(key)}`);
    }
    wf = workflowCode(code);
    if (wf === null) {
      return progress.fail(
        CsStatus.VIOLATION,
        `WF mapped for ${keyField}=${pyRepr(key)} is not a code`,
      );
    }
    payload = truthy(spec.payloadFields)
      ? (isObject(item) ? buildPayload(item, spec.payloadFields) : {})
      : (isObject(item) ? copy(item) : {});
  } else {
    wf = spec.code as string;
    if (truthy(spec.payloadFields) && !isObject(item)) {
      return progress.fail(CsStatus.VIOLATION, `sequence item ${index} must be an object`);
    }
    payload = isObject(item) ? buildPayload(item, spec.payloadFields) : {};
  }
  Object.assign(payload, copy(spec.inject));
  return await runOne(call, progress, wf, payload, `item${index}`);
}

/** CS_WORKFLOW_LOOP_V0: EXECUTE_SEQUENCE. */
export const workflowLoopSideEffect: SideEffectFn = async (call) => {
  if (String(call.op).toUpperCase() !== "EXECUTE_SEQUENCE") {
    return result(CsStatus.BACKEND_ERROR, { message: `Unsupported operation: ${call.op}` });
  }
  const progress = new Progress();
  const sequence = input(call.inputs, "sequence");
  if (!Array.isArray(sequence)) return progress.fail(CsStatus.VIOLATION, "sequence must be a list");
  const itemSpec = parseItemSpec(input(call.inputs, "item_wf"));
  if (typeof itemSpec === "string") return progress.fail(CsStatus.VIOLATION, itemSpec);
  const subSpec = parseSubSpec(input(call.inputs, "item_sub_sequence"));
  if (typeof subSpec === "string") return progress.fail(CsStatus.VIOLATION, subSpec);

  for (const [index, item] of sequence.entries()) {
    if (subSpec) {
      const failed = await runSubSequence(call, progress, subSpec, item, index);
      if (failed) return failed;
    }
    const failed = await runItem(call, progress, itemSpec, item, index);
    if (failed) return failed;
    progress.items++;
  }
  return result(CsStatus.SUCCESS, {
    items_processed: progress.items,
    sub_items_processed: progress.subItems,
  });
};
