/**
 * Turns a transaction group into KV commits: the checks, the state mutations, the bumped
 * store metas and the trace chunks + meta; and packs them into as few atomic commits as
 * KV's per-commit limits allow (normally exactly one).
 *
 * @module
 */
import { StorageError } from "../errors.ts";
import { chunk, encodeJson, type StoreMeta, toBlob, utf8 } from "./_codec.ts";
import {
  CHUNK_BYTES,
  keyBytes,
  KV_LIMITS,
  logKey,
  logPartKey,
  mapKey,
  mapPartKey,
  storeMetaKey,
  traceChunkKey,
  traceMetaKey,
} from "./keys.ts";
import type { BodyTxn, StoreBase, TxnGroup } from "./_txn.ts";
import type { TraceCommit } from "./store.ts";

/** Per-commit budget the packer respects. */
export interface CommitLimits {
  /** Checks per commit. */
  readonly maxChecks: number;
  /** Mutations per commit. */
  readonly maxMutations: number;
  /** Σ(check keys) + Σ(set: 2×key + value) + Σ(delete keys). */
  readonly maxCommitBytes: number;
  /** Σ of all keys. */
  readonly maxCommitKeyBytes: number;
}

/** Local KV limits minus a small safety margin. */
export const LOCAL_LIMITS: CommitLimits = {
  maxChecks: KV_LIMITS.maxChecks,
  maxMutations: KV_LIMITS.maxMutations,
  maxCommitBytes: KV_LIMITS.maxCommitBytes - 4096,
  maxCommitKeyBytes: KV_LIMITS.maxCommitKeyBytes - 1024,
};

/** KV Connect / denokv limits: the same, with 10 checks. */
export const REMOTE_LIMITS: CommitLimits = {
  ...LOCAL_LIMITS,
  maxChecks: KV_LIMITS.maxChecksRemote,
};

/** One set (value) or delete (null). */
export interface Op {
  /** Key. */
  readonly key: Deno.KvKey;
  /** Bytes to set, or null to delete. */
  readonly value: Uint8Array | null;
}

/** One versionstamp check (null = must not exist). */
export interface Check {
  /** Key. */
  readonly key: Deno.KvKey;
  /** Expected versionstamp. */
  readonly versionstamp: string | null;
}

/** Running size of a commit, in the units KV limits count. */
export class Tally {
  /** Checks. */
  checks = 0;
  /** Mutations. */
  mutations = 0;
  /** Commit bytes. */
  bytes = 0;
  /** Key bytes. */
  keyBytes = 0;

  /** Adds a check. */
  check(c: Check): this {
    const kb = keyBytes(c.key);
    this.checks++;
    this.bytes += kb;
    this.keyBytes += kb;
    return this;
  }

  /** Adds a mutation. */
  op(o: Op): this {
    const kb = keyBytes(o.key);
    this.mutations++;
    this.bytes += o.value === null ? kb : 2 * kb + o.value.length;
    this.keyBytes += kb;
    return this;
  }

  /** Adds another tally. */
  add(t: Tally): this {
    this.checks += t.checks;
    this.mutations += t.mutations;
    this.bytes += t.bytes;
    this.keyBytes += t.keyBytes;
    return this;
  }

  /** True when `this` plus `extra` stays within `limits`. */
  fits(limits: CommitLimits, extra?: Tally): boolean {
    return this.checks + (extra?.checks ?? 0) <= limits.maxChecks &&
      this.mutations + (extra?.mutations ?? 0) <= limits.maxMutations &&
      this.bytes + (extra?.bytes ?? 0) <= limits.maxCommitBytes &&
      this.keyBytes + (extra?.keyBytes ?? 0) <= limits.maxCommitKeyBytes;
  }
}

/** A validated, encoded trace ready to commit. */
export interface EncodedTrace {
  /** Trace id. */
  readonly id: string;
  /** Number of body lines. */
  readonly lines: number;
  /** Body bytes (lines joined by "\n") in chunks of at most 60 KiB. */
  readonly chunks: readonly Uint8Array[];
  /** Caller's meta. */
  readonly meta: Record<string, unknown>;
}

/**
 * Validates and encodes a trace.
 *
 * @throws {StorageError} STORAGE for a malformed trace id, line or meta.
 */
