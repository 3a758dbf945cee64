/**
 * Builds what one transaction group commits (checks, store metas, effects in order, trace
 * chunks) and estimates, body by body, whether a group still fits one KV commit.
 *
 * @module
 */
import { encodeJson, type StoreMeta, toBlob } from "./_codec.ts";
import { EPOCH_WRITE } from "./_epoch.ts";
import {
  type Check,
  type CommitPlan,
  type EncodedTrace,
  type Op,
  SEAL_RESERVE_BYTES,
  Tally,
  traceFinalOps,
} from "./_commit.ts";
import {
  logKey,
  logPartKey,
  mapKey,
  mapPartKey,
  storeMetaKey,
  traceChunkKey,
  traceMetaKey,
} from "./keys.ts";
import type { BodyTxn, StoreBase, TxnGroup } from "./_txn.ts";

/** Set ops for a (possibly split) value at `key`, parts at `partKey(i)`. */
export function blobOps(
  out: Op[],
  bytes: Uint8Array,
  key: Deno.KvKey,
  partKey: (i: number) => Deno.KvKey,
  oldParts: number,
): number {
  const blob = toBlob(bytes);
  out.push({ key, value: blob.head });
  blob.parts.forEach((part, i) => out.push({ key: partKey(i), value: part }));
  for (let i = blob.parts.length; i < oldParts; i++) out.push({ key: partKey(i), value: null });
  return blob.parts.length;
}

/**
 * Builds the commit plan of a group (resolving old part counts it still needs); `epoch`:
 * the store keeps a commit epoch, which a plan that writes a store rewrites.
 */
export async function buildPlan(
  group: TxnGroup,
  traces: readonly EncodedTrace[],
  epoch = false,
): Promise<CommitPlan> {
  const checks: Check[] = [];
  const head: Op[] = [];
  const effects: Op[] = [];
  const splitDelta = new Map<string, number>();
  for (const base of group.bases.values()) {
    checks.push({ key: storeMetaKey(base.ref.path), versionstamp: base.stamp });
  }
  const stores = checks.length;
  for (const t of traces) checks.push({ key: traceMetaKey(t.id), versionstamp: null });
  for (const [path, layer] of group.layers) {
    const base = group.bases.get(path)!;
    if ((base.meta?.splitKeys ?? 0) > 0) {
      for (const key of layer.writes.keys()) await group.committedValue(base, key);
    }
  }
  const emitted = new Set<string>();
  for (const entry of group.order) {
    if (entry.kind === "b") continue;
    const base = group.bases.get(entry.path)!;
    const layer = group.layers.get(entry.path)!;
    const path = entry.path;
    if (entry.kind === "l") {
      const bytes = layer.appends[entry.seq - group.baseLogLength(base) - 1];
      blobOps(effects, bytes, logKey(path, entry.seq), (p) => logPartKey(path, entry.seq, p), 0);
      continue;
    }
    const id = `${path}\u0000${entry.key}`;
    if (emitted.has(id)) continue;
    emitted.add(id);
    const value = layer.writes.get(entry.key)!;
    const oldParts = group.known(base, entry.key)?.parts ?? 0;
    const partKey = (p: number) => mapPartKey(path, entry.key, p);
    let newParts = 0;
    if (value === null) {
      effects.push({ key: mapKey(path, entry.key), value: null });
      for (let i = 0; i < oldParts; i++) effects.push({ key: partKey(i), value: null });
    } else {
      newParts = blobOps(effects, value, mapKey(path, entry.key), partKey, oldParts);
    }
    const delta = (newParts > 0 ? 1 : 0) - (oldParts > 0 ? 1 : 0);
    splitDelta.set(path, (splitDelta.get(path) ?? 0) + delta);
  }
  const metas = new Map<string, StoreMeta>();
  for (const base of group.bases.values()) {
    const path = base.ref.path;
    const layer = group.layers.get(path);
    if (!layer) continue;
    const meta = nextMeta(group, base);
    metas.set(path, meta);
    head.push({ key: storeMetaKey(path), value: encodeJson(meta, "store meta") });
  }
  const traceBodies: Op[] = [];
  for (const t of traces) {
    t.chunks.forEach((c, i) => traceBodies.push({ key: traceChunkKey(t.id, i), value: c }));
  }
  return {
    checks,
    stores,
    head,
    epoch: epoch && head.length > 0 ? EPOCH_WRITE : null,
    effects,
    traceBodies,
    traces,
    metas,
  };

  function nextMeta(group: TxnGroup, base: StoreBase): StoreMeta {
    const appended = group.layers.get(base.ref.path)?.appends.length ?? 0;
    return {
      format: base.ref.format,
      version: (base.meta?.version ?? 0) + 1,
      logLength: group.baseLogLength(base) + appended,
      splitKeys: (base.meta?.splitKeys ?? 0) + (splitDelta.get(base.ref.path) ?? 0),
    };
  }
}

