/**
 * One workflow run end to end: a fresh state transaction, the root run and its children,
 * the chained trace, and one atomic commit of effects plus trace (SPEC §5, §6).
 *
 * @module
 */
import meta from "../deno.json" with { type: "json" };
import { ErrorCode, UsageError } from "../errors.ts";
import { nonJsonReason } from "./inputs.ts";
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import type { StateTxn, Store, TraceCommit, TraceSealer, TraceSigner } from "../storage/store.ts";
import {
  type NodeTiming,
  SEMANTICS_VERSION,
  TRACE_SCHEMA,
  TRACE_SCHEMA_V1,
  type TraceRecord,
} from "../trace/record.ts";
import { sealHeads, sealLine } from "../trace/seal.ts";
import { chainRecords, redact, RunRecorder } from "../trace/recorder.ts";
import type { CapabilitySet, JsonObject } from "./capability.ts";
import type { GraphOutcome } from "./children.ts";
import type { ReplaySource } from "./replay_source.ts";
import { runWorkflowActor } from "./run_machine.ts";
import type { RunScope } from "./run_scope.ts";
import { collectSecrets } from "./secrets.ts";
import {
  createRunContext,
  unsafeMonotonicMs,
  unsafeNewTraceId,
  validateTraceId,
} from "./run_context.ts";

/** pgs-runtime version written in every trace header. */
export const RUNTIME_VERSION: string = meta.version;
import { DEFAULT_BUDGET, type RunClassification } from "../semantics.ts";
export { DEFAULT_BUDGET };

/** Options of {@link executeWorkflow}. */
export interface ExecuteOptions {
  /** State database. */
  store: Store;
  /** Capabilities (built-ins plus the application's). */
  capabilities: CapabilitySet;
  /** Trace id; default: time + 64 random bits. */
  traceId?: string;
  /** Hex seed of the run CSPRNG; default: OS entropy (recorded). */
  seed?: string;
  /** Run clock (ISO-8601); default: now (recorded). */
  startedAt?: string;
  /** Step budget; default {@link DEFAULT_BUDGET}. */
  budget?: number;
  /** Hex secret seed for key material (never recorded); default: OS entropy. */
  secretSeed?: string;
  /** Replay: serve recorded results instead of executing CS steps (see actors/replay.ts). */
  replay?: ReplaySource;
  /**
   * Seals the trace (its last line signs the chain head). Default: the store's key, made on
   * first use; null: an unsealed trace (`key_id` null).
   */
  signer?: TraceSigner | null;
  /**
   * Replay: the trace format and header key id to reproduce (the replayed body must equal
   * the recorded one; replay never signs).
   */
  reproduce?: { readonly version: 1 | 2; readonly keyId: string | null };
  /**
   * The workspace (absolute path) whose `traces/` folder gets the trace files: the commit
   * marks them pending there until they are written. Absent: no files are wanted.
   */
  traceFilesIn?: string;
  /**
   * Aborts the run while it runs (a capability that never settles, a deadline): the run is
   * stopped and nothing of it is committed.
   */
  signal?: AbortSignal;
}

/** What a run produced. */
export interface RunResult {
  /** Trace id. */
  readonly traceId: string;
  /** Outcome status that led to the end. */
  readonly status: string;
  /** COMPLETED, REJECTED, ENDED_<STATUS>, FAILED or FAULTED. */
  readonly classification: RunClassification;
  /** EXIT node reached, or null. */
  readonly exitNode: string | null;
  /** EXIT reason or failure reason. */
  readonly reason: string | null;
  /** EXIT emit. */
  readonly emit: string | null;
  /** CC surfaces by node key (redacted, as in the trace). */
  readonly results: Readonly<Record<string, JsonObject>>;
  /** The committed trace records. */
  readonly records: readonly TraceRecord[];
  /** The committed JSONL lines (in `pgs.trace/2`, the last one is the seal). */
  readonly lines: readonly string[];
  /** Node timings (not part of the trace body). */
  readonly timings: readonly NodeTiming[];
  /** Commit attempts (1 = no conflict). */
  readonly attempts: number;
}

