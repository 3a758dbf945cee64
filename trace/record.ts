/**
 * Trace record types and format constants. One JSON object per line; every record carries
 * `seq` (0-based line number) and `prev` (sha256 hex of the previous line, 64 zeros for the
 * header). `run` identifies the (sub-)run a record belongs to: "root" for the top-level
 * run, "<parent>/<node>/<step>/<label>" for child runs.
 *
 * These types and the zod schema of `schema.ts` (which validates traces) describe the same
 * records: `schema.ts` fails to compile when the two differ in any field, so they cannot
 * drift.
 *
 * @module
 */

/** Schema identifier of the traces this runtime writes. */
export const TRACE_SCHEMA = "pgs.trace/2";
/** The previous format, still read by `examine` and `replay`. */
export const TRACE_SCHEMA_V1 = "pgs.trace/1";
/** Semantics version: replay refuses a trace recorded under another one. */
export const SEMANTICS_VERSION = "1";
/** `prev` of the first record. */
export const GENESIS_PREV: string = "0".repeat(64);

/** Fields every record has. */
export interface RecordBase {
  /** 0-based position in the file. */
  seq: number;
  /** Hash of the previous record (chain). */
  prev: string;
  /** Run id the record belongs to. */
  run: string;
  /**
   * `pgs.trace/2`: values recorded once earlier. JSON pointer in this record (which holds
   * null there) → `[seq, JSON pointer]` of the same value in an earlier record.
   */
  shared?: Record<string, [number, string]>;
}

/** First record: what ran, on what, with which clock and seed. */
export interface HeaderRecord extends RecordBase {
  /** Record type. */
  type: "header";
  /** `"pgs.trace/2"` (or `"pgs.trace/1"` in a trace written by an earlier version). */
  schema: string;
  /** Id of the signing key that seals the trace (null: unsealed; absent: pgs.trace/1). */
  key_id?: string | null;
  /** Trace id. */
  trace_id: string;
  /** `<domain>::<WF_CODE>`. */
  workflow: string;
  /** Snapshot digest over everything the workflow can reach. */
  snapshot_digest: string;
  /** The payload exactly as given (after redaction, if any). */
  payload: unknown;
  /** Seed of the run's CSPRNG (hex). */
  seed: string;
  /** Run clock (ISO-8601). */
  started_at: string;
  /** pgs-runtime version. */
  runtime_version: string;
  /** Execution semantics version. */
  semantics_version: string;
  /** Step budget of the run (node visits, shared with children). */
  budget: number;
}

/** A node was entered. */
export interface NodeRecord extends RecordBase {
  /** Record type. */
  type: "node";
  /** Node key. */
  node: string;
  /** IN, CC or EXIT. */
  node_type: "IN" | "CC" | "EXIT";
  /** Artifact FQDN of the node's IN/CC, when it has one. */
  fqdn?: string;
  /** Resolved node inputs (CC). */
  inputs?: unknown;
  /** Declared reason (EXIT). */
  reason?: string | null;
  /** Declared emitted event (EXIT). */
  emit?: string | null;
}

/** IN payload validation or WF admission. */
export interface AdmissionRecord extends RecordBase {
  /** Record type. */
  type: "admission";
  /** "IN" (payload against intent) or "WF" (requires/forbids events). */
  kind: "IN" | "WF";
  /** Node key (IN) or "(workflow)" for WF admission. */
  node: string;
  /** ACK / NACK for IN, ADMITTED / ADMISSION_DENIED for WF. */
  outcome: string;
  /** Every reason for a NACK or denial (empty when accepted). */
  reasons: string[];
}

/** A pipeline step ran. */
export interface StepRecord extends RecordBase {
  /** Record type. */
  type: "step";
  /** CC node key. */
  node: string;
  /** Step name. */
  step: string;
  /** CT or CS. */
  kind: "CT" | "CS";
  /** CT atom / CS FQDN. */
  capability: string;
  /** Step op, if any. */
  op: string | null;
  /** Resolved step inputs (redacted). */
  inputs: unknown;
  /** Mapped step outputs (redacted). */
  outputs: unknown;
  /**
   * The capability's raw result (redacted), for CS steps and for CT steps replay cannot
   * recompute (secret entropy, or a CC with suppressed fields); replay serves it.
   */
  result?: unknown;
  /** Step status after `on_ct_result`. */
  status: string;
  /** What `on_result` said: continue, exit, a step name, an evaluation key, or "unlisted". */
  route: string;
  /** Present (true) when the step drew secret entropy; replay serves its recorded result. */
  secret_entropy?: true;
  /** The evaluation block run when `route` names one. */
  evaluation?: { name: string; condition: string; value: boolean; status: string };
}

