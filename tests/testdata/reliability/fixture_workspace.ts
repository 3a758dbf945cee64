/**
 * A tiny workspace written by code for the reliability tests: an item registry (the
 * shape of the club example) plus a looping batch workflow (CS_WORKFLOW_LOOP_V0 running
 * the item workflow per element), a workflow that calls itself through
 * CS_WORKFLOW_GATEWAY_V0 forever, one whose CC status has no `next` entry, and one
 * whose last step is a capability the tests bind to a throwing implementation. Every
 * artifact has a correct `content_hash`.
 *
 * @module
 */
import { type ArtifactKindName, authorArtifact } from "../../../snapshot/author.ts";
import { tempDir } from "../../_support/tmp.ts";

type Json = Record<string, unknown>;

/** Namespace of every fixture artifact. */
export const NS = "rel";
/** Item workflow: register an item id once, journal joined / seen again. */
export const WF_ITEM = `${NS}::WF_ITEM_V0`;
/** Batch workflow: CS_WORKFLOW_LOOP_V0 runs {@link WF_ITEM} for each of `items`. */
export const WF_BATCH = `${NS}::WF_BATCH_V0`;
/** Calls itself through CS_WORKFLOW_GATEWAY_V0 until the step budget stops it. */
export const WF_RUNAWAY = `${NS}::WF_RUNAWAY_V0`;
/** Its CC ends VIOLATION (missing required input), which has no `next` entry. */
export const WF_NO_NEXT = `${NS}::WF_NO_NEXT_V0`;
/** CS_WORKFLOW_GATEWAY_V0 runs {@link WF_BATCH}, whose loop runs {@link WF_ITEM}: depth 2. */
export const WF_NEST = `${NS}::WF_NEST_V0`;
/** Registers, journals, then calls {@link CS_EXPLODE} (bound by the tests to a thrower). */
export const WF_EXPLODE = `${NS}::WF_EXPLODE_V0`;
/** A CS kind with no built-in implementation; tests bind it to a throwing function. */
export const CS_EXPLODE = "capability_side_effects::CS_REL_EXPLODE_V0";
/** Registry store of items (a CS_REGISTRY_V0 store: its view is a jsonl log). */
export const ITEMS_STORE = "rel/registry/items.json";
/** Journal of item events (CS_APPENDONLY_JSONL_V0). */
export const EVENTS_STORE = "rel/events/item_events.jsonl";

const CT_ID = "capability_transforms::CT_PURE_GENERATE_ID_V0";
const CS_REGISTRY = "capability_side_effects::CS_REGISTRY_V0";
const CS_APPEND = "capability_side_effects::CS_APPENDONLY_JSONL_V0";
const CS_GATEWAY = "capability_side_effects::CS_WORKFLOW_GATEWAY_V0";
const CS_LOOP = "capability_side_effects::CS_WORKFLOW_LOOP_V0";

/** One artifact file: its kind directory, file name and JSON body. */
export interface ArtifactFile {
  /** Kind directory under `protocol_snapshot/artifacts/`. */
  readonly dir: string;
  /** `<ns>__<CODE>.json`. */
  readonly file: string;
  /** The envelope. */
  readonly body: Json;
}

/** Builds an artifact envelope whose `content` embeds the frontmatter and is hashed. */
export function artifact(
  dir: string,
  type: string,
  fqdn: string,
  frontmatter: Json,
  extra: Json = {},
): ArtifactFile {
  // `dir` is kept as given: hostile tests put an artifact of one type in another's folder.
  const a = authorArtifact(type as ArtifactKindName, fqdn, frontmatter, { extra, layer: "TEST" });
  return { ...a, dir };
}

/** A CT artifact whose single atom is `atom` (default: the CT itself). */
export function transformArtifact(fqdn: string, atom = fqdn): ArtifactFile {
  const io = { data: { type: "any", required: true }, prefix: { type: "string", required: true } };
  return artifact("capability_transforms", "CT", fqdn, {
    ct_code: fqdn.split("::")[1],
    core: { inputs: io, outputs: { id: { type: "string", required: true } } },
  }, {
    ct_ir: {
      ct_code: fqdn.split("::")[1],
      ct_fqdn: fqdn,
      ct_composition_version: "V0",
      inputs: io,
      atom_stream: [{
        atom,
        args: { data: "$.inputs.data", prefix: "$.inputs.prefix" },
        out: "__r__",
      }],
      outputs: { id: { from: "__r__" } },
    },
  });
}

/** A CS artifact. */
export function sideEffectArtifact(fqdn: string, ops: string[]): ArtifactFile {
  return artifact("capability_side_effects", "CS", fqdn, {
    cs_code: fqdn.split("::")[1],
    core: { operations: ops },
  }, { cs_ir: { cs_metadata: { capability: { supported_operation_specs: ops } } } });
}

