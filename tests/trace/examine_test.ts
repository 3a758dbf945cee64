import assert from "node:assert/strict";
import { classify } from "../../semantics.ts";
import { TraceError } from "../../errors.ts";
import { canonicalJson, sha256Hex } from "../../snapshot/canonical.ts";
import { examineTrace, formatExamine } from "../../trace/examine/mod.ts";
import { traceText, verifyTrace } from "../../trace/jsonl.ts";
import type { TraceRecord, UnchainedRecord } from "../../trace/record.ts";
import {
  admissionDeniedTrace,
  BATCH_RUN,
  budgetTrace,
  build,
  childEndedTrace,
  childFaultTrace,
  completedTrace,
  endedTrace,
  faultTrace,
  type Fixture,
  header,
  inputFailureTrace,
  nackTrace,
  NOTIFY_RUN,
  noTransitionTrace,
  SLOT_RUN,
} from "../testdata/examine/traces.ts";

const FIXTURES: Record<string, () => Fixture> = {
  completed: () => completedTrace(),
  completedWithWarning: () => completedTrace(true),
  nack: nackTrace,
  admissionDenied: admissionDeniedTrace,
  ended: endedTrace,
  inputFailure: inputFailureTrace,
  noTransition: noTransitionTrace,
  budget: budgetTrace,
  fault: faultTrace,
  childFault: childFaultTrace,
  childEnded: childEndedTrace,
};

const CC = "protocol_snapshot/artifacts/capability_contracts";

function unchained(records: TraceRecord[]): UnchainedRecord[] {
  return records.map(({ seq: _s, prev: _p, ...r }) => r as UnchainedRecord);
}

Deno.test("examineTrace() reports a completed run: result, path, child runs, effects", async () => {
  const r = await examineTrace(completedTrace().text);
  assert.equal(r.intact, true);
  assert.deepEqual(r.problems, []);
  assert.equal(r.trace_id, "T_examine_fixture");
  assert.equal(r.workflow, "demo::WF_REGISTER_V0");
  assert.equal(r.snapshot_digest, "ab".repeat(32));
  assert.equal(r.records, 23);
  assert.deepEqual(r.result, {
    status: "SUCCESS",
    classification: "COMPLETED",
    exit_node: "EXIT_OK",
    reason: "COMPLETED",
    emit: "EV_REGISTERED_V0",
  });
  assert.deepEqual(r.path, [
    { node: "IN_REQ", node_type: "IN", outcome: "ACK" },
    { node: "CC_REGISTER", node_type: "CC", outcome: "SUCCESS" },
    { node: "EXIT_OK", node_type: "EXIT", outcome: "COMPLETED" },
  ]);
  assert.equal(r.child_runs, 1);
  assert.deepEqual(r.effects, [
    {
      run: "root",
      node: "CC_REGISTER",
      step: "store",
      store: "demo/registry.json",
      mutation: "set",
      key: "X1",
      operation: "REGISTER",
      result: "ALREADY_EXISTS",
    },
    {
      run: NOTIFY_RUN,
      node: "CC_SEND",
      step: "send",
      store: "demo/outbox.jsonl",
      mutation: "append",
      key: "0",
      operation: "SEND",
      result: "SUCCESS",
    },
  ]);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.diagnosis, {
    class: "none",
    run: null,
    node: null,
    step: null,
    inputs: [],
    file: null,
    hint: "the run completed; nothing to diagnose",
  });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r, "the report is its own JSON form");
});

Deno.test("examineTrace() keeps class none for a completed run but names its warnings", async () => {
  const r = await examineTrace(completedTrace(true).text);
  assert.deepEqual(r.warnings, [{
    run: "root",
    code: "OUTPUT_PATH_MISSING",
    node: "CC_REGISTER",
    step: "store",
    message:
      "output receipt = $.capability_result.receipt: the capability did not produce it; null",
  }]);
  const d = r.diagnosis!;
  assert.equal(d.class, "none");
  assert.equal(d.node, "CC_REGISTER");
  assert.equal(d.step, "store");
  assert.equal(
    d.hint,
    "the run completed, but review 1 warning(s): CC_REGISTER: step store: output receipt " +
      "($.capability_result.receipt) was not produced by the capability (null)",
  );
});

