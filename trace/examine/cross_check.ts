/**
 * Integrity of a trace beyond its hash chain: the root result cross-checked against the
 * recorded path, under the run rules of semantics.ts.
 *
 * @module
 */
import { canonicalJson } from "../../snapshot/canonical.ts";
import { classify, FAILURE_CLASSIFICATION, MAX_CHILD_DEPTH } from "../../semantics.ts";
import type {
  HeaderRecord,
  NodeRecord,
  ResultRecord,
  TraceRecord,
  TransitionRecord,
} from "../record.ts";
import { ROOT_RUN } from "../run_path.ts";
import { budgetUse } from "./budget.ts";

/**
 * Evidence of STEP_BUDGET_EXCEEDED: the units the records show charged are exactly the
 * budget (the charge that failed is the one after them), or child runs nested to the depth
 * limit (the step that would have gone deeper was refused before it started a child).
 */
function budgetSpent(records: readonly TraceRecord[], budget: number): boolean {
  const use = budgetUse(records);
  return use.units === budget || use.deepest.length - 1 >= MAX_CHILD_DEPTH;
}

/**
 * The last line is chained to nothing after it, so an edit of it alone keeps the chain
 * whole. Everything in it that the path already records must agree with the path.
 */
export function crossCheck(records: readonly TraceRecord[]): string[] {
  const header = records[0] as HeaderRecord;
  const result = records[records.length - 1] as ResultRecord;
  const at = `line ${records.length} (result)`;
  const q = (v: unknown) => JSON.stringify(v);
  const out: string[] = [];
  const root = records.filter((r) => r.run === ROOT_RUN);
  const transitions = root.filter((r): r is TransitionRecord => r.type === "transition");
  const lastT = transitions.at(-1);
  const lastNode = root.filter((r): r is NodeRecord => r.type === "node").at(-1);
  if (result.workflow !== header.workflow) {
    out.push(`${at}: workflow ${q(result.workflow)} is not the header's ${q(header.workflow)}`);
  }
  if (result.exit_node !== null) {
    if (lastNode?.node_type !== "EXIT" || lastNode.node !== result.exit_node) {
      out.push(`${at}: exit_node ${q(result.exit_node)} is not the EXIT node the root run entered`);
    } else if (
      ("reason" in lastNode && (lastNode.reason ?? null) !== result.reason) ||
      ("emit" in lastNode && (lastNode.emit ?? null) !== result.emit)
    ) {
      out.push(
        `${at}: reason ${q(result.reason)} / emit ${q(result.emit)} are not those of ` +
          `${result.exit_node} (${q(lastNode.reason ?? null)} / ${q(lastNode.emit ?? null)})`,
      );
    } else if (lastT?.to !== result.exit_node || lastT.outcome !== result.status) {
      out.push(
        `${at}: status ${q(result.status)} is not the outcome that led to ${result.exit_node}`,
      );
    }
    const expected = classify(result.status, result.reason);
    if (result.classification !== expected) {
      out.push(
        `${at}: classification ${q(result.classification)} does not follow from status ` +
          `${q(result.status)} and reason ${q(result.reason)} (expected ${q(expected)})`,
      );
    }
  } else {
    const expected = (FAILURE_CLASSIFICATION as Record<string, string>)[result.reason ?? ""];
    if (!expected) {
      out.push(`${at}: reason ${q(result.reason)} is not a failure reason of a run without exit`);
    } else if (result.classification !== expected) {
      out.push(
        `${at}: classification ${q(result.classification)} does not follow from reason ${
          q(result.reason)
        }`,
      );
    }
    if (lastNode?.node_type === "EXIT") {
      out.push(`${at}: exit_node is null but the root run entered ${lastNode.node}`);
    }
    const rootFault = root.some((r) => r.type === "fault");
    const noTransition = lastT?.to === null;
    const evidence = {
      NO_TRANSITION: noTransition && lastT.outcome === result.status && !rootFault,
      ADMISSION_DENIED: result.status === "ADMISSION_DENIED" &&
        root.some((r) =>
          r.type === "admission" && r.kind === "WF" && r.outcome === "ADMISSION_DENIED"
        ),
      // A halted run's status is its reason (it did not end on an outcome).
      FAULT: rootFault && !noTransition && result.status === "FAULT",
      STEP_BUDGET_EXCEEDED: !rootFault && !noTransition &&
        result.status === "STEP_BUDGET_EXCEEDED" && budgetSpent(records, header.budget),
    }[result.reason ?? ""];
    if (expected && !evidence) {
      out.push(
        `${at}: reason ${q(result.reason)} / status ${
          q(result.status)
        } is not what the root run recorded`,
      );
    }
  }
  // `results` is the root run's CC surfaces, each also recorded on the node's last transition.
  const surfaces: Record<string, unknown> = {};
  for (const t of transitions) {
    if (t.outputs !== undefined && t.outputs !== null) surfaces[t.from] = t.outputs;
  }
  if (canonicalJson(surfaces) !== canonicalJson(result.results)) {
    out.push(`${at}: results do not match the outputs recorded on the root run's transitions`);
  }
  return out;
}
