/**
 * Atomic commits of any size. A transaction group too large for one KV commit (> 1000
 * mutations, > 800 KiB, > 80 KiB of keys) goes through a stage:
 *
 * 1. **stage**: its writes, in order, are copied under `[pgs, "s", <stage>, i]` in as many
 *    commits as KV's limits need, beside a registration `[pgs, "sr", <stage>]` =
 *    `staging`. No reader looks there: a crash now leaves nothing visible.
 * 2. **publish**: one small commit holding every optimistic-concurrency check of the group
 *    (or, when its store checks do not fit, one on the commit epoch, validated right before:
 *    `_epoch.ts`), a check that the registration is unchanged, the bumped store metas and
 *    the trace metas (each marked `redo: <stage>`), the epoch write when the store keeps
 *    one, and the registration = `published`. This is the commit point of the whole group,
 *    whatever its size.
 * 3. **apply**: the staged writes go to their real keys (each commit checking that the
 *    registration is still `published`), then registration = `applied`, the markers are
 *    cleared and the stage deleted.
 *
 * A reader that reads a meta marked `redo` finishes that stage before it reads on (roll
 * forward), so no reader sees part of a run: before the publish commit nothing of it, after
 * it all of it. Every writer reads the store meta first, so no write lands between a
 * publish and its apply; a slow helper's late apply is refused by its registration check.
 * Log sequence numbers are handed out by the publish commit (store meta `logLength`) and
 * readers read only up to a settled meta's `logLength`, so logs stay gap-free.
 *
 * A stage whose owner died before publishing is never published: the owner's publish
 * checks the registration, and a later open that sees the registration unchanged twice
 * (its owner bumps it with every stage commit) aborts and deletes it. A live owner judged
 * stale by mistake only re-runs its body; nothing is lost or half-applied.
 *
 * @module
 */
import { StorageError } from "../errors.ts";
import { decodeJson, encodeJson } from "./_codec.ts";
import {
  type Check,
  type Commit,
  type CommitLimits,
  type CommitPlan,
  LOCAL_LIMITS,
  type Op,
  Tally,
  traceFinalOps,
} from "./_commit.ts";
import { isLockedError, unsafeStageId } from "./_retry.ts";
import { decodeEntry, encodeEntry, KIND_DELETE, KIND_MARK, KIND_SET } from "./_stage_entry.ts";
import { stageEntryKey, stageRegKey, stageRegPrefix, stageSeenKey, traceMetaKey } from "./keys.ts";

/** KV access with lock retries (the same shape as `_reads.ts` ReadEnv). */
export interface StageEnv {
  /** The database. */
  readonly kv: Deno.Kv;
  /** Runs a KV call, retrying "database is locked". */
  read<R>(what: string, fn: () => Promise<R>): Promise<R>;
}

type StageState = "staging" | "published" | "applied" | "aborted";

interface StageReg {
  readonly state: StageState;
  /** Entries written (staging) or in the stage (published and later). */
  readonly entries: number;
  /** How many of the last entries are markers to clear. */
  readonly marks: number;
}

/** Opens that must see a staging registration unchanged before it counts as stale. */
const STALE_AFTER = 2;

/** What a staged commit did. */
export interface StagedCommit {
  /** "ok": committed (the publish landed); otherwise refused and nothing is visible. */
  readonly status: "ok" | "conflict" | "locked";
  /** KV commits made (stage, publish, apply, clean-up). */
  readonly commits: number;
}

/**
 * Stages, publishes and applies a plan too large for one commit. `validate`, when given,
 * runs after staging and gives the publish commit's checks (null: a conflict), so an
 * epoch-validated run (see `_epoch.ts`) validates as late as it can; `plan.checks` then
 * only size the publish commit.
 *
 * @throws {StorageError} STORAGE when even the publish commit cannot fit (too many stores
 *   or traces in one run) or KV fails otherwise; nothing is visible then.
 */