Deno.test("examineTrace() diagnoses a NACK: IN node, refused fields, intent file", async () => {
  const d = (await examineTrace(nackTrace().text)).diagnosis!;
  assert.deepEqual(d, {
    class: "admission",
    run: "root",
    node: "IN_REQ",
    step: null,
    inputs: ["$.email", "$.amount"],
    file: "protocol_snapshot/artifacts/intents/demo__IN_REQ_V0.json",
    hint: "IN_REQ refused the payload (NACK): $.email: required field is missing; " +
      "$.amount: -1 is below the minimum 0; the field rules are core.inputs of " +
      "protocol_snapshot/artifacts/intents/demo__IN_REQ_V0.json",
  });
});

Deno.test("examineTrace() diagnoses a WF admission denial: reasons, payload field, workflow file", async () => {
  const r = await examineTrace(admissionDeniedTrace().text);
  assert.deepEqual(r.path, []);
  const d = r.diagnosis!;
  assert.equal(d.class, "admission");
  assert.equal(d.node, "(workflow)");
  assert.deepEqual(d.inputs, ["wallet"]);
  assert.equal(d.file, "protocol_snapshot/artifacts/workflows/demo__WF_VERIFY_V0.json");
  assert.match(d.hint, /^workflow admission denied the run before any node ran; /);
  assert.match(d.hint, /required event EV_ACTOR_REGISTERED_V0 not found for actor_id="A1"/);
});

Deno.test("examineTrace() diagnoses ENDED_<STATUS>: node, last step, warning, CC file", async () => {
  const d = (await examineTrace(endedTrace().text)).diagnosis!;
  assert.deepEqual(d, {
    class: "business_outcome",
    run: "root",
    node: "CC_LOOKUP",
    step: "lookup",
    inputs: [],
    file: `${CC}/demo__CC_LOOKUP_ACTOR_V0.json`,
    hint: "CC_LOOKUP ended with NOT_FOUND, which the workflow routes to EXIT_NOT_FOUND (reason " +
      "NOT_FOUND, emit EV_ACTOR_MISSING_V0): a declared non-success outcome, not an engine " +
      "error; last step lookup (CS demo::CS_REGISTRY_V0) returned NOT_FOUND; step lookup: " +
      "output record ($.capability_result.record) was not produced by the capability (null); " +
      `see on_result / on_input_failure in ${CC}/demo__CC_LOOKUP_ACTOR_V0.json`,
  });
});

Deno.test("examineTrace() follows an ENDED_<STATUS> into the child run that did not complete", async () => {
  const d = (await examineTrace(childEndedTrace().text)).diagnosis!;
  assert.equal(d.class, "business_outcome");
  assert.equal(d.node, "CC_RUN");
  assert.equal(d.step, "loop");
  assert.equal(
    d.hint,
    "CC_RUN ended with VIOLATION, which the workflow routes to EXIT (reason EXITED): a declared " +
      "non-success outcome, not an engine error; last step loop (CS demo::CS_WORKFLOW_LOOP_V0) " +
      'returned VIOLATION ("Workflow \\"demo::WF_SLOT_V0\\" (item0) ended with status ' +
      `\\"NOT_FOUND\\""); child run ${SLOT_RUN} (demo::WF_SLOT_V0) ended ENDED_NOT_FOUND: ` +
      `CC_READ ended with NOT_FOUND; see on_result / on_input_failure in ${CC}/demo__CC_RUN_SLOTS_V0.json`,
  );
});

Deno.test("examineTrace() names the missing input of an on_input_failure exit", async () => {
  const d = (await examineTrace(inputFailureTrace().text)).diagnosis!;
  assert.equal(d.class, "business_outcome");
  assert.equal(d.node, "CC_LOOKUP");
  assert.equal(d.step, null);
  assert.deepEqual(d.inputs, ["$.payload.actor_id", "actor_id"]);
  assert.equal(d.file, `${CC}/demo__CC_LOOKUP_ACTOR_V0.json`);
  assert.match(d.hint, /node input path \$\.payload\.actor_id did not resolve/);
  assert.match(d.hint, /required input\(s\) actor_id missing, so no step ran \(on_input_failure\)/);
  assert.doesNotMatch(d.hint, /last step/);
});

