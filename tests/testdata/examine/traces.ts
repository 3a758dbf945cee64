/**
 * Fixture traces for `examine`, one per diagnosis class, built the way `actors/run.ts`
 * emits records (same order, same fields) and chained with the real `chainRecords`, so
 * the hashes are genuine and deterministic.
 *
 * @module
 */
import { traceText } from "../../../trace/jsonl.ts";
import {
  SEMANTICS_VERSION,
  type StepRecord,
  TRACE_SCHEMA,
  type TraceRecord,
  type UnchainedRecord,
} from "../../../trace/record.ts";
import { chainRecords, type Redaction } from "../../../trace/recorder.ts";
import { sealLine } from "../../../trace/seal.ts";

/** A built fixture: records, their lines and the file text. */
export interface Fixture {
  /** Chained records. */
  records: TraceRecord[];
  /** Canonical JSONL lines. */
  lines: string[];
  /** File text (one line per record, trailing newline). */
  text: string;
}

const R = "root";
const NO_REDACTION: Redaction = { fields: new Set(), values: new Set() };

/** Chains `records` and renders the file text. */
export function build(records: UnchainedRecord[], redaction: Redaction = NO_REDACTION): Fixture {
  const { records: chained, lines, head } = chainRecords(records, redaction);
  // An unsealed pgs.trace/2 body: the seal line chains to the result, without a signature.
  lines.push(sealLine({ key_id: null, path: [], signature: null }, lines.length, head));
  return { records: chained, lines, text: traceText(lines) };
}

/** A header with fixed ids, seed and clock. */
export function header(workflow: string, payload: unknown, budget = 1000): UnchainedRecord {
  return {
    type: "header",
    run: R,
    schema: TRACE_SCHEMA,
    key_id: null,
    trace_id: "T_examine_fixture",
    workflow,
    snapshot_digest: "ab".repeat(32),
    payload,
    seed: "5eed".repeat(16),
    started_at: "2025-01-01T00:00:00.000Z",
    runtime_version: "0.1.0",
    semantics_version: SEMANTICS_VERSION,
    budget,
  };
}

/** An IN node visit: node record, admission, and (when routed) the transition. */
function inVisit(
  run: string,
  key: string,
  fqdn: string,
  outcome: string,
  to: string | null,
  reasons: string[] = [],
): UnchainedRecord[] {
  return [
    { type: "node", run, node: key, node_type: "IN", fqdn },
    { type: "admission", run, kind: "IN", node: key, outcome, reasons },
    { type: "transition", run, from: key, outcome, to, outputs: null },
  ];
}

/** A step record with defaults for the fields a test does not care about. */
function step(
  run: string,
  node: string,
  name: string,
  s: Partial<Omit<StepRecord, "seq" | "prev" | "type" | "run" | "node" | "step">> & {
    status: string;
  },
): UnchainedRecord {
  return {
    type: "step",
    run,
    node,
    step: name,
    kind: s.kind ?? "CT",
    capability: s.capability ?? "PASSTHROUGH",
    op: s.op ?? null,
    inputs: s.inputs ?? {},
    outputs: s.outputs ?? {},
    result: s.result ?? s.outputs ?? {},
    status: s.status,
    route: s.route ?? "continue",
    ...(s.evaluation ? { evaluation: s.evaluation } : {}),
  };
}

function result(
  run: string,
  workflow: string,
  status: string,
  classification: string,
  exit: { node: string | null; reason: string | null; emit?: string | null },
  results: Record<string, unknown>,
): UnchainedRecord {
  return {
    type: "result",
    run,
    workflow,
    status,
    classification,
    exit_node: exit.node,
    reason: exit.reason,
    emit: exit.emit ?? null,
    results,
  };
}

/** Workflow of the completed fixture. */
export const REGISTER_WF = "demo::WF_REGISTER_V0";
/** Its child workflow. */
export const NOTIFY_WF = "demo::WF_NOTIFY_V0";
/** Id of its child run. */
export const NOTIFY_RUN = "root/CC_REGISTER/notify/0";

/**
 * COMPLETED: IN → CC_REGISTER (id, REGISTER effect, a child run) → EXIT_OK. With
 * `warn`, the register step also raises OUTPUT_PATH_MISSING.
 */