/** Which stores and writes a group's budget already counts (for batch packing). */
export class GroupBudget {
  /** Upper bound of the group's single-commit size. */
  readonly tally = new Tally();
  readonly #checked = new Set<string>();
  readonly #written = new Set<string>();
  /** The store keeps a commit epoch: the group's first store write adds its write. */
  readonly #epoch: boolean;

  /** A budget for a group of a store that keeps a commit epoch (`epoch`) or not. */
  constructor(epoch = false) {
    this.#epoch = epoch;
  }

  /**
   * Upper bound of what a finished body adds to the group's commit: over-counts keys that
   * several bodies write, never under-counts.
   */
  async costOf(group: TxnGroup, body: BodyTxn, trace: EncodedTrace | null): Promise<Tally> {
    const t = new Tally();
    const metaValue = new Uint8Array(128);
    for (const path of body.touched) {
      if (this.#checked.has(path)) continue;
      t.check({ key: storeMetaKey(path), versionstamp: null });
    }
    if (this.#epoch && this.#written.size === 0 && body.layers.size > 0) t.op(EPOCH_WRITE);
    for (const [path, layer] of body.layers) {
      const base = group.bases.get(path)!;
      if (!this.#written.has(path)) {
        t.op({ key: storeMetaKey(path), value: metaValue });
      }
      const ops: Op[] = [];
      for (const [key, value] of layer.writes) {
        const old = (base.meta?.splitKeys ?? 0) > 0
          ? (await group.committedValue(base, key))?.parts ?? 0
          : 0;
        if (value === null) {
          ops.push({ key: mapKey(path, key), value: null });
          for (let i = 0; i < old; i++) ops.push({ key: mapPartKey(path, key, i), value: null });
        } else {
          blobOps(ops, value, mapKey(path, key), (p) => mapPartKey(path, key, p), old);
        }
      }
      const seq = 1e9;
      for (const bytes of layer.appends) {
        blobOps(ops, bytes, logKey(path, seq), (p) => logPartKey(path, seq, p), 0);
      }
      for (const o of ops) t.op(o);
    }
    if (trace) {
      t.check({ key: traceMetaKey(trace.id), versionstamp: null });
      trace.chunks.forEach((c, i) => t.op({ key: traceChunkKey(trace.id, i), value: c }));
      // The seal line may grow the last chunk or start one more.
      if (trace.sealPending) {
        t.op({
          key: traceChunkKey(trace.id, trace.chunks.length),
          value: new Uint8Array(SEAL_RESERVE_BYTES),
        });
      }
      for (const o of traceFinalOps(trace, 1e9)) t.op(o);
    }
    return t;
  }

  /** Records that a body with this cost joined the group. */
  admit(cost: Tally, body: BodyTxn): void {
    this.tally.add(cost);
    for (const p of body.touched) this.#checked.add(p);
    for (const p of body.layers.keys()) this.#written.add(p);
  }
}
