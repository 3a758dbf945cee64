/**
 * Real snapshot, ai_governance: licensing (WF_PROVISION_AI_LICENSING_V0, WF_DENY_PROVISION_V0,
 * WF_AUTO_RECLAIM_V0), agent governance (WF_GOVERN_AGENT_ACTION_V0,
 * WF_GOVERN_AGENT_ADMISSION_V0, on the seeded license facts) and the Collatz demo
 * (WF_DEMO_COLLATZ_CONJECTURE_V0, the evaluation-driven outcome).
 */
import assert from "node:assert/strict";
import {
  assertRun,
  payloadOf,
  readJsonl,
  readJsonView,
  realWorkspace,
  runWf,
  seedLicenseFacts,
} from "./wf_support.ts";

const PROVISION = "ai_governance::WF_PROVISION_AI_LICENSING_V0";
const DENY = "ai_governance::WF_DENY_PROVISION_V0";
const RECLAIM = "ai_governance::WF_AUTO_RECLAIM_V0";
const ACTION = "ai_governance::WF_GOVERN_AGENT_ACTION_V0";
const ADMISSION = "ai_governance::WF_GOVERN_AGENT_ADMISSION_V0";
const COLLATZ = "ai_governance::WF_DEMO_COLLATZ_CONJECTURE_V0";

