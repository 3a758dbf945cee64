/**
 * Workflow graph → Graphviz DOT with the root run's executed path highlighted. Pure: no
 * WASM, no I/O, so the picture's content is testable without rendering it. Label text is
 * passed through {@link drawable}: a character the shipped font lacks is drawn as "�".
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { TraceRecord } from "./record.ts";
import { drawable } from "./png_glyphs.ts";
import { collectPaths, type NodeVisit, type RunPath } from "./run_path.ts";

/** A workflow node as the PNG shows it. */
export interface GraphViewNode {
  /** Node key (unique within the workflow). */
  key: string;
  /** IN, CC or EXIT. */
  type: "IN" | "CC" | "EXIT";
  /** Optional second line under the key (e.g. the CC code when it differs from the key). */
  label?: string;
}

/** A declared outcome edge. */
export interface GraphViewEdge {
  /** Source node key. */
  from: string;
  /** Outcome (status) that selects the edge. */
  outcome: string;
  /** Target node key. */
  to: string;
}

/** The plain workflow graph the engine hands to the PNG renderer. */
export interface GraphView {
  /** `<domain>::<WF_CODE>`. */
  workflow: string;
  /** Start node key. */
  start: string;
  /** Every node, in declaration order. */
  nodes: GraphViewNode[];
  /** Every declared outcome edge. */
  edges: GraphViewEdge[];
}

/** Colours and sizes of the picture, in one place so tests and renderers agree. */
export const DOT_STYLE = {
  takenEdge: "#1d4ed8",
  idleEdge: "#b8bec8",
  idleText: "#6b7280",
  visitedFill: "#dbeafe",
  visitedLine: "#1d4ed8",
  exitOk: "#bbf7d0",
  exitEnded: "#fde68a",
  exitBad: "#fecaca",
  faultLine: "#b91c1c",
} as const;

/** Throws {@link UsageError} unless `graph` is a well-formed {@link GraphView}. */
export function validateGraphView(graph: GraphView): void {
  if (graph === null || typeof graph !== "object") {
    throw new UsageError("Cannot render graph: graph must be an object");
  }
  if (typeof graph.workflow !== "string") {
    throw new UsageError("Cannot render graph: graph.workflow must be a string");
  }
  if (!Array.isArray(graph.nodes) || !Array.isArray(graph.edges)) {
    throw new UsageError("Cannot render graph: graph.nodes and graph.edges must be arrays");
  }
  const keys = new Set<string>();
  graph.nodes.forEach((node, i) => {
    if (typeof node?.key !== "string" || node.key === "") {
      throw new UsageError(`Cannot render graph: graph.nodes[${i}].key must be a non-empty string`);
    }
    if (node.type !== "IN" && node.type !== "CC" && node.type !== "EXIT") {
      throw new UsageError(`Cannot render graph: graph.nodes[${i}].type must be IN, CC or EXIT`);
    }
    if (keys.has(node.key)) {
      throw new UsageError(`Cannot render graph: graph.nodes[${i}].key "${node.key}" is repeated`);
    }
    keys.add(node.key);
  });
  if (!keys.has(graph.start)) {
    throw new UsageError(`Cannot render graph: graph.start "${graph.start}" is not a node`);
  }
  graph.edges.forEach((edge, i) => {
    if (!keys.has(edge?.from) || !keys.has(edge?.to) || typeof edge.outcome !== "string") {
      throw new UsageError(
        `Cannot render graph: graph.edges[${i}] must join two declared nodes with an outcome`,
      );
    }
  });
}

/** Quotes a string as a DOT ID; backslashes are doubled so `\N`, `\G` etc. stay literal. */
export function dotString(text: string): string {
  const escaped = text
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n/g, "\\n")
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, " ");
  return `"${escaped}"`;
}

/** Escapes text for a Graphviz HTML-like label. */
export function htmlText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, " ");
}

