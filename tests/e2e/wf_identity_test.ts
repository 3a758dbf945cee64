/**
 * Real snapshot, blockchain identity: WF_REGISTER_ACTOR_UNVERIFIED_V0 → WF_VERIFY_ACTOR_V0 →
 * WF_CREATE_WALLET_V0, and WF_REGISTER_VALIDATOR_V0.
 */
import assert from "node:assert/strict";
import {
  actorIdOf,
  assertRun,
  payloadOf,
  readJsonl,
  readJsonView,
  readSeed,
  realWorkspace,
  runWf,
  transitionFrom,
  walletIdOf,
} from "./wf_support.ts";

const REGISTER = "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0";
const VERIFY = "blockchain::WF_VERIFY_ACTOR_V0";
const CREATE_WALLET = "blockchain::WF_CREATE_WALLET_V0";
const REGISTER_VALIDATOR = "blockchain::WF_REGISTER_VALIDATOR_V0";

const REGISTERED_PATH = [
  "IN_ACTOR_REGISTERED_V0:ACK",
  "CC_GENERATE_ACTOR_ID_V0:SUCCESS",
  "CC_REGISTER_ACTOR_KYC_V0:SUCCESS",
  "CC_APPEND_ACTOR_EVENT_V0:SUCCESS",
];

