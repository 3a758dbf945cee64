/**
 * The execution graph: a compiled workflow as plain data. Everything the machine and the
 * actors need is resolved here, so nothing is looked up while a run executes.
 *
 * @module
 */
import type { StoreRef } from "../storage/store.ts";
import type { Binding, Condition } from "./bindings.ts";
import type { FieldSpec } from "./schema.ts";

const WORKFLOW_INVOKING = /::CS_(WORKFLOW_GATEWAY|WORKFLOW_LOOP|CONCURRENT_WORKFLOWS)_V\d+$/;

/**
 * True for the CS kinds that run child workflows (gateway, loop, concurrent): they change
 * state only through their children, name sub-workflows, and are re-executed on replay.
 */
export function isWorkflowInvoking(csFqdn: string): boolean {
  return WORKFLOW_INVOKING.test(csFqdn);
}

/** Where a pipeline step goes for a status. */
export type Route =
  | { readonly kind: "continue" }
  | { readonly kind: "exit" }
  | { readonly kind: "step"; readonly index: number; readonly name: string }
  | { readonly kind: "evaluation"; readonly name: string };

/** One compiled pipeline step. */
export interface CompiledStep {
  /** Step name. */
  readonly name: string;
  /** CT or CS. */
  readonly kind: "CT" | "CS";
  /** CT FQDN (for CT steps) or CS FQDN. */
  readonly capability: string;
  /** CT IR (CT steps only). */
  readonly ctIr?: unknown;
  /** Declared op. */
  readonly op: string | null;
  /** Resolved store (CS steps that touch persistent state). */
  readonly store: StoreRef | null;
  /** RB policy of the CS, `{{module_data_root}}` removed. */
  readonly policy: Record<string, unknown>;
  /** Step inputs. */
  readonly inputs: Binding;
  /** Output mapping, in declaration order. */
  readonly outputs: readonly (readonly [string, Binding])[];
  /** `on_result`, compiled. */
  readonly onResult: Readonly<Record<string, Route>>;
  /** CT status names after `on_ct_result`. */
  readonly onCtResult: { readonly success: string; readonly failure: string };
}

/** A compiled evaluation block. */
export interface CompiledEvaluation {
  /** Parsed condition. */
  readonly condition: Condition;
  /** Status when true. */
  readonly onTrue: string;
  /** Status when false. */
  readonly onFalse: string;
}

/** A compiled capability contract (bound to one workflow's runtime binding). */
export interface CompiledContract {
  /** CC FQDN. */
  readonly fqdn: string;
  /** Artifact file. */
  readonly file: string;
  /** Names of declared required CC inputs. */
  readonly requiredInputs: readonly string[];
  /** Status when a required input is missing. */
  readonly onInputFailure: string;
  /** Steps in order. */
  readonly steps: readonly CompiledStep[];
  /** Evaluation blocks by name. */
  readonly evaluations: Readonly<Record<string, CompiledEvaluation>>;
  /** Field names redacted in every trace output. */
  readonly suppress: readonly string[];
}

/** An IN node. */
export interface InNode {
  /** Node type. */
  readonly type: "IN";
  /** Node key. */
  readonly key: string;
  /** Intent FQDN and file, or null for an IN node without an intent (always admits). */
  readonly intent: {
    readonly fqdn: string;
    readonly file: string;
    readonly inputs: Record<string, FieldSpec>;
  } | null;
  /** Outcome → node key. */
  readonly next: Readonly<Record<string, string>>;
}

/** A CC node. */
export interface CcNode {
  /** Node type. */
  readonly type: "CC";
  /** Node key. */
  readonly key: string;
  /** The contract. */
  readonly cc: CompiledContract;
  /** Node inputs. */
  readonly inputs: Binding;
  /** Outcome → node key. */
  readonly next: Readonly<Record<string, string>>;
}

/** An EXIT node. */
export interface ExitNode {
  /** Node type. */
  readonly type: "EXIT";
  /** Node key. */
  readonly key: string;
  /** Declared reason, or null. */
  readonly reason: string | null;
  /** Declared emitted event, or null. */
  readonly emit: string | null;
}

/** Any graph node. */
export type GraphNode = InNode | CcNode | ExitNode;

/** WF admission preconditions. */
export interface Admission {
  /** Events that must exist. */
  readonly requires: readonly string[];
  /** Events that must not exist. */
  readonly forbids: readonly string[];
  /** Per event: event record field → payload field. */
  readonly bindings: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Event stores scanned (data-root relative jsonl stores of the workflow's domain). */
  readonly eventStores: readonly StoreRef[];
}

/** A compiled workflow. */
export interface ExecutionGraph {
  /** `<domain>::<WF_CODE>`. */
  readonly workflow: string;
  /** Artifact file. */
  readonly file: string;
  /** Start node key. */
  readonly start: string;
  /** Nodes by key, in declaration order. */
  readonly nodes: Readonly<Record<string, GraphNode>>;
  /** Admission preconditions, or null. */
  readonly admission: Admission | null;
  /** Sub-workflows named literally by this workflow's steps. */
  readonly children: readonly string[];
}

/** A workflow plus everything it can reach (sub-workflows included), and their digest. */
export interface CompiledWorkflow {
  /**
   * The root graph (plain data; its node types are internal and may change between
   * releases: inspect a workflow through `workflowMachine`).
   * @ignore
   */
  readonly root: ExecutionGraph;
  /**
   * Every graph reachable from the root, by workflow FQDN (root included); its keys are
   * the sub-workflows `workflowMachine` accepts.
   * @ignore
   */
  readonly graphs: ReadonlyMap<string, ExecutionGraph>;
  /** sha256 of canonical JSON over the executable parts of every reachable artifact. */
  readonly digest: string;
}