export function completedTrace(warn = false): Fixture {
  const surface = { name: "ada", id: "X1", receipt: null };
  const childSurface = { id: "X1", sent: true };
  return build([
    header(REGISTER_WF, { name: "ada" }),
    ...inVisit(R, "IN_REQ", "demo::IN_REQ_V0", "ACK", "CC_REGISTER"),
    {
      type: "node",
      run: R,
      node: "CC_REGISTER",
      node_type: "CC",
      fqdn: "demo::CC_REGISTER_V0",
      inputs: { name: "ada" },
    },
    step(R, "CC_REGISTER", "make_id", {
      capability: "GENERATE_ID",
      inputs: { name: "ada" },
      outputs: { id: "X1" },
      status: "SUCCESS",
    }),
    ...(warn
      ? [{
        type: "warning",
        run: R,
        code: "OUTPUT_PATH_MISSING",
        node: "CC_REGISTER",
        step: "store",
        message:
          "output receipt = $.capability_result.receipt: the capability did not produce it; null",
      } as UnchainedRecord]
      : []),
    step(R, "CC_REGISTER", "store", {
      kind: "CS",
      capability: "demo::CS_REGISTRY_V0",
      op: "REGISTER",
      inputs: { id: "X1" },
      outputs: { receipt: null },
      status: "ALREADY_EXISTS",
    }),
    {
      type: "effect",
      run: R,
      node: "CC_REGISTER",
      step: "store",
      store: "demo/registry.json",
      mutation: "set",
      key: "X1",
      operation: "REGISTER",
      result: "ALREADY_EXISTS",
    },
    {
      type: "child_run",
      run: R,
      child: NOTIFY_RUN,
      workflow: NOTIFY_WF,
      node: "CC_REGISTER",
      step: "notify",
      payload: { id: "X1" },
    },
    ...inVisit(NOTIFY_RUN, "IN_NOTIFY", "demo::IN_NOTIFY_V0", "ACK", "CC_SEND"),
    {
      type: "node",
      run: NOTIFY_RUN,
      node: "CC_SEND",
      node_type: "CC",
      fqdn: "demo::CC_SEND_V0",
      inputs: { id: "X1" },
    },
    step(NOTIFY_RUN, "CC_SEND", "send", {
      kind: "CS",
      capability: "demo::CS_SEND_EMAIL_V0",
      op: "SEND",
      inputs: { id: "X1" },
      outputs: { sent: true },
      status: "SUCCESS",
    }),
    {
      type: "effect",
      run: NOTIFY_RUN,
      node: "CC_SEND",
      step: "send",
      store: "demo/outbox.jsonl",
      mutation: "append",
      key: "0",
      operation: "SEND",
      result: "SUCCESS",
    },
    {
      type: "transition",
      run: NOTIFY_RUN,
      from: "CC_SEND",
      outcome: "SUCCESS",
      to: "EXIT_SENT",
      outputs: childSurface,
    },
    { type: "node", run: NOTIFY_RUN, node: "EXIT_SENT", node_type: "EXIT" },
    result(NOTIFY_RUN, NOTIFY_WF, "SUCCESS", "COMPLETED", {
      node: "EXIT_SENT",
      reason: "COMPLETED",
    }, { CC_SEND: childSurface }),
    step(R, "CC_REGISTER", "notify", {
      kind: "CS",
      capability: "demo::CS_WORKFLOW_GATEWAY_V0",
      op: "INVOKE",
      inputs: { id: "X1" },
      status: "SUCCESS",
    }),
    {
      type: "transition",
      run: R,
      from: "CC_REGISTER",
      outcome: "SUCCESS",
      to: "EXIT_OK",
      outputs: surface,
    },
    { type: "node", run: R, node: "EXIT_OK", node_type: "EXIT" },
    result(R, REGISTER_WF, "SUCCESS", "COMPLETED", {
      node: "EXIT_OK",
      reason: "COMPLETED",
      emit: "EV_REGISTERED_V0",
    }, {
      CC_REGISTER: surface,
    }),
  ]);
}

/** REJECTED: the intent refuses the payload (two reasons), routed to EXIT_REJECTED. */
export function nackTrace(): Fixture {
  const reasons = ["$.email: required field is missing", "$.amount: -1 is below the minimum 0"];
  return build([
    header(REGISTER_WF, { amount: -1 }),
    ...inVisit(R, "IN_REQ", "demo::IN_REQ_V0", "NACK", "EXIT_REJECTED", reasons),
    { type: "node", run: R, node: "EXIT_REJECTED", node_type: "EXIT" },
    result(R, REGISTER_WF, "NACK", "REJECTED", { node: "EXIT_REJECTED", reason: "REJECTED" }, {}),
  ]);
}

