/**
 * The built-in CS (side-effect) kinds, keyed by their snapshot FQDN, and the view format
 * of each persistent kind's store.
 *
 * Every kind is a {@link SideEffectFn}: it touches state only through `call.state` (a
 * `StateTxn`) on `call.store`, reads time only from `call.ctx.now`, derives every id
 * (registry addresses, record ids, message ids) from state, and runs child workflows
 * only through `call.runChild`.
 *
 * Conventions shared by all kinds (one file per kind documents its own decisions):
 * - `result` starts with `result_status` (= `status`), like the reference's raw dict, so
 *   the snapshot's `$.capability_result.result_status` mappings resolve.
 * - Op names form an explicit allow-list per kind. Unknown op: BACKEND_ERROR
 *   `{message}` ("No backend handler for op: X" for the persistent kinds and SEND,
 *   "Unsupported operation: X" for the workflow kinds), except NAME_REGISTRY: VIOLATION
 *   `{error}`. Op names are case-insensitive except for NAME_REGISTRY, as in the reference.
 * - A persistent kind called with `store === null` (the step declares no `store` entity
 *   and the RB policy no `path`) returns VIOLATION `{message}` naming the kind and op
 *   and how to declare a store. SEND falls back to `_outbox/email.jsonl`.
 * - A `StorageError` thrown by the transaction → BACKEND_ERROR `{message}` (SPEC §4);
 *   any other exception propagates and faults the run.
 * - Each persistent op holds a per-(transaction, store) async lock, so children started
 *   concurrently on one transaction cannot interleave a read-check-write.
 * - Values read from or written to state are deep-copied (no aliasing with the engine).
 *
 * @example
 * ```ts
 * import { BUILTIN_SIDE_EFFECTS, CS_STORE_FORMATS } from "./mod.ts";
 * const register = BUILTIN_SIDE_EFFECTS["capability_side_effects::CS_REGISTRY_V0"];
 * CS_STORE_FORMATS["capability_side_effects::CS_REGISTRY_V0"]; // "jsonl"
 * ```
 *
 * @module
 */
import type { ViewFormat } from "../../storage/store.ts";
import type { SideEffectFn } from "../capability.ts";
import {
  CS_APPENDONLY_JSONL,
  CS_CONCURRENT_WORKFLOWS,
  CS_MUTABLE_JSON,
  CS_NAME_REGISTRY,
  CS_REGISTRY,
  CS_SEND_EMAIL,
  CS_WORKFLOW_GATEWAY,
  CS_WORKFLOW_LOOP,
} from "./constants.ts";
import { REGISTRY_DOCUMENT_READS, registrySideEffect } from "./registry.ts";
import { appendOnlyJsonlSideEffect } from "./appendonly_jsonl.ts";
import { mutableJsonSideEffect } from "./mutable_json.ts";
import { nameRegistrySideEffect } from "./name_registry.ts";
import { sendEmailSideEffect } from "./send_email.ts";
import { workflowGatewaySideEffect } from "./workflow_gateway.ts";
import { workflowLoopSideEffect } from "./workflow_loop.ts";
import { concurrentWorkflowsSideEffect } from "./concurrent_workflows.ts";

export * from "./constants.ts";
export { deriveRegistryAddress, REGISTRY_DOCUMENT_READS, registrySideEffect } from "./registry.ts";
export { appendOnlyJsonlSideEffect, appendRecordId } from "./appendonly_jsonl.ts";
export { mutableJsonSideEffect } from "./mutable_json.ts";
export { nameRegistrySideEffect } from "./name_registry.ts";
export {
  DEFAULT_SENDER,
  deriveMessageId,
  EMAIL_TEMPLATES,
  type EmailTransport,
  type OutboxMessage,
  sendEmailSideEffect,
  toOutboxMessage,
} from "./send_email.ts";
export { workflowGatewaySideEffect } from "./workflow_gateway.ts";
export { workflowLoopSideEffect } from "./workflow_loop.ts";
export { concurrentWorkflowsSideEffect } from "./concurrent_workflows.ts";

/** Every built-in CS kind, keyed by its exact snapshot FQDN (all 8). */
export const BUILTIN_SIDE_EFFECTS: Readonly<Record<string, SideEffectFn>> = Object.freeze({
  [CS_REGISTRY]: registrySideEffect,
  [CS_APPENDONLY_JSONL]: appendOnlyJsonlSideEffect,
  [CS_MUTABLE_JSON]: mutableJsonSideEffect,
  [CS_NAME_REGISTRY]: nameRegistrySideEffect,
  [CS_SEND_EMAIL]: sendEmailSideEffect,
  [CS_WORKFLOW_GATEWAY]: workflowGatewaySideEffect,
  [CS_WORKFLOW_LOOP]: workflowLoopSideEffect,
  [CS_CONCURRENT_WORKFLOWS]: concurrentWorkflowsSideEffect,
});

/**
 * View format of the store each persistent kind works on: registry and append-only logs
 * and the outbox are JSONL (the view is the log), mutable and name-registry documents are
 * JSON (the view is the key map). The workflow kinds have no store.
 */
export const CS_STORE_FORMATS: Readonly<Record<string, ViewFormat>> = Object.freeze({
  [CS_REGISTRY]: "jsonl",
  [CS_APPENDONLY_JSONL]: "jsonl",
  [CS_MUTABLE_JSON]: "json",
  [CS_NAME_REGISTRY]: "json",
  [CS_SEND_EMAIL]: "jsonl",
});

/**
 * Per persistent kind, the ops that can answer from a key → value JSON document another
 * kind writes (snapshot/stores.ts: one store, one format; the v0.2/v0.4 wallet store is
 * read by CS_REGISTRY_V0 RESOLVE and written by CS_MUTABLE_JSON_V0).
 */
export const CS_DOCUMENT_READS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [CS_REGISTRY, REGISTRY_DOCUMENT_READS],
]);
