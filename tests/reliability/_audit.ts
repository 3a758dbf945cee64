/**
 * Audits a data root after concurrent or crashed runs: every committed trace intact and
 * ending with a result, every KV effect claimed by exactly the committed traces (and
 * nothing claimed that is missing), gap-free logs, no pending (partial) run, registry keys
 * inserted once, and the file views equal to KV before and after a flush.
 *
 * @module
 */
import { join } from "node:path";
import { openKvStore } from "../../storage/kv_store.ts";
import { listStoreMetas, listTraceMetas, type ReadEnv } from "../../storage/_reads.ts";
import type { StoreRef, ViewFormat } from "../../storage/store.ts";
import { traceText, verifyTrace } from "../../trace/jsonl.ts";
import type { TraceRecord } from "../../trace/record.ts";

/** What an audit found. */
export interface AuditReport {
  /** Committed traces. */
  traces: number;
  /** Trace metas not complete (a partial run would show here). */
  pendingTraces: number;
  /** Effect records over all committed traces. */
  effects: number;
  /**
   * Effect records repeating one already in the same trace (same store, mutation, key):
   * a key set twice by one run, or an effect recorded twice (see the BUG test in
   * runtime_test.ts); counted once for the coverage checks.
   */
  repeatedEffects: number;
  /** Root classification → count. */
  classifications: Record<string, number>;
  /** Registry REGISTER step status → count (SUCCESS, ALREADY_EXISTS, ...). */
  registerStatuses: Record<string, number>;
  /** Distinct registry keys inserted (over every registry store). */
  registryKeys: number;
  /** Per store: format, log length and key-map size. */
  stores: Record<string, { format: ViewFormat; logLength: number; keys: number }>;
  /** Views that did not equal KV before the audit's own flush (stale after a crash). */
  staleViewsBeforeFlush: string[];
  /** Leftover temp files (`*.tmp`) under the data root. */
  tempFiles: string[];
  /** Committed traces by id with their records (for extra checks by the caller). */
  records: Map<string, TraceRecord[]>;
  /** Committed trace bodies by id, as KV holds them (file text form). */
  texts: Map<string, string>;
  /** Every violated guarantee, one line each; empty = clean. */
  problems: string[];
}

const REGISTRY = "capability_side_effects::CS_REGISTRY_V0";

interface EffectRec {
  store: string;
  mutation: "set" | "delete" | "append";
  key: string;
  run: string;
  operation: string;
}

/** Keys starting with NUL are a CS kind's private index, never reported as effects. */
const isPrivate = (key: string) => key.startsWith("\u0000");

/** Audits `dataRoot`; nothing else may write it meanwhile. */
export async function auditDataRoot(dataRoot: string): Promise<AuditReport> {
  const report: AuditReport = {
    traces: 0,
    pendingTraces: 0,
    effects: 0,
    repeatedEffects: 0,
    classifications: {},
    registerStatuses: {},
    registryKeys: 0,
    stores: {},
    staleViewsBeforeFlush: [],
    tempFiles: await findTempFiles(dataRoot),
    records: new Map(),
    texts: new Map(),
    problems: [],
  };
  const problems = report.problems;
  const raw = await Deno.openKv(join(dataRoot, ".pgs", "state.kv"));
  const env: ReadEnv = { kv: raw, read: (_what, fn) => fn() };
  let metas: Array<[string, { format: ViewFormat; logLength: number }]>;
  try {
    const traceMetas = await listTraceMetas(env);
    report.pendingTraces = traceMetas.filter((t) => t.meta.state !== "complete").length;
    if (report.pendingTraces > 0) {
      problems.push(`${report.pendingTraces} pending (partial) trace(s)`);
    }
    metas = await listStoreMetas(env);
  } finally {
    raw.close();
  }
  const store = await openKvStore({ dataRoot });
  const state = new Map<string, { log: unknown[]; entries: Array<[string, unknown]> }>();
  const effects: Array<EffectRec & { trace: string }> = [];
  try {
    for (const id of await store.listTraces()) {
      const lines = await store.readTrace(id);
      if (lines === null) {
        problems.push(`trace ${id}: listed but unreadable`);
        continue;
      }
      const text = traceText(lines);
      report.texts.set(id, text);
      const v = verifyTrace(text);
      for (const p of v.problems) problems.push(`trace ${id}: ${p}`);
      report.records.set(id, v.records);
      report.traces++;
      const result = v.records.at(-1) as unknown as { classification?: string };
      const cls = result?.classification ?? "(none)";
      report.classifications[cls] = (report.classifications[cls] ?? 0) + 1;
      // A FAULTED run applies nothing (its state is discarded), so it claims no effect.
      const applied = cls !== "FAULTED";
      const seen = new Set<string>();
      for (const r of v.records as unknown as Array<Record<string, unknown>>) {
        if (r.type === "effect") {
          report.effects++;
          const e = r as unknown as EffectRec;
          const claim = JSON.stringify([e.store, e.mutation, e.key]);
          if (!applied) continue;
          if (seen.has(claim)) {
            report.repeatedEffects++;
            continue;
          }
          seen.add(claim);
          effects.push({ ...e, trace: id });
        } else if (r.type === "step" && r.capability === REGISTRY && r.op === "REGISTER") {
          const s = String(r.status);
          report.registerStatuses[s] = (report.registerStatuses[s] ?? 0) + 1;
        }
      }
    }
    for (const [path, meta] of metas) {
      const ref: StoreRef = { path, format: meta.format };
      const { value } = await store.transact(async (txn) => ({
        value: { log: await txn.log(ref), entries: await txn.entries(ref) },
        trace: null,
      }));
      state.set(path, value);
      report.stores[path] = {
        format: meta.format,
        logLength: value.log.length,
        keys: value.entries.length,
      };
      if (value.log.length !== meta.logLength) {
        problems.push(`${path}: log has ${value.log.length} records, meta says ${meta.logLength}`);
      }
      checkStoreEffects(path, value, effects.filter((e) => e.store === path), report);
    }
    for (const e of effects) {
      if (!state.has(e.store)) {
        problems.push(`trace ${e.trace}: effect on unknown store ${e.store}`);
      }
    }
    report.staleViewsBeforeFlush = await compareViews(dataRoot, metas, state);
  } finally {
    await store.close(); // flushes the views
  }
  for (const v of await compareViews(dataRoot, metas, state)) {
    problems.push(`view ${v} differs from KV after a flush`);
  }
  return report;
}

