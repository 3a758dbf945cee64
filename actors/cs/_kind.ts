/**
 * The skeleton every CS kind shares: an explicit op allow-list, the unknown-op answer of
 * the reference, the missing-store VIOLATION, a per-(transaction, store) async lock, and
 * the StorageError → BACKEND_ERROR mapping (SPEC §4: storage failures are routable).
 *
 * @module
 */
import { StorageError } from "../../errors.ts";
import type { JsonObject, SideEffectCall, SideEffectFn, SideEffectResult } from "../capability.ts";
import type { StateTxn, StoreRef } from "../../storage/store.ts";
import { CsStatus } from "./constants.ts";
import { runTxnOf } from "../step_state.ts";

/** Builds a result whose fields start with `result_status`, like the reference's raw dict. */
export function result(status: string, fields: JsonObject = {}): SideEffectResult {
  return { status, result: { result_status: status, ...fields } };
}

/** A VIOLATION carrying a one-line message. */
export function violation(message: string, fields: JsonObject = {}): SideEffectResult {
  return result(CsStatus.VIOLATION, { message, ...fields });
}

/** An op handler of a kind that works on a store. */
export type StoreOp = (call: SideEffectCall, store: StoreRef) => Promise<SideEffectResult>;

/** How a persistent kind is assembled. */
export interface StoreKindOptions {
  /** Short CS code for messages, e.g. `CS_REGISTRY_V0`. */
  readonly code: string;
  /** Allow-list: upper-case op name → handler. */
  readonly ops: Readonly<Record<string, StoreOp>>;
  /** Compare op names case-insensitively (the reference lower-cases them). */
  readonly caseInsensitive: boolean;
  /** Answer to an op that is not in the allow-list. */
  readonly unknownOp: (op: string) => SideEffectResult;
  /** Store to use when the step declares none; absent = VIOLATION. */
  readonly defaultStore?: StoreRef;
  /** Answer to a StorageError thrown by the transaction (default BACKEND_ERROR + message). */
  readonly storageError?: (op: string, message: string) => SideEffectResult;
}

/** Assembles a persistent kind from its allow-list. */
export function storeKind(options: StoreKindOptions): SideEffectFn {
  return async (call) => {
    const name = options.caseInsensitive ? String(call.op).toUpperCase() : String(call.op);
    const handler = Object.hasOwn(options.ops, name) ? options.ops[name] : undefined;
    if (!handler) return options.unknownOp(String(call.op));
    const store = call.store ?? options.defaultStore ?? null;
    if (!store) {
      return violation(
        `Cannot run ${options.code} ${name}: no store declared (set "store" on the step to an ` +
          `entity of the RB storage structure, or "path" in the RB policy)`,
      );
    }
    try {
      return await withStoreLock(call.state, store.path, () => handler(call, store));
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      const onError = options.storageError ??
        ((_op: string, message: string) => result(CsStatus.BACKEND_ERROR, { message }));
      return onError(name, error.message);
    }
  };
}

const locks = new WeakMap<StateTxn, Map<string, Promise<void>>>();

/**
 * Runs `body` while holding the lock of (`txn`, `path`). Child workflows started
 * concurrently share their parent's transaction; the lock keeps each op's
 * read-check-write on one store from interleaving with another's.
 */
export async function withStoreLock<T>(
  txn: StateTxn,
  path: string,
  body: () => Promise<T>,
): Promise<T> {
  // Concurrent children share one run transaction, each step through its own handle.
  const run = runTxnOf(txn);
  let byPath = locks.get(run);
  if (!byPath) {
    byPath = new Map();
    locks.set(run, byPath);
  }
  const previous = byPath.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  byPath.set(path, tail);
  await previous;
  try {
    return await body();
  } finally {
    release();
    if (byPath.get(path) === tail) byPath.delete(path);
  }
}