Deno.test("examineTrace() diagnoses NO_TRANSITION: node, outcome, unlisted status, workflow file", async () => {
  const d = (await examineTrace(noTransitionTrace().text)).diagnosis!;
  assert.equal(d.class, "governance");
  assert.equal(d.node, "CC_CHECK");
  assert.equal(d.step, "judge");
  assert.equal(d.file, "protocol_snapshot/artifacts/workflows/demo__WF_CHECK_V0.json");
  assert.equal(
    d.hint,
    'CC_CHECK ended with MAYBE, but the workflow declares no next["MAYBE"] for it ' +
      "(NO_TRANSITION); last step judge (CT COMPARE_EQUAL) returned MAYBE; step judge: status " +
      "MAYBE is not listed in on_result, so the CC ended with it (fail closed); add the edge to " +
      "core.nodes.CC_CHECK.next in protocol_snapshot/artifacts/workflows/demo__WF_CHECK_V0.json, " +
      `or make ${CC}/demo__CC_CHECK_VALUE_V0.json end with a routed status`,
  );
});

Deno.test("examineTrace() diagnoses STEP_BUDGET_EXCEEDED: last node, loop, --budget", async () => {
  const r = await examineTrace(budgetTrace().text);
  assert.deepEqual(r.path.map((v) => v.outcome), ["ACK", "AGAIN", "AGAIN", "AGAIN", null]);
  const d = r.diagnosis!;
  assert.equal(d.class, "governance");
  assert.equal(d.node, "CC_TICK");
  assert.equal(d.step, null);
  assert.equal(d.file, "protocol_snapshot/artifacts/workflows/demo__WF_LOOP_V0.json");
  assert.equal(
    d.hint,
    "the step budget of 8 (node visits + steps, child runs included) ran out after CC_TICK " +
      "(STEP_BUDGET_EXCEEDED); CC_TICK was entered 4 times; if the work is legitimately this " +
      "long, rerun with --budget <n> above 8; otherwise look for a cycle in " +
      "protocol_snapshot/artifacts/workflows/demo__WF_LOOP_V0.json",
  );
});

Deno.test("examineTrace() diagnoses a fault: node, step, error, inputs, CC file (redacted)", async () => {
  const f = faultTrace();
  assert.equal(f.text.includes("0xdeadbeefcafe0001"), false, "the secret never reaches the body");
  const d = (await examineTrace(f.text)).diagnosis!;
  assert.deepEqual(d, {
    class: "fault",
    run: "root",
    node: "CC_SIGN",
    step: "sign",
    inputs: ["$.results.hash.digest", "message", "private_key"],
    file: `${CC}/demo__CC_SIGN_MESSAGE_V0.json`,
    hint: "a capability threw in CC_SIGN step sign: TypeError: digest must be 32 bytes, got " +
      "null (key redacted:sha256:5dba98efda9a1e1b); node inputs: message, private_key; step " +
      "sign: input path $.results.hash.digest did not resolve (null was passed); the run's " +
      `state changes were discarded; see the step in ${CC}/demo__CC_SIGN_MESSAGE_V0.json`,
  });
});

Deno.test("examineTrace() traces a fault to the child run it happened in", async () => {
  const r = await examineTrace(childFaultTrace().text);
  assert.equal(r.child_runs, 1);
  const d = r.diagnosis!;
  assert.equal(d.class, "fault");
  assert.equal(d.run, BATCH_RUN);
  assert.equal(d.node, "CC_NONCE");
  assert.equal(d.step, "bump");
  assert.deepEqual(d.inputs, ["item", "wallet"]);
  assert.equal(d.file, `${CC}/demo__CC_INCREMENT_NONCE_V0.json`);
  assert.match(
    d.hint,
    /^a capability threw in CC_NONCE step bump \(child run root\/CC_BATCH\/each\/1, demo::WF_ITEM_V0\): RangeError: nonce overflow; /,
  );
});

Deno.test("formatExamine() prints result, path, effects, warnings and diagnosis", async () => {
  assert.deepEqual(formatExamine(await examineTrace(completedTrace().text)).split("\n"), [
    "trace T_examine_fixture  workflow demo::WF_REGISTER_V0  (23 records, intact)",
    "checks: checked only against itself (give --data-root or --kv to compare it with the " +
    "store); not sealed",
    "result: COMPLETED  status SUCCESS  exit EXIT_OK  reason COMPLETED  emit EV_REGISTERED_V0",
    "path: IN_REQ [ACK] → CC_REGISTER [SUCCESS] → EXIT_OK [COMPLETED]",
    "child runs: 1",
    "effects (2):",
    "  CC_REGISTER/store: set demo/registry.json key X1  REGISTER → ALREADY_EXISTS",
    `  [${NOTIFY_RUN}] CC_SEND/send: append demo/outbox.jsonl key 0  SEND → SUCCESS`,
    "warnings: none",
    "diagnosis: none: the run completed; nothing to diagnose",
  ]);
  const fault = formatExamine(await examineTrace(faultTrace().text)).split("\n");
  assert.equal(fault[3], "path: IN_SIGN [ACK] → CC_SIGN [FAULT]");
  assert.equal(
    fault.at(-1),
    `  node CC_SIGN · step sign · inputs $.results.hash.digest, message, private_key · file ` +
      `${CC}/demo__CC_SIGN_MESSAGE_V0.json`,
  );
  const denied = formatExamine(await examineTrace(admissionDeniedTrace().text)).split("\n");
  assert.equal(denied[3], "path: (no node ran)");
});