/** REJECTED: WF admission finds no registration event for the actor. */
export function admissionDeniedTrace(): Fixture {
  const reasons = [
    'required event EV_ACTOR_REGISTERED_V0 not found for actor_id="A1"',
    'ADMISSION_BINDING_MISSING_FIELD: payload field "wallet" (bound for EV_WALLET_V0)',
  ];
  return build([
    header("demo::WF_VERIFY_V0", { actor_id: "A1" }),
    {
      type: "admission",
      run: R,
      kind: "WF",
      node: "(workflow)",
      outcome: "ADMISSION_DENIED",
      reasons,
    },
    result(R, "demo::WF_VERIFY_V0", "ADMISSION_DENIED", "REJECTED", {
      node: null,
      reason: "ADMISSION_DENIED",
    }, {}),
  ]);
}

/** Workflow of the lookup fixtures. */
export const LOOKUP_WF = "demo::WF_LOOKUP_V0";

/** ENDED_NOT_FOUND: CC_LOOKUP's lookup step says NOT_FOUND and exits; an output is missing. */
export function endedTrace(): Fixture {
  const surface = { actor_id: "A9", record: null };
  return build([
    header(LOOKUP_WF, { actor_id: "A9" }),
    ...inVisit(R, "IN_Q", "demo::IN_Q_V0", "ACK", "CC_LOOKUP"),
    {
      type: "node",
      run: R,
      node: "CC_LOOKUP",
      node_type: "CC",
      fqdn: "demo::CC_LOOKUP_ACTOR_V0",
      inputs: { actor_id: "A9" },
    },
    {
      type: "warning",
      run: R,
      code: "OUTPUT_PATH_MISSING",
      node: "CC_LOOKUP",
      step: "lookup",
      message:
        "output record = $.capability_result.record: the capability did not produce it; null",
    },
    step(R, "CC_LOOKUP", "lookup", {
      kind: "CS",
      capability: "demo::CS_REGISTRY_V0",
      op: "LOOKUP",
      inputs: { key: "A9" },
      outputs: { record: null },
      status: "NOT_FOUND",
      route: "exit",
    }),
    {
      type: "transition",
      run: R,
      from: "CC_LOOKUP",
      outcome: "NOT_FOUND",
      to: "EXIT_NOT_FOUND",
      outputs: surface,
    },
    { type: "node", run: R, node: "EXIT_NOT_FOUND", node_type: "EXIT" },
    result(R, LOOKUP_WF, "NOT_FOUND", "ENDED_NOT_FOUND", {
      node: "EXIT_NOT_FOUND",
      reason: "NOT_FOUND",
      emit: "EV_ACTOR_MISSING_V0",
    }, {
      CC_LOOKUP: surface,
    }),
  ]);
}

/** ENDED_VIOLATION: CC_LOOKUP's required input actor_id did not resolve (on_input_failure). */
export function inputFailureTrace(): Fixture {
  const surface = { actor_id: null };
  return build([
    header(LOOKUP_WF, {}),
    ...inVisit(R, "IN_Q", "demo::IN_Q_V0", "ACK", "CC_LOOKUP"),
    {
      type: "node",
      run: R,
      node: "CC_LOOKUP",
      node_type: "CC",
      fqdn: "demo::CC_LOOKUP_ACTOR_V0",
      inputs: { actor_id: null },
    },
    {
      type: "warning",
      run: R,
      code: "INPUT_PATH_MISSING",
      node: "CC_LOOKUP",
      message: "node input path $.payload.actor_id did not resolve; passed null",
    },
    {
      type: "warning",
      run: R,
      code: "INPUT_FAILURE",
      node: "CC_LOOKUP",
      message: "required CC input(s) actor_id missing; status VIOLATION (on_input_failure of " +
        "capability_contracts/demo__CC_LOOKUP_ACTOR_V0.json)",
    },
    {
      type: "transition",
      run: R,
      from: "CC_LOOKUP",
      outcome: "VIOLATION",
      to: "EXIT_INVALID",
      outputs: surface,
    },
    { type: "node", run: R, node: "EXIT_INVALID", node_type: "EXIT" },
    result(R, LOOKUP_WF, "VIOLATION", "ENDED_VIOLATION", {
      node: "EXIT_INVALID",
      reason: "INVALID_REQUEST",
    }, {
      CC_LOOKUP: surface,
    }),
  ]);
}