/** A CC artifact with the given pipeline. */
export function contractArtifact(
  fqdn: string,
  inputs: Record<string, { type: string; required: boolean }>,
  pipeline: Json[],
  extra: Json = {},
): ArtifactFile {
  return artifact("capability_contracts", "CC", fqdn, {
    core: {
      inputs,
      result_status_contract: { on_input_failure: "VIOLATION" },
      pipeline,
      ...extra,
    },
  });
}

/** A WF artifact bound to the fixture's runtime binding. */
export function workflowArtifact(fqdn: string, start: string, nodes: Json): ArtifactFile {
  return artifact("workflows", "WF", fqdn, {
    wf_code: fqdn.split("::")[1],
    runtime_binding: `${NS}::RB_REL_V0`,
    core: { start_node: start, nodes },
  });
}

const exitOnAll = (...statuses: string[]) => Object.fromEntries(statuses.map((s) => [s, "exit"]));

/** Every artifact of the fixture workspace. */
export function fixtureArtifacts(): ArtifactFile[] {
  const itemIntent = artifact("intents", "IN", `${NS}::IN_ITEM_V0`, {
    core: { inputs: { name: { type: "string", required: true } } },
  });
  const batchIntent = artifact("intents", "IN", `${NS}::IN_BATCH_V0`, {
    core: {
      inputs: {
        items: { type: "array", required: true, minItems: 1, items: { type: "object" } },
      },
    },
  });
  const structure = artifact("structures", "STRUCTURE", `${NS}::STRUCTURE_REL_STORAGE_V0`, {
    core: {
      entity_stores: {
        ITEMS: { path: ITEMS_STORE },
        ITEM_EVENTS: { path: EVENTS_STORE },
      },
    },
  });
  const binding = artifact("runtime_bindings", "RB", `${NS}::RB_REL_V0`, {
    core: {
      storage_structure: `${NS}::STRUCTURE_REL_STORAGE_V0`,
      bindings: {
        [CS_REGISTRY]: { policy: {} },
        [CS_APPEND]: { policy: {} },
        [CS_GATEWAY]: { policy: {} },
        [CS_LOOP]: { policy: {} },
        [CS_EXPLODE]: { policy: {} },
      },
    },
  });
  const derive = contractArtifact(`${NS}::CC_DERIVE_ITEM_ID_V0`, {
    name: { type: "string", required: true },
  }, [{
    step: "derive_item_id",
    transform: CT_ID,
    op: "GENERATE_ID",
    inputs: { prefix: "I", data: { name: "$.inputs.name" } },
    outputs: { item_id: "$.capability_result.id" },
    on_result: exitOnAll("SUCCESS", "VIOLATION"),
  }]);
  const register = contractArtifact(`${NS}::CC_REGISTER_ITEM_V0`, {
    item_id: { type: "string", required: true },
  }, [{
    step: "register_item",
    side_effect: CS_REGISTRY,
    op: "REGISTER",
    store: "ITEMS",
    inputs: {
      key: "$.inputs.item_id",
      target_cs: "CS_APPENDONLY_JSONL_V0",
      target_ref: "$.inputs.item_id",
    },
    outputs: {},
    on_result: exitOnAll("SUCCESS", "ALREADY_EXISTS", "VIOLATION", "BACKEND_ERROR"),
  }]);
  const journal = contractArtifact(`${NS}::CC_APPEND_ITEM_EVENT_V0`, {
    item_id: { type: "string", required: true },
    event_code: { type: "string", required: true },
  }, [{
    step: "append_item_event",
    side_effect: CS_APPEND,
    op: "APPEND",
    store: "ITEM_EVENTS",
    inputs: {
      actor_id: "$.inputs.item_id",
      stream_id: "$.inputs.item_id",
      record: { event_code: "$.inputs.event_code", item_id: "$.inputs.item_id" },
    },
    outputs: { sequence_number: "$.capability_result.sequence_number" },
    on_result: exitOnAll("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
  }]);
  const loop = contractArtifact(`${NS}::CC_RUN_ITEMS_V0`, {
    items: { type: "array", required: true },
  }, [{
    step: "run_items",
    side_effect: CS_LOOP,
    op: "EXECUTE_SEQUENCE",
    inputs: {
      sequence: "$.inputs.items",
      item_wf: { code: WF_ITEM, payload_fields: { name: "name" } },
    },
    outputs: { items_processed: "$.capability_result.items_processed" },
    on_result: exitOnAll("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
  }]);
  const recurse = contractArtifact(`${NS}::CC_RECURSE_V0`, {}, [{
    step: "call_self",
    side_effect: CS_GATEWAY,
    op: "EXECUTE",
    inputs: { workflow_code: WF_RUNAWAY, payload: { again: true } },
    outputs: {},
    on_result: exitOnAll("SUCCESS", "VIOLATION", "BACKEND_ERROR", "NOT_FOUND"),
  }]);
  const nest = contractArtifact(`${NS}::CC_RUN_BATCH_V0`, {
    items: { type: "array", required: true },
  }, [{
    step: "run_batch",
    side_effect: CS_GATEWAY,
    op: "EXECUTE",
    inputs: { workflow_code: WF_BATCH, payload: { items: "$.inputs.items" } },
    outputs: {},
    on_result: exitOnAll("SUCCESS", "VIOLATION", "BACKEND_ERROR", "NOT_FOUND"),
  }]);
  const explode = contractArtifact(`${NS}::CC_EXPLODE_V0`, {
    item_id: { type: "string", required: true },
  }, [{
    step: "explode",
    side_effect: CS_EXPLODE,
    op: "BOOM",
    store: "ITEM_EVENTS",
    inputs: { item_id: "$.inputs.item_id" },
    outputs: {},
    on_result: exitOnAll("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
  }]);
  const itemId = "$.results.CC_DERIVE_ITEM_ID_V0.item_id";
  const fail3 = { BACKEND_ERROR: "EXIT_FAILED", VIOLATION: "EXIT_FAILED" };
  const item = workflowArtifact(WF_ITEM, "IN_ITEM_V0", {
    IN_ITEM_V0: {
      type: "IN",
      fqdn_id: `${NS}::IN_ITEM_V0`,
      next: { ACK: "CC_DERIVE_ITEM_ID_V0", NACK: "EXIT_REJECTED" },
    },
    CC_DERIVE_ITEM_ID_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_DERIVE_ITEM_ID_V0`,
      inputs: { name: "$.payload.name" },
      next: { SUCCESS: "CC_REGISTER_ITEM_V0", VIOLATION: "EXIT_REJECTED" },
    },
    CC_REGISTER_ITEM_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_REGISTER_ITEM_V0`,
      inputs: { item_id: itemId },
      next: { SUCCESS: "JOURNAL_JOINED", ALREADY_EXISTS: "JOURNAL_SEEN_AGAIN", ...fail3 },
    },
    JOURNAL_JOINED: {
      type: "CC",
      fqdn_id: `${NS}::CC_APPEND_ITEM_EVENT_V0`,
      inputs: { item_id: itemId, event_code: "EV_ITEM_JOINED_V0" },
      next: { SUCCESS: "EXIT_DONE", ...fail3 },
    },
    JOURNAL_SEEN_AGAIN: {
      type: "CC",
      fqdn_id: `${NS}::CC_APPEND_ITEM_EVENT_V0`,
      inputs: { item_id: itemId, event_code: "EV_ITEM_SEEN_AGAIN_V0" },
      next: { SUCCESS: "EXIT_DONE", ...fail3 },
    },
    EXIT_DONE: { type: "EXIT", reason: "EXITED" },
    EXIT_REJECTED: { type: "EXIT", reason: "EXITED" },
    EXIT_FAILED: { type: "EXIT", reason: "FAILED" },
  });
  const batch = workflowArtifact(WF_BATCH, "IN_BATCH_V0", {
    IN_BATCH_V0: {
      type: "IN",
      fqdn_id: `${NS}::IN_BATCH_V0`,
      next: { ACK: "CC_RUN_ITEMS_V0", NACK: "EXIT_REJECTED" },
    },
    CC_RUN_ITEMS_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_RUN_ITEMS_V0`,
      inputs: { items: "$.payload.items" },
      next: { SUCCESS: "EXIT_DONE", ...fail3 },
    },
    EXIT_DONE: { type: "EXIT", reason: "EXITED" },
    EXIT_REJECTED: { type: "EXIT", reason: "EXITED" },
    EXIT_FAILED: { type: "EXIT", reason: "FAILED" },
  });
  const nested = workflowArtifact(WF_NEST, "IN_BATCH_V0", {
    IN_BATCH_V0: {
      type: "IN",
      fqdn_id: `${NS}::IN_BATCH_V0`,
      next: { ACK: "CC_RUN_BATCH_V0", NACK: "EXIT_REJECTED" },
    },
    CC_RUN_BATCH_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_RUN_BATCH_V0`,
      inputs: { items: "$.payload.items" },
      next: { SUCCESS: "EXIT_DONE", NOT_FOUND: "EXIT_FAILED", ...fail3 },
    },
    EXIT_DONE: { type: "EXIT", reason: "EXITED" },
    EXIT_REJECTED: { type: "EXIT", reason: "EXITED" },
    EXIT_FAILED: { type: "EXIT", reason: "FAILED" },
  });
  const runaway = workflowArtifact(WF_RUNAWAY, "IN_ANY", {
    IN_ANY: { type: "IN", next: { ACK: "CC_RECURSE_V0" } },
    CC_RECURSE_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_RECURSE_V0`,
      next: {
        SUCCESS: "EXIT_DONE",
        VIOLATION: "EXIT_FAILED",
        BACKEND_ERROR: "EXIT_FAILED",
        NOT_FOUND: "EXIT_FAILED",
      },
    },
    EXIT_DONE: { type: "EXIT", reason: "EXITED" },
    EXIT_FAILED: { type: "EXIT", reason: "FAILED" },
  });
  const noNext = workflowArtifact(WF_NO_NEXT, "IN_ANY", {
    IN_ANY: { type: "IN", next: { ACK: "CC_DERIVE_ITEM_ID_V0" } },
    CC_DERIVE_ITEM_ID_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_DERIVE_ITEM_ID_V0`,
      inputs: { name: "$.payload.name" },
      next: { SUCCESS: "EXIT_DONE" },
    },
    EXIT_DONE: { type: "EXIT", reason: "EXITED" },
  });
  const exploding = workflowArtifact(WF_EXPLODE, "IN_ITEM_V0", {
    IN_ITEM_V0: { type: "IN", fqdn_id: `${NS}::IN_ITEM_V0`, next: { ACK: "CC_DERIVE_ITEM_ID_V0" } },
    CC_DERIVE_ITEM_ID_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_DERIVE_ITEM_ID_V0`,
      inputs: { name: "$.payload.name" },
      next: { SUCCESS: "CC_REGISTER_ITEM_V0" },
    },
    CC_REGISTER_ITEM_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_REGISTER_ITEM_V0`,
      inputs: { item_id: itemId },
      next: { SUCCESS: "JOURNAL_JOINED", ALREADY_EXISTS: "JOURNAL_JOINED" },
    },
    JOURNAL_JOINED: {
      type: "CC",
      fqdn_id: `${NS}::CC_APPEND_ITEM_EVENT_V0`,
      inputs: { item_id: itemId, event_code: "EV_ITEM_JOINED_V0" },
      next: { SUCCESS: "CC_EXPLODE_V0" },
    },
    CC_EXPLODE_V0: {
      type: "CC",
      fqdn_id: `${NS}::CC_EXPLODE_V0`,
      inputs: { item_id: itemId },
      next: { SUCCESS: "EXIT_DONE" },
    },
    EXIT_DONE: { type: "EXIT", reason: "EXITED" },
  });
  return [
    transformArtifact(CT_ID),
    sideEffectArtifact(CS_REGISTRY, ["REGISTER", "RESOLVE", "EXISTS", "DEREGISTER", "COUNT"]),
    sideEffectArtifact(CS_APPEND, ["APPEND", "READ_ALL"]),
    sideEffectArtifact(CS_GATEWAY, ["EXECUTE"]),
    sideEffectArtifact(CS_LOOP, ["EXECUTE_SEQUENCE"]),
    sideEffectArtifact(CS_EXPLODE, ["BOOM"]),
    itemIntent,
    batchIntent,
    structure,
    binding,
    derive,
    register,
    journal,
    loop,
    recurse,
    nest,
    explode,
    item,
    batch,
    nested,
    runaway,
    noNext,
    exploding,
  ];
}

/** Writes one artifact under `<workspace>/protocol_snapshot/artifacts/`. */
export async function writeArtifact(workspace: string, a: ArtifactFile): Promise<void> {
  const dir = `${workspace}/protocol_snapshot/artifacts/${a.dir}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/${a.file}`, JSON.stringify(a.body, null, 2) + "\n");
}

/** Writes the fixture workspace (snapshot only) to `workspace`. */
export async function writeFixtureWorkspace(workspace: string): Promise<void> {
  for (const a of fixtureArtifacts()) await writeArtifact(workspace, a);
}

/** A temp dir holding the fixture workspace and an empty data root. */
export async function tempFixture(): Promise<{ dir: string; workspace: string; dataRoot: string }> {
  const dir = await tempDir("pgs-rel-");
  const workspace = `${dir}/workspace`;
  await writeFixtureWorkspace(workspace);
  await Deno.mkdir(`${dir}/data`);
  return { dir, workspace, dataRoot: `${dir}/data` };
}
