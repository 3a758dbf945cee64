/**
 * CS_SEND_EMAIL_V0: SEND records the message in an outbox; it never talks to a mail
 * server inside a run.
 *
 * - The effect is the recorded message: one line appended to the step's store, or to
 *   {@link DEFAULT_OUTBOX} (`_outbox/email.jsonl`, view format "jsonl") when the step
 *   declares none. Line: `{message_id, sequence_number, queued_at, sender, recipient,
 *   subject, body, body_template, template_vars}` (absent values are null).
 * - Delivery is post-commit and out of scope of the run: an explicitly configured
 *   {@link EmailTransport} may drain committed outbox lines (see
 *   {@link toOutboxMessage}); with none configured, messages stay queued. This keeps runs
 *   deterministic and replayable and never sends mail for a run that does not commit.
 *   The reference answered `delivery_status: "skipped"` when SMTP was unconfigured and
 *   sent synchronously otherwise; we always answer `"queued"`.
 * - Inputs: `recipient` (the reference's name; the declared `to` is accepted when
 *   `recipient` is absent) must be a string containing "@", else VIOLATION. `subject`
 *   defaults to "Notification". `body` (declared; the snapshot passes it) is used as
 *   given; without it a known `body_template` is rendered with `template_vars`, else the
 *   body is null and the transport decides. `sender` comes from the RB policy (default
 *   `noreply@pgs.local`); the environment is never read.
 * - `message_id` = `MSG_` + first 32 hex of sha256(canonicalJson([outbox path, sequence,
 *   run clock])). Result: `{delivery_status: "queued", message_id, sequence_number}`.
 * - Unknown op → BACKEND_ERROR "No backend handler for op: X" (case-insensitive names).
 *
 * @module
 */
import { canonicalJson, sha256Hex } from "../../snapshot/canonical.ts";
import type { StoreRef } from "../../storage/store.ts";
import type { JsonObject, SideEffectCall, SideEffectFn, SideEffectResult } from "../capability.ts";
import { CsStatus, DEFAULT_OUTBOX } from "./constants.ts";
import { result, storeKind, violation } from "./_kind.ts";
import { copy, input, isObject } from "./_values.ts";

/** Default sender when the RB policy names none. */
export const DEFAULT_SENDER = "noreply@pgs.local";

/** Body templates known to the reference, by `body_template` name. */
export const EMAIL_TEMPLATES: Readonly<Record<string, string>> = {
  wallet_created_notification:
    "Your wallet {wallet_id} ({wallet_type}) has been created successfully.",
};

/** One queued message, as a deliverer reads it from a committed outbox line. */
export interface OutboxMessage {
  /** Derived message id. */
  readonly message_id: string;
  /** From address. */
  readonly sender: string;
  /** To address. */
  readonly recipient: string;
  /** Subject line. */
  readonly subject: string;
  /** Plain-text body, or null when only a template was given. */
  readonly body: string | null;
  /** Template name, when the step gave one. */
  readonly body_template: string | null;
  /** Template variables, when the step gave them. */
  readonly template_vars: JsonObject | null;
}

/** A mail transport a deliverer may call after commit; never called by a run. */
export interface EmailTransport {
  /** Delivers one message; rejects on failure (the deliverer decides about retries). */
  send(message: OutboxMessage): Promise<void>;
}

/** Reads a committed outbox line as a message, or null when the line is not one. */
export function toOutboxMessage(line: unknown): OutboxMessage | null {
  if (!isObject(line)) return null;
  const { message_id, sender, recipient, subject, body, body_template, template_vars } = line;
  if (
    typeof message_id !== "string" || typeof sender !== "string" ||
    typeof recipient !== "string" || typeof subject !== "string" ||
    (body !== null && typeof body !== "string") ||
    (body_template !== null && typeof body_template !== "string") ||
    (template_vars !== null && !isObject(template_vars))
  ) {
    return null;
  }
  return { message_id, sender, recipient, subject, body, body_template, template_vars };
}

/** The message id of outbox line `sequence` queued at `now` in `outboxPath`. */
export function deriveMessageId(outboxPath: string, sequence: number, now: string): string {
  return `MSG_${sha256Hex(canonicalJson([outboxPath, sequence, now])).slice(0, 32)}`;
}

function renderTemplate(template: string, vars: JsonObject): string | SideEffectResult {
  let missing: string | null = null;
  const text = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!Object.hasOwn(vars, name)) missing ??= name;
    const value = vars[name];
    return typeof value === "string" ? value : JSON.stringify(value);
  });
  return missing === null ? text : violation(`Invalid template_vars: "${missing}" is missing`);
}

async function send(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const recipient = input(call.inputs, "recipient") ?? input(call.inputs, "to");
  if (typeof recipient !== "string" || !recipient.includes("@")) {
    return violation("Invalid recipient: expected an e-mail address");
  }
  const subject = input(call.inputs, "subject") ?? "Notification";
  if (typeof subject !== "string") return violation("Invalid subject: expected a string");
  const template = input(call.inputs, "body_template");
  const vars = input(call.inputs, "template_vars");
  if (template !== null && typeof template !== "string") {
    return violation("Invalid body_template: expected a string");
  }
  if (vars !== null && !isObject(vars)) {
    return violation("Invalid template_vars: expected an object");
  }
  let body = input(call.inputs, "body");
  if (body !== null && typeof body !== "string") {
    return violation("Invalid body: expected a string");
  }
  if (body === null && template !== null && Object.hasOwn(EMAIL_TEMPLATES, template)) {
    const rendered = renderTemplate(EMAIL_TEMPLATES[template], vars ?? {});
    if (typeof rendered !== "string") return rendered;
    body = rendered;
  }
  const sender = typeof call.policy.sender === "string" ? call.policy.sender : DEFAULT_SENDER;
  const now = call.ctx.now;
  const sequence = await call.state.append(store, (sequenceNumber) => ({
    message_id: deriveMessageId(store.path, sequenceNumber, now),
    sequence_number: sequenceNumber,
    queued_at: now,
    sender,
    recipient,
    subject,
    body,
    body_template: template,
    template_vars: copy(vars),
  }));
  return result(CsStatus.SUCCESS, {
    delivery_status: "queued",
    message_id: deriveMessageId(store.path, sequence, now),
    sequence_number: sequence,
  });
}

/** CS_SEND_EMAIL_V0: SEND (into the outbox). */
export const sendEmailSideEffect: SideEffectFn = storeKind({
  code: "CS_SEND_EMAIL_V0",
  ops: { SEND: send },
  caseInsensitive: true,
  defaultStore: DEFAULT_OUTBOX,
  unknownOp: (op) =>
    result(CsStatus.BACKEND_ERROR, { message: `No backend handler for op: ${op}` }),
});
