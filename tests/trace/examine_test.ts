/**
 * `examineTrace()` on golden traces: each is what the engine wrote for a real run of the
 * golden workspace (tests/testdata/golden/), so the diagnoses asserted here are those an
 * auditor gets for that kind of run. Damaged traces are golden traces with lines edited.
 */
import assert from "node:assert/strict";
import { classify } from "../../semantics.ts";
import { TraceError } from "../../errors.ts";
import { runWorkflow } from "../../mod.ts";
import { canonicalJson, sha256Hex } from "../../snapshot/canonical.ts";
import { examineTrace, formatExamine } from "../../trace/examine/mod.ts";
import { traceText, verifyTrace } from "../../trace/jsonl.ts";
import { rechain } from "../_support/forge.ts";
import { golden, GOLDEN_NAMES, GOLDEN_PUBLIC_KEY, SECRET_KEY } from "../testdata/golden/mod.ts";
import {
  EXIT_REASONS,
  EXIT_STATUSES,
  exitWorkflow,
  GOLDEN_CAPABILITIES,
  writeGoldenWorkspace,
} from "../testdata/golden/workspace.ts";
import { tempDir } from "../_support/tmp.ts";

const CC = "protocol_snapshot/artifacts/capability_contracts";
const WFS = "protocol_snapshot/artifacts/workflows";
const NOTIFY_RUN = "root/CC_REGISTER/notify/0";