/** DOT of `graph` with the root run of `records` highlighted; deterministic for its input. */
export function buildDot(graph: GraphView, records: readonly TraceRecord[]): string {
  validateGraphView(graph);
  const paths = collectPaths(records);
  const root = paths.root;
  const visits = visitsByNode(root);
  const taken = takenEdges(root);
  const result = root.result;
  const lines: string[] = [];

  const outcome = result
    ? `${result.classification} · status ${result.status}` +
      (result.exit_node ? ` · exit ${result.exit_node}` : "") +
      (result.reason ? ` · reason ${result.reason}` : "")
    : "no result record (trace incomplete)";
  // A table, not <BR/>: Graphviz packs mixed-size HTML lines so tightly they overlap.
  const row = (size: number, text: string, color = "black") =>
    `<TR><TD><FONT POINT-SIZE="${size}" COLOR="${color}">${
      htmlText(drawable(text))
    }</FONT></TD></TR>`;
  const title = `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">` +
    row(18, graph.workflow) + row(13, outcome) +
    row(
      11,
      `trace ${paths.header.trace_id} · blue = executed path, #n = visit order`,
      DOT_STYLE.idleText,
    ) +
    `</TABLE>>`;

  lines.push(`digraph ${dotString(graph.workflow)} {`);
  lines.push(
    `  graph [rankdir=TB, bgcolor="white", pad=0.3, nodesep=0.3, ranksep=0.42, ` +
      `fontname="Helvetica", fontsize=15, labelloc="t", labeljust="c", label=${title}];`,
  );
  lines.push(
    `  node [fontname="Helvetica", fontsize=12, style="filled", fillcolor="white", ` +
      `color="${DOT_STYLE.idleEdge}", fontcolor="${DOT_STYLE.idleText}", penwidth=1.2, ` +
      `margin="0.14,0.05"];`,
  );
  lines.push(
    `  edge [fontname="Helvetica", fontsize=10, color="${DOT_STYLE.idleEdge}", ` +
      `fontcolor="${DOT_STYLE.idleText}", arrowsize=0.7, penwidth=1];`,
  );

  for (const node of orderNodes(graph)) {
    const seen = visits.get(node.key) ?? [];
    const attrs: string[] = [`shape=${SHAPES[node.type]}`];
    const text = [node.key];
    if (node.label && node.label !== node.key) text.push(node.label);
    if (seen.length > 0) {
      text.push(visitLine(seen));
      if (node.type === "EXIT" && result?.exit_node === node.key && result.emit) {
        text.push(`emit ${result.emit}`);
      }
      const faulted = seen.some((v) => v.faults.length > 0);
      attrs.push(
        `fillcolor="${
          node.type === "EXIT" ? exitFill(result?.classification) : DOT_STYLE.visitedFill
        }"`,
        `color="${faulted ? DOT_STYLE.faultLine : DOT_STYLE.visitedLine}"`,
        `fontcolor="black"`,
        `penwidth=2.2`,
        // One group keeps the executed path a straight spine where dot can manage it.
        `group="path"`,
      );
    }
    attrs.push(`label=${dotString(drawable(text.join("\n")))}`);
    lines.push(`  ${dotString(node.key)} [${attrs.join(", ")}];`);
  }

  for (const group of groupEdges(graph.edges, taken)) {
    const attrs: string[] = [];
    if (group.count > 0) {
      const label = group.outcomes.join("\n") + (group.count > 1 ? ` ×${group.count}` : "");
      attrs.push(
        `label=${dotString(drawable(label))}`,
        `color="${DOT_STYLE.takenEdge}"`,
        `fontcolor="${DOT_STYLE.takenEdge}"`,
        `penwidth=2.6`,
        `arrowsize=0.9`,
        `weight=4`,
        `class="taken"`,
      );
    } else {
      attrs.push(`label=${dotString(drawable(group.outcomes.join("\n")))}`);
    }
    lines.push(`  ${dotString(group.from)} -> ${dotString(group.to)} [${attrs.join(", ")}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** Shape and extra attributes per node type: an arrow for the entry, octagons for exits. */
const SHAPES: Record<GraphViewNode["type"], string> = {
  IN: `cds, margin="0.3,0.16"`,
  CC: `box, style="rounded,filled"`,
  EXIT: `doubleoctagon, margin="0.02,0.03"`,
};

function exitFill(classification: string | undefined): string {
  if (classification === "COMPLETED") return DOT_STYLE.exitOk;
  if (classification === "FAILED" || classification === "FAULTED") return DOT_STYLE.exitBad;
  return DOT_STYLE.exitEnded;
}

/** Start node first, then breadth-first along declared edges: dot lays out input order. */
function orderNodes(graph: GraphView): GraphViewNode[] {
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
  const out = new Map<string, GraphViewNode>();
  const queue = [graph.start];
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (out.has(key)) continue;
    out.set(key, byKey.get(key)!);
    for (const edge of graph.edges) if (edge.from === key && !out.has(edge.to)) queue.push(edge.to);
  }
  for (const node of graph.nodes) if (!out.has(node.key)) out.set(node.key, node);
  return [...out.values()];
}

function visitsByNode(run: RunPath): Map<string, NodeVisit[]> {
  const map = new Map<string, NodeVisit[]>();
  for (const visit of run.visits) {
    const list = map.get(visit.node) ?? [];
    list.push(visit);
    map.set(visit.node, list);
  }
  return map;
}

/** Edge key → how often the run took it. */
function takenEdges(run: RunPath): Map<string, number> {
  const taken = new Map<string, number>();
  for (const visit of run.visits) {
    if (visit.outcome === null || visit.to === null) continue;
    const key = edgeKey(visit.node, visit.outcome, visit.to);
    taken.set(key, (taken.get(key) ?? 0) + 1);
  }
  return taken;
}

function edgeKey(from: string, outcome: string, to: string): string {
  return JSON.stringify([from, outcome, to]);
}

/** "#3 SUCCESS", "#2 ACK · #6 NACK", or a summary when a loop visited the node often. */
function visitLine(seen: NodeVisit[]): string {
  const one = (v: NodeVisit) =>
    `#${v.index} ${v.outcome ?? "?"}${v.noEdge ? " (no edge)" : ""}${
      v.children.length > 0 ? ` · ${v.children.length} child run(s)` : ""
    }`;
  if (seen.length <= 2) return seen.map(one).join(" · ");
  const counts = new Map<string, number>();
  for (const v of seen) counts.set(v.outcome ?? "?", (counts.get(v.outcome ?? "?") ?? 0) + 1);
  const summary = [...counts].map(([o, n]) => `${o} ×${n}`).join(", ");
  return `#${seen[0].index}…#${seen[seen.length - 1].index} (${seen.length} visits): ${summary}`;
}

interface EdgeGroup {
  from: string;
  to: string;
  outcomes: string[];
  /** Times taken (0 = not taken). */
  count: number;
}

/**
 * Outcomes sharing a source and target become one edge (less clutter around EXIT_ERROR),
 * except that a taken outcome always gets its own highlighted edge.
 */
function groupEdges(edges: GraphViewEdge[], taken: Map<string, number>): EdgeGroup[] {
  const groups = new Map<string, EdgeGroup>();
  for (const edge of edges) {
    const count = taken.get(edgeKey(edge.from, edge.outcome, edge.to)) ?? 0;
    const key = count > 0
      ? JSON.stringify([edge.from, edge.to, edge.outcome])
      : JSON.stringify([edge.from, edge.to]);
    const group = groups.get(key);
    if (group) group.outcomes.push(edge.outcome);
    else groups.set(key, { from: edge.from, to: edge.to, outcomes: [edge.outcome], count });
  }
  return [...groups.values()];
}
