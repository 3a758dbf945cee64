/**
 * The state transaction as one CS step sees it. A capability gets a handle that works
 * until its step settles and then refuses every call: a write made later (from a timer, a
 * promise it did not await) would otherwise be committed and recorded as an effect of
 * whichever step happened to be running. A capability the application provides may write
 * only the store its step declares (a logical store is a declared one); the built-in kinds
 * follow their declarations themselves.
 *
 * @module
 */
import type { Mutation, StateTxn, StoreRef } from "../storage/store.ts";

const underlying = new WeakMap<StateTxn, StateTxn>();

/** The run's transaction behind a step handle (locks and bookkeeping key on it). */
export function runTxnOf(state: StateTxn): StateTxn {
  return underlying.get(state) ?? state;
}

/**
 * A handle on `txn` for one step, the writes made through it (its effects: child runs it
 * started write through their own handles), and the call that ends it. `writable`: the one
 * store path it may write (null: none); absent: any.
 */
export function stepState(
  txn: StateTxn,
  capability: string,
  step: string,
  writable?: string | null,
): { readonly state: StateTxn; readonly own: readonly Mutation[]; readonly end: () => void } {
  let open = true;
  const own: Mutation[] = [];
  const write = (store: StoreRef): StateTxn => {
    const t = use();
    if (writable !== undefined && store?.path !== writable) {
      throw new Error(
        `${capability} wrote store "${store?.path}", but step ${step} declares ${
          writable === null ? "no store" : `only "${writable}"`
        }`,
      );
    }
    return t;
  };
  const use = (): StateTxn => {
    if (!open) {
      throw new Error(
        `${capability} used the state after its step ${step} ended: a capability must finish ` +
          `its reads and writes before its result settles`,
      );
    }
    return txn;
  };
  const state: StateTxn = {
    // The reading calls return promises: a refusal rejects them like any other failure.
    get: async (store, key) => await use().get(store, key),
    set: (store, key, value) => {
      write(store).set(store, key, value);
      own.push({ store: store.path, kind: "set", key });
    },
    delete: (store, key) => {
      write(store).delete(store, key);
      own.push({ store: store.path, kind: "delete", key });
    },
    entries: async (store) => await use().entries(store),
    keys: async (store, prefix, limit) => await use().keys(store, prefix, limit),
    append: async (store, make) => {
      const sequence = await write(store).append(store, make);
      own.push({ store: store.path, kind: "append", key: String(sequence) });
      return sequence;
    },
    log: async (store) => await use().log(store),
    boundary: () => use().boundary(),
    mutations: () => use().mutations(),
  };
  underlying.set(state, txn);
  return { state, own, end: () => (open = false) };
}
