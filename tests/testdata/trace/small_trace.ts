/**
 * A small synthetic trace with a child run, an effect, a warning and a fault-free result,
 * plus its graph: enough to pin the renderers' output row by row.
 *
 * @module
 */

import type { GraphView } from "../../../trace/graph_dot.ts";
import type { NodeTiming, TraceRecord, UnchainedRecord } from "../../../trace/record.ts";
import { chain, header } from "./fixtures.ts";

/** Workflow of the small trace. */
export const SMALL_WF = "demo::WF_PARENT_V0";
/** Workflow its child run executes. */
export const CHILD_WF = "demo::WF_CHILD_V0";
/** Id of the child run. */
export const CHILD_RUN = "root/CC_SPAWN/call_child/0";

/** The parent workflow graph. */
export const SMALL_GRAPH: GraphView = {
  workflow: SMALL_WF,
  start: "IN_START",
  nodes: [
    { key: "IN_START", type: "IN" },
    { key: "CC_SPAWN", type: "CC", label: "CC_SPAWN_CHILD_V0" },
    { key: "EXIT_OK", type: "EXIT" },
    { key: "EXIT_ERROR", type: "EXIT" },
    { key: "EXIT_REJECTED", type: "EXIT" },
  ],
  edges: [
    { from: "IN_START", outcome: "ACK", to: "CC_SPAWN" },
    { from: "IN_START", outcome: "NACK", to: "EXIT_REJECTED" },
    { from: "CC_SPAWN", outcome: "SUCCESS", to: "EXIT_OK" },
    { from: "CC_SPAWN", outcome: "VIOLATION", to: "EXIT_ERROR" },
    { from: "CC_SPAWN", outcome: "BACKEND_ERROR", to: "EXIT_ERROR" },
  ],
};

const R = "root";

/** Records of the small trace, before chaining. */
export function smallRecords(): UnchainedRecord[] {
  return [
    header(SMALL_WF, { name: "alice", note: "a|b" }),
    { type: "admission", run: R, kind: "WF", node: "(workflow)", outcome: "ADMITTED", reasons: [] },
    { type: "node", run: R, node: "IN_START", node_type: "IN", fqdn: "demo::IN_START_V0" },
    { type: "admission", run: R, kind: "IN", node: "IN_START", outcome: "ACK", reasons: [] },
    { type: "transition", run: R, from: "IN_START", outcome: "ACK", to: "CC_SPAWN" },
    { type: "node", run: R, node: "CC_SPAWN", node_type: "CC", fqdn: "demo::CC_SPAWN_CHILD_V0" },
    {
      type: "step",
      run: R,
      node: "CC_SPAWN",
      step: "make_id",
      kind: "CT",
      capability: "GENERATE_ID",
      op: null,
      inputs: {},
      outputs: { id: "X1" },
      result: {},
      status: "SUCCESS",
      route: "continue",
    },
    {
      type: "step",
      run: R,
      node: "CC_SPAWN",
      step: "store",
      kind: "CS",
      capability: "demo::CS_REGISTRY_V0",
      op: "REGISTER",
      inputs: { id: "X1" },
      outputs: {},
      result: {},
      status: "SUCCESS",
      route: "continue",
    },
    {
      type: "effect",
      run: R,
      node: "CC_SPAWN",
      step: "store",
      store: "demo/registry",
      mutation: "set",
      key: "X1",
      operation: "REGISTER",
      result: "SUCCESS",
    },
    {
      type: "child_run",
      run: R,
      child: CHILD_RUN,
      workflow: CHILD_WF,
      node: "CC_SPAWN",
      step: "call_child",
      payload: { id: "X1" },
    },
    { type: "node", run: CHILD_RUN, node: "IN_CHILD", node_type: "IN" },
    {
      type: "admission",
      run: CHILD_RUN,
      kind: "IN",
      node: "IN_CHILD",
      outcome: "ACK",
      reasons: [],
    },
    { type: "transition", run: CHILD_RUN, from: "IN_CHILD", outcome: "ACK", to: "CC_WORK" },
    { type: "node", run: CHILD_RUN, node: "CC_WORK", node_type: "CC" },
    { type: "transition", run: CHILD_RUN, from: "CC_WORK", outcome: "SUCCESS", to: "EXIT_DONE" },
    { type: "node", run: CHILD_RUN, node: "EXIT_DONE", node_type: "EXIT" },
    {
      type: "result",
      run: CHILD_RUN,
      workflow: CHILD_WF,
      status: "SUCCESS",
      classification: "COMPLETED",
      exit_node: "EXIT_DONE",
      reason: "COMPLETED",
      emit: null,
      results: {},
    },
    {
      type: "step",
      run: R,
      node: "CC_SPAWN",
      step: "call_child",
      kind: "CS",
      capability: "demo::CS_INVOKE_WORKFLOW_V0",
      op: "INVOKE",
      inputs: {},
      outputs: {},
      result: {},
      status: "SUCCESS",
      route: "continue",
    },
    {
      type: "warning",
      run: R,
      code: "OUTPUT_PATH_MISSING",
      message: "output $.capability_result.ref | missing",
      node: "CC_SPAWN",
      step: "call_child",
    },
    { type: "transition", run: R, from: "CC_SPAWN", outcome: "SUCCESS", to: "EXIT_OK" },
    { type: "node", run: R, node: "EXIT_OK", node_type: "EXIT" },
    {
      type: "result",
      run: R,
      workflow: SMALL_WF,
      status: "SUCCESS",
      classification: "COMPLETED",
      exit_node: "EXIT_OK",
      reason: "COMPLETED",
      emit: "EV_DONE_V0",
      results: {},
    },
  ];
}

/** The small trace, chained. */
export function smallTrace(): TraceRecord[] {
  return chain(smallRecords());
}

/** Timings for every node visit of the small trace. */
export const SMALL_TIMINGS: NodeTiming[] = [
  { run: R, node: "IN_START", outcome: "ACK", ms: 0.25 },
  { run: R, node: "CC_SPAWN", outcome: "SUCCESS", ms: 12.5 },
  { run: R, node: "EXIT_OK", outcome: "COMPLETED", ms: 0.01 },
  { run: CHILD_RUN, node: "IN_CHILD", outcome: "ACK", ms: 0.1 },
  { run: CHILD_RUN, node: "CC_WORK", outcome: "SUCCESS", ms: 3 },
  { run: CHILD_RUN, node: "EXIT_DONE", outcome: "COMPLETED", ms: 0 },
];