export async function commitStaged(
  env: StageEnv,
  plan: CommitPlan,
  limits: CommitLimits,
  validate?: () => Promise<readonly Check[] | null>,
): Promise<StagedCommit> {
  const id = unsafeStageId();
  const reg = stageRegKey(id);
  const writes = [...plan.effects, ...plan.traceBodies];
  const marks = [...plan.head.map((o) => o.key), ...plan.traces.map((t) => traceMetaKey(t.id))];
  const entries: Op[] = writes.map((o, i) => ({
    key: stageEntryKey(id, i),
    value: encodeEntry(o.value === null ? KIND_DELETE : KIND_SET, o.key, o.value),
  }));
  marks.forEach((k, j) =>
    entries.push({ key: stageEntryKey(id, writes.length + j), value: encodeEntry(KIND_MARK, k) })
  );
  const regOp = (state: StageState, n: number): Op => ({
    key: reg,
    value: encodeJson({ state, entries: n, marks: marks.length }, "stage registration"),
  });
  const batches = pack(entries, limits, [{ key: reg, versionstamp: null }], [
    regOp("staging", entries.length),
  ]);
  const publishOps = [
    ...plan.head.map((o) => markedMeta(o, id)),
    ...(plan.epoch ? [plan.epoch] : []),
    ...plan.traces.flatMap((t) => traceFinalOps(t, batches.length + 1, id)),
    regOp("published", entries.length),
  ];
  const size = new Tally();
  for (const c of plan.checks) size.check(c);
  size.check({ key: reg, versionstamp: null });
  for (const o of publishOps) size.op(o);
  if (!size.fits(limits)) {
    throw new StorageError(
      `Cannot commit transaction: its ${plan.checks.length} checks and ${plan.head.length} store ` +
        `updates, plus the stage check, exceed one KV commit (at most ${limits.maxChecks} checks)`,
    );
  }
  let commits = 0;
  let stamp: string | null = null;
  let written = 0;
  try {
    for (const batch of batches) {
      const check: Check = { key: reg, versionstamp: stamp };
      const ops = [...batch, regOp("staging", written + batch.length)];
      const res = await env.read(
        "stage a large run",
        () => atomic(env.kv, { checks: [check], ops }),
      );
      // Refused: an open judged the stage stale and aborted it (it deletes what we wrote).
      if (!res.ok) return { status: "conflict", commits };
      commits++;
      stamp = res.versionstamp;
      written += batch.length;
    }
  } catch (err) {
    await discardStage(env, id).catch(() => undefined);
    throw isLockedError(err) ? err : commitError(err);
  }
  let published: Deno.KvCommitResult | Deno.KvCommitError;
  try {
    const checks = validate ? await validate() : plan.checks;
    if (checks === null) {
      await discardStage(env, id).catch(() => undefined);
      return { status: "conflict", commits };
    }
    published = await atomic(env.kv, {
      checks: [...checks, { key: reg, versionstamp: stamp }],
      ops: publishOps,
    });
  } catch (err) {
    await discardStage(env, id).catch(() => undefined);
    if (isLockedError(err)) return { status: "locked", commits };
    throw commitError(err);
  }
  if (!published.ok) {
    await discardStage(env, id).catch(() => undefined);
    return { status: "conflict", commits };
  }
  commits++;
  // Committed. Applying is roll-forward work any reader would also do: a failure here
  // leaves it to them and to the next open, never undoes the commit.
  try {
    commits += await applyWrites(env, id, published.versionstamp, writes);
    commits += await finishApplied(env, id, published.versionstamp, marks, entries.length);
  } catch {
    // see above
  }
  return { status: "ok", commits };
}

/**
 * Makes sure stage `id`, named by a meta's `redo` marker, is applied: applies it from its
 * entries when it is still only published. Returns when every write is in place.
 */
export async function settleStage(env: StageEnv, id: string): Promise<void> {
  const entry = await env.read("read stage", () => env.kv.get<Uint8Array>(stageRegKey(id)));
  if (entry.value === null) return;
  const reg = decodeJson(entry.value) as StageReg;
  if (reg.state === "published") await applyFromStage(env, id, entry.versionstamp!, reg);
}

/**
 * Finishes or removes every stage left by a process that died (run by each open): applies
 * published ones, cleans applied and aborted ones, and aborts a staging one that a previous
 * open already saw without progress. Returns the number of stages it finished or removed.
 */
