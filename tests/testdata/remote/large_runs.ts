/**
 * A workspace whose runs are as large as a test needs, for the commit planner against a
 * KV Connect server that enforces Deno KV's limits (tests/library/remote_kv_limits_test.ts):
 *
 * - `WF_NOTE_V0` appends the payload's `note` to one journal, so a long note makes a value
 *   larger than one KV value and, longer still, a run larger than one commit;
 * - `WF_READ_V0` reads the journal back (in another process: the parts come from the server);
 * - `WF_ITEMS_V0` registers each of `items` in a child run: over a thousand mutations;
 * - `WF_SPREAD_V0` appends to {@link SPREAD_STORES} journals in one CC: one check per store,
 *   more than a KV Connect commit carries (like the shared workspace's chain simulation);
 *   `note` tags the records, so a test can tell the runs apart in every journal;
 * - `WF_JOIN_V0` registers the payload's `name` in the members registry and, when it is
 *   new, appends it to the members journal (two stores: per-store checks);
 * - `WF_JOIN_WIDE_V0` does the same, then appends the name to every spread journal
 *   ({@link SPREAD_STORES} + 2 stores: validated against the commit epoch on KV Connect).
 *
 * @module
 */
import { authorArtifact, type AuthoredArtifact } from "../../../snapshot/author.ts";

type Json = Record<string, unknown>;

/** Namespace of every artifact. */
export const NS = "big";
/** Journals `WF_SPREAD_V0` writes (each store of a run is one check of its commit). */
export const SPREAD_STORES = 16;
/** Path of the notes journal (data-root relative). */
export const NOTES_STORE = "big/notes.jsonl";
/** Path of the members registry. */
export const MEMBERS_STORE = "big/members.jsonl";
/** Path of the members journal. */
export const MEMBER_LOG_STORE = "big/member_log.jsonl";

/** Path of spread journal `i`. */
export function spreadStore(i: number): string {
  return `big/spread_${i}.jsonl`;
}

const CS_APPEND = "capability_side_effects::CS_APPENDONLY_JSONL_V0";
const CS_REGISTRY = "capability_side_effects::CS_REGISTRY_V0";
const CS_LOOP = "capability_side_effects::CS_WORKFLOW_LOOP_V0";

function artifact(kind: string, fqdn: string, frontmatter: Json, extra: Json = {}) {
  return authorArtifact(kind as "WF", fqdn, frontmatter, { extra, layer: "TEST" });
}

function sideEffect(fqdn: string, ops: string[]): AuthoredArtifact {
  return artifact("CS", fqdn, { cs_code: fqdn.split("::")[1], core: { operations: ops } }, {
    cs_ir: { cs_metadata: { capability: { supported_operation_specs: ops } } },
  });
}

const exits = (...statuses: string[]) => Object.fromEntries(statuses.map((s) => [s, "exit"]));

function contract(code: string, inputs: Json, pipeline: Json[]): AuthoredArtifact {
  return artifact("CC", `${NS}::${code}`, {
    core: { inputs, result_status_contract: { on_input_failure: "VIOLATION" }, pipeline },
  });
}

/** IN → one CC → EXIT (COMPLETED on SUCCESS, FAILED otherwise). */
function workflow(code: string, cc: string, inputs: Json): AuthoredArtifact {
  return artifact("WF", `${NS}::${code}`, {
    wf_code: code,
    runtime_binding: `${NS}::RB_BIG_V0`,
    core: {
      start_node: "IN",
      nodes: {
        IN: { type: "IN", fqdn_id: `${NS}::IN_ANY_V0`, next: { ACK: "CC" } },
        CC: {
          type: "CC",
          fqdn_id: `${NS}::${cc}`,
          inputs,
          next: {
            SUCCESS: "EXIT",
            ALREADY_EXISTS: "EXIT",
            VIOLATION: "EXIT_FAILED",
            BACKEND_ERROR: "EXIT_FAILED",
          },
        },
        EXIT: { type: "EXIT", reason: "COMPLETED" },
        EXIT_FAILED: { type: "EXIT", reason: "FAILED" },
      },
    },
  });
}

