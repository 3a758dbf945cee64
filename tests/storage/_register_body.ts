// A register-member body shared by the read-cache tests and their subprocess: a name is
// registered once (ALREADY_EXISTS after), with an event whose sequence number it records.
import type { StateTxn, StoreRef, TxnBody } from "../../storage/mod.ts";

/** The member registry (key map plus index keys). */
export const REG: StoreRef = { path: "registry/members.json", format: "jsonl" };
/** The event log (one record per registration). */
export const EVENTS: StoreRef = { path: "events/members.jsonl", format: "jsonl" };

/** Registers `name` (by `by`): "SUCCESS" or "ALREADY_EXISTS". */
export function register(name: string, by = "p1"): TxnBody<string> {
  return async (txn: StateTxn) => {
    if (await txn.get(REG, name) !== undefined) return { value: "ALREADY_EXISTS", trace: null };
    if (await txn.get(REG, `\u0000addr:${name}`) !== undefined) {
      return { value: "ADDRESS_TAKEN", trace: null };
    }
    const meta = (await txn.get(REG, "\u0000meta") as { active: number } | undefined) ?? {
      active: 0,
    };
    const seq = await txn.append(EVENTS, (s) => ({ s, name, by }));
    txn.set(REG, name, { name, seq, by });
    txn.set(REG, `\u0000addr:${name}`, name);
    txn.set(REG, "\u0000meta", { active: meta.active + 1 });
    return {
      value: "SUCCESS",
      trace: { traceId: `T-${by}-${name}`, lines: [JSON.stringify({ name, by })], meta: {} },
    };
  };
}