export async function recoverStages(env: StageEnv): Promise<number> {
  const regs = await env.read("list stages", async () => {
    const out: Array<Deno.KvEntry<Uint8Array>> = [];
    for await (const e of env.kv.list<Uint8Array>({ prefix: stageRegPrefix() })) out.push(e);
    return out;
  });
  let handled = 0;
  for (const e of regs) {
    const id = e.key[e.key.length - 1] as string;
    const reg = decodeJson(e.value) as StageReg;
    if (reg.state === "published") {
      await applyFromStage(env, id, e.versionstamp, reg);
      handled++;
    } else if (reg.state === "applied") {
      await cleanUp(env, id, await readMarks(env, id, reg), reg.entries);
      handled++;
    } else if (reg.state === "aborted") {
      await deleteStage(env, id, reg.entries);
      handled++;
    } else if (await observe(env, id, e.versionstamp)) {
      const aborted = await env.read(
        "abort stage",
        () =>
          env.kv.atomic().check({ key: e.key, versionstamp: e.versionstamp })
            .set(e.key, encodeJson({ ...reg, state: "aborted" }, "stage registration")).commit(),
      );
      if (aborted.ok) {
        await deleteStage(env, id, reg.entries);
        handled++;
      }
    }
  }
  return handled;
}

/** True when an earlier open already saw the registration at this versionstamp. */
async function observe(env: StageEnv, id: string, stamp: string): Promise<boolean> {
  const key = stageSeenKey(id);
  const seen = await env.read("read stage", () => env.kv.get<Uint8Array>(key));
  const prev = seen.value === null ? null : decodeJson(seen.value) as { stamp: string; n: number };
  const n = prev !== null && prev.stamp === stamp ? prev.n + 1 : 1;
  if (n >= STALE_AFTER) return true;
  await env.read("mark stage", () => env.kv.set(key, encodeJson({ stamp, n }, "stage mark")));
  return false;
}

/** Applies a published stage from its stored entries (a reader or an open finishing it). */
async function applyFromStage(
  env: StageEnv,
  id: string,
  published: string,
  reg: StageReg,
): Promise<void> {
  const check: Check = { key: stageRegKey(id), versionstamp: published };
  const marks: Deno.KvKey[] = [];
  let batch: Op[] = [];
  let tally = new Tally().check(check);
  const flush = async () => {
    if (batch.length === 0) return true;
    const ops = batch;
    const res = await env.read(
      "apply a staged run",
      () => atomic(env.kv, { checks: [check], ops }),
    );
    batch = [];
    tally = new Tally().check(check);
    return res.ok;
  };
  const entries = await env.read("read stage", async () => {
    const out: Uint8Array[] = [];
    const iter = env.kv.list<Uint8Array>({
      start: stageEntryKey(id, 0),
      end: stageEntryKey(id, reg.entries),
    }, { batchSize: 500 });
    for await (const e of iter) out.push(e.value);
    return out;
  });
  if (entries.length !== reg.entries) {
    // Entries are only deleted after the stage is applied: someone else finished it.
    return;
  }
  for (const bytes of entries) {
    const e = decodeEntry(bytes);
    if (e.kind === KIND_MARK) {
      marks.push(e.key);
      continue;
    }
    const op: Op = { key: e.key, value: e.value };
    if (!tally.fits(LOCAL_LIMITS, new Tally().op(op)) && !(await flush())) return;
    batch.push(op);
    tally.op(op);
  }
  if (!(await flush())) return;
  await finishApplied(env, id, published, marks, reg.entries);
}

/** Writes the staged ops to their keys (the owner, from memory); returns commits made. */
async function applyWrites(
  env: StageEnv,
  id: string,
  published: string,
  writes: readonly Op[],
): Promise<number> {
  const check: Check = { key: stageRegKey(id), versionstamp: published };
  let commits = 0;
  for (const ops of pack(writes, LOCAL_LIMITS, [check], [])) {
    const res = await env.read(
      "apply a staged run",
      () => atomic(env.kv, { checks: [check], ops }),
    );
    if (!res.ok) return commits; // a reader applied it meanwhile
    commits++;
  }
  return commits;
}

/** Records that every write is in place, then clears markers and deletes the stage. */
async function finishApplied(
  env: StageEnv,
  id: string,
  published: string,
  marks: readonly Deno.KvKey[],
  entries: number,
): Promise<number> {
  const key = stageRegKey(id);
  const applied = encodeJson(
    { state: "applied", entries, marks: marks.length },
    "stage registration",
  );
  const res = await env.read(
    "finish a staged run",
    () => env.kv.atomic().check({ key, versionstamp: published }).set(key, applied).commit(),
  );
  if (!res.ok) return 0; // someone else finished it
  return 1 + await cleanUp(env, id, marks, entries);
}