Deno.test("identity: register → verify → create wallet; wallet creation is denied before verification and stops at CC_CREATE_WALLET_RECORD_V0", async () => {
  const t = await realWorkspace();
  const seedPayload = await readSeed(t, "register_actor_unverified_payload.json");
  const actor = seedPayload.actor_record;
  const actorId = actorIdOf(actor);
  assert.equal(actorId, "A_dc6e2a7ae93b8bae");

  assertRun(await runWf(t, REGISTER, seedPayload), {
    path: REGISTERED_PATH,
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });

  const wallet = await payloadOf("identity", "wallet");
  const walletPayload = { actor_id: actorId, actor_record: actor, ...wallet };
  // Admission: EV_ACTOR_VERIFIED_V0 bound on actor_id; only the registration event exists yet.
  const early = await runWf(t, CREATE_WALLET, walletPayload);
  assertRun(early, {
    path: [],
    classification: "REJECTED",
    status: "ADMISSION_DENIED",
    exit: null,
  });
  assert.equal(early.json.reason, "ADMISSION_DENIED");
  assert.deepEqual(
    early.recs.filter((x) => x.type === "admission").map((x) => [x.outcome, x.reasons]),
    [
      ["ADMISSION_DENIED", [
        `required event EV_ACTOR_VERIFIED_V0 not found for actor_id="${actorId}"`,
      ]],
    ],
  );
  assert.equal(early.recs.filter((x) => x.type === "effect").length, 0);

  // CC_PERSIST_VERIFIED_ACTOR_V0 registers the actor id that CC_REGISTER_ACTOR_KYC_V0 already
  // registered: ALREADY_EXISTS, routed to EXIT, so the run is COMPLETED (execution ≠ effect).
  const verified = await runWf(t, VERIFY, {
    actor_id: actorId,
    actor_record: actor,
    ...await payloadOf("identity", "verify"),
  });
  assertRun(verified, {
    path: [
      "IN_ACTOR_VERIFIED_V0:ACK",
      "CC_RESOLVE_ACTOR_ID_V0:SUCCESS",
      "CC_RECORD_ACTOR_STATE_V0:SUCCESS",
      "CC_APPEND_ACTOR_EVENT_V0:SUCCESS",
      "CC_PERSIST_VERIFIED_ACTOR_V0:ALREADY_EXISTS",
    ],
    classification: "COMPLETED",
    status: "ALREADY_EXISTS",
    exit: "EXIT",
  });
  const identityEvents = await readJsonl(t, "blockchain/identity/events/identity_events.jsonl");
  assert.deepEqual(
    identityEvents.map((e) => e.record.event_code ?? `state:${e.record.new_state}`),
    [
      "EV_ACTOR_REGISTERED_UNVERIFIED_V0",
      "state:VERIFIED",
      "EV_ACTOR_VERIFIED_V0",
    ],
  );

  // The population's wallet types (seeds/actor_population.json) are not in the intent's enum.
  const privateWallet = await runWf(t, CREATE_WALLET, { ...walletPayload, wallet_type: "PRIVATE" });
  assertRun(privateWallet, {
    path: ["IN_WALLET_CREATED_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT",
  });
  assert.deepEqual(
    privateWallet.recs.find((x) => x.type === "admission" && x.kind === "IN").reasons,
    [
      `$.wallet_type: "PRIVATE" is not one of ["STANDARD","STAKING"]`,
    ],
  );

  // Artifact inconsistency: CC_CREATE_WALLET_RECORD_V0 requires input `address`, but the
  // workflow binds only eoa_address / utxo_address / ... to it, so no payload can get past
  // this node: on_input_failure VIOLATION → EXIT. Keys are derived (see wallet_crypto_test).
  const created = await runWf(t, CREATE_WALLET, walletPayload);
  assertRun(created, {
    path: [
      "IN_WALLET_CREATED_V0:ACK",
      "CC_RESOLVE_ACTOR_ID_V0:SUCCESS",
      "CC_GENERATE_WALLET_ID_V0:SUCCESS",
      "CC_CHECK_WALLET_EXISTS_V0:NOT_FOUND",
      "CC_DERIVE_WALLET_KEYS_V0:SUCCESS",
      "CC_CREATE_WALLET_RECORD_V0:VIOLATION",
    ],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "EXIT",
  });
  assert.equal(
    transitionFrom(created.recs, "CC_GENERATE_WALLET_ID_V0").outputs.wallet_id,
    walletIdOf(actorId, "STANDARD"),
  );
  const inputFailure = created.recs.filter((x) =>
    x.type === "warning" && x.code === "INPUT_FAILURE"
  );
  assert.equal(inputFailure.length, 1);
  assert.equal(inputFailure[0].node, "CC_CREATE_WALLET_RECORD_V0");
  assert.match(
    inputFailure[0].message,
    /^required CC input\(s\) address missing; status VIOLATION/,
  );
  assert.equal(created.recs.filter((x) => x.type === "effect").length, 0, "nothing written");
  assert.deepEqual(await readJsonl(t, "blockchain/wallet/events/wallet_events.jsonl"), []);
});

Deno.test("validators: seed payload NACKed, unknown actor NOT_FOUND, registered once, then found", async () => {
  const t = await realWorkspace();
  const seedPayload = await readSeed(t, "register_validator_payload.json");
  const nack = await runWf(t, REGISTER_VALIDATOR, seedPayload);
  assertRun(nack, {
    path: ["IN_VALIDATOR_REGISTERED_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT",
  });
  assert.deepEqual(nack.recs.find((x) => x.type === "admission").reasons, [
    "$.validator_record.activation_epoch: expected type integer, got null",
    `$.validator_record.status: "PENDING_INITIALIZED" is not one of ["ACTIVE_ONGOING","EXITED","SLASHED"]`,
  ]);

  const validators = await readSeed(t, "validators.json");
  const record = validators["A_dc6e2a7ae93b8bae"];
  const unknown = await runWf(t, REGISTER_VALIDATOR, { validator_record: record });
  assertRun(unknown, {
    path: ["IN_VALIDATOR_REGISTERED_V0:ACK", "CC_CHECK_ACTOR_EXISTS_V0:NOT_FOUND"],
    classification: "ENDED_NOT_FOUND",
    status: "NOT_FOUND",
    exit: "EXIT",
  });

  await runWf(t, REGISTER, await readSeed(t, "register_actor_unverified_payload.json"));
  const registered = await runWf(t, REGISTER_VALIDATOR, { validator_record: record });
  assertRun(registered, {
    path: [
      "IN_VALIDATOR_REGISTERED_V0:ACK",
      "CC_CHECK_ACTOR_EXISTS_V0:SUCCESS",
      "CC_CHECK_VALIDATOR_EXISTS_V0:NOT_FOUND",
      "CC_WRITE_VALIDATOR_RECORD_V0:SUCCESS",
      "CC_APPEND_VALIDATOR_EVENT_V0:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  assert.deepEqual(
    await readJsonView(t, "blockchain/consensus_pos/registry/validators.json"),
    validators,
  );

  // CHECK_VALIDATOR_EXISTS routes SUCCESS (already a validator) straight to EXIT.
  const again = await runWf(t, REGISTER_VALIDATOR, { validator_record: record });
  assertRun(again, {
    path: [
      "IN_VALIDATOR_REGISTERED_V0:ACK",
      "CC_CHECK_ACTOR_EXISTS_V0:SUCCESS",
      "CC_CHECK_VALIDATOR_EXISTS_V0:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  assert.equal(again.recs.filter((x) => x.type === "effect").length, 0);
  const events = await readJsonl(t, "blockchain/consensus_pos/events/validator_events.jsonl");
  assert.deepEqual(events.map((e) => [e.stream_id, e.record.event_code]), [[
    "A_dc6e2a7ae93b8bae",
    "EV_VALIDATOR_REGISTERED_V0",
  ]]);
});
