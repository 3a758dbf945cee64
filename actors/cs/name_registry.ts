/**
 * CS_NAME_REGISTRY_V0 (namespace `pgs_capabilities.registry.name_service.
 * capability_side_effects`): public name → resource addresses (view format "json";
 * the key map is the document `{name: {resource_addresses: [...]}}`).
 *
 * - READ `name` → `{resource_addresses}` (entry's list, or [] if it has none);
 *   unknown name → NOT_FOUND with `resource_addresses: []`.
 * - WRITE `name`, `resource_addresses` → `{success: true}`; last write wins.
 * - Errors carry `error` (the reference's field): `name` must be a non-empty string,
 *   `resource_addresses` an array; both also checked against the declared constraints
 *   (`max_name_length` 256, `max_addresses_per_name` 100, addresses are strings), which
 *   the reference did not enforce. A StorageError → BACKEND_ERROR `{error}` (WRITE adds
 *   `success: false`).
 * - Op names are case-sensitive and an unknown op → VIOLATION "Unsupported operation: X",
 *   as in the reference (the other persistent kinds answer BACKEND_ERROR).
 * - The compiled CCs map `$.capability_result.value.*`, which this result (like the
 *   reference's) does not have: those outputs resolve to null (capabilities.md §8.8).
 *
 * @module
 */
import type { StoreRef } from "../../storage/store.ts";
import type { SideEffectCall, SideEffectFn, SideEffectResult } from "../capability.ts";
import { CsStatus } from "./constants.ts";
import { result, storeKind } from "./_kind.ts";
import { codePointLength, copy, input, isObject } from "./_values.ts";

const MAX_NAME_LENGTH = 256;
const MAX_ADDRESSES = 100;

function refuse(error: string): SideEffectResult {
  return result(CsStatus.VIOLATION, { error });
}

function nameInput(call: SideEffectCall): string | SideEffectResult {
  const name = input(call.inputs, "name");
  if (typeof name !== "string" || name === "") return refuse("name must be non-empty string");
  if (codePointLength(name) > MAX_NAME_LENGTH) {
    return refuse(`name must be at most ${MAX_NAME_LENGTH} characters`);
  }
  return name;
}

async function read(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const name = nameInput(call);
  if (typeof name !== "string") return name;
  const entry = await call.state.get(store, name);
  if (entry === undefined) return result(CsStatus.NOT_FOUND, { resource_addresses: [] });
  const addresses = isObject(entry) ? entry.resource_addresses : undefined;
  return result(CsStatus.SUCCESS, { resource_addresses: copy(addresses ?? []) });
}

function write(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const name = nameInput(call);
  if (typeof name !== "string") return Promise.resolve(name);
  const addresses = input(call.inputs, "resource_addresses");
  if (!Array.isArray(addresses)) {
    return Promise.resolve(refuse("resource_addresses must be an array"));
  }
  if (addresses.length > MAX_ADDRESSES) {
    return Promise.resolve(
      refuse(`resource_addresses must hold at most ${MAX_ADDRESSES} addresses`),
    );
  }
  if (!addresses.every((a) => typeof a === "string")) {
    return Promise.resolve(refuse("resource_addresses must be an array of strings"));
  }
  call.state.set(store, name, { resource_addresses: copy(addresses) });
  return Promise.resolve(result(CsStatus.SUCCESS, { success: true }));
}

/** CS_NAME_REGISTRY_V0: READ, WRITE (case-sensitive). */
export const nameRegistrySideEffect: SideEffectFn = storeKind({
  code: "CS_NAME_REGISTRY_V0",
  ops: { READ: read, WRITE: write },
  caseInsensitive: false,
  unknownOp: (op) => refuse(`Unsupported operation: ${op}`),
  storageError: (op, error) =>
    result(CsStatus.BACKEND_ERROR, op === "WRITE" ? { error, success: false } : { error }),
});
