/**
 * blockchain::CT_PURE_DERIVE_BALANCES_V0: wallet balances folded from the committed chain
 * log (debit `from_wallet`, credit `to_wallet`, per transaction of every block).
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsDict, pyIsList, pyIsNumber, pyNum, pyTruthy, pyTypeName, setKey } from "./_python.ts";

const ATOM = "CT_PURE_DERIVE_BALANCES_V0";

/** Python `x or []` for something that must then be iterated as a list. */
function listOrEmpty(v: unknown, what: string): unknown[] {
  if (!pyTruthy(v)) return [];
  if (!pyIsList(v)) violation(ATOM, `${what} must be a list, got ${pyTypeName(v)}`);
  return v;
}

/** Python `x or {}` for something that must then be read as a dict. */
function dictOrEmpty(v: unknown, what: string): JsonObject {
  if (!pyTruthy(v)) return {};
  if (!pyIsDict(v)) violation(ATOM, `${what} must be an object, got ${pyTypeName(v)}`);
  return v;
}

/** A wallet id used as a balance key; JSON object keys must be strings. */
function walletKey(v: unknown, what: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") violation(ATOM, `${what} must be a string, got ${pyTypeName(v)}`);
  return v;
}

/**
 * `{reconciled_balances: {wallet: balance}}` in first-seen order. Deviations: wallet ids
 * must be strings (Python would also key by ints), integer-like ids are listed first by
 * JS objects, and sums beyond 2^53 lose precision.
 */
export function deriveBalances(args: JsonObject, _ctx: TransformContext): JsonObject {
  const history = listOrEmpty(requireKey(args, "committed_history", ATOM), "committed_history");
  const balances: JsonObject = {};
  const add = (wallet: string, delta: number) =>
    setKey(balances, wallet, ((balances[wallet] as number | undefined) ?? 0) + delta);
  for (const entry of history) {
    const block = dictOrEmpty(dictOrEmpty(entry, "history entry").record, "record");
    for (const tx of listOrEmpty(block.transactions, "transactions")) {
      if (!pyIsDict(tx)) violation(ATOM, `transaction must be an object, got ${pyTypeName(tx)}`);
      const raw = pyTruthy(tx.amount) ? tx.amount : 0;
      if (!pyIsNumber(raw)) violation(ATOM, `amount must be a number, got ${pyTypeName(raw)}`);
      const amount = pyNum(raw);
      const source = walletKey(tx.from_wallet, "from_wallet");
      const destination = walletKey(tx.to_wallet, "to_wallet");
      if (source !== null) add(source, -amount);
      if (destination !== null) add(destination, amount);
    }
  }
  return { reconciled_balances: balances };
}
