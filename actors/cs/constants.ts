/**
 * Wire strings of the CS kinds: snapshot FQDNs (the registry keys, verbatim), result
 * statuses and the fixed outbox store.
 *
 * @module
 */
import type { StoreRef } from "../../storage/store.ts";

/** FQDN of the symbolic-address registry kind. */
export const CS_REGISTRY = "capability_side_effects::CS_REGISTRY_V0";
/** FQDN of the append-only event log kind. */
export const CS_APPENDONLY_JSONL = "capability_side_effects::CS_APPENDONLY_JSONL_V0";
/** FQDN of the mutable key/value document kind. */
export const CS_MUTABLE_JSON = "capability_side_effects::CS_MUTABLE_JSON_V0";
/** FQDN of the public name service kind (its namespace is the long one, verbatim). */
export const CS_NAME_REGISTRY =
  "pgs_capabilities.registry.name_service.capability_side_effects::CS_NAME_REGISTRY_V0";
/** FQDN of the e-mail kind. */
export const CS_SEND_EMAIL = "capability_side_effects::CS_SEND_EMAIL_V0";
/** FQDN of the single child-workflow kind. */
export const CS_WORKFLOW_GATEWAY = "capability_side_effects::CS_WORKFLOW_GATEWAY_V0";
/** FQDN of the sequential child-workflow kind. */
export const CS_WORKFLOW_LOOP = "capability_side_effects::CS_WORKFLOW_LOOP_V0";
/** FQDN of the concurrent child-workflow kind. */
export const CS_CONCURRENT_WORKFLOWS = "capability_side_effects::CS_CONCURRENT_WORKFLOWS_V0";

/** Routable statuses the CS kinds produce. */
export const CsStatus = {
  SUCCESS: "SUCCESS",
  VIOLATION: "VIOLATION",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "ALREADY_EXISTS",
  BACKEND_ERROR: "BACKEND_ERROR",
  PARTIAL_FAILURE: "PARTIAL_FAILURE",
} as const;
/** One of {@link CsStatus}. */
export type CsStatus = typeof CsStatus[keyof typeof CsStatus];

/**
 * Where SEND records a message when the step declares no store: a data-root-relative
 * JSONL outbox that a post-commit deliverer drains.
 */
export const DEFAULT_OUTBOX: StoreRef = { path: "_outbox/email.jsonl", format: "jsonl" };