/** FAILED / NO_TRANSITION: CC_CHECK's step returns MAYBE (unlisted), which has no `next`. */
export function noTransitionTrace(): Fixture {
  const surface = { value: 3, verdict: "MAYBE" };
  return build([
    header("demo::WF_CHECK_V0", { value: 3 }),
    ...inVisit(R, "IN_CHECK", "demo::IN_CHECK_V0", "ACK", "CC_CHECK"),
    {
      type: "node",
      run: R,
      node: "CC_CHECK",
      node_type: "CC",
      fqdn: "demo::CC_CHECK_VALUE_V0",
      inputs: { value: 3 },
    },
    step(R, "CC_CHECK", "judge", {
      capability: "COMPARE_EQUAL",
      inputs: { value: 3 },
      outputs: { verdict: "MAYBE" },
      status: "MAYBE",
      route: "unlisted",
    }),
    {
      type: "warning",
      run: R,
      code: "UNLISTED_STATUS",
      node: "CC_CHECK",
      step: "judge",
      message: "status MAYBE is not listed in on_result of step judge " +
        "(capability_contracts/demo__CC_CHECK_VALUE_V0.json); the CC ends with it (fail closed)",
    },
    { type: "transition", run: R, from: "CC_CHECK", outcome: "MAYBE", to: null, outputs: surface },
    result(R, "demo::WF_CHECK_V0", "MAYBE", "FAILED", { node: null, reason: "NO_TRANSITION" }, {
      CC_CHECK: surface,
    }),
  ]);
}

/** FAILED / STEP_BUDGET_EXCEEDED: CC_TICK loops on itself until a budget of 8 runs out. */
export function budgetTrace(): Fixture {
  const records: UnchainedRecord[] = [
    header("demo::WF_LOOP_V0", { n: 0 }, 8),
    ...inVisit(R, "IN_LOOP", "demo::IN_LOOP_V0", "ACK", "CC_TICK"),
  ];
  // budget 8: IN (1) + 3 × (visit + step) = 7, then the 4th visit's step is refused.
  for (let i = 1; i <= 4; i++) {
    records.push({
      type: "node",
      run: R,
      node: "CC_TICK",
      node_type: "CC",
      fqdn: "demo::CC_TICK_V0",
      inputs: { n: i - 1 },
    });
    if (i === 4) break;
    records.push(
      step(R, "CC_TICK", "tick", {
        capability: "COLLATZ_STEP",
        inputs: { n: i - 1 },
        outputs: { n: i },
        status: "AGAIN",
      }),
    );
    records.push({
      type: "transition",
      run: R,
      from: "CC_TICK",
      outcome: "AGAIN",
      to: "CC_TICK",
      outputs: { n: i },
    });
  }
  records.push(
    result(
      R,
      "demo::WF_LOOP_V0",
      "STEP_BUDGET_EXCEEDED",
      "FAILED",
      { node: null, reason: "STEP_BUDGET_EXCEEDED" },
      { CC_TICK: { n: 3 } },
    ),
  );
  return build(records);
}

/** Workflow of the fault fixtures. */
export const SIGN_WF = "demo::WF_SIGN_V0";

/**
 * FAULTED: CC_SIGN's sign step throws; the step input `digest` did not resolve. The
 * `private_key` field is suppressed, so it is redacted in the chained body.
 */
export function faultTrace(): Fixture {
  const redaction: Redaction = {
    fields: new Set(["private_key"]),
    values: new Set(["0xdeadbeefcafe0001"]),
  };
  return build([
    header(SIGN_WF, { private_key: "0xdeadbeefcafe0001", message: "hi" }),
    ...inVisit(R, "IN_SIGN", "demo::IN_SIGN_V0", "ACK", "CC_SIGN"),
    {
      type: "node",
      run: R,
      node: "CC_SIGN",
      node_type: "CC",
      fqdn: "demo::CC_SIGN_MESSAGE_V0",
      inputs: { private_key: "0xdeadbeefcafe0001", message: "hi" },
    },
    {
      type: "warning",
      run: R,
      code: "INPUT_PATH_MISSING",
      node: "CC_SIGN",
      step: "sign",
      message: "step input path $.results.hash.digest did not resolve; passed null",
    },
    {
      type: "fault",
      run: R,
      node: "CC_SIGN",
      step: "sign",
      error: "TypeError: digest must be 32 bytes, got null (key 0xdeadbeefcafe0001)",
    },
    result(R, SIGN_WF, "FAULT", "FAULTED", { node: null, reason: "FAULT" }, {}),
  ], redaction);
}

/** Child run of the child-fault fixture. */
export const BATCH_RUN = "root/CC_BATCH/each/1";