function checkStoreEffects(
  path: string,
  value: { log: unknown[]; entries: Array<[string, unknown]> },
  effects: Array<EffectRec & { trace: string }>,
  report: AuditReport,
): void {
  const problems = report.problems;
  const claimedSeq = new Map<number, string>();
  const setBy = new Map<string, string[]>();
  const deleted = new Set<string>();
  for (const e of effects) {
    if (e.mutation === "append") {
      const seq = Number(e.key);
      const prior = claimedSeq.get(seq);
      if (prior !== undefined) {
        problems.push(`${path}: seq ${seq} claimed by traces ${prior} and ${e.trace}`);
      }
      claimedSeq.set(seq, e.trace);
      if (!(seq >= 1 && seq <= value.log.length)) {
        problems.push(`${path}: trace ${e.trace} claims seq ${seq}, log has ${value.log.length}`);
      }
    } else if (e.mutation === "set") {
      setBy.set(e.key, [...(setBy.get(e.key) ?? []), e.trace]);
    } else deleted.add(e.key);
  }
  for (let seq = 1; seq <= value.log.length; seq++) {
    if (!claimedSeq.has(seq)) problems.push(`${path}: log record ${seq} claimed by no trace`);
  }
  const present = new Set(value.entries.map(([k]) => k).filter((k) => !isPrivate(k)));
  for (const k of present) {
    if (!setBy.has(k)) problems.push(`${path}: key ${JSON.stringify(k)} set by no trace`);
  }
  for (const [k, traces] of setBy) {
    if (!present.has(k) && !deleted.has(k)) {
      problems.push(`${path}: key ${JSON.stringify(k)} claimed by ${traces[0]} is missing`);
    }
  }
  const registered = new Map<string, string[]>();
  for (const e of effects) {
    if (e.mutation !== "set" || e.operation !== "REGISTER") continue;
    registered.set(e.key, [...(registered.get(e.key) ?? []), e.trace]);
  }
  for (const [k, traces] of registered) {
    report.registryKeys++;
    if (traces.length !== 1) {
      problems.push(`${path}: registry key ${k} inserted ${traces.length} times`);
    }
  }
}

/** Store paths whose view file does not equal the KV state. */
async function compareViews(
  dataRoot: string,
  metas: Array<[string, { format: ViewFormat }]>,
  state: Map<string, { log: unknown[]; entries: Array<[string, unknown]> }>,
): Promise<string[]> {
  const stale: string[] = [];
  for (const [path, meta] of metas) {
    const s = state.get(path)!;
    let text: string;
    try {
      text = await Deno.readTextFile(join(dataRoot, path));
    } catch {
      stale.push(path);
      continue;
    }
    const expected = meta.format === "jsonl"
      ? s.log.map((r) => `${JSON.stringify(r)}\n`).join("")
      : null;
    if (expected !== null) {
      if (text !== expected) stale.push(path);
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        stale.push(path);
        continue;
      }
      if (JSON.stringify(parsed) !== JSON.stringify(Object.fromEntries(s.entries))) {
        stale.push(path);
      }
    }
  }
  return stale;
}

async function findTempFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (/\.tmp(-|$)/.test(e.name)) out.push(p.slice(dir.length + 1));
    }
  };
  await walk(dir).catch(() => undefined);
  return out;
}