/** One run prepared for a commit: its trace id and the transaction body that executes it. */
export interface PreparedRun {
  /** Trace id. */
  readonly traceId: string;
  /** Executes the run on a transaction; returns its result and trace. */
  readonly body: (txn: StateTxn) => Promise<{
    value: Omit<RunResult, "attempts">;
    trace: TraceCommit;
    discardState: boolean;
  }>;
}

/**
 * Validates options and builds the transaction body of one run (used by
 * {@link executeWorkflow} and by batch mode, which group-commits many bodies).
 *
 * @throws {UsageError} when the payload is not a JSON object or an option is invalid.
 */
export function prepareRun(
  compiled: CompiledWorkflow,
  payload: unknown,
  options: Omit<ExecuteOptions, "store" | "signer"> & { signer: TraceSigner | null },
): PreparedRun {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new UsageError("Invalid payload: expected a JSON object", ErrorCode.PAYLOAD);
  }
  const notJson = nonJsonReason(payload);
  if (notJson) {
    throw new UsageError(`Invalid payload: expected plain JSON, but ${notJson}`, ErrorCode.PAYLOAD);
  }
  const traceId = options.traceId !== undefined
    ? validateTraceId(options.traceId)
    : unsafeNewTraceId();
  const rc = createRunContext({
    seed: options.seed,
    startedAt: options.startedAt,
    secretSeed: options.secretSeed,
  });
  const budget = options.budget ?? DEFAULT_BUDGET;
  if (!Number.isInteger(budget) || budget < 1) {
    throw new UsageError(`Invalid budget ${budget}: expected a positive integer`);
  }
  const fields = suppressedFields(compiled);
  const version = options.reproduce?.version ?? 2;
  const signer = options.reproduce ? null : options.signer;
  const keyId = options.reproduce ? options.reproduce.keyId : signer?.keyId ?? null;
  const body = async (txn: StateTxn) => {
    const rec = new RunRecorder("root");
    const secrets = new Set<string>();
    const timings: NodeTiming[] = [];
    const scope: RunScope = {
      runId: "root",
      parentRunId: null,
      compiled,
      txn,
      rc,
      budget: { used: 0, max: budget },
      branch: [],
      groups: new Map(),
      depth: 0,
      replay: options.replay,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    rec.push({
      type: "header",
      schema: version === 1 ? TRACE_SCHEMA_V1 : TRACE_SCHEMA,
      ...(version === 1 ? {} : { key_id: keyId }),
      trace_id: traceId,
      workflow: compiled.root.workflow,
      snapshot_digest: compiled.digest,
      payload,
      seed: rc.seed,
      started_at: rc.startedAt,
      runtime_version: RUNTIME_VERSION,
      semantics_version: SEMANTICS_VERSION,
      budget,
    });
    // Values of suppressed fields anywhere in the payload are secrets for the whole trace
    // (header, admission reasons, child payloads), not only once a CC reads them.
    collectSecrets(payload, fields, secrets);
    const o: GraphOutcome = await runWorkflowActor(
      payload as JsonObject,
      scope,
      options.capabilities,
      { root: rec, secrets, timings, clock: unsafeMonotonicMs },
      options.signal,
    );
    const redaction = { fields, values: secrets };
    let flat = rec.flatten();
    if (o.classification === "FAULTED") {
      // Nothing of a FAULTED run is applied, so its trace claims no effect: effect records
      // are left out and one warning says so. (No count: replay, which applies nothing
      // either, must produce the same line.)
      flat = flat.filter((r) => r.type !== "effect");
      flat.splice(flat.length - 1, 0, {
        type: "warning",
        run: "root",
        code: "EFFECTS_DISCARDED",
        message: "the run FAULTED: none of its state changes were applied",
      });
    }
    // pgs.trace/1 said when a run did not fit one KV commit (RUN_CHUNKED); runs of any size
    // are atomic now, so /2 has no such warning. Replaying a /1 trace reproduces it as recorded.
    const chunked = version === 1 ? options.replay?.warning("root", "RUN_CHUNKED") : undefined;
    if (chunked) flat.splice(flat.length - 1, 0, { ...chunked, run: "root" });
    const { records, lines, head } = chainRecords(flat, redaction, { version });
    return {
      value: {
        traceId,
        status: o.status,
        classification: o.classification,
        exitNode: o.exitNode,
        reason: o.reason,
        emit: o.emit,
        // Redaction keeps every surface an object: it replaces values inside, by field or value.
        results: redact(o.results, redaction) as Record<string, JsonObject>,
        records,
        lines,
        timings,
      },
      trace: {
        traceId,
        lines,
        // Timings stay out of the stored meta: a long run's would outgrow one KV value.
        meta: {
          workflow: compiled.root.workflow,
          classification: o.classification,
          node_visits: timings.length,
        },
        // pgs.trace/2 ends with a seal the store adds at commit (one signature per commit).
        ...(version === 2 ? { seal: { head, sealer: sealerOf(signer) } } : {}),
        ...(options.traceFilesIn === undefined ? {} : { filesIn: options.traceFilesIn }),
      },
      // A FAULTED run applies nothing: its trace is committed, its state is not.
      discardState: o.classification === "FAULTED",
    };
  };
  return { traceId, body };
}

