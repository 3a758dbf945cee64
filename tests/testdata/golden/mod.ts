/**
 * The committed golden traces (`<name>.jsonl`, written by `generate.ts` from real runs) and
 * what the trace tests need beside them: the graphs of the workflows they ran, the public
 * key that seals them, and a few derived shapes no real run produces (each built by editing
 * the records of a golden trace, never from scratch).
 *
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { fileURLToPath } from "node:url";
import type { GraphView } from "../../../trace/graph_dot.ts";
import { verifyTrace } from "../../../trace/jsonl.ts";
import type { NodeTiming, TraceRecord } from "../../../trace/record.ts";
import { SHARED_WORKSPACE } from "../../_support/workspace.ts";
import { GOLDEN_CASES, GOLDEN_KEY_BYTE, goldenTraceId } from "./generate.ts";
import { goldenWorkflows } from "./workspace.ts";

export { GOLDEN_CLOCK, GOLDEN_SEED, goldenTraceId, GOVERN_ACTION } from "./generate.ts";
export { SECRET_KEY, WF } from "./workspace.ts";

/** Folder of the committed golden traces. */
export const GOLDEN_DIR = fileURLToPath(new URL(".", import.meta.url));

/** Names of the golden traces. */
export type GoldenName = typeof GOLDEN_CASES[number]["name"];

/** Every golden trace name. */
export const GOLDEN_NAMES: readonly GoldenName[] = GOLDEN_CASES.map((c) => c.name);

/** A golden trace as committed. */
export interface Golden {
  /** Case name. */
  readonly name: GoldenName;
  /** Trace id (`T_golden_<name>`). */
  readonly traceId: string;
  /** The file text. */
  readonly text: string;
  /** Its lines (the last one is the seal). */
  readonly lines: string[];
  /** Header to root result, shared values resolved (a fresh copy on every call). */
  readonly records: TraceRecord[];
}

const cache = new Map<string, string>();

/** Reads a committed golden trace. */
export function golden(name: GoldenName): Golden {
  let text = cache.get(name);
  if (text === undefined) {
    text = Deno.readTextFileSync(`${GOLDEN_DIR}/${name}.jsonl`);
    cache.set(name, text);
  }
  const verified = verifyTrace(text);
  if (verified.problems.length > 0) {
    throw new Error(`golden trace ${name} is damaged: ${verified.problems.join("; ")}`);
  }
  return {
    name,
    traceId: goldenTraceId(name),
    text,
    lines: [...verified.lines],
    records: verified.records,
  };
}

/** The raw Ed25519 public key of the data roots the golden runs were sealed in. */
export const GOLDEN_PUBLIC_KEY: Uint8Array = ed25519.getPublicKey(
  new Uint8Array(32).fill(GOLDEN_KEY_BYTE),
);

type Frontmatter = {
  core: {
    start_node: string;
    nodes: Record<
      string,
      { type: "IN" | "CC" | "EXIT"; code?: string; fqdn_id?: string; next?: Record<string, string> }
    >;
  };
};

/** The plain graph the renderers take, from a workflow's frontmatter. */
export function graphViewOf(workflow: string, frontmatter: Frontmatter): GraphView {
  const { core } = frontmatter;
  const nodes = Object.entries(core.nodes).map(([key, node]) => {
    const code = node.code ?? node.fqdn_id?.split("::")[1];
    return { key, type: node.type, ...(code && code !== key ? { label: code } : {}) };
  });
  const edges = Object.entries(core.nodes).flatMap(([from, node]) =>
    Object.entries(node.next ?? {}).map(([outcome, to]) => ({ from, outcome, to }))
  );
  return { workflow, start: core.start_node, nodes, edges };
}

/** The graph of a workflow of the golden workspace. */
export function goldenGraph(workflow: string): GraphView {
  const fm = goldenWorkflows().get(workflow);
  if (!fm) throw new Error(`no golden workflow ${workflow}`);
  return graphViewOf(workflow, fm as Frontmatter);
}

/** The graph of a workflow of the shared (real) workspace. */
export function sharedGraph(workflow: string): GraphView {
  const [domain, code] = workflow.split("::");
  const file = `${SHARED_WORKSPACE}/protocol_snapshot/artifacts/workflows/${domain}__${code}.json`;
  return graphViewOf(workflow, JSON.parse(Deno.readTextFileSync(file)).frontmatter);
}

