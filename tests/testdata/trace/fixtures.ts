/**
 * Test fixtures for the trace renderers: a chained-record builder and a {@link GraphView}
 * built straight from a workflow artifact of the shared workspace.
 *
 * @module
 */

import { canonicalJson, sha256Hex } from "../../../snapshot/canonical.ts";
import type { GraphView } from "../../../trace/graph_dot.ts";
import {
  GENESIS_PREV,
  type HeaderRecord,
  SEMANTICS_VERSION,
  TRACE_SCHEMA,
  type TraceRecord,
  type UnchainedRecord,
} from "../../../trace/record.ts";

/** Shared read-only workspace (PGS_WORKSPACE, else `shared/` beside the repo). */
export const WORKSPACE = Deno.env.get("PGS_WORKSPACE") ??
  new URL("../../../../shared/pgs_workspace", import.meta.url).pathname;

/** The 18-node workflow the PNG must be readable for. */
export const GOVERN_ACTION = "ai_governance::WF_GOVERN_AGENT_ACTION_V0";

/** Adds `seq` and a real `prev` chain to unchained records. */
export function chain(records: UnchainedRecord[]): TraceRecord[] {
  let prev = GENESIS_PREV;
  return records.map((record, seq) => {
    const chained = { seq, prev, ...record } as TraceRecord;
    prev = sha256Hex(canonicalJson(chained));
    return chained;
  });
}

/** A header record for `workflow` with fixed ids, seed and clock. */
export function header(
  workflow: string,
  payload: unknown = {},
): Omit<HeaderRecord, "seq" | "prev"> {
  return {
    type: "header",
    run: "root",
    schema: TRACE_SCHEMA,
    key_id: null,
    trace_id: "T_20250101T000000Z_0123456789abcdef",
    workflow,
    snapshot_digest: "ab".repeat(32),
    payload,
    seed: "5eed".repeat(16),
    started_at: "2025-01-01T00:00:00.000Z",
    runtime_version: "0.1.0",
    semantics_version: SEMANTICS_VERSION,
    budget: 1000,
  };
}

/** Reads a workflow artifact and builds the plain graph the PNG renderer takes. */
export function loadGraphView(workflow: string): GraphView {
  const [domain, code] = workflow.split("::");
  const file = `${WORKSPACE}/protocol_snapshot/artifacts/workflows/${domain}__${code}.json`;
  const artifact = JSON.parse(Deno.readTextFileSync(file));
  const core = artifact.frontmatter.core as {
    start_node: string;
    nodes: Record<
      string,
      { type: "IN" | "CC" | "EXIT"; code?: string; next?: Record<string, string> }
    >;
  };
  const nodes = Object.entries(core.nodes).map(([key, node]) => ({
    key,
    type: node.type,
    ...(node.code && node.code !== key ? { label: node.code } : {}),
  }));
  const edges = Object.entries(core.nodes).flatMap(([from, node]) =>
    Object.entries(node.next ?? {}).map(([outcome, to]) => ({ from, outcome, to }))
  );
  return { workflow, start: core.start_node, nodes, edges };
}

/** Unchained records of a root run walking `path` ([node, type, outcome] per visit). */
export function walk(
  path: Array<[string, "IN" | "CC" | "EXIT", string]>,
  graph: GraphView,
): UnchainedRecord[] {
  const out: UnchainedRecord[] = [];
  for (const [node, nodeType, outcome] of path) {
    out.push({ type: "node", run: "root", node, node_type: nodeType });
    if (nodeType === "IN") {
      out.push({ type: "admission", run: "root", kind: "IN", node, outcome, reasons: [] });
    }
    if (nodeType !== "EXIT") {
      const edge = graph.edges.find((e) => e.from === node && e.outcome === outcome);
      out.push({ type: "transition", run: "root", from: node, outcome, to: edge?.to ?? null });
    }
  }
  return out;
}

/** The happy path through WF_GOVERN_AGENT_ACTION_V0. */
export const GOVERN_HAPPY: Array<[string, "IN" | "CC" | "EXIT", string]> = [
  ["IN_AGENT_ACTION_REQUESTED_V0", "IN", "ACK"],
  ["CC_NORMALIZE_AGENT_REQUEST_V0", "CC", "SUCCESS"],
  ["CC_CHECK_TOOL_DECLARED_V0", "CC", "SUCCESS"],
  ["CC_RESOLVE_LICENSE_TIER_V0", "CC", "SUCCESS"],
  ["CC_BIND_LICENSE_TO_TOOL_SURFACE_V0", "CC", "SUCCESS"],
  ["CC_VALIDATE_TOOL_PARAMETERS_V0", "CC", "SUCCESS"],
  ["CC_RECORD_GOVERNED_ACTION_V0", "CC", "SUCCESS"],
  ["EXIT_SUCCESS", "EXIT", "COMPLETED"],
];

/** A denial path: the actor has no license tier. */
export const GOVERN_UNAUTHORIZED: Array<[string, "IN" | "CC" | "EXIT", string]> = [
  ["IN_AGENT_ACTION_REQUESTED_V0", "IN", "ACK"],
  ["CC_NORMALIZE_AGENT_REQUEST_V0", "CC", "SUCCESS"],
  ["CC_CHECK_TOOL_DECLARED_V0", "CC", "SUCCESS"],
  ["CC_RESOLVE_LICENSE_TIER_V0", "CC", "NOT_FOUND"],
  ["CC_AUDIT_UNAUTHORIZED_ACTOR", "CC", "SUCCESS"],
  ["EXIT_UNAUTHORIZED_ACTOR", "EXIT", "COMPLETED"],
];

/** A complete root-run trace of WF_GOVERN_AGENT_ACTION_V0 along `path`. */
export function governTrace(
  graph: GraphView,
  path: Array<[string, "IN" | "CC" | "EXIT", string]>,
): TraceRecord[] {
  const last = path[path.length - 1];
  const emit = last[0] === "EXIT_SUCCESS"
    ? "EV_AGENT_ACTION_AUTHORIZED_V0"
    : "EV_AGENT_ACTION_DENIED_V0";
  return chain([
    header(GOVERN_ACTION, { tool_name: "send_email", requesting_user_id: "U1" }),
    ...walk(path, graph),
    {
      type: "result",
      run: "root",
      workflow: GOVERN_ACTION,
      status: path[path.length - 2][2],
      classification: "COMPLETED",
      exit_node: last[0],
      reason: "COMPLETED",
      emit,
      results: {},
    },
  ]);
}
