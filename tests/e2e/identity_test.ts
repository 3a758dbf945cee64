// deno-lint-ignore-file no-explicit-any -- trace records and artifacts are untyped JSON here
import assert from "node:assert/strict";
import { cli, readRecords, runPayload } from "../_support/cli.ts";
import { SHARED_WORKSPACE, tempWorkspace } from "../_support/workspace.ts";

const REGISTER = "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0";
const VERIFY = "blockchain::WF_VERIFY_ACTOR_V0";
const ACTOR = "A_dc6e2a7ae93b8bae";
const KYC = "A_KEY_94cee1398e1662e9";

async function registerTwice() {
  const t = await tempWorkspace(SHARED_WORKSPACE);
  const args = [
    "run",
    "--wf",
    REGISTER,
    "--payload",
    `${t.workspace}/seeds/register_actor_unverified_payload.json`,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
    "--json",
    "--no-png",
  ];
  const r1 = await cli(...args);
  const r2 = await cli(...args);
  return { t, r1, r2 };
}

Deno.test("register-actor run twice: both COMPLETED, run 2 ALREADY_EXISTS on KYC and still appends", async () => {
  const { t, r1, r2 } = await registerTwice();
  for (const r of [r1, r2]) {
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.equal(r.json.classification, "COMPLETED");
    assert.equal(r.json.status, "SUCCESS");
    assert.equal(r.json.exit_node, "EXIT");
  }
  const rec1 = await readRecords(r1.json.files.jsonl);
  const rec2 = await readRecords(r2.json.files.jsonl);
  const path = (recs: any[]) =>
    recs.filter((x) => x.type === "transition").map((x) => `${x.from}:${x.outcome}`);
  assert.deepEqual(path(rec1), [
    "IN_ACTOR_REGISTERED_V0:ACK",
    "CC_GENERATE_ACTOR_ID_V0:SUCCESS",
    "CC_REGISTER_ACTOR_KYC_V0:SUCCESS",
    "CC_APPEND_ACTOR_EVENT_V0:SUCCESS",
  ]);
  assert.deepEqual(path(rec2), [
    "IN_ACTOR_REGISTERED_V0:ACK",
    "CC_GENERATE_ACTOR_ID_V0:SUCCESS",
    "CC_REGISTER_ACTOR_KYC_V0:ALREADY_EXISTS",
    "CC_APPEND_ACTOR_EVENT_V0:SUCCESS",
  ]);
  const gen = rec1.find((x) => x.type === "transition" && x.from === "CC_GENERATE_ACTOR_ID_V0");
  assert.equal(gen.outputs.actor_id, ACTOR);
  const appended = rec2.filter((x) =>
    x.type === "effect" && x.mutation === "append" &&
    x.store === "blockchain/identity/events/identity_events.jsonl"
  );
  assert.equal(appended.length, 1, "run 2 still appends the event");
  const kycSteps = rec2.filter((x) => x.type === "step" && x.node === "CC_REGISTER_ACTOR_KYC_V0");
  assert.deepEqual(kycSteps.map((s) => `${s.step}:${s.status}`), [
    "generate_kyc_key:SUCCESS",
    "register_kyc_mapping:ALREADY_EXISTS",
    "register_actor_id:ALREADY_EXISTS",
  ]);

  const registry =
    (await Deno.readTextFile(`${t.dataRoot}/blockchain/identity/registry/actors.json`))
      .trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    registry.map((e) => e.key),
    [KYC, ACTOR],
    "one entry each, not duplicated by run 2",
  );
  for (const e of registry) assert.equal(e.target_ref, ACTOR);
  const events =
    (await Deno.readTextFile(`${t.dataRoot}/blockchain/identity/events/identity_events.jsonl`))
      .trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => e.sequence_number), [1, 2]);
  for (const e of events) {
    assert.equal(e.stream_id, ACTOR);
    assert.equal(e.record.event_code, "EV_ACTOR_REGISTERED_UNVERIFIED_V0");
  }
});

Deno.test("verify-actor completes for the registered actor and is REJECTED for an unknown one", async () => {
  const { t } = await registerTwice();
  const payload = {
    actor_id: ACTOR,
    actor_record: {
      first_name: "Bachi",
      last_name: "Eight",
      email_registration: "bachi8@yahoo.com",
    },
    decision: "VERIFIED",
    verifier_id: "A_AUTHORITY_1",
  };
  await Deno.writeTextFile(`${t.dir}/verify.json`, JSON.stringify(payload));
  const base = [
    "run",
    "--wf",
    VERIFY,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
    "--json",
    "--no-png",
  ];
  const ok = await cli(...base, "--payload", `${t.dir}/verify.json`);
  assert.equal(ok.code, 0, ok.err.join("\n"));
  assert.equal(ok.json.classification, "COMPLETED");
  const recs = await readRecords(ok.json.files.jsonl);
  assert.deepEqual(
    recs.filter((x) => x.type === "admission").map((x) => `${x.kind}:${x.outcome}`),
    [
      "WF:ADMITTED",
      "IN:ACK",
    ],
  );

  const eventsBefore = await Deno.readTextFile(
    `${t.dataRoot}/blockchain/identity/events/identity_events.jsonl`,
  );
  const stranger = {
    ...payload,
    actor_id: "A_0000000000000000",
    actor_record: { first_name: "No", last_name: "Body", email_registration: "nobody@example.org" },
  };
  await Deno.writeTextFile(`${t.dir}/stranger.json`, JSON.stringify(stranger));
  const denied = await cli(...base, "--payload", `${t.dir}/stranger.json`);
  assert.equal(denied.code, 1);
  assert.equal(denied.json.classification, "REJECTED");
  assert.equal(denied.json.reason, "ADMISSION_DENIED");
  const drecs = await readRecords(denied.json.files.jsonl);
  const adm = drecs.find((x) => x.type === "admission");
  assert.deepEqual(adm.reasons, [
    `required event EV_ACTOR_REGISTERED_UNVERIFIED_V0 not found for actor_id="A_0000000000000000"`,
  ]);
  assert.equal(drecs.filter((x) => x.type === "effect").length, 0);
  const eventsAfter = await Deno.readTextFile(
    `${t.dataRoot}/blockchain/identity/events/identity_events.jsonl`,
  );
  assert.equal(eventsAfter, eventsBefore, "no state change");
});

Deno.test("a payload missing required intent fields is NACKed with the fields named", async () => {
  const t = await tempWorkspace(SHARED_WORKSPACE);
  const r = await runPayload(t, REGISTER, {
    actor_record: { first_name: "X", email_registration: "nope" },
  });
  assert.equal(r.code, 1);
  assert.equal(r.json.classification, "REJECTED");
  assert.equal(r.json.status, "NACK");
  const recs = await readRecords(r.json.files.jsonl);
  const adm = recs.find((x) => x.type === "admission");
  assert.deepEqual(adm.reasons, [
    `$.actor_record.email_registration: "nope" is not an email address`,
    "$.actor_record.last_name: required field is missing",
  ]);
  assert.equal(recs.filter((x) => x.type === "effect").length, 0);
});
