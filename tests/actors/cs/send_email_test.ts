import assert from "node:assert/strict";
import { CS_SEND_EMAIL, DEFAULT_OUTBOX } from "../../../actors/cs/constants.ts";
import {
  deriveMessageId,
  type EmailTransport,
  type OutboxMessage,
  sendEmailSideEffect,
  toOutboxMessage,
} from "../../../actors/cs/send_email.ts";
import type { JsonObject } from "../../../actors/capability.ts";
import type { StoreRef } from "../../../storage/store.ts";
import { FakeTxn, makeCall, NOW } from "./_fake_txn.ts";

function run(
  txn: FakeTxn,
  op: string,
  inputs: JsonObject,
  store: StoreRef | null = null,
  policy: JsonObject = {},
) {
  return sendEmailSideEffect(makeCall(txn, CS_SEND_EMAIL, op, inputs, store, { policy }));
}

Deno.test("SEND records the message in the default outbox and answers queued", async () => {
  const txn = new FakeTxn();
  const r = await run(
    txn,
    "SEND",
    {
      recipient: "a@b.c",
      subject: "Wallet Created",
      body: "Your wallet has been created successfully.",
    },
    null,
    { enabled: true },
  );
  const id = deriveMessageId("_outbox/email.jsonl", 1, NOW);
  assert.match(id, /^MSG_[0-9a-f]{32}$/);
  assert.deepEqual(r, {
    status: "SUCCESS",
    result: {
      result_status: "SUCCESS",
      delivery_status: "queued",
      message_id: id,
      sequence_number: 1,
    },
  });
  assert.equal(DEFAULT_OUTBOX.path, "_outbox/email.jsonl");
  const lines = txn.logOf(DEFAULT_OUTBOX.path);
  assert.deepEqual(lines, [{
    message_id: id,
    sequence_number: 1,
    queued_at: NOW,
    sender: "noreply@pgs.local",
    recipient: "a@b.c",
    subject: "Wallet Created",
    body: "Your wallet has been created successfully.",
    body_template: null,
    template_vars: null,
  }]);
  assert.deepEqual(txn.mutations(), [{ store: "_outbox/email.jsonl", kind: "append", key: "1" }]);
});

Deno.test("SEND uses the step store, the policy sender, `to`, the default subject and templates", async () => {
  const txn = new FakeTxn();
  const store: StoreRef = { path: "mail/out.jsonl", format: "jsonl" };
  await run(txn, "send", { to: "x@y.z" }, store, { sender: "ops@pgs.test" });
  await run(txn, "SEND", {
    recipient: "x@y.z",
    body_template: "wallet_created_notification",
    template_vars: { wallet_id: "W_1", wallet_type: "PRIVATE" },
  }, store);
  await run(
    txn,
    "SEND",
    { recipient: "x@y.z", body_template: "other", template_vars: { a: 1 } },
    store,
  );
  const lines = txn.logOf(store.path) as JsonObject[];
  assert.equal(lines.length, 3);
  assert.deepEqual(
    [lines[0].sender, lines[0].recipient, lines[0].subject, lines[0].body],
    ["ops@pgs.test", "x@y.z", "Notification", null],
  );
  assert.equal(lines[1].body, "Your wallet W_1 (PRIVATE) has been created successfully.");
  assert.deepEqual(
    [lines[2].body, lines[2].body_template, lines[2].template_vars],
    [null, "other", { a: 1 }],
  );
  assert.equal(lines[2].message_id, deriveMessageId(store.path, 3, NOW));
  assert.equal(txn.logOf(DEFAULT_OUTBOX.path).length, 0);
});

Deno.test("SEND refuses a bad recipient or shapes with VIOLATION and records nothing", async () => {
  const txn = new FakeTxn();
  const cases: Array<[JsonObject, string]> = [
    [{}, "Invalid recipient: expected an e-mail address"],
    [{ recipient: "no-at-sign" }, "Invalid recipient: expected an e-mail address"],
    [{ recipient: ["a@b.c"] }, "Invalid recipient: expected an e-mail address"],
    [{ recipient: "a@b.c", subject: 3 }, "Invalid subject: expected a string"],
    [{ recipient: "a@b.c", body: {} }, "Invalid body: expected a string"],
    [{ recipient: "a@b.c", template_vars: [] }, "Invalid template_vars: expected an object"],
    [
      { recipient: "a@b.c", body_template: "wallet_created_notification", template_vars: {} },
      'Invalid template_vars: "wallet_id" is missing',
    ],
  ];
  for (const [inputs, message] of cases) {
    assert.deepEqual(await run(txn, "SEND", inputs), {
      status: "VIOLATION",
      result: { result_status: "VIOLATION", message },
    });
  }
  assert.deepEqual(txn.mutations(), []);
});

Deno.test("SEND never calls a transport; a deliverer reads committed lines with toOutboxMessage()", async () => {
  const txn = new FakeTxn();
  const sent: OutboxMessage[] = [];
  const transport: EmailTransport = {
    send: (m) => {
      sent.push(m);
      return Promise.resolve();
    },
  };
  await run(txn, "SEND", { recipient: "a@b.c", body: "hi" });
  assert.deepEqual(sent, []);
  for (const line of txn.logOf(DEFAULT_OUTBOX.path)) {
    const message = toOutboxMessage(line);
    if (message) await transport.send(message);
  }
  assert.deepEqual(sent, [{
    message_id: deriveMessageId(DEFAULT_OUTBOX.path, 1, NOW),
    sender: "noreply@pgs.local",
    recipient: "a@b.c",
    subject: "Notification",
    body: "hi",
    body_template: null,
    template_vars: null,
  }]);
  assert.equal(toOutboxMessage({ message_id: 1 }), null);
  assert.equal(toOutboxMessage("x"), null);
});

Deno.test("send email: unknown op gives BACKEND_ERROR", async () => {
  assert.deepEqual(await run(new FakeTxn(), "DELIVER", { recipient: "a@b.c" }), {
    status: "BACKEND_ERROR",
    result: { result_status: "BACKEND_ERROR", message: "No backend handler for op: DELIVER" },
  });
});