/** The root paths (node, outcome) the two governance golden runs took. */
export const GOVERN_PATHS: Record<"govern_authorized" | "govern_unauthorized", [string, string][]> =
  {
    govern_authorized: [
      ["IN_AGENT_ACTION_REQUESTED_V0", "ACK"],
      ["CC_NORMALIZE_AGENT_REQUEST_V0", "SUCCESS"],
      ["CC_CHECK_TOOL_DECLARED_V0", "SUCCESS"],
      ["CC_RESOLVE_LICENSE_TIER_V0", "SUCCESS"],
      ["CC_BIND_LICENSE_TO_TOOL_SURFACE_V0", "SUCCESS"],
      ["CC_VALIDATE_TOOL_PARAMETERS_V0", "SUCCESS"],
      ["CC_RECORD_GOVERNED_ACTION_V0", "SUCCESS"],
      ["EXIT_SUCCESS", "COMPLETED"],
    ],
    govern_unauthorized: [
      ["IN_AGENT_ACTION_REQUESTED_V0", "ACK"],
      ["CC_NORMALIZE_AGENT_REQUEST_V0", "SUCCESS"],
      ["CC_CHECK_TOOL_DECLARED_V0", "SUCCESS"],
      ["CC_RESOLVE_LICENSE_TIER_V0", "NOT_FOUND"],
      ["CC_AUDIT_UNAUTHORIZED_ACTOR", "SUCCESS"],
      ["EXIT_UNAUTHORIZED_ACTOR", "COMPLETED"],
    ],
  };

/** Node timings for every visit of the `completed` trace (timings are kept out of the body). */
export const COMPLETED_TIMINGS: NodeTiming[] = [
  { run: "root", node: "IN_REQ", outcome: "ACK", ms: 0.25 },
  { run: "root", node: "CC_REGISTER", outcome: "SUCCESS", ms: 12.5 },
  { run: "root", node: "EXIT_OK", outcome: "COMPLETED", ms: 0.01 },
  { run: "root/CC_REGISTER/notify/0", node: "IN_NOTIFY", outcome: "ACK", ms: 0.1 },
  { run: "root/CC_REGISTER/notify/0", node: "CC_SEND", outcome: "SUCCESS", ms: 3 },
  { run: "root/CC_REGISTER/notify/0", node: "EXIT_SENT", outcome: "COMPLETED", ms: 0 },
];

/**
 * The records of a golden trace with the root run's visit of `node` made `times` times
 * (its node record through its transition, outcome `again` looping back, then the recorded
 * visit). The compiler refuses cycles, so no real run enters a node twice; the renderers
 * must still draw such a body sensibly when they are given one.
 */
export function withRevisits(
  records: readonly TraceRecord[],
  node: string,
  times: number,
  again = "AGAIN",
): TraceRecord[] {
  const start = records.findIndex((r) => r.type === "node" && r.run === "root" && r.node === node);
  const end = records.findIndex((r, i) =>
    i > start && r.type === "transition" && r.run === "root" && r.from === node
  );
  if (start < 0 || end < 0) throw new Error(`no root visit of ${node}`);
  const visit = records.slice(start, end + 1);
  const loops: TraceRecord[] = [];
  for (let i = 1; i < times; i++) {
    loops.push(
      ...structuredClone(visit).map((r) =>
        r.type === "transition" && r.from === node ? { ...r, outcome: again, to: node } : r
      ),
    );
  }
  return [...records.slice(0, start), ...loops, ...records.slice(start)].map((r, seq) => ({
    ...r,
    seq,
  }));
}

/**
 * The records with node keys and outcomes renamed (for the renderers' escaping: a real
 * snapshot's keys are plain identifiers).
 */
export function withNames(
  records: readonly TraceRecord[],
  nodes: Record<string, string>,
  outcomes: Record<string, string> = {},
): TraceRecord[] {
  const n = (k: unknown) => (typeof k === "string" && Object.hasOwn(nodes, k) ? nodes[k] : k);
  const o = (k: unknown) => (typeof k === "string" && Object.hasOwn(outcomes, k) ? outcomes[k] : k);
  return records.map((r) => {
    const c = structuredClone(r) as unknown as Record<string, unknown>;
    for (const f of ["node", "from", "to", "exit_node"]) if (f in c) c[f] = n(c[f]);
    for (const f of ["outcome", "status"]) if (f in c) c[f] = o(c[f]);
    return c as unknown as TraceRecord;
  });
}
