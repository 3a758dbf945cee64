/**
 * CS_MUTABLE_JSON_V0: a mutable key → value document (view format "json"; the store's
 * key map is the document).
 *
 * | Op | Inputs | Result |
 * |---|---|---|
 * | READ | key | `{value}`, or NOT_FOUND |
 * | WRITE | key, value | last write wins; absent value stores null |
 * | DELETE | key | SUCCESS, or NOT_FOUND when absent |
 * | EXISTS | key | `{exists}` |
 * | LIST | — | `{records, keys}` (what the reference runs, not the declared `list_keys`) |
 * | LIST_KEYS | — | `{keys}` |
 * | DELETE_MANY | keys (array; null = []) | `{drained_count}` of the keys present |
 * | UPDATE_WHERE | filter, updates | `{matched_keys, updated_count}`; VIOLATION with `[]`, 0 and no write when nothing matches |
 *
 * Decisions (capabilities.md §4.3):
 * - `key` must be a string with a non-whitespace character and at most 256 code points
 *   (declared `max_key_length`), else VIOLATION.
 * - Order: LIST, LIST_KEYS and UPDATE_WHERE walk keys in the store's sorted order (the
 *   StateTxn contract), not the file's insertion order the reference used.
 * - UPDATE_WHERE matches object records whose every filter field is Python-equal
 *   (`record.get(field) == value`, so a missing field equals null; `1 == 1.0 == true`);
 *   `{}` matches every object record. An update value of null removes the field.
 *   `filter` and `updates` must be objects (else VIOLATION); `updates` may be empty.
 * - DELETE_MANY: non-array `keys` → VIOLATION; non-string and repeated keys count once or
 *   not at all. The reference's "always save" has no equivalent: nothing changes when no
 *   key is present.
 * - Unknown op (e.g. the old GET/PUT) → BACKEND_ERROR "No backend handler for op: X".
 *
 * @module
 */
import type { StoreRef } from "../../storage/store.ts";
import type { SideEffectCall, SideEffectFn, SideEffectResult } from "../capability.ts";
import { CsStatus } from "./constants.ts";
import { result, storeKind, violation } from "./_kind.ts";
import { codePointLength, copy, input, isObject, pyEqual } from "./_values.ts";

const MAX_KEY_LENGTH = 256;

function keyInput(call: SideEffectCall): string | SideEffectResult {
  const key = input(call.inputs, "key");
  if (typeof key !== "string" || key.trim() === "" || codePointLength(key) > MAX_KEY_LENGTH) {
    return violation(
      `Invalid key: expected a string with a non-whitespace character, at most ` +
        `${MAX_KEY_LENGTH} characters`,
    );
  }
  return key;
}

async function read(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const key = keyInput(call);
  if (typeof key !== "string") return key;
  const value = await call.state.get(store, key);
  if (value === undefined) return result(CsStatus.NOT_FOUND);
  return result(CsStatus.SUCCESS, { value: copy(value) });
}

function write(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const key = keyInput(call);
  if (typeof key !== "string") return Promise.resolve(key);
  call.state.set(store, key, copy(input(call.inputs, "value")));
  return Promise.resolve(result(CsStatus.SUCCESS));
}

async function remove(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const key = keyInput(call);
  if (typeof key !== "string") return key;
  if (await call.state.get(store, key) === undefined) return result(CsStatus.NOT_FOUND);
  call.state.delete(store, key);
  return result(CsStatus.SUCCESS);
}

async function exists(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const key = keyInput(call);
  if (typeof key !== "string") return key;
  return result(CsStatus.SUCCESS, { exists: await call.state.get(store, key) !== undefined });
}

async function list(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const entries = await call.state.entries(store);
  return result(CsStatus.SUCCESS, {
    records: entries.map(([, value]) => copy(value)),
    keys: entries.map(([key]) => key),
  });
}

async function listKeys(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const entries = await call.state.entries(store);
  return result(CsStatus.SUCCESS, { keys: entries.map(([key]) => key) });
}

async function deleteMany(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const keys = input(call.inputs, "keys") ?? [];
  if (!Array.isArray(keys)) return violation("Invalid keys: expected an array of keys or null");
  let drained = 0;
  for (const key of keys) {
    if (typeof key !== "string" || await call.state.get(store, key) === undefined) continue;
    call.state.delete(store, key);
    drained++;
  }
  return result(CsStatus.SUCCESS, { drained_count: drained });
}

async function updateWhere(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const filter = input(call.inputs, "filter");
  const updates = input(call.inputs, "updates");
  if (!isObject(filter)) return violation("Invalid filter: expected an object of field values");
  if (!isObject(updates)) return violation("Invalid updates: expected an object of field values");
  const conditions = Object.entries(filter);
  const matched: string[] = [];
  for (const [key, record] of await call.state.entries(store)) {
    if (!isObject(record)) continue;
    const hit = conditions.every(([field, wanted]) =>
      pyEqual(Object.hasOwn(record, field) ? record[field] : null, wanted)
    );
    if (!hit) continue;
    const updated = copy(record);
    for (const [field, value] of Object.entries(updates)) {
      if (value === null || value === undefined) delete updated[field];
      else updated[field] = copy(value);
    }
    call.state.set(store, key, updated);
    matched.push(key);
  }
  if (matched.length === 0) {
    return result(CsStatus.VIOLATION, {
      message: "No record matches the filter",
      matched_keys: [],
      updated_count: 0,
    });
  }
  return result(CsStatus.SUCCESS, { matched_keys: matched, updated_count: matched.length });
}

/** CS_MUTABLE_JSON_V0: READ, WRITE, DELETE, DELETE_MANY, EXISTS, LIST, LIST_KEYS, UPDATE_WHERE. */
export const mutableJsonSideEffect: SideEffectFn = storeKind({
  code: "CS_MUTABLE_JSON_V0",
  ops: {
    READ: read,
    WRITE: write,
    DELETE: remove,
    DELETE_MANY: deleteMany,
    EXISTS: exists,
    LIST: list,
    LIST_KEYS: listKeys,
    UPDATE_WHERE: updateWhere,
  },
  caseInsensitive: true,
  unknownOp: (op) =>
    result(CsStatus.BACKEND_ERROR, { message: `No backend handler for op: ${op}` }),
});