const suppressCache = new WeakMap<CompiledWorkflow, Set<string>>();

/** Field names redacted in every trace of this closure (all reachable CCs). */
function suppressedFields(compiled: CompiledWorkflow): Set<string> {
  let fields = suppressCache.get(compiled);
  if (!fields) {
    fields = new Set();
    for (const g of compiled.graphs.values()) {
      for (const n of Object.values(g.nodes)) {
        if (n.type === "CC") n.cc.suppress.forEach((f) => fields!.add(f));
      }
    }
    suppressCache.set(compiled, fields);
  }
  return fields;
}

/**
 * Runs `compiled` on `payload` and commits its effects and trace atomically.
 * Reads the wall clock and OS entropy only when `startedAt` / `seed` / `traceId` are not
 * given; all three are recorded, so replay sees the same values.
 *
 * @throws {UsageError} when the payload is not a JSON object or an option is invalid.
 * @throws {StorageError} when the state database cannot be used.
 */
export async function executeWorkflow(
  compiled: CompiledWorkflow,
  payload: unknown,
  options: ExecuteOptions,
): Promise<RunResult> {
  const signer = options.signer !== undefined
    ? options.signer
    : options.reproduce
    ? null
    : await options.store.signer();
  const run = prepareRun(compiled, payload, { ...options, signer });
  const { value, attempts, seal } = await options.store.transact(run.body);
  return withSeal(value, attempts, seal);
}

/** A run's result with the seal line its commit appended (the lines the store holds). */
export function withSeal(
  value: Omit<RunResult, "attempts">,
  attempts: number,
  seal: string | undefined,
): RunResult {
  return { ...value, lines: seal === undefined ? value.lines : [...value.lines, seal], attempts };
}

const UNSIGNED: TraceSealer = sealerFor(null);
const sealers = new WeakMap<TraceSigner, TraceSealer>();

/** One sealer per signer, so the traces of one commit share one signature. */
function sealerOf(signer: TraceSigner | null): TraceSealer {
  if (signer === null) return UNSIGNED;
  let s = sealers.get(signer);
  if (!s) sealers.set(signer, s = sealerFor(signer));
  return s;
}

function sealerFor(signer: TraceSigner | null): TraceSealer {
  return async (traces) => {
    const fields = await sealHeads(traces.map((t) => t.head), signer);
    return traces.map((t, k) => sealLine(fields[k], t.seq, t.head));
  };
}
