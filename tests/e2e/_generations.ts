// deno-lint-ignore-file no-explicit-any -- trace records and state views are untyped JSON here
/**
 * One scenario, run on each supported snapshot generation (a temp copy of it): `check`,
 * then register twice, NACK, unknown actor, verify, create wallet twice, provision then
 * auto-reclaim (denied before, admitted, denied after), deny, govern ok / denied, Collatz.
 * Every run goes through the CLI with the suite's determinism twin and replay check.
 * Expectations are what each generation's own declarations give; where generations
 * differ, {@link Generation} says how and why.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { cli } from "../_support/cli.ts";
import { SHARED_WORKSPACE, tempWorkspace } from "../_support/workspace.ts";
import {
  assertRun,
  generatedId,
  payloadOf,
  readJsonl,
  readJsonView,
  readSeed,
  runWf,
  seedLicenseFacts,
  transitionFrom,
  type Ws,
} from "./wf_support.ts";

const REGISTER = "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0";
const VERIFY = "blockchain::WF_VERIFY_ACTOR_V0";
const CREATE_WALLET = "blockchain::WF_CREATE_WALLET_V0";
const PROVISION = "ai_governance::WF_PROVISION_AI_LICENSING_V0";
const DENY = "ai_governance::WF_DENY_PROVISION_V0";
const RECLAIM = "ai_governance::WF_AUTO_RECLAIM_V0";
const ACTION = "ai_governance::WF_GOVERN_AGENT_ACTION_V0";
const COLLATZ = "ai_governance::WF_DEMO_COLLATZ_CONJECTURE_V0";

const REGISTRY = "blockchain/identity/registry/actors.json";
const IDENTITY_EVENTS = "blockchain/identity/events/identity_events.jsonl";
const WALLETS = "blockchain/wallet/state/wallets.json";
const WALLET_EVENTS = "blockchain/wallet/events/wallet_events.jsonl";

/** How one generation's declarations shape the scenario. */
export interface Generation {
  /** Release name. */
  readonly name: string;
  /** Snapshot root (read-only; copied per test). */
  readonly root: string;
  /** Workflows in the snapshot (`check` lists them all, with no problem). */
  readonly workflows: number;
  /** Id prefixes of CC_GENERATE_ACTOR_ID_V0 (actor id, KYC key): AC_/KYC_ until v0.4. */
  readonly actorPrefix: string;
  readonly kycPrefix: string;
  /**
   * CC_REGISTER_ACTOR_KYC_V0 registers the KYC key only (v0.2, v0.4) or the KYC key and
   * the actor id (v0.7); CC_PERSIST_VERIFIED_ACTOR_V0 then registers the actor id: new
   * (SUCCESS) or already there (ALREADY_EXISTS, routed on: COMPLETED either way).
   */
  readonly registersActorId: boolean;
  /** The `seed_record` CC_GENERATE_WALLET_ID_V0 hashes (v0.7 adds the wallet type). */
  readonly walletSeed: (actorId: string) => Record<string, unknown>;
  /**
   * v0.2/v0.4 create the wallet (the wallet document is read by CS_REGISTRY_V0 RESOLVE
   * and written by CS_MUTABLE_JSON_V0: served as one document); v0.7's
   * CC_CREATE_WALLET_RECORD_V0 requires an `address` input its workflow never binds, so
   * no payload gets past it (on_input_failure VIOLATION).
   */
  readonly createsWallet: boolean;
}

const OLDER = fileURLToPath(new URL("../../../shared/pgs_generations", import.meta.url));

/** The supported generations. */
export const GENERATIONS: Readonly<Record<string, Generation>> = {
  "v0.2.0": {
    name: "v0.2.0 (e425bf9)",
    root: `${OLDER}/e425bf9`,
    workflows: 11,
    actorPrefix: "AC",
    kycPrefix: "KYC",
    registersActorId: false,
    walletSeed: (actorId) => ({ actor_id: actorId, type: "wallet" }),
    createsWallet: true,
  },
  "v0.4.0": {
    name: "v0.4.0 (420bbe3)",
    root: `${OLDER}/420bbe3`,
    workflows: 12,
    actorPrefix: "AC",
    kycPrefix: "KYC",
    registersActorId: false,
    walletSeed: (actorId) => ({ actor_id: actorId, type: "wallet" }),
    createsWallet: true,
  },
  "v0.7.x": {
    name: "v0.7.x (5117fd4)",
    root: SHARED_WORKSPACE,
    workflows: 29,
    actorPrefix: "A",
    kycPrefix: "A_KEY",
    registersActorId: true,
    walletSeed: (actorId) => ({ actor_id: actorId, type: "wallet", wallet_type: "STANDARD" }),
    createsWallet: false,
  },
};

