/**
 * blockchain::CT_PURE_EXTRACT_WALLET_TX_FIELDS_V0: sender address, nonce and actor of a
 * wallet record (array indexing the CC path resolver cannot do).
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsDict, pyIsList, pyTruthy, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_EXTRACT_WALLET_TX_FIELDS_V0";

/** Python `obj.get(key, fallback)`, where `obj` must be a dict (else AttributeError). */
function get(obj: unknown, key: string, fallback: unknown, what: string): unknown {
  if (!pyIsDict(obj)) violation(ATOM, `${what} must be an object, got ${pyTypeName(obj)}`);
  return Object.hasOwn(obj, key) ? obj[key] ?? null : fallback;
}

/**
 * `{from_address, current_nonce, actor_id}` from `addresses.eoa[0].address`,
 * `state.eoa.nonce` (default 0) and `actor_id`. An explicit null `addresses`, `state` or
 * `state.eoa` is a VIOLATION; a null or empty `addresses.eoa` gives a null address.
 */
export function extractWalletTxFields(args: JsonObject, _ctx: TransformContext): JsonObject {
  const record = requireKey(args, "wallet_record", ATOM);
  if (!pyIsDict(record)) {
    violation(ATOM, `wallet_record must be object, got ${pyTypeName(record)}`);
  }
  const eoaList = get(get(record, "addresses", {}, "wallet_record"), "eoa", [], "addresses");
  let fromAddress: unknown = null;
  if (pyTruthy(eoaList) && pyIsList(eoaList)) {
    fromAddress = get(eoaList[0], "address", null, "addresses.eoa[0]");
  }
  const eoaState = get(get(record, "state", {}, "wallet_record"), "eoa", {}, "state");
  return {
    from_address: fromAddress,
    current_nonce: get(eoaState, "nonce", 0, "state.eoa"),
    actor_id: get(record, "actor_id", null, "wallet_record"),
  };
}