Deno.test("examineTrace() reports a completed run: result, path, child runs, effects", async () => {
  const g = golden("completed");
  const r = await examineTrace(g.text);
  assert.equal(r.intact, true);
  assert.deepEqual(r.problems, []);
  assert.equal(r.version, 2);
  assert.equal(r.trace_id, "T_golden_completed");
  assert.equal(r.workflow, "demo::WF_REGISTER_V0");
  assert.match(r.snapshot_digest!, /^[0-9a-f]{64}$/);
  assert.equal(r.records, 25);
  assert.equal(r.signature, "not_checked");
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
  const effect = { node: "CC_REGISTER", step: "store", store: "demo/registry.json" };
  assert.deepEqual(r.effects, [
    {
      run: "root",
      ...effect,
      mutation: "append",
      key: "1",
      operation: "REGISTER",
      result: "SUCCESS",
    },
    {
      run: "root",
      ...effect,
      mutation: "set",
      key: "U_a937a8f2b8c2a987",
      operation: "REGISTER",
      result: "SUCCESS",
    },
    {
      run: NOTIFY_RUN,
      node: "CC_SEND",
      step: "send",
      store: "demo/outbox.jsonl",
      mutation: "append",
      key: "1",
      operation: "APPEND",
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

Deno.test("examineTrace() verifies the seal of a golden trace with the data root's public key", async () => {
  const r = await examineTrace(golden("completed").text, { publicKey: GOLDEN_PUBLIC_KEY });
  assert.equal(r.intact, true);
  assert.equal(r.signature, "verified");
  assert.equal(r.key_id, "fe812c12f3ab4ce6");
  const other = await examineTrace(golden("completed").text, {
    publicKey: new Uint8Array(32).fill(9),
  });
  assert.equal(other.intact, false);
  assert.match(other.problems[0], /^line 25 \(seal\): sealed with key fe812c12f3ab4ce6, not with/);
});

Deno.test("examineTrace() keeps class none for a completed run but names its warnings", async () => {
  // The second run of the same registration: REGISTER says ALREADY_EXISTS and answers no
  // address, so the output mapping warns, and the evaluation ends the CC ALREADY_EXISTS.
  const r = await examineTrace(golden("completed_warning").text);
  assert.equal(r.result?.classification, "COMPLETED");
  assert.equal(r.result?.status, "ALREADY_EXISTS");
  assert.deepEqual(r.effects.map((e) => [e.run, e.store, e.key]), [
    [NOTIFY_RUN, "demo/outbox.jsonl", "2"],
  ]);
  assert.deepEqual(r.warnings, [{
    run: "root",
    code: "OUTPUT_PATH_MISSING",
    node: "CC_REGISTER",
    step: "store",
    message:
      "output address = $.capability_result.address: the capability did not produce it; null",
  }]);
  const d = r.diagnosis!;
  assert.equal(d.class, "none");
  assert.equal(d.node, "CC_REGISTER");
  assert.equal(d.step, "store");
  assert.equal(
    d.hint,
    "the run completed, but review 1 warning(s): CC_REGISTER: step store: output address " +
      "($.capability_result.address) was not produced by the capability (null)",
  );
});

Deno.test("examineTrace() diagnoses a NACK: IN node, refused fields, intent file", async () => {
  const d = (await examineTrace(golden("nack").text)).diagnosis!;
  assert.deepEqual(d, {
    class: "admission",
    run: "root",
    node: "IN_REQ",
    step: null,
    inputs: ["$.email", "$.amount"],
    file: "protocol_snapshot/artifacts/intents/demo__IN_REQ_V0.json",
    hint: 'IN_REQ refused the payload (NACK): $.email: "not-an-email" is not an email ' +
      "address; $.amount: -1 is below the minimum 0; the field rules are core.inputs of " +
      "protocol_snapshot/artifacts/intents/demo__IN_REQ_V0.json",
  });
});

Deno.test("examineTrace() diagnoses a WF admission denial: reasons, payload field, workflow file", async () => {
  const r = await examineTrace(golden("admission_denied").text);
  assert.deepEqual(r.path, []);
  assert.deepEqual(r.diagnosis, {
    class: "admission",
    run: "root",
    node: "(workflow)",
    step: null,
    inputs: ["wallet"],
    file: `${WFS}/demo__WF_VERIFY_V0.json`,
    hint: "workflow admission denied the run before any node ran; required event " +
      'EV_ACTOR_REGISTERED_V0 not found for actor_id="A1"; ADMISSION_BINDING_MISSING_FIELD: ' +
      'payload field "wallet" (bound for EV_WALLET_V0); the requires/forbids rules are ' +
      `core.admission of ${WFS}/demo__WF_VERIFY_V0.json`,
  });
});

Deno.test("examineTrace() diagnoses ENDED_<STATUS>: node, last step, warning, CC file", async () => {
  const d = (await examineTrace(golden("ended").text)).diagnosis!;
  assert.deepEqual(d, {
    class: "business_outcome",
    run: "root",
    node: "CC_LOOKUP",
    step: "lookup",
    inputs: [],
    file: `${CC}/demo__CC_LOOKUP_ACTOR_V0.json`,
    hint: "CC_LOOKUP ended with NOT_FOUND, which the workflow routes to EXIT_NOT_FOUND (reason " +
      "NOT_FOUND, emit EV_ACTOR_MISSING_V0): a declared non-success outcome, not an engine " +
      "error; last step lookup (CS capability_side_effects::CS_REGISTRY_V0) returned " +
      "NOT_FOUND; step lookup: output address ($.capability_result.address) was not produced " +
      `by the capability (null); see on_result / on_input_failure in ${CC}/demo__CC_LOOKUP_ACTOR_V0.json`,
  });
});

Deno.test("examineTrace() follows an ENDED_<STATUS> into the child run that did not complete", async () => {
  const r = await examineTrace(golden("child_ended").text);
  assert.equal(r.result?.classification, "ENDED_VIOLATION");
  const d = r.diagnosis!;
  assert.equal(d.class, "business_outcome");
  assert.equal(d.node, "CC_RUN");
  assert.equal(d.step, "loop");
  assert.equal(
    d.hint,
    "CC_RUN ended with VIOLATION, which the workflow routes to EXIT (reason EXITED): a declared " +
      "non-success outcome, not an engine error; last step loop (CS " +
      "capability_side_effects::CS_WORKFLOW_LOOP_V0) returned VIOLATION " +
      '("Workflow \\"demo::WF_SLOT_V0\\" (item0) ended with status \\"NOT_FOUND\\""); child ' +
      "run root/CC_RUN/loop/item0 (demo::WF_SLOT_V0) ended ENDED_NOT_FOUND: CC_READ ended " +
      `with NOT_FOUND; see on_result / on_input_failure in ${CC}/demo__CC_RUN_SLOTS_V0.json`,
  );
});

Deno.test("examineTrace() names the missing input of an on_input_failure exit", async () => {
  const d = (await examineTrace(golden("input_failure").text)).diagnosis!;
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
  const d = (await examineTrace(golden("no_transition").text)).diagnosis!;
  assert.equal(d.class, "governance");
  assert.equal(d.node, "CC_CHECK");
  assert.equal(d.step, "judge");
  assert.equal(d.file, `${WFS}/demo__WF_CHECK_V0.json`);
  assert.equal(
    d.hint,
    'CC_CHECK ended with MAYBE, but the workflow declares no next["MAYBE"] for it ' +
      "(NO_TRANSITION); last step judge (CS demo::CS_JUDGE_V0) returned MAYBE; step judge: " +
      "status MAYBE is not listed in on_result, so the CC ended with it (fail closed); add the " +
      `edge to core.nodes.CC_CHECK.next in ${WFS}/demo__WF_CHECK_V0.json, or make ` +
      `${CC}/demo__CC_CHECK_VALUE_V0.json end with a routed status`,
  );
});

Deno.test("examineTrace() diagnoses STEP_BUDGET_EXCEEDED: last node and step, --budget", async () => {
  const r = await examineTrace(golden("budget").text);
  assert.deepEqual(r.path.map((v) => [v.node, v.outcome]), [["IN_REQ", "ACK"], [
    "CC_REGISTER",
    null,
  ]]);
  assert.deepEqual(r.diagnosis, {
    class: "governance",
    run: "root",
    node: "CC_REGISTER",
    step: "store",
    inputs: [],
    file: `${WFS}/demo__WF_REGISTER_V0.json`,
    hint: "the step budget of 4 (node visits + steps, child runs included) ran out after " +
      "CC_REGISTER step store (STEP_BUDGET_EXCEEDED); spent: 1 IN verdict, 1 CC visit and 2 " +
      "steps in 1 run; if the work is legitimately this long, rerun with --budget <n> above 4",
  });
});

Deno.test("examineTrace() accepts a runaway recursion that spent the budget in a child run, names the recursion", async () => {
  // The steps that started a child run have no `step` record (their children never ended):
  // their `child_run` records evidence the units they were charged.
  const r = await examineTrace(golden("budget_runaway").text);
  assert.deepEqual(r.problems, []);
  assert.equal(r.intact, true);
  const deepest = "root/CC_TICK/recurse/0/CC_TICK/recurse/0";
  assert.deepEqual(r.diagnosis, {
    class: "governance",
    run: deepest,
    node: "IN_LOOP",
    step: null,
    inputs: [],
    file: `${WFS}/demo__WF_LOOP_V0.json`,
    hint: "the step budget of 8 (node visits + steps, child runs included) ran out at IN_LOOP " +
      `(its IN verdict) in child run ${deepest} (STEP_BUDGET_EXCEEDED); spent: 2 IN verdicts, ` +
      "2 CC visits and 4 steps in 3 runs; runaway recursion: demo::WF_LOOP_V0 runs again " +
      "inside itself, started by CC_TICK step recurse of demo::WF_LOOP_V0; child runs nested " +
      `2 deep (deepest: ${deepest}); if the work is legitimately this long, rerun with ` +
      "--budget <n> above 8; otherwise give the recursion an end: see CC_TICK step recurse " +
      `in ${CC}/demo__CC_TICK_V0.json`,
  });
});

Deno.test("examineTrace() diagnoses a fault: node, step, error, inputs, CC file (redacted)", async () => {
  const { text } = golden("fault");
  assert.equal(text.includes(SECRET_KEY), false, "the secret never reaches the body");
  assert.ok(text.includes("redacted:sha256:5dba98efda9a1e1b"), "its stand-in does");
  const d = (await examineTrace(text)).diagnosis!;
  assert.deepEqual(d, {
    class: "fault",
    run: "root",
    node: "CC_SIGN",
    step: "sign",
    inputs: ["$.inputs.digest", "message", "private_key"],
    file: `${CC}/demo__CC_SIGN_MESSAGE_V0.json`,
    hint: "a capability threw in CC_SIGN step sign: TypeError: digest must be 32 bytes, got " +
      "null (key redacted:sha256:5dba98efda9a1e1b); node inputs: message, private_key; step " +
      "sign: input path $.inputs.digest did not resolve (null was passed); the run's state " +
      `changes were discarded; see the step in ${CC}/demo__CC_SIGN_MESSAGE_V0.json`,
  });
});

Deno.test("examineTrace() traces a fault to the child run it happened in", async () => {
  const r = await examineTrace(golden("child_fault").text);
  assert.equal(r.child_runs, 2);
  assert.deepEqual(r.effects, [], "a FAULTED run applies nothing, the completed item included");
  const d = r.diagnosis!;
  assert.equal(d.class, "fault");
  assert.equal(d.run, "root/CC_BATCH/each/item1");
  assert.equal(d.node, "CC_NONCE");
  assert.equal(d.step, "bump");
  assert.deepEqual(d.inputs, ["item", "wallet"]);
  assert.equal(d.file, `${CC}/demo__CC_INCREMENT_NONCE_V0.json`);
  assert.match(
    d.hint,
    /^a capability threw in CC_NONCE step bump \(child run root\/CC_BATCH\/each\/item1, demo::WF_ITEM_V0\): RangeError: nonce overflow; /,
  );
});

Deno.test("formatExamine() prints result, path, effects, warnings and diagnosis", async () => {
  assert.deepEqual(formatExamine(await examineTrace(golden("completed").text)).split("\n"), [
    "trace T_golden_completed  workflow demo::WF_REGISTER_V0  (25 records, intact)",
    "checks: checked only against itself (give --data-root or --kv to compare it with the " +
    "store); sealed by key fe812c12f3ab4ce6, signature not checked (give --public-key or " +
    "--data-root)",
    "result: COMPLETED  status SUCCESS  exit EXIT_OK  reason COMPLETED  emit EV_REGISTERED_V0",
    "path: IN_REQ [ACK] → CC_REGISTER [SUCCESS] → EXIT_OK [COMPLETED]",
    "child runs: 1",
    "effects (3):",
    "  CC_REGISTER/store: append demo/registry.json key 1  REGISTER → SUCCESS",
    "  CC_REGISTER/store: set demo/registry.json key U_a937a8f2b8c2a987  REGISTER → SUCCESS",
    `  [${NOTIFY_RUN}] CC_SEND/send: append demo/outbox.jsonl key 1  APPEND → SUCCESS`,
    "warnings: none",
    "diagnosis: none: the run completed; nothing to diagnose",
  ]);
  const fault = formatExamine(await examineTrace(golden("fault").text)).split("\n");
  assert.equal(fault[3], "path: IN_SIGN [ACK] → CC_SIGN [FAULT]");
  assert.equal(
    fault.at(-1),
    `  node CC_SIGN · step sign · inputs $.inputs.digest, message, private_key · file ` +
      `${CC}/demo__CC_SIGN_MESSAGE_V0.json`,
  );
  const denied = formatExamine(await examineTrace(golden("admission_denied").text)).split("\n");
  assert.equal(denied[3], "path: (no node ran)");
});

Deno.test("examineTrace() reports a damaged trace with every problem, by line", async () => {
  const { lines } = golden("nack");
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
  assert.equal(r.trace_id, "T_golden_nack");
  assert.equal(r.result, null);
  assert.equal(r.diagnosis, null);
  assert.deepEqual(r.path, []);
  assert.deepEqual(formatExamine(r).split("\n"), [
    "trace T_golden_nack: DAMAGED, 5 problem(s); do not trust its content",
    ...r.problems.map((p) => `  ${p}`),
  ]);
});

Deno.test("examineTrace() numbers every problem from line 1: an empty file, a one-line trace", async () => {
  const empty = await examineTrace("");
  assert.equal(empty.intact, false);
  assert.deepEqual(empty.problems, [
    "line 1: the file is empty (expected a pgs.trace/2 (or pgs.trace/1) header record)",
  ]);
  assert.deepEqual(formatExamine(empty).split("\n"), [
    "trace (unknown id): DAMAGED, 1 problem(s); do not trust its content",
    `  ${empty.problems[0]}`,
  ]);
  const deep = await examineTrace(`${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}\n`);
  assert.deepEqual(deep.problems, [
    "line 1: nested deeper than 512 levels (damaged)",
    "line 1: expected a pgs.trace/2 (or pgs.trace/1) header record",
    "line 1: expected the seal record last (truncated?)",
    "line 1 (?): $.type: unknown record type null",
  ]);
  // Lines that do not parse are skipped by the chain check, not by its line numbers.
  const { lines } = golden("nack");
  const cut = await examineTrace(traceText([...lines.slice(0, -2), "{", lines.at(-1)!]));
  assert.ok(
    cut.problems.includes(
      `line ${lines.length - 2}: expected the root run's result record last (truncated?)`,
    ),
    cut.problems.join("\n"),
  );
});

Deno.test("examineTrace() reports a re-chained second header (it used to throw TraceError)", async () => {
  const { lines } = golden("completed");
  const r = await examineTrace(traceText(rechainLines([lines[0], lines[0], ...lines.slice(1)])));
  assert.equal(r.intact, false);
  assert.deepEqual(r.problems, ["line 2 (header): a header is only allowed on line 1"]);
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

for (const name of GOLDEN_NAMES) {
  Deno.test(`examineTrace() sees an edit, a deletion or a swap of any line (${name})`, async () => {
    const { text, lines } = golden(name);
    assert.equal((await examineTrace(text)).intact, true);
    for (let i = 0; i < lines.length; i++) {
      const edit = lines.with(i, edited(lines[i]));
      assert.notEqual(edit[i], lines[i], `line ${i + 1} was edited`);
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
    const { text, lines } = golden(name);
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

/** Re-chains edited lines the way a forger would: every `seq` and `prev` recomputed, the seal kept. */
function rechainLines(lines: readonly string[]): string[] {
  return rechain(lines.map((l) => JSON.parse(l)));
}

Deno.test("examineTrace() refuses a re-chained body that gained a field; the seal refuses any", async () => {
  const { lines } = golden("completed");
  const at = lines.findIndex((l) =>
    JSON.parse(l).type === "step" && JSON.parse(l).step === "store"
  );
  const forged = rechainLines(
    lines.with(at, canonicalJson({ ...JSON.parse(lines[at]), approved_by: "mallory" })),
  );
  const text = traceText(forged);
  assert.deepEqual(verifyTrace(text).problems, [], "the chain alone cannot see it");
  assert.deepEqual((await examineTrace(text)).problems, [
    `line ${at + 1} (step): $.approved_by: unexpected field`,
  ]);
  // A re-chained edit the schema allows passes every check of the file alone; the signature
  // over the chain head does not.
  const quiet = traceText(
    rechainLines(
      lines.with(at, canonicalJson({ ...JSON.parse(lines[at]), status: "ALREADY_EXISTS" })),
    ),
  );
  assert.equal((await examineTrace(quiet)).intact, true, "checked only against itself");
  const sealed = await examineTrace(quiet, { publicKey: GOLDEN_PUBLIC_KEY });
  assert.deepEqual(sealed.problems, [
    "line 25 (seal): the signature does not verify: the body is not what was sealed",
  ]);
});

Deno.test("examineTrace() cross-checks the result against the recorded path", async () => {
  const { lines } = golden("ended");
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
  assert.deepEqual(await check({}), [], "the unedited result agrees");
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
  assert.deepEqual(await check({ results: { CC_LOOKUP: { actor_id: "A1", address: null } } }), [
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

Deno.test("examineTrace() accepts every classification real runs end with (classify() of semantics.ts)", async () => {
  // Real runs: a CC answers each status and the workflow routes it to an EXIT of each reason.
  const workspace = await tempDir("pgs-classify-");
  try {
    await writeGoldenWorkspace(workspace);
    const seen = new Set<string>();
    for (const reason of EXIT_REASONS) {
      for (const status of EXIT_STATUSES) {
        const run = await runWorkflow({
          workspace,
          workflow: exitWorkflow(reason),
          payload: { status },
          kvUrl: ":memory:",
          capabilities: GOLDEN_CAPABILITIES,
          traceFiles: false,
          seed: "00",
          startedAt: "2025-01-01T00:00:00.000Z",
        });
        const what = `${status} / ${reason}`;
        assert.equal(run.status, status, what);
        assert.equal(run.reason, reason, what);
        assert.equal(run.classification, classify(status, reason), what);
        const r = await examineTrace(traceText(run.lines));
        assert.deepEqual(r.problems, [], what);
        assert.equal(r.result?.classification, run.classification, what);
        seen.add(run.classification);
      }
    }
    assert.deepEqual([...seen].sort(), [
      "COMPLETED",
      "ENDED_NOT_FOUND",
      "ENDED_REJECTED",
      "ENDED_VIOLATION",
      "REJECTED",
    ]);
  } finally {
    await Deno.remove(workspace, { recursive: true });
  }
});

Deno.test("examineTrace() rejects with TraceError when not given text", async () => {
  await assert.rejects(
    () => examineTrace(42 as unknown as string),
    (e: unknown) => e instanceof TraceError && e.code === "TRACE",
  );
});