Deno.test("examineTrace() reports a damaged trace with every problem, by line", async () => {
  const { lines } = nackTrace();
  const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)];
  const r = await examineTrace(traceText(swapped));
  assert.equal(r.intact, false);
  assert.deepEqual(r.problems, [
    "line 2: seq is 2, expected 1 (reordered or deleted lines?)",
    "line 2: prev hash does not match line 1 (tampered chain)",
    "line 3: seq is 1, expected 2 (reordered or deleted lines?)",
    "line 3: prev hash does not match line 2 (tampered chain)",
    "line 4: prev hash does not match line 3 (tampered chain)",
  ]);
  assert.equal(r.trace_id, "T_examine_fixture");
  assert.equal(r.result, null);
  assert.equal(r.diagnosis, null);
  assert.deepEqual(r.path, []);
  assert.deepEqual(formatExamine(r).split("\n"), [
    "trace T_examine_fixture: DAMAGED, 5 problem(s); do not trust its content",
    ...r.problems.map((p) => `  ${p}`),
  ]);
});

/** A plausible edit of one record (the line is re-canonicalized, the chain is not). */
function edited(line: string): string {
  const r = JSON.parse(line);
  switch (r.type) {
    case "header":
      r.payload = { tampered: true };
      break;
    case "node":
      r.node = `${r.node}_X`;
      break;
    case "admission":
      r.outcome = r.outcome === "ACK" ? "NACK" : "ACK";
      break;
    case "step":
      r.status = "TAMPERED";
      break;
    case "effect":
      r.key = `${r.key}_X`;
      break;
    case "transition":
      r.outcome = "TAMPERED";
      break;
    case "child_run":
      r.payload = {};
      break;
    case "warning":
      r.message = `${r.message}!`;
      break;
    case "fault":
      r.error = `${r.error}!`;
      break;
    case "result":
      r.classification = r.classification === "COMPLETED" ? "FAILED" : "COMPLETED";
      break;
    case "seal":
      r.key_id = "0123456789abcdef";
      break;
  }
  return canonicalJson(r);
}

for (const [name, make] of Object.entries(FIXTURES)) {
  Deno.test(`examineTrace() sees an edit, a deletion or a swap of any line (${name})`, async () => {
    const { text, lines } = make();
    assert.equal((await examineTrace(text)).intact, true);
    for (let i = 0; i < lines.length; i++) {
      const edit = lines.with(i, edited(lines[i]));
      assert.equal((await examineTrace(traceText(edit))).intact, false, `edit of line ${i + 1}`);
      const spaced = lines.with(i, lines[i].replace(":", ": "));
      assert.equal(
        (await examineTrace(traceText(spaced))).intact,
        false,
        `whitespace on line ${i + 1}`,
      );
      const deleted = lines.toSpliced(i, 1);
      assert.equal(
        (await examineTrace(traceText(deleted))).intact,
        false,
        `deletion of line ${i + 1}`,
      );
      if (i + 1 < lines.length) {
        const swapped = lines.with(i, lines[i + 1]).with(i + 1, lines[i]);
        assert.equal(
          (await examineTrace(traceText(swapped))).intact,
          false,
          `swap of ${i + 1}/${i + 2}`,
        );
      }
    }
  });

  Deno.test(`examineTrace() sees any truncation (${name})`, async () => {
    const { text, lines } = make();
    for (let k = 0; k < lines.length; k++) {
      assert.equal(
        (await examineTrace(traceText(lines.slice(0, k)))).intact,
        false,
        `first ${k} lines`,
      );
      const cut = traceText(lines.slice(0, k)) + lines[k].slice(0, lines[k].length >> 1);
      assert.equal((await examineTrace(cut)).intact, false, `cut inside line ${k + 1}`);
    }
    assert.equal((await examineTrace(text.slice(0, -1))).intact, false, "final newline removed");
  });
}