/** FAULTED in a child run: the fault is recorded by the child, then again by the root. */
export function childFaultTrace(): Fixture {
  const fault = "RangeError: nonce overflow";
  return build([
    header("demo::WF_BATCH_V0", { items: [1, 2] }),
    ...inVisit(R, "IN_BATCH", "demo::IN_BATCH_V0", "ACK", "CC_BATCH"),
    {
      type: "node",
      run: R,
      node: "CC_BATCH",
      node_type: "CC",
      fqdn: "demo::CC_BATCH_V0",
      inputs: { items: [1, 2] },
    },
    {
      type: "child_run",
      run: R,
      child: BATCH_RUN,
      workflow: "demo::WF_ITEM_V0",
      node: "CC_BATCH",
      step: "each",
      payload: { item: 2 },
    },
    ...inVisit(BATCH_RUN, "IN_ITEM", "demo::IN_ITEM_V0", "ACK", "CC_NONCE"),
    {
      type: "node",
      run: BATCH_RUN,
      node: "CC_NONCE",
      node_type: "CC",
      fqdn: "demo::CC_INCREMENT_NONCE_V0",
      inputs: { item: 2, wallet: "W1" },
    },
    { type: "fault", run: BATCH_RUN, node: "CC_NONCE", step: "bump", error: fault },
    result(BATCH_RUN, "demo::WF_ITEM_V0", "FAULT", "FAULTED", { node: null, reason: "FAULT" }, {}),
    { type: "fault", run: R, node: "CC_NONCE", step: "bump", error: fault },
    result(R, "demo::WF_BATCH_V0", "FAULT", "FAULTED", { node: null, reason: "FAULT" }, {}),
  ]);
}

/** Child run of the child-ended fixture. */
export const SLOT_RUN = "root/CC_RUN/loop/item0";

/** ENDED_VIOLATION because a child run ended ENDED_NOT_FOUND: the loop step says why. */
export function childEndedTrace(): Fixture {
  const message = 'Workflow "demo::WF_SLOT_V0" (item0) ended with status "NOT_FOUND"';
  const surface = { slots: [0], items_processed: 0 };
  return build([
    header("demo::WF_RUN_V0", { slots: [0] }),
    ...inVisit(R, "IN_RUN", "demo::IN_RUN_V0", "ACK", "CC_RUN"),
    {
      type: "node",
      run: R,
      node: "CC_RUN",
      node_type: "CC",
      fqdn: "demo::CC_RUN_SLOTS_V0",
      inputs: { slots: [0] },
    },
    {
      type: "child_run",
      run: R,
      child: SLOT_RUN,
      workflow: "demo::WF_SLOT_V0",
      node: "CC_RUN",
      step: "loop",
      payload: { slot: 0 },
    },
    ...inVisit(SLOT_RUN, "IN_SLOT", "demo::IN_SLOT_V0", "ACK", "CC_READ"),
    {
      type: "node",
      run: SLOT_RUN,
      node: "CC_READ",
      node_type: "CC",
      fqdn: "demo::CC_READ_CLOCK_V0",
      inputs: { slot: 0 },
    },
    step(SLOT_RUN, "CC_READ", "read", {
      kind: "CS",
      capability: "demo::CS_MUTABLE_JSON_V0",
      op: "READ",
      status: "NOT_FOUND",
      route: "exit",
    }),
    {
      type: "transition",
      run: SLOT_RUN,
      from: "CC_READ",
      outcome: "NOT_FOUND",
      to: "EXIT",
      outputs: { slot: 0 },
    },
    { type: "node", run: SLOT_RUN, node: "EXIT", node_type: "EXIT" },
    result(SLOT_RUN, "demo::WF_SLOT_V0", "NOT_FOUND", "ENDED_NOT_FOUND", {
      node: "EXIT",
      reason: null,
    }, { CC_READ: { slot: 0 } }),
    step(R, "CC_RUN", "loop", {
      kind: "CS",
      capability: "demo::CS_WORKFLOW_LOOP_V0",
      op: "RUN",
      inputs: { items: [0] },
      outputs: { items_processed: 0 },
      result: { items_processed: 0, message, result_status: "VIOLATION" },
      status: "VIOLATION",
      route: "exit",
    }),
    {
      type: "transition",
      run: R,
      from: "CC_RUN",
      outcome: "VIOLATION",
      to: "EXIT",
      outputs: surface,
    },
    { type: "node", run: R, node: "EXIT", node_type: "EXIT" },
    result(
      R,
      "demo::WF_RUN_V0",
      "VIOLATION",
      "ENDED_VIOLATION",
      { node: "EXIT", reason: "EXITED" },
      { CC_RUN: surface },
    ),
  ]);
}
