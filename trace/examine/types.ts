/**
 * What `examine` reports: integrity, the root run's result and path, effects, warnings and
 * a diagnosis. The JSON form of {@link ExamineReport} is `examine --json`.
 *
 * @module
 */
import type { EffectRecord } from "../record.ts";

/** What kind of thing went wrong (SPEC §7). */
export const DiagnosisClass = {
  NONE: "none",
  ADMISSION: "admission",
  BUSINESS_OUTCOME: "business_outcome",
  GOVERNANCE: "governance",
  FAULT: "fault",
} as const;
/** One of {@link DiagnosisClass}. */
export type DiagnosisClass = typeof DiagnosisClass[keyof typeof DiagnosisClass];

/** Why the run ended as it did, and where to look. */
export interface Diagnosis {
  /** Kind of cause. */
  class: DiagnosisClass;
  /** Run the cause is in ("root" or a child run id), or null. */
  run: string | null;
  /** Node key to look at, or null. */
  node: string | null;
  /** Step name to look at, or null. */
  step: string | null;
  /** Inputs / payload fields involved (missing, unresolved, refused, or the faulting call's). */
  inputs: string[];
  /** Workspace-relative artifact file to look at, or null. */
  file: string | null;
  /** One-paragraph explanation for an auditor. */
  hint: string;
}

/** The root run's result, as recorded. */
export interface ExamineResult {
  /** Outcome that led to the end. */
  status: string;
  /** COMPLETED, REJECTED, ENDED_<STATUS>, FAILED or FAULTED. */
  classification: string;
  /** EXIT node, or null. */
  exit_node: string | null;
  /** EXIT reason or failure reason. */
  reason: string | null;
  /** EXIT emit. */
  emit: string | null;
}

/** One visit of the root run's path. */
export interface ExaminePathEntry {
  /** Node key. */
  node: string;
  /** IN, CC or EXIT. */
  node_type: string;
  /** Outcome that left the node (EXIT: its reason; "FAULT"), or null. */
  outcome: string | null;
}

/** A state change, from an effect record: the record without its type and chain fields. */
export type ExamineEffect = Omit<EffectRecord, "type" | "seq" | "prev" | "shared">;

/** A warning record. */
export interface ExamineWarning {
  /** Run id. */
  run: string;
  /** Warning code. */
  code: string;
  /** Node key, or null. */
  node: string | null;
  /** Step name, or null. */
  step: string | null;
  /** Detail. */
  message: string;
}

/** What {@link examineTrace} found; its JSON form is `examine --json`. */
export interface ExamineReport {
  /** False when any problem was found: nothing else in the report is then trustworthy. */
  intact: boolean;
  /** Integrity problems, "line N ...: ..." (empty when intact). */
  problems: string[];
  /** Trace format version (1 or 2). */
  version: 1 | 2;
  /**
   * What the file was checked against: "store" (equal to the body committed in the given
   * data root or KV database) or "self" (its own chain only: no store was given).
   */
  checked_against: "store" | "self";
  /**
   * The seal: "verified" (signed by the given or the data root's key), "unsealed" (a
   * pgs.trace/1 body, or sealed without a key), "not_checked" (no key to check it with).
   */
  signature: "verified" | "unsealed" | "not_checked";
  /** Id of the key that sealed the trace, or null. */
  key_id: string | null;
  /** Trace id from the header, or null. */
  trace_id: string | null;
  /** Root workflow from the header, or null. */
  workflow: string | null;
  /** Snapshot digest from the header, or null. */
  snapshot_digest: string | null;
  /** Lines in the body. */
  records: number;
  /** The root run's result (null when damaged). */
  result: ExamineResult | null;
  /** The root run's node visits. */
  path: ExaminePathEntry[];
  /** Number of child runs. */
  child_runs: number;
  /** Every state change, in file order (a FAULTED run's effects were not committed). */
  effects: ExamineEffect[];
  /** Every warning, in file order. */
  warnings: ExamineWarning[];
  /** Why the run ended so (null when damaged). */
  diagnosis: Diagnosis | null;
}
