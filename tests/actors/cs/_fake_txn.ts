/**
 * Test doubles for the CS kinds: a Map-based {@link StateTxn} (reads see own writes,
 * entries sorted by key, gap-free 1-based log numbers), a fixed transform context and a
 * call builder.
 *
 * @module
 */
import type {
  ChildRunResult,
  JsonObject,
  SideEffectCall,
  TransformContext,
} from "../../../actors/capability.ts";
import type { Mutation, StateTxn, StoreRef } from "../../../storage/store.ts";

/** Run clock used by every test call. */
export const NOW = "2026-01-02T03:04:05.678Z";

/** A Map-based transaction; `failWith` makes every read throw that error. */
export class FakeTxn implements StateTxn {
  readonly maps = new Map<string, Map<string, unknown>>();
  readonly logs = new Map<string, unknown[]>();
  readonly #mutations: Mutation[] = [];
  failWith: Error | null = null;

  #map(store: StoreRef): Map<string, unknown> {
    let map = this.maps.get(store.path);
    if (!map) this.maps.set(store.path, map = new Map());
    return map;
  }

  #log(store: StoreRef): unknown[] {
    let log = this.logs.get(store.path);
    if (!log) this.logs.set(store.path, log = []);
    return log;
  }

  #check(): void {
    if (this.failWith) throw this.failWith;
  }

  /** Value under `key`, or undefined. */
  async get(store: StoreRef, key: string): Promise<unknown | undefined> {
    await Promise.resolve();
    this.#check();
    return this.#map(store).get(key);
  }

  /** Buffers a set. */
  set(store: StoreRef, key: string, value: unknown): void {
    this.#map(store).set(key, value);
    this.#mutations.push({ store: store.path, kind: "set", key });
  }

  /** Buffers a delete. */
  delete(store: StoreRef, key: string): void {
    this.#map(store).delete(key);
    this.#mutations.push({ store: store.path, kind: "delete", key });
  }

  /** Sorted entries of the key map. */
  async entries(store: StoreRef): Promise<Array<[string, unknown]>> {
    await Promise.resolve();
    this.#check();
    return [...this.#map(store).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** No commit here to split. */
  boundary(): void {}

  /** Keys with a prefix, sorted, at most `limit`. */
  async keys(store: StoreRef, prefix: string, limit = Infinity): Promise<string[]> {
    await Promise.resolve();
    this.#check();
    const out = [...this.#map(store).keys()].filter((k) => k.startsWith(prefix)).sort();
    return Number.isFinite(limit) ? out.slice(0, limit) : out;
  }

  /** Appends with the next gap-free number. */
  async append(store: StoreRef, make: (sequence: number) => unknown): Promise<number> {
    await Promise.resolve();
    this.#check();
    const log = this.#log(store);
    const sequence = log.length + 1;
    log.push(make(sequence));
    this.#mutations.push({ store: store.path, kind: "append", key: String(sequence) });
    return sequence;
  }

  /** The whole log. */
  async log(store: StoreRef): Promise<unknown[]> {
    await Promise.resolve();
    this.#check();
    return [...this.#log(store)];
  }

  /** Mutations so far. */
  mutations(): readonly Mutation[] {
    return [...this.#mutations];
  }

  /** Key map of `path` as a plain object (insertion order). */
  mapOf(path: string): Record<string, unknown> {
    return Object.fromEntries(this.maps.get(path) ?? []);
  }

  /** Log of `path`. */
  logOf(path: string): unknown[] {
    return [...(this.logs.get(path) ?? [])];
  }
}

/** A transform context with the fixed clock and no entropy. */
export const CTX: TransformContext = {
  now: NOW,
  randomBytes: () => {
    throw new Error("CS kinds must not draw entropy");
  },
  secretBytes: () => {
    throw new Error("CS kinds must not draw entropy");
  },
};

/** A child runner that fails the test if called. */
export function noChildren(): Promise<ChildRunResult> {
  return Promise.reject(new Error("runChild must not be called"));
}

/** Builds a call; `store` defaults to null, `policy` to {}. */
export function makeCall(
  txn: StateTxn,
  capability: string,
  op: string,
  inputs: JsonObject,
  store: StoreRef | null,
  extra: Partial<SideEffectCall> = {},
): SideEffectCall {
  return {
    capability,
    op,
    inputs,
    store,
    policy: {},
    state: txn,
    ctx: CTX,
    runChild: noChildren,
    ...extra,
  };
}
