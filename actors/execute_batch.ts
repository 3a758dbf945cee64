/**
 * Batch mode: one workflow, many payloads, one process. Runs are group-committed (many
 * runs per atomic KV commit; each run still sees the effects of the runs before it), so
 * the results, traces and state equal those of running the payloads one by one.
 *
 * @module
 */
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import type { KvStore } from "../storage/mod.ts";
import { type ExecuteOptions, prepareRun, type RunResult, withSeal } from "./execute_workflow.ts";
import { unsafeNewTraceId } from "./run_context.ts";

/** Options of {@link executeBatch}. */
export interface BatchOptions extends Omit<ExecuteOptions, "store" | "traceId"> {
  /** A store that supports group commits. */
  store: KvStore;
  /** Trace ids are `<prefix>-<000001>`…; default: a new time-based id. */
  traceIdPrefix?: string;
  /**
   * Runs handed to the store per group-commit call (the store splits further by KV limits).
   * @default 500
   */
  chunkSize?: number;
  /** Called after each chunk is committed, with the chunk's outcomes. */
  onCommitted?: (items: readonly BatchItem[], done: number, total: number) => Promise<void> | void;
  /**
   * Return every outcome (false: an empty list; `onCommitted` sees each chunk, and no
   * finished trace stays in memory).
   * @default true
   */
  keepItems?: boolean;
}

/** Outcome of one payload of a batch. */
export type BatchItem =
  | { readonly ok: true; readonly index: number; readonly result: RunResult }
  | {
    readonly ok: false;
    readonly index: number;
    readonly traceId: string;
    readonly error: unknown;
  };

/**
 * Runs `compiled` once per payload, in order, group-committing the runs.
 *
 * @throws {UsageError} when an option is invalid (payloads are checked per run: a bad one
 * becomes a failed item and writes nothing).
 */
export async function executeBatch(
  compiled: CompiledWorkflow,
  payloads: readonly unknown[],
  options: BatchOptions,
): Promise<BatchItem[]> {
  const prefix = options.traceIdPrefix ?? unsafeNewTraceId();
  const chunk = options.chunkSize ?? 500;
  const signer = options.signer !== undefined ? options.signer : await options.store.signer();
  const items: BatchItem[] = [];
  let finished = 0;
  for (let from = 0; from < payloads.length; from += chunk) {
    const slice = payloads.slice(from, from + chunk);
    const prepared = slice.map((p, k) => {
      const traceId = `${prefix}-${String(from + k + 1).padStart(6, "0")}`;
      try {
        return { traceId, run: prepareRun(compiled, p, { ...options, traceId, signer }) };
      } catch (error) {
        return { traceId, error };
      }
    });
    const runnable = prepared.filter((p) => "run" in p);
    const outcomes = await options.store.transactBatch(runnable.map((p) => p.run!.body));
    const byId = new Map(runnable.map((p, i) => [p.traceId, outcomes[i]]));
    const done: BatchItem[] = prepared.map((p, k) => {
      const index = from + k;
      if ("error" in p) return { ok: false, index, traceId: p.traceId, error: p.error };
      const o = byId.get(p.traceId)!;
      return o.ok
        ? { ok: true, index, result: withSeal(o.value, o.attempts, o.seal) }
        : { ok: false, index, traceId: p.traceId, error: o.error };
    });
    finished += done.length;
    if (options.keepItems !== false) items.push(...done);
    await options.onCommitted?.(done, finished, payloads.length);
  }
  return items;
}