export function encodeTrace(trace: TraceCommit): EncodedTrace {
  if (typeof trace.traceId !== "string" || trace.traceId === "") {
    throw new StorageError(`Cannot commit trace: "traceId" must be a non-empty string`);
  }
  if (keyBytes(traceChunkKey(trace.traceId, 0)) > KV_LIMITS.maxKeyBytes) {
    throw new StorageError(`Cannot commit trace: "traceId" is too long`);
  }
  if (!Array.isArray(trace.lines)) {
    throw new StorageError(`Cannot commit trace "${trace.traceId}": "lines" must be an array`);
  }
  for (let i = 0; i < trace.lines.length; i++) {
    const line = trace.lines[i];
    if (typeof line !== "string" || line.includes("\n")) {
      throw new StorageError(
        `Cannot commit trace "${trace.traceId}": lines[${i}] must be a string without "\\n"`,
      );
    }
  }
  const meta = trace.meta ?? {};
  if (encodeJson(meta, `meta of trace "${trace.traceId}"`).length > CHUNK_BYTES - 1024) {
    throw new StorageError(`Cannot commit trace "${trace.traceId}": "meta" exceeds 59 KiB`);
  }
  return {
    id: trace.traceId,
    lines: trace.lines.length,
    chunks: chunk(utf8(trace.lines.join("\n"))),
    meta,
  };
}

/** Everything one group commits. */
export interface CommitPlan {
  /** Store-meta checks, then trace-absence checks. */
  readonly checks: readonly Check[];
  /** Bumped store metas (must be in the first commit when chunked). */
  readonly head: readonly Op[];
  /** Imports, then state writes in the order they were made. */
  readonly effects: readonly Op[];
  /** Trace body chunks. */
  readonly traceBodies: readonly Op[];
  /** Traces (their metas are built once the commit count is known). */
  readonly traces: readonly EncodedTrace[];
}