Deno.test("examineTrace() refuses a re-chained body that gained a field", async () => {
  const { records } = completedTrace();
  const tampered = unchained(records).map((r) =>
    r.type === "step" && r.step === "store" ? { ...r, approved_by: "mallory" } : r
  ) as UnchainedRecord[];
  const { text } = build(tampered);
  assert.deepEqual(verifyTrace(text).problems, [], "the chain alone cannot see it");
  assert.deepEqual((await examineTrace(text)).problems, [
    "line 7 (step): $.approved_by: unexpected field",
  ]);
});

Deno.test("examineTrace() cross-checks the result against the recorded path", async () => {
  const { lines } = endedTrace();
  const last = JSON.parse(lines.at(-2)!);
  const seal = JSON.parse(lines.at(-1)!);
  // A re-chained edit of the result: the chain holds, the path does not agree.
  const check = async (patch: Record<string, unknown>) => {
    const result = canonicalJson({ ...last, ...patch });
    const resealed = canonicalJson({ ...seal, prev: sha256Hex(result) });
    const text = traceText(lines.with(-2, result).with(-1, resealed));
    assert.deepEqual(verifyTrace(text).problems, []);
    return (await examineTrace(text)).problems;
  };
  assert.deepEqual(await check({ status: "SUCCESS", classification: "COMPLETED" }), [
    'line 10 (result): status "SUCCESS" is not the outcome that led to EXIT_NOT_FOUND',
    'line 10 (result): classification "COMPLETED" does not follow from status "SUCCESS" and ' +
    'reason "NOT_FOUND" (expected "ENDED_NOT_FOUND")',
  ]);
  assert.deepEqual(await check({ exit_node: "EXIT_OK" }), [
    'line 10 (result): exit_node "EXIT_OK" is not the EXIT node the root run entered',
  ]);
  assert.deepEqual(await check({ workflow: "demo::WF_OTHER_V0" }), [
    'line 10 (result): workflow "demo::WF_OTHER_V0" is not the header\'s "demo::WF_LOOKUP_V0"',
  ]);
  assert.deepEqual(await check({ results: { CC_LOOKUP: { actor_id: "A1", record: null } } }), [
    "line 10 (result): results do not match the outputs recorded on the root run's transitions",
  ]);
  assert.deepEqual(
    await check({ exit_node: null, reason: "NO_TRANSITION", classification: "FAILED" }),
    [
      "line 10 (result): exit_node is null but the root run entered EXIT_NOT_FOUND",
      'line 10 (result): reason "NO_TRANSITION" / status "NOT_FOUND" is not what the root run recorded',
    ],
  );
});

Deno.test("examineTrace() accepts every classification actors/run.ts classify() gives", async () => {
  const statuses = [
    "SUCCESS",
    "ACK",
    "ALREADY_EXISTS",
    "default",
    "NACK",
    "NOT_FOUND",
    "VIOLATION",
  ];
  const reasons = ["COMPLETED", "EXITED", null, "NOT_FOUND", "REJECTED"];
  for (const status of statuses) {
    for (const reason of reasons) {
      const classification = classify(status, reason);
      const { text } = build([
        header("demo::WF_X_V0", {}),
        {
          type: "node",
          run: "root",
          node: "CC_X",
          node_type: "CC",
          fqdn: "demo::CC_X_V0",
          inputs: {},
        },
        {
          type: "transition",
          run: "root",
          from: "CC_X",
          outcome: status,
          to: "EXIT_X",
          outputs: {},
        },
        { type: "node", run: "root", node: "EXIT_X", node_type: "EXIT" },
        {
          type: "result",
          run: "root",
          workflow: "demo::WF_X_V0",
          status,
          classification,
          exit_node: "EXIT_X",
          reason,
          emit: null,
          results: { CC_X: {} },
        },
      ]);
      assert.deepEqual(
        (await examineTrace(text)).problems,
        [],
        `${status} / ${reason} → ${classification}`,
      );
    }
  }
});

Deno.test("examineTrace() rejects with TraceError when not given text", async () => {
  await assert.rejects(
    () => examineTrace(42 as unknown as string),
    (e: unknown) => e instanceof TraceError && e.code === "TRACE",
  );
});
