/**
 * KV commit sizing: the units KV's per-commit limits count, trace encoding, and a commit
 * plan as one atomic commit when it fits (the normal case; `_stage.ts` handles the rest).
 *
 * @module
 */
import { StorageError } from "../errors.ts";
import { chunk, encodeJson, type StoreMeta, utf8 } from "./_codec.ts";
import {
  CHUNK_BYTES,
  keyBytes,
  KV_LIMITS,
  traceChunkKey,
  traceFilesPendingKey,
  traceMetaKey,
} from "./keys.ts";
import type { TraceCommit } from "./store.ts";
import type { CommitLimits } from "./store.ts";
export type { CommitLimits };

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
  /** A seal line is still to be appended at commit (its size is reserved in the cost). */
  readonly sealPending: boolean;
  /** The workspace whose files the commit marks pending, or null (no files wanted). */
  readonly filesIn: string | null;
}

/**
 * Room counted for a seal line not yet made: its fields, a signature and a Merkle path of
 * up to 40 levels (a commit holds far fewer than 2^40 traces).
 */
export const SEAL_RESERVE_BYTES = 4096;

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
  if (trace.filesIn !== undefined && (typeof trace.filesIn !== "string" || trace.filesIn === "")) {
    throw new StorageError(
      `Cannot commit trace "${trace.traceId}": "filesIn" must be a non-empty path`,
    );
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
    sealPending: trace.seal !== undefined,
    filesIn: trace.filesIn ?? null,
  };
}

/** Everything one group commits. */
export interface CommitPlan {
  /** Store-meta checks, then trace-absence checks. */
  readonly checks: readonly Check[];
  /** How many of `checks` (the first) are store-meta checks. */
  readonly stores: number;
  /** Bumped store metas. */
  readonly head: readonly Op[];
  /** The commit epoch's write (see `_epoch.ts`): set when the store keeps one and `head` is not empty. */
  readonly epoch: Op | null;
  /** State writes in the order they were made. */
  readonly effects: readonly Op[];
  /** Trace body chunks. */
  readonly traceBodies: readonly Op[];
  /** Traces (their final metas are built by the committer). */
  readonly traces: readonly EncodedTrace[];
  /** The store metas `head` sets, by path (the read cache moves to them). */
  readonly metas: ReadonlyMap<string, StoreMeta>;
}

/**
 * The final meta op of a trace. `chunked`: commits a staged run took (absent for one);
 * `redo`: the stage that published it (readers finish that stage first, see `_stage.ts`).
 */
export function traceFinalOp(t: EncodedTrace, chunked?: number, redo?: string): Op {
  const meta = {
    state: "complete",
    lines: t.lines,
    chunks: t.chunks.length,
    ...(chunked === undefined ? {} : { chunked }),
    meta: t.meta,
    ...(redo === undefined ? {} : { redo }),
  };
  return { key: traceMetaKey(t.id), value: encodeJson(meta, `meta of trace "${t.id}"`) };
}

/**
 * The final ops of a trace: its meta, and when files are wanted the marker that they are
 * still to be written, naming their workspace (removed by whoever writes them; a crash in
 * between leaves the marker, so the next run in that workspace writes the missing files).
 */
export function traceFinalOps(t: EncodedTrace, chunked?: number, redo?: string): Op[] {
  const final = traceFinalOp(t, chunked, redo);
  if (t.filesIn === null) return [final];
  const mark = encodeJson({ workspace: t.filesIn }, `files marker of trace "${t.id}"`);
  return [final, { key: traceFilesPendingKey(t.id), value: mark }];
}

/**
 * The workspace a files marker names; null for a marker of an earlier release (one byte,
 * no workspace), whose files any workspace's run writes as before.
 */
export function markedWorkspace(value: unknown): string | null {
  if (!(value instanceof Uint8Array) || value.length < 2) return null;
  try {
    const v = JSON.parse(new TextDecoder().decode(value));
    return typeof v?.workspace === "string" ? v.workspace : null;
  } catch {
    return null;
  }
}

/** One atomic commit to run. */
export interface Commit {
  /** Checks. */
  readonly checks: Check[];
  /** Mutations. */
  readonly ops: Op[];
}

/**
 * The plan as one atomic commit (the normal case), or null when it exceeds KV's per-commit
 * limits: such a plan is staged and published by `_stage.ts`.
 */
export function singleCommit(plan: CommitPlan, limits: CommitLimits): Commit | null {
  const ops = [
    ...plan.head,
    ...(plan.epoch ? [plan.epoch] : []),
    ...plan.effects,
    ...plan.traceBodies,
    ...plan.traces.flatMap((t) => traceFinalOps(t)),
  ];
  const total = new Tally();
  for (const c of plan.checks) total.check(c);
  for (const o of ops) total.op(o);
  return total.fits(limits) ? { checks: [...plan.checks], ops } : null;
}