const REGISTERED = [
  "IN_ACTOR_REGISTERED_V0:ACK",
  "CC_GENERATE_ACTOR_ID_V0:SUCCESS",
  "CC_REGISTER_ACTOR_KYC_V0:SUCCESS",
  "CC_APPEND_ACTOR_EVENT_V0:SUCCESS",
];

function effects(r: { recs: any[] }): number {
  return r.recs.filter((x) => x.type === "effect").length;
}

/** Registers the scenario's tests for generation `key` of {@link GENERATIONS}. */
export function generationTests(key: keyof typeof GENERATIONS): void {
  const gen = GENERATIONS[key];
  const workspace = () => tempWorkspace(gen.root);

  Deno.test(`${gen.name}: check compiles every workflow with no problem`, async () => {
    const t = await workspace();
    const r = await cli("check", "--workspace", t.workspace, "--json");
    assert.equal(r.code, 0, r.out.join("\n"));
    assert.equal(r.json.workflows, gen.workflows);
    assert.equal(r.json.problems, 0);
  });

  Deno.test(`${gen.name}: register twice, NACK, unknown actor, verify, create wallet`, async () => {
    const t = await workspace();
    const seed = await readSeed(t, "register_actor_unverified_payload.json");
    const actor = seed.actor_record;
    const actorId = generatedId(gen.actorPrefix, actor);
    // CC_REGISTER_ACTOR_KYC_V0 hashes {email, first_name, last_name} of the record.
    const kycKey = generatedId(gen.kycPrefix, {
      email: actor.email_registration,
      first_name: actor.first_name,
      last_name: actor.last_name,
    });

    assertRun(await runWf(t, REGISTER, seed), {
      path: REGISTERED,
      classification: "COMPLETED",
      status: "SUCCESS",
      exit: "EXIT",
    });
    // Execution ≠ effect: the KYC key is taken, the CC says so, the graph routes on.
    const again = await runWf(t, REGISTER, seed);
    assertRun(again, {
      path: [
        REGISTERED[0],
        REGISTERED[1],
        "CC_REGISTER_ACTOR_KYC_V0:ALREADY_EXISTS",
        REGISTERED[3],
      ],
      classification: "COMPLETED",
      status: "SUCCESS",
      exit: "EXIT",
    });
    assert.equal(transitionFrom(again.recs, "CC_GENERATE_ACTOR_ID_V0").outputs.actor_id, actorId);
    const registered = [[kycKey, actorId], ...(gen.registersActorId ? [[actorId, actorId]] : [])];
    assert.deepEqual(
      (await readJsonl(t, REGISTRY)).map((l) => [l.key, l.target_ref]),
      registered,
    );
    assert.deepEqual(
      (await readJsonl(t, IDENTITY_EVENTS)).map((e) => [e.sequence_number, e.record.event_code]),
      [[1, "EV_ACTOR_REGISTERED_UNVERIFIED_V0"], [2, "EV_ACTOR_REGISTERED_UNVERIFIED_V0"]],
    );

    const nack = await runWf(t, REGISTER, {
      actor_record: { ...actor, email_registration: "not-an-email" },
    });
    assertRun(nack, {
      path: ["IN_ACTOR_REGISTERED_V0:NACK"],
      classification: "REJECTED",
      status: "NACK",
      exit: "EXIT",
    });
    assert.deepEqual(nack.recs.find((x) => x.type === "admission").reasons, [
      `$.actor_record.email_registration: "not-an-email" is not an email address`,
    ]);
    assert.equal(effects(nack), 0);

    // WF admission searches the identity journal; in v0.2/v0.4 the binding names it only
    // by its CS policy path (no storage_structure).
    const verify = await payloadOf("identity", "verify");
    const stranger = (await payloadOf("identity", "stranger")) as Record<string, string>;
    const strangerId = generatedId(gen.actorPrefix, stranger);
    const unknown = await runWf(t, VERIFY, {
      actor_id: strangerId,
      actor_record: stranger,
      ...verify,
    });
    assertRun(unknown, {
      path: [],
      classification: "REJECTED",
      status: "ADMISSION_DENIED",
      exit: null,
    });
    assert.deepEqual(unknown.recs.find((x) => x.type === "admission").reasons, [
      `required event EV_ACTOR_REGISTERED_UNVERIFIED_V0 not found for actor_id="${strangerId}"`,
    ]);
    assert.equal(effects(unknown), 0);

    const persisted = gen.registersActorId ? "ALREADY_EXISTS" : "SUCCESS";
    assertRun(await runWf(t, VERIFY, { actor_id: actorId, actor_record: actor, ...verify }), {
      path: [
        "IN_ACTOR_VERIFIED_V0:ACK",
        "CC_RESOLVE_ACTOR_ID_V0:SUCCESS",
        "CC_RECORD_ACTOR_STATE_V0:SUCCESS",
        "CC_APPEND_ACTOR_EVENT_V0:SUCCESS",
        `CC_PERSIST_VERIFIED_ACTOR_V0:${persisted}`,
      ],
      classification: "COMPLETED",
      status: persisted,
      exit: "EXIT",
    });
    assert.deepEqual(
      (await readJsonl(t, IDENTITY_EVENTS)).map((e) =>
        e.record.event_code ?? `state:${e.record.new_state}`
      ),
      [
        "EV_ACTOR_REGISTERED_UNVERIFIED_V0",
        "EV_ACTOR_REGISTERED_UNVERIFIED_V0",
        "state:VERIFIED",
        "EV_ACTOR_VERIFIED_V0",
      ],
    );
    assert.deepEqual(
      (await readJsonl(t, REGISTRY)).map((l) => [l.key, l.target_ref]),
      [[kycKey, actorId], [actorId, actorId]],
    );

    await createWallet(t, gen, actor, actorId);
  });

  Deno.test(`${gen.name}: provision then auto-reclaim (denied before, admitted, denied after), deny`, async () => {
    const t = await workspace();
    // v0.2/v0.4: the licensing binding has no storage_structure; admission searches the
    // audit journal its CS_APPENDONLY_JSONL_V0 policy path names.
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

    assertRun(await runWf(t, PROVISION, await payloadOf("licensing", "provision")), {
      path: [
        "IN_PROVISION_AI_LICENSE_V0:ACK",
        "CC_VALIDATE_ELIGIBILITY_V0:SUCCESS",
        "CC_PROVISION_LICENSE_V0:SUCCESS",
        "CC_APPEND_AUDIT_EVENT_SUCCESS:SUCCESS",
      ],
      classification: "COMPLETED",
      status: "SUCCESS",
      exit: "EXIT_PROVISIONED",
      emit: "EV_LICENSE_PROVISIONED_V0",
    });
    const reclaim = await payloadOf("licensing", "reclaim");
    const reclaimed = await runWf(t, RECLAIM, reclaim);
    assertRun(reclaimed, {
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
    assert.deepEqual(
      reclaimed.recs.filter((x) => x.type === "admission").map((x) => [x.kind, x.outcome]),
      [["WF", "ADMITTED"], ["IN", "ACK"]],
    );
    // forbids EV_LICENSE_REVOKED_V0 has no binding: any revocation blocks every reclaim.
    const after = await runWf(t, RECLAIM, reclaim);
    assertRun(after, {
      path: [],
      classification: "REJECTED",
      status: "ADMISSION_DENIED",
      exit: null,
    });
    assert.deepEqual(after.recs.find((x) => x.type === "admission").reasons, [
      "forbidden event EV_LICENSE_REVOKED_V0 present",
    ]);

    assertRun(await runWf(t, DENY, await payloadOf("licensing", "deny")), {
      path: ["IN_DENY_PROVISION_V0:ACK", "CC_APPEND_AUDIT_EVENT_V0:SUCCESS"],
      classification: "COMPLETED",
      status: "SUCCESS",
      exit: "EXIT_DENIED",
      emit: "EV_PROVISION_DENIED_V0",
    });
    assert.deepEqual(
      (await readJsonl(t, "ai_governance/ai_licensing/audit_log.jsonl")).map((e) => [
        e.record.event_type,
        e.record.employee_id,
        e.record.decision,
      ]),
      [
        ["EV_LICENSE_PROVISIONED_V0", "EMP_NEW_001", "PROVISIONED"],
        ["EV_LICENSE_REVOKED_V0", "EMP_NEW_001", "RECLAIMED"],
        ["EV_PROVISION_DENIED_V0", "EMP_NEW_004", "DENIED"],
      ],
    );
    assert.deepEqual(
      (await readJsonl(t, "ai_governance/ai_licensing/license_registry.json")).map((l) => [
        l.key,
        l.target_ref ?? null,
        l.tombstone ?? false,
      ]),
      [["EMP_NEW_001", "LIC_EMP_NEW_001", false], ["EMP_NEW_001", null, true]],
    );
  });

  Deno.test(`${gen.name}: govern an agent action (authorized, undeclared tool, unknown user) and Collatz`, async () => {
    const t = await workspace();
    await seedLicenseFacts(t);
    const head = ["IN_AGENT_ACTION_REQUESTED_V0:ACK", "CC_NORMALIZE_AGENT_REQUEST_V0:SUCCESS"];
    const declared = [...head, "CC_CHECK_TOOL_DECLARED_V0:SUCCESS"];
    const ok = { classification: "COMPLETED", status: "SUCCESS" } as const;
    assertRun(await runWf(t, ACTION, await payloadOf("agent_action", "authorized")), {
      path: [
        ...declared,
        "CC_RESOLVE_LICENSE_TIER_V0:SUCCESS",
        "CC_BIND_LICENSE_TO_TOOL_SURFACE_V0:SUCCESS",
        "CC_VALIDATE_TOOL_PARAMETERS_V0:SUCCESS",
        "CC_RECORD_GOVERNED_ACTION_V0:SUCCESS",
      ],
      ...ok,
      exit: "EXIT_SUCCESS",
      emit: "EV_AGENT_ACTION_AUTHORIZED_V0",
    });
    // CT_PURE_VALIDATE_SET_MEMBERSHIP_V0 fails as VIOLATION (its artifact's rule, not the
    // older vector's SUCCESS {is_member: false}), and the workflow routes it to the audit.
    const undeclared = await runWf(t, ACTION, await payloadOf("agent_action", "undeclared_tool"));
    assertRun(undeclared, {
      path: [...head, "CC_CHECK_TOOL_DECLARED_V0:VIOLATION", "CC_AUDIT_UNDECLARED_TOOL:SUCCESS"],
      ...ok,
      exit: "EXIT_UNDECLARED_TOOL",
      emit: "EV_AGENT_ACTION_DENIED_V0",
    });
    assertRun(await runWf(t, ACTION, await payloadOf("agent_action", "unknown_user")), {
      path: [
        ...declared,
        "CC_RESOLVE_LICENSE_TIER_V0:NOT_FOUND",
        "CC_AUDIT_UNAUTHORIZED_ACTOR:SUCCESS",
      ],
      ...ok,
      exit: "EXIT_UNAUTHORIZED_ACTOR",
      emit: "EV_AGENT_ACTION_DENIED_V0",
    });
    assert.deepEqual(
      (await readJsonl(t, "ai_governance/agent_governance/governance_audit.jsonl")).map((e) => [
        e.record.decision,
        e.record.denial_reason ?? null,
        e.record.requesting_user_id,
      ]),
      [
        ["AUTHORIZED", null, "EMP_STD_001"],
        ["DENIED", "UNDECLARED_TOOL", "EMP_STD_001"],
        ["DENIED", "UNAUTHORIZED_ACTOR", "EMP_UNKNOWN_999"],
      ],
    );

    assertRun(await runWf(t, COLLATZ, await payloadOf("collatz", "proven")), {
      path: [
        "IN_COLLATZ_INPUT_VALIDATED_V0:ACK",
        "CC_COMPUTE_SEQUENCES_V0:SUCCESS",
        "CC_VERIFY_TERMINATION_V0:SUCCESS",
        "CC_STORE_RESULTS_V0:SUCCESS",
      ],
      ...ok,
      exit: "EXIT_CONJECTURE_PROVEN",
    });
    const results = (await readJsonView(
      t,
      "ai_governance/collatz_conjecture/collatz_results.json",
    )).collatz_results;
    assert.equal(results.all_terminate, true);
    assert.deepEqual(results.non_terminating, []);
    assert.deepEqual(results.sequences["3"], [3, 10, 5, 16, 8, 4, 2, 1]);
    assert.deepEqual(Object.keys(results.sequences), ["1", "2", "3", "27"]);
  });
}

/** WF_CREATE_WALLET_V0 twice, after the actor was verified. */
async function createWallet(
  t: Ws,
  gen: Generation,
  actor: Record<string, string>,
  actorId: string,
): Promise<void> {
  const payload = {
    actor_id: actorId,
    actor_record: actor,
    ...await payloadOf("identity", "wallet"),
  };
  const walletId = generatedId("W", gen.walletSeed(actorId));
  const head = [
    "IN_WALLET_CREATED_V0:ACK",
    "CC_RESOLVE_ACTOR_ID_V0:SUCCESS",
    "CC_GENERATE_WALLET_ID_V0:SUCCESS",
  ];
  if (!gen.createsWallet) {
    for (let i = 0; i < 2; i++) {
      const r = await runWf(t, CREATE_WALLET, payload);
      assertRun(r, {
        path: [
          ...head,
          "CC_CHECK_WALLET_EXISTS_V0:NOT_FOUND",
          "CC_DERIVE_WALLET_KEYS_V0:SUCCESS",
          "CC_CREATE_WALLET_RECORD_V0:VIOLATION",
        ],
        classification: "ENDED_VIOLATION",
        status: "VIOLATION",
        exit: "EXIT",
      });
      assert.equal(effects(r), 0);
    }
    assert.deepEqual(await readJsonView(t, WALLETS), {});
    return;
  }
  const created = await runWf(t, CREATE_WALLET, payload);
  assertRun(created, {
    path: [
      ...head,
      "CC_CHECK_WALLET_EXISTS_V0:NOT_FOUND",
      "CC_DERIVE_WALLET_KEYS_V0:SUCCESS",
      "CC_CREATE_WALLET_RECORD_V0:SUCCESS",
      "CC_APPEND_WALLET_EVENT_V0:SUCCESS",
      "CC_NOTIFY_WALLET_CREATED_V0:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_SUCCESS",
  });
  assert.equal(
    transitionFrom(created.recs, "CC_GENERATE_WALLET_ID_V0").outputs.wallet_id,
    walletId,
  );
  const wallets = await readJsonView(t, WALLETS);
  assert.deepEqual(Object.keys(wallets), [walletId]);
  assert.equal(wallets[walletId].actor_id, actorId);
  assert.equal(wallets[walletId].status, "active");
  assert.match(wallets[walletId].addresses.eoa[0].address, /^0x[0-9a-f]{40}$/);
  // The wallet index goes to the actor registry (the CS_REGISTRY_V0 policy path).
  const index = (await readJsonl(t, REGISTRY)).at(-1);
  assert.deepEqual(
    [index.key, index.target_cs, index.target_ref],
    [walletId, "capability_side_effects::CS_MUTABLE_JSON_V0", walletId],
  );
  assert.deepEqual(
    (await readJsonl(t, WALLET_EVENTS)).map((e) => [e.stream_id, e.record.event_type]),
    [[walletId, "EV_WALLET_CREATED_V0"]],
  );
  assert.deepEqual(
    (await readJsonl(t, "_outbox/email.jsonl")).map((m) => [m.recipient, m.subject]),
    [[actor.email_registration, "Wallet Created"]],
  );

  // The same request again: CS_REGISTRY_V0 RESOLVE reads the wallet document that
  // CS_MUTABLE_JSON_V0 wrote, finds the id, and the workflow exits with nothing written.
  const again = await runWf(t, CREATE_WALLET, payload);
  assertRun(again, {
    path: [...head, "CC_CHECK_WALLET_EXISTS_V0:SUCCESS"],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  assert.equal(effects(again), 0);
  assert.deepEqual(Object.keys(await readJsonView(t, WALLETS)), [walletId]);
}
