/**
 * blockchain::CT_PURE_INCREMENT_WALLET_NONCE_V0: reserves the wallet's EOA nonce and returns
 * a copy of the record with the nonce incremented.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyDeepCopy, pyIsDict, pyIsNumber, pyNum, pyTypeName, setKey } from "./_python.ts";

const ATOM = "CT_PURE_INCREMENT_WALLET_NONCE_V0";

/** Python `obj.get(key, {})` on a dict that must exist (a null is an AttributeError). */
function child(obj: JsonObject, key: string, what: string): JsonObject {
  if (!Object.hasOwn(obj, key)) return {};
  const v = obj[key] ?? null;
  if (!pyIsDict(v)) violation(ATOM, `${what} must be an object, got ${pyTypeName(v)}`);
  return v;
}

/**
 * `{updated_wallet_record, nonce}` where `nonce` is the value before the increment
 * (default 0). Missing `state` / `state.eoa` objects are created (appended last); the
 * input is not mutated.
 */
export function incrementWalletNonce(args: JsonObject, _ctx: TransformContext): JsonObject {
  const record = requireKey(args, "wallet_record", ATOM);
  if (!pyIsDict(record)) {
    violation(ATOM, `wallet_record must be object, got ${pyTypeName(record)}`);
  }
  const updated = pyDeepCopy(record);
  const state = child(updated, "state", "state");
  const eoa = child(state, "eoa", "state.eoa");
  const nonce = Object.hasOwn(eoa, "nonce") ? eoa.nonce ?? null : 0;
  if (!pyIsNumber(nonce)) violation(ATOM, `nonce must be a number, got ${pyTypeName(nonce)}`);
  setKey(eoa, "nonce", pyNum(nonce) + 1);
  setKey(state, "eoa", eoa);
  setKey(updated, "state", state);
  return { updated_wallet_record: updated, nonce };
}