/** A state change made by a CS step. */
export interface EffectRecord extends RecordBase {
  /** Record type. */
  type: "effect";
  /** CC node key. */
  node: string;
  /** Step name. */
  step: string;
  /** Store path (data-root relative). */
  store: string;
  /** set / delete / append. */
  mutation: string;
  /** Key or sequence number. */
  key: string;
  /** CS op (REGISTER, APPEND, ...). */
  operation: string;
  /** Step status. */
  result: string;
}

/** A CC finished with a status and the graph moved on. */
export interface TransitionRecord extends RecordBase {
  /** Record type. */
  type: "transition";
  /** Source node key. */
  from: string;
  /** Outcome (status) that selected the edge. */
  outcome: string;
  /** Target node key, or null when there is no such edge. */
  to: string | null;
  /** The CC's output surface (redacted), for CC nodes. */
  outputs?: unknown;
}

/** A child run started (gateway, loop, concurrent). */
export interface ChildRunRecord extends RecordBase {
  /** Record type. */
  type: "child_run";
  /** Child run id. */
  child: string;
  /** Child workflow FQDN. */
  workflow: string;
  /** Parent node and step. */
  node: string;
  /** Parent step. */
  step: string;
  /** Child payload (redacted). */
  payload: unknown;
}

/** Something a reader should know that did not change a status. */
export interface WarningRecord extends RecordBase {
  /** Record type. */
  type: "warning";
  /** Stable warning code (e.g. OUTPUT_PATH_MISSING, UNLISTED_STATUS, PNG_RENDER_FAILED). */
  code: string;
  /** Human-readable detail. */
  message: string;
  /** Node key, when relevant. */
  node?: string;
  /** Step, when relevant. */
  step?: string;
}

/** A capability or storage fault. */
export interface FaultRecord extends RecordBase {
  /** Record type. */
  type: "fault";
  /** Node key. */
  node: string;
  /** Step name, when inside a pipeline. */
  step?: string;
  /** Error name and message. */
  error: string;
}

/** A (child) run ended. The root run's result is the last record of the file. */
export interface ResultRecord extends RecordBase {
  /** Record type. */
  type: "result";
  /** Workflow FQDN. */
  workflow: string;
  /** Outcome that led to the exit (or the failure code). */
  status: string;
  /** COMPLETED, REJECTED, ENDED_<STATUS>, FAILED or FAULTED. */
  classification: string;
  /** EXIT node key, or null when the run did not reach one. */
  exit_node: string | null;
  /** EXIT reason or failure reason (NO_TRANSITION, STEP_BUDGET_EXCEEDED, ...). */
  reason: string | null;
  /** EXIT `emit`, if declared. */
  emit: string | null;
  /** Output surface: CC results by node key (redacted). */
  results: unknown;
}

/** `pgs.trace/2`: the last line, sealing the chain head with the data root's signing key. */
export interface SealRecord extends RecordBase {
  /** Record type. */
  type: "seal";
  /** Signing key id (the header's), or null when unsealed. */
  key_id: string | null;
  /** Signature algorithm. */
  alg: "Ed25519";
  /** Merkle path from the chain head (`prev`) to the signed root. */
  path: ["L" | "R", string][];
  /** Ed25519 signature (hex) of `pgs.trace/2 seal:<root>`, or null when unsealed. */
  signature: string | null;
}

/** Any record of a trace body (the seal is kept apart, see `jsonl.ts`). */
export type TraceRecord =
  | HeaderRecord
  | NodeRecord
  | AdmissionRecord
  | StepRecord
  | EffectRecord
  | TransitionRecord
  | ChildRunRecord
  | WarningRecord
  | FaultRecord
  | ResultRecord;

/** Record without the chain fields, as produced by the run before sequencing. */
export type UnchainedRecord = TraceRecord extends infer R
  ? R extends TraceRecord ? Omit<R, "seq" | "prev" | "shared"> : never
  : never;

/** Out-of-body timing for one node visit (never hashed; used by .md). */
export interface NodeTiming {
  /** Run id. */
  run: string;
  /** Node key. */
  node: string;
  /** Outcome of the visit. */
  outcome: string;
  /** Wall duration in milliseconds. */
  ms: number;
}
