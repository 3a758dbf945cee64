/**
 * KV commit sizing and packing: the units KV's per-commit limits count, trace encoding, and
 * packing a commit plan into as few atomic commits as the limits allow (normally one).
 *
 * @module
 */
import { StorageError } from "../errors.ts";
import { chunk, encodeJson, utf8 } from "./_codec.ts";
import {
  CHUNK_BYTES,
  keyBytes,
  KV_LIMITS,
  traceChunkKey,
  traceFilesPendingKey,
  traceMetaKey,
} from "./keys.ts";
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
  /** State writes in the order they were made. */
  readonly effects: readonly Op[];
  /** Indexes into `effects` where a chunked commit may split (ends of CCs and of bodies). */
  readonly boundaries: readonly number[];
  /** Trace body chunks. */
  readonly traceBodies: readonly Op[];
  /** Traces (their metas are built once the commit count is known). */
  readonly traces: readonly EncodedTrace[];
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

/**
 * The final ops of a trace: its meta, and the marker that its files are still to be
 * written (removed by whoever writes them; a crash in between leaves the marker, so the
 * next process can write the missing files).
 */
export function traceFinalOps(t: EncodedTrace, chunked: number | undefined): Op[] {
  return [traceFinalOp(t, chunked), { key: traceFilesPendingKey(t.id), value: PENDING_MARK }];
}

const PENDING_MARK = new Uint8Array([1]);

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
  const finals = plan.traces.flatMap((t) => traceFinalOps(t, undefined));
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
  const add = (ops: readonly Op[]) => {
    for (const o of ops) {
      const one = new Tally().op(o);
      if (!tally.fits(limits, one)) {
        commits.push(cur);
        cur = { checks: [], ops: [] };
        tally = new Tally();
      }
      cur.ops.push(o);
      tally.op(o);
    }
  };
  // Effects go in whole segments (a CC's writes) where a segment fits a commit, so a crash
  // between commits leaves whole CCs applied; only a segment larger than a commit is cut.
  const cuts = [...plan.boundaries.filter((b) => b > 0 && b < plan.effects.length)];
  let from = 0;
  for (const to of [...cuts, plan.effects.length]) {
    const segment = plan.effects.slice(from, to);
    from = to;
    const size = new Tally();
    for (const o of segment) size.op(o);
    if (!tally.fits(limits, size) && new Tally().fits(limits, size) && cur.ops.length > 0) {
      commits.push(cur);
      cur = { checks: [], ops: [] };
      tally = new Tally();
    }
    add(segment);
  }
  add(plan.traceBodies);
  const finalTally = new Tally();
  for (const t of plan.traces) for (const o of traceFinalOps(t, placeholder)) finalTally.op(o);
  if (!tally.fits(limits, finalTally)) {
    commits.push(cur);
    cur = { checks: [], ops: [] };
  }
  commits.push(cur);
  const n = commits.length;
  commits[0].ops.splice(0, pendingIndex, ...plan.traces.map((t) => tracePendingOp(t, n)));
  cur.ops.push(...plan.traces.flatMap((t) => traceFinalOps(t, n)));
  return commits;
}