Deno.test("licensing: provision, duplicate, denied, deny, reclaim, and the reclaim admission rules", async () => {
  const t = await realWorkspace();
  const early = await runWf(t, RECLAIM, await payloadOf("licensing", "reclaim_not_provisioned"));
  assertRun(early, {
    path: [],
    classification: "REJECTED",
    status: "ADMISSION_DENIED",
    exit: null,
  });
  assert.deepEqual(early.recs.find((x) => x.type === "admission").reasons, [
    `required event EV_LICENSE_PROVISIONED_V0 not found for employee_id="EMP_NEW_009", license_id="LIC_EMP_NEW_009"`,
  ]);

  const provisioned = [
    "IN_PROVISION_AI_LICENSE_V0:ACK",
    "CC_VALIDATE_ELIGIBILITY_V0:SUCCESS",
    "CC_PROVISION_LICENSE_V0:SUCCESS",
    "CC_APPEND_AUDIT_EVENT_SUCCESS:SUCCESS",
  ];
  const provision = await payloadOf("licensing", "provision");
  assertRun(await runWf(t, PROVISION, provision), {
    path: provisioned,
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_PROVISIONED",
    emit: "EV_LICENSE_PROVISIONED_V0",
  });
  // The declared route for ALREADY_EXISTS is EXIT_ERROR (reason FAILED).
  assertRun(await runWf(t, PROVISION, provision), {
    path: [
      "IN_PROVISION_AI_LICENSE_V0:ACK",
      "CC_VALIDATE_ELIGIBILITY_V0:SUCCESS",
      "CC_PROVISION_LICENSE_V0:ALREADY_EXISTS",
    ],
    classification: "ENDED_FAILED",
    status: "ALREADY_EXISTS",
    exit: "EXIT_ERROR",
    emit: null,
  });
  // A non-boolean training flag makes CT_PURE_CHECK_TRAINING_STATUS_V0 fail: the denial branch.
  assertRun(await runWf(t, PROVISION, await payloadOf("licensing", "provision_training_unknown")), {
    path: [
      "IN_PROVISION_AI_LICENSE_V0:ACK",
      "CC_VALIDATE_ELIGIBILITY_V0:VIOLATION",
      "CC_APPEND_AUDIT_EVENT_DENIED:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_DENIED",
    emit: "EV_PROVISION_DENIED_V0",
  });
  // The eligibility CTs return booleans and never fail for an ineligible employee (training
  // false, quota used up), so eligibility "passes"; the missing license id then fails.
  assertRun(await runWf(t, PROVISION, await payloadOf("licensing", "provision_no_license_id")), {
    path: [
      "IN_PROVISION_AI_LICENSE_V0:ACK",
      "CC_VALIDATE_ELIGIBILITY_V0:SUCCESS",
      "CC_PROVISION_LICENSE_V0:VIOLATION",
    ],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "EXIT_ERROR",
  });

  const deny = await payloadOf("licensing", "deny");
  assertRun(await runWf(t, DENY, deny), {
    path: ["IN_DENY_PROVISION_V0:ACK", "CC_APPEND_AUDIT_EVENT_V0:SUCCESS"],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_DENIED",
    emit: "EV_PROVISION_DENIED_V0",
  });
  // The intent's NACK is routed to EXIT_ERROR (reason FAILED); a NACK is still REJECTED.
  assertRun(await runWf(t, DENY, { employee_id: deny.employee_id }), {
    path: ["IN_DENY_PROVISION_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT_ERROR",
  });

  const reclaim = await payloadOf("licensing", "reclaim");
  assertRun(await runWf(t, RECLAIM, reclaim), {
    path: [
      "IN_RECLAIM_LICENSE_V0:ACK",
      "CC_RECLAIM_UNUSED_LICENSE_V0:SUCCESS",
      "CC_APPEND_AUDIT_EVENT_RECLAIMED:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_RECLAIMED",
    emit: "EV_LICENSE_REVOKED_V0",
  });
  // forbids EV_LICENSE_REVOKED_V0 has no binding: any revocation now blocks every reclaim.
  const again = await runWf(t, RECLAIM, reclaim);
  assertRun(again, {
    path: [],
    classification: "REJECTED",
    status: "ADMISSION_DENIED",
    exit: null,
  });
  assert.deepEqual(again.recs.find((x) => x.type === "admission").reasons, [
    "forbidden event EV_LICENSE_REVOKED_V0 present",
  ]);

  const audit = await readJsonl(t, "ai_governance/ai_licensing/audit_log.jsonl");
  assert.deepEqual(
    audit.map((e) => [e.record.event_type, e.record.employee_id, e.record.decision]),
    [
      ["EV_LICENSE_PROVISIONED_V0", "EMP_NEW_001", "PROVISIONED"],
      ["EV_PROVISION_DENIED_V0", "EMP_NEW_002", "DENIED"],
      ["EV_PROVISION_DENIED_V0", "EMP_NEW_004", "DENIED"],
      ["EV_LICENSE_REVOKED_V0", "EMP_NEW_001", "RECLAIMED"],
    ],
  );
});

const AUDIT = (node: string) => [node, "SUCCESS"].join(":");

Deno.test("agent action governance: authorized (twice), undeclared tool, unknown user, tool above tier, bad parameters, NACK", async () => {
  const t = await realWorkspace();
  await seedLicenseFacts(t);
  const head = ["IN_AGENT_ACTION_REQUESTED_V0:ACK", "CC_NORMALIZE_AGENT_REQUEST_V0:SUCCESS"];
  const declared = [...head, "CC_CHECK_TOOL_DECLARED_V0:SUCCESS"];
  const tiered = [...declared, "CC_RESOLVE_LICENSE_TIER_V0:SUCCESS"];
  const bound = [...tiered, "CC_BIND_LICENSE_TO_TOOL_SURFACE_V0:SUCCESS"];
  const authorizedPath = [
    ...bound,
    "CC_VALIDATE_TOOL_PARAMETERS_V0:SUCCESS",
    "CC_RECORD_GOVERNED_ACTION_V0:SUCCESS",
  ];
  const ok = { classification: "COMPLETED", status: "SUCCESS" } as const;
  const denied = "EV_AGENT_ACTION_DENIED_V0";

  const authorized = await payloadOf("agent_action", "authorized");
  assertRun(await runWf(t, ACTION, authorized), {
    path: authorizedPath,
    ...ok,
    exit: "EXIT_SUCCESS",
    emit: "EV_AGENT_ACTION_AUTHORIZED_V0",
  });
  // Same request: the action registry says ALREADY_EXISTS, which the CC continues past.
  const repeat = await runWf(t, ACTION, authorized);
  assertRun(repeat, {
    path: authorizedPath,
    ...ok,
    exit: "EXIT_SUCCESS",
    emit: "EV_AGENT_ACTION_AUTHORIZED_V0",
  });
  assert.deepEqual(
    repeat.recs.filter((x) => x.type === "step" && x.node === "CC_RECORD_GOVERNED_ACTION_V0").map((
      x,
    ) => `${x.step}:${x.status}`),
    ["generate_action_id:SUCCESS", "register_action:ALREADY_EXISTS", "append_audit_record:SUCCESS"],
  );

  assertRun(await runWf(t, ACTION, await payloadOf("agent_action", "undeclared_tool")), {
    path: [...head, "CC_CHECK_TOOL_DECLARED_V0:VIOLATION", AUDIT("CC_AUDIT_UNDECLARED_TOOL")],
    ...ok,
    exit: "EXIT_UNDECLARED_TOOL",
    emit: denied,
  });
  assertRun(await runWf(t, ACTION, await payloadOf("agent_action", "unknown_user")), {
    path: [
      ...declared,
      "CC_RESOLVE_LICENSE_TIER_V0:NOT_FOUND",
      AUDIT("CC_AUDIT_UNAUTHORIZED_ACTOR"),
    ],
    ...ok,
    exit: "EXIT_UNAUTHORIZED_ACTOR",
    emit: denied,
  });
  assertRun(await runWf(t, ACTION, await payloadOf("agent_action", "tool_above_tier")), {
    path: [
      ...tiered,
      "CC_BIND_LICENSE_TO_TOOL_SURFACE_V0:VIOLATION",
      AUDIT("CC_AUDIT_UNAUTHORIZED_TOOL"),
    ],
    ...ok,
    exit: "EXIT_UNAUTHORIZED_TOOL",
    emit: denied,
  });
  assertRun(await runWf(t, ACTION, await payloadOf("agent_action", "bad_parameters")), {
    path: [
      ...bound,
      "CC_VALIDATE_TOOL_PARAMETERS_V0:VIOLATION",
      AUDIT("CC_AUDIT_PARAMETER_VIOLATION"),
    ],
    ...ok,
    exit: "EXIT_PARAMETER_VIOLATION",
    emit: denied,
  });
  const nack = await runWf(t, ACTION, await payloadOf("agent_action", "tool_name_not_a_string"));
  assertRun(nack, {
    path: ["IN_AGENT_ACTION_REQUESTED_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT_REJECTED",
    emit: null,
  });
  assert.deepEqual(nack.recs.find((x) => x.type === "admission").reasons, [
    "$.tool_name: expected type string, got integer",
  ]);

  const audit = await readJsonl(t, "ai_governance/agent_governance/governance_audit.jsonl");
  assert.deepEqual(
    audit.map((e) => [e.record.decision, e.record.denial_reason ?? null, e.record.tool_name]),
    [
      ["AUTHORIZED", null, "READ_RECORD"],
      ["AUTHORIZED", null, "READ_RECORD"],
      ["DENIED", "UNDECLARED_TOOL", "DELETE_ALL_RECORDS"],
      ["DENIED", "UNAUTHORIZED_ACTOR", "READ_RECORD"],
      ["DENIED", "UNAUTHORIZED_TOOL", "PROVISION_PREMIUM_LICENSE"],
      ["DENIED", "PARAMETER_VIOLATION", "READ_RECORD"],
    ],
  );
});

Deno.test("agent admission governance: enterprise write_file authorized; standard tier, missing parameter, undeclared tool denied; NACK", async () => {
  const t = await realWorkspace();
  await seedLicenseFacts(t);
  const head = ["IN_AGENT_ADMISSION_REQUESTED_V0:ACK", "CC_NORMALIZE_AGENT_REQUEST_V0:SUCCESS"];
  const tiered = [
    ...head,
    "CC_CHECK_AGENT_TOOL_DECLARED_V0:SUCCESS",
    "CC_RESOLVE_LICENSE_TIER_V0:SUCCESS",
  ];
  const bound = [...tiered, "CC_BIND_AGENT_LICENSE_TO_TOOL_SURFACE_V0:SUCCESS"];
  const ok = { classification: "COMPLETED", status: "SUCCESS" } as const;
  assertRun(await runWf(t, ADMISSION, await payloadOf("agent_admission", "authorized")), {
    path: [
      ...bound,
      "CC_VALIDATE_AGENT_TOOL_PARAMETERS_V0:SUCCESS",
      "CC_RECORD_GOVERNED_ACTION_V0:SUCCESS",
    ],
    ...ok,
    exit: "EXIT_SUCCESS",
    emit: "EV_AGENT_ACTION_AUTHORIZED_V0",
  });
  assertRun(await runWf(t, ADMISSION, await payloadOf("agent_admission", "tool_above_tier")), {
    path: [
      ...tiered,
      "CC_BIND_AGENT_LICENSE_TO_TOOL_SURFACE_V0:VIOLATION",
      AUDIT("CC_AUDIT_UNAUTHORIZED_TOOL"),
    ],
    ...ok,
    exit: "EXIT_UNAUTHORIZED_TOOL",
  });
  assertRun(await runWf(t, ADMISSION, await payloadOf("agent_admission", "missing_parameter")), {
    path: [
      ...bound,
      "CC_VALIDATE_AGENT_TOOL_PARAMETERS_V0:VIOLATION",
      AUDIT("CC_AUDIT_PARAMETER_VIOLATION"),
    ],
    ...ok,
    exit: "EXIT_PARAMETER_VIOLATION",
  });
  assertRun(await runWf(t, ADMISSION, await payloadOf("agent_admission", "undeclared_tool")), {
    path: [...head, "CC_CHECK_AGENT_TOOL_DECLARED_V0:VIOLATION", AUDIT("CC_AUDIT_UNDECLARED_TOOL")],
    ...ok,
    exit: "EXIT_UNDECLARED_TOOL",
  });
  const nack = await runWf(t, ADMISSION, await payloadOf("agent_admission", "missing_user"));
  assertRun(nack, {
    path: ["IN_AGENT_ADMISSION_REQUESTED_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT_REJECTED",
  });
  assert.deepEqual(nack.recs.find((x) => x.type === "admission").reasons, [
    "$.requesting_user_id: required field is missing",
  ]);
  const registry = await readJsonl(t, "ai_governance/agent_admission/governance_actions.json");
  assert.equal(registry.length, 1, "one authorized action registered");
  assert.equal(registry[0].target_ref, "write_file");
});

Deno.test("Collatz: the conjecture evaluation decides the CC status; a zero and a non-list are refused", async () => {
  const t = await realWorkspace();
  const proven = await runWf(t, COLLATZ, await payloadOf("collatz", "proven"));
  assertRun(proven, {
    path: [
      "IN_COLLATZ_INPUT_VALIDATED_V0:ACK",
      "CC_COMPUTE_SEQUENCES_V0:SUCCESS",
      "CC_VERIFY_TERMINATION_V0:SUCCESS",
      "CC_STORE_RESULTS_V0:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_CONJECTURE_PROVEN",
  });
  const check = proven.recs.find((x) => x.type === "step" && x.step === "check_termination");
  assert.equal(check.status, "SUCCESS");
  assert.equal(check.route, "evaluate_conjecture");
  assert.deepEqual(check.evaluation, {
    name: "evaluate_conjecture",
    condition: "$.capability_result.all_terminate == true",
    value: true,
    status: "SUCCESS",
  });
  const stored = (await readJsonView(t, "ai_governance/collatz_conjecture/collatz_results.json"))
    .collatz_results;
  assert.equal(stored.all_terminate, true);
  assert.deepEqual(stored.non_terminating, []);
  assert.deepEqual(stored.sequences["3"], [3, 10, 5, 16, 8, 4, 2, 1]);
  assert.equal(stored.sequences["27"].length, 112);

  assertRun(await runWf(t, COLLATZ, await payloadOf("collatz", "zero")), {
    path: ["IN_COLLATZ_INPUT_VALIDATED_V0:ACK", "CC_COMPUTE_SEQUENCES_V0:VIOLATION"],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "EXIT_ERROR",
  });
  assertRun(await runWf(t, COLLATZ, await payloadOf("collatz", "not_a_list")), {
    path: ["IN_COLLATZ_INPUT_VALIDATED_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT_REJECTED",
  });
});