/** Set ops for a (possibly split) value at `key`, parts at `partKey(i)`. */
function blobOps(
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

/** Builds the commit plan of a group (resolving old part counts it still needs). */
export async function buildPlan(
  group: TxnGroup,
  traces: readonly EncodedTrace[],
): Promise<CommitPlan> {
  const checks: Check[] = [];
  const head: Op[] = [];
  const effects: Op[] = [];
  const splitDelta = new Map<string, number>();
  for (const base of group.bases.values()) {
    checks.push({ key: storeMetaKey(base.ref.path), versionstamp: base.stamp });
  }
  for (const t of traces) checks.push({ key: traceMetaKey(t.id), versionstamp: null });
  for (const [path, layer] of group.layers) {
    const base = group.bases.get(path)!;
    if ((base.meta?.splitKeys ?? 0) > 0) {
      for (const key of layer.writes.keys()) await group.committedValue(base, key);
    }
  }
  for (const base of group.bases.values()) {
    const imported = base.imported;
    if (!imported) continue;
    const path = base.ref.path;
    const overwritten = group.layers.get(path)?.writes;
    imported.log.forEach((bytes, i) =>
      blobOps(effects, bytes, logKey(path, i + 1), (p) => logPartKey(path, i + 1, p), 0)
    );
    let split = 0;
    for (const [key, bytes] of imported.map) {
      if (overwritten?.has(key)) continue;
      if (blobOps(effects, bytes, mapKey(path, key), (p) => mapPartKey(path, key, p), 0) > 0) {
        split++;
      }
    }
    splitDelta.set(path, split);
  }
  const emitted = new Set<string>();
  for (const entry of group.order) {
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
    const oldParts = base.values.get(entry.key)?.parts ?? 0;
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
  for (const base of group.bases.values()) {
    const path = base.ref.path;
    const layer = group.layers.get(path);
    if (!layer && !base.imported) continue;
    head.push({ key: storeMetaKey(path), value: encodeJson(nextMeta(group, base), "store meta") });
  }
  const traceBodies: Op[] = [];
  for (const t of traces) {
    t.chunks.forEach((c, i) => traceBodies.push({ key: traceChunkKey(t.id, i), value: c }));
  }
  return { checks, head, effects, traceBodies, traces };

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

/** The final meta op of a trace. */
export function traceFinalOp(t: EncodedTrace, chunked: number | undefined): Op {
  const meta = {
    state: "complete",
    lines: t.lines,
    chunks: t.chunks.length,
    ...(chunked === undefined ? {} : { chunked }),
    meta: t.meta,
  };
  return { key: traceMetaKey(t.id), value: encodeJson(meta, `meta of trace "${t.id}"`) };
}

/** The placeholder meta a chunked commit writes first, so the id is reserved. */
export function tracePendingOp(t: EncodedTrace, chunked: number): Op {
  return {
    key: traceMetaKey(t.id),
    value: encodeJson({ state: "pending", chunked }, `meta of trace "${t.id}"`),
  };
}

/** One atomic commit to run. */
export interface Commit {
  /** Checks (only in the first commit). */
  readonly checks: Check[];
  /** Mutations. */
  readonly ops: Op[];
}

/**
 * Packs a plan into commits. One commit when it fits (the normal case). Otherwise: the
 * first commit carries every check, the trace reservations and the store metas, then the
 * effects in order, then trace chunks, and the last commit the final trace metas recording
 * `chunked: N`.
 *
 * @throws {StorageError} STORAGE when even the first commit cannot fit (too many stores or
 *   traces in one run).
 */
export function packCommits(plan: CommitPlan, limits: CommitLimits): Commit[] {
  const finals = plan.traces.map((t) => traceFinalOp(t, undefined));
  const total = new Tally();
  for (const c of plan.checks) total.check(c);
  for (const o of [...plan.head, ...plan.effects, ...plan.traceBodies, ...finals]) total.op(o);
  if (total.fits(limits)) {
    return [{
      checks: [...plan.checks],
      ops: [...plan.head, ...plan.effects, ...plan.traceBodies, ...finals],
    }];
  }
  const commits: Commit[] = [];
  const placeholder = 1e9;
  let cur: Commit = { checks: [...plan.checks], ops: [] };
  let tally = new Tally();
  for (const c of plan.checks) tally.check(c);
  for (const o of [...plan.traces.map((t) => tracePendingOp(t, placeholder)), ...plan.head]) {
    cur.ops.push(o);
    tally.op(o);
  }
  if (!tally.fits(limits)) {
    throw new StorageError(
      `Cannot commit transaction: its ${plan.checks.length} checks and ${plan.head.length} store updates exceed one KV commit`,
    );
  }
  const pendingIndex = plan.traces.length;
  for (const o of [...plan.effects, ...plan.traceBodies]) {
    const one = new Tally().op(o);
    if (!tally.fits(limits, one)) {
      commits.push(cur);
      cur = { checks: [], ops: [] };
      tally = new Tally();
    }
    cur.ops.push(o);
    tally.op(o);
  }
  const finalTally = new Tally();
  for (const t of plan.traces) finalTally.op(traceFinalOp(t, placeholder));
  if (!tally.fits(limits, finalTally)) {
    commits.push(cur);
    cur = { checks: [], ops: [] };
  }
  commits.push(cur);
  const n = commits.length;
  commits[0].ops.splice(0, pendingIndex, ...plan.traces.map((t) => tracePendingOp(t, n)));
  cur.ops.push(...plan.traces.map((t) => traceFinalOp(t, n)));
  return commits;
}

/** Which stores and writes a group's budget already counts (for batch packing). */
export class GroupBudget {
  /** Upper bound of the group's single-commit size. */
  readonly tally = new Tally();
  readonly #checked = new Set<string>();
  readonly #written = new Set<string>();

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
      const imported = group.bases.get(path)?.imported;
      if (imported) {
        t.op({ key: storeMetaKey(path), value: metaValue });
        const ops: Op[] = [];
        imported.log.forEach((b, i) =>
          blobOps(ops, b, logKey(path, i + 1), (p) => logPartKey(path, i + 1, p), 0)
        );
        for (const [k, b] of imported.map) {
          blobOps(ops, b, mapKey(path, k), (p) => mapPartKey(path, k, p), 0);
        }
        for (const o of ops) t.op(o);
      }
    }
    for (const [path, layer] of body.layers) {
      const base = group.bases.get(path)!;
      if (!this.#written.has(path) && !base.imported) {
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
      t.op(traceFinalOp(trace, 1e9));
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