/** Every artifact of the workspace. */
export function largeRunArtifacts(): AuthoredArtifact[] {
  const stores: Json = {
    NOTES: { path: NOTES_STORE },
    ITEMS: { path: "big/items.json" },
    MEMBERS: { path: MEMBERS_STORE },
    MEMBER_LOG: { path: MEMBER_LOG_STORE },
  };
  for (let i = 0; i < SPREAD_STORES; i++) stores[`S${i}`] = { path: spreadStore(i) };
  const spread = (record: Json) =>
    Array.from({ length: SPREAD_STORES }, (_, i) => ({
      step: `append_${i}`,
      side_effect: CS_APPEND,
      op: "APPEND",
      store: `S${i}`,
      inputs: { actor_id: "writer", stream_id: "spread", record },
      outputs: {},
      on_result: {
        SUCCESS: i === SPREAD_STORES - 1 ? "exit" : "continue",
        VIOLATION: "exit",
        BACKEND_ERROR: "exit",
      },
    }));
  const join = [
    {
      step: "register",
      side_effect: CS_REGISTRY,
      op: "REGISTER",
      store: "MEMBERS",
      inputs: { key: "$.inputs.name" },
      outputs: {},
      on_result: {
        SUCCESS: "continue",
        ALREADY_EXISTS: "exit",
        VIOLATION: "exit",
        BACKEND_ERROR: "exit",
      },
    },
    {
      step: "log",
      side_effect: CS_APPEND,
      op: "APPEND",
      store: "MEMBER_LOG",
      inputs: { actor_id: "writer", stream_id: "members", record: { name: "$.inputs.name" } },
      outputs: { sequence_number: "$.capability_result.sequence_number" },
      on_result: { SUCCESS: "continue", VIOLATION: "exit", BACKEND_ERROR: "exit" },
    },
  ];
  const bindings = Object.fromEntries([CS_APPEND, CS_REGISTRY, CS_LOOP].map((cs) => [cs, {
    policy: {},
  }]));
  return [
    sideEffect(CS_APPEND, ["APPEND", "READ_ALL"]),
    sideEffect(CS_REGISTRY, ["REGISTER"]),
    sideEffect(CS_LOOP, ["EXECUTE_SEQUENCE"]),
    artifact("STRUCTURE", `${NS}::STRUCTURE_BIG_V0`, { core: { entity_stores: stores } }),
    artifact("RB", `${NS}::RB_BIG_V0`, {
      core: { storage_structure: `${NS}::STRUCTURE_BIG_V0`, bindings },
    }),
    artifact("IN", `${NS}::IN_ANY_V0`, { core: { inputs: {} } }),
    contract("CC_NOTE_V0", { note: { type: "string", required: true } }, [{
      step: "append",
      side_effect: CS_APPEND,
      op: "APPEND",
      store: "NOTES",
      inputs: { actor_id: "writer", stream_id: "notes", record: { note: "$.inputs.note" } },
      outputs: { sequence_number: "$.capability_result.sequence_number" },
      on_result: exits("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
    }]),
    contract("CC_READ_V0", {}, [{
      step: "read",
      side_effect: CS_APPEND,
      op: "READ_ALL",
      store: "NOTES",
      inputs: {},
      outputs: { entries: "$.capability_result.entries" },
      on_result: exits("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
    }]),
    contract("CC_ITEM_V0", { id: { type: "string", required: true } }, [{
      step: "register",
      side_effect: CS_REGISTRY,
      op: "REGISTER",
      store: "ITEMS",
      inputs: { key: "$.inputs.id" },
      outputs: {},
      on_result: exits("SUCCESS", "ALREADY_EXISTS", "VIOLATION", "BACKEND_ERROR"),
    }]),
    contract("CC_ITEMS_V0", { items: { type: "array", required: true } }, [{
      step: "each",
      side_effect: CS_LOOP,
      op: "EXECUTE_SEQUENCE",
      inputs: {
        sequence: "$.inputs.items",
        item_wf: { code: `${NS}::WF_ITEM_V0`, payload_fields: { id: "id" } },
      },
      outputs: { items_processed: "$.capability_result.items_processed" },
      on_result: exits("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
    }]),
    contract(
      "CC_SPREAD_V0",
      { note: { type: "string", required: false } },
      spread({
        note: "$.inputs.note",
      }),
    ),
    contract("CC_JOIN_V0", { name: { type: "string", required: true } }, [
      join[0],
      { ...join[1], on_result: exits("SUCCESS", "VIOLATION", "BACKEND_ERROR") },
    ]),
    contract("CC_JOIN_WIDE_V0", { name: { type: "string", required: true } }, [
      ...join,
      ...spread({ name: "$.inputs.name" }),
    ]),
    workflow("WF_NOTE_V0", "CC_NOTE_V0", { note: "$.payload.note" }),
    workflow("WF_READ_V0", "CC_READ_V0", {}),
    workflow("WF_ITEM_V0", "CC_ITEM_V0", { id: "$.payload.id" }),
    workflow("WF_ITEMS_V0", "CC_ITEMS_V0", { items: "$.payload.items" }),
    workflow("WF_SPREAD_V0", "CC_SPREAD_V0", { note: "$.payload.note" }),
    workflow("WF_JOIN_V0", "CC_JOIN_V0", { name: "$.payload.name" }),
    workflow("WF_JOIN_WIDE_V0", "CC_JOIN_WIDE_V0", { name: "$.payload.name" }),
  ];
}