/**
 * Clears the `redo` markers (a marker whose stage is applied is harmless, so this is best
 * effort), then deletes the entries and the registration.
 */
async function cleanUp(
  env: StageEnv,
  id: string,
  marks: readonly Deno.KvKey[],
  entries: number,
): Promise<number> {
  let commits = 0;
  for (const key of marks) {
    const current = await env.read("read meta", () => env.kv.get<Uint8Array>(key));
    if (current.value === null) continue;
    const meta = decodeJson(current.value) as Record<string, unknown>;
    if (meta.redo !== id) continue;
    delete meta.redo;
    const res = await env.read(
      "clear stage marker",
      () => env.kv.atomic().check(current).set(key, encodeJson(meta, "meta")).commit(),
    );
    if (res.ok) commits++;
  }
  return commits + await deleteStage(env, id, entries);
}

async function deleteStage(env: StageEnv, id: string, entries: number): Promise<number> {
  let commits = 0;
  for (let i = 0; i < entries; i += 500) {
    const end = Math.min(entries, i + 500);
    await env.read("delete stage", () => {
      const op = env.kv.atomic();
      for (let j = i; j < end; j++) op.delete(stageEntryKey(id, j));
      return op.commit();
    });
    commits++;
  }
  await env.read(
    "delete stage",
    () => env.kv.atomic().delete(stageRegKey(id)).delete(stageSeenKey(id)).commit(),
  );
  return commits + 1;
}

/** The owner gives up a stage it could not publish (unless it was published after all). */
async function discardStage(env: StageEnv, id: string): Promise<void> {
  const key = stageRegKey(id);
  const entry = await env.read("read stage", () => env.kv.get<Uint8Array>(key));
  if (entry.value === null) return;
  const reg = decodeJson(entry.value) as StageReg;
  if (reg.state === "staging") {
    const res = await env.read(
      "abort stage",
      () =>
        env.kv.atomic().check(entry).set(key, encodeJson({ ...reg, state: "aborted" }, "stage"))
          .commit(),
    );
    if (!res.ok) return;
  } else if (reg.state !== "aborted") return;
  await deleteStage(env, id, reg.entries);
}

async function readMarks(env: StageEnv, id: string, reg: StageReg): Promise<Deno.KvKey[]> {
  return await env.read("read stage", async () => {
    const out: Deno.KvKey[] = [];
    const iter = env.kv.list<Uint8Array>({
      start: stageEntryKey(id, reg.entries - reg.marks),
      end: stageEntryKey(id, reg.entries),
    });
    for await (const e of iter) {
      const entry = decodeEntry(e.value);
      if (entry.kind === KIND_MARK) out.push(entry.key);
    }
    return out;
  });
}

/** A store meta op with the `redo` marker added. */
function markedMeta(o: Op, id: string): Op {
  const meta = decodeJson(o.value!) as Record<string, unknown>;
  return { key: o.key, value: encodeJson({ ...meta, redo: id }, "store meta") };
}

/** Splits ops into commits, each also carrying `checks` and `extra`. */
function pack(
  ops: readonly Op[],
  limits: CommitLimits,
  checks: readonly Check[],
  extra: readonly Op[],
): Op[][] {
  const base = new Tally();
  for (const c of checks) base.check(c);
  for (const o of extra) base.op(o);
  const out: Op[][] = [];
  let cur: Op[] = [];
  let tally = new Tally().add(base);
  for (const o of ops) {
    const one = new Tally().op(o);
    if (cur.length > 0 && !tally.fits(limits, one)) {
      out.push(cur);
      cur = [];
      tally = new Tally().add(base);
    }
    cur.push(o);
    tally.op(o);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function atomic(kv: Deno.Kv, commit: Commit): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  const op = kv.atomic();
  for (const c of commit.checks) op.check(c);
  for (const m of commit.ops) {
    if (m.value === null) op.delete(m.key);
    else op.set(m.key, m.value);
  }
  return op.commit();
}

function commitError(err: unknown): StorageError {
  return new StorageError(
    `Cannot commit transaction: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}
