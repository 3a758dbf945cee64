/**
 * Writes `examples/workspace/`: a small PGS workspace authored by this project (a member
 * registry), in the real artifact format with correct content hashes. Run it after editing
 * the definitions below: `deno run --allow-write examples/build_workspace.ts`.
 *
 * @module
 */
import { type ArtifactKindName, authorArtifact } from "../snapshot/author.ts";

type Json = Record<string, unknown>;

const NS = "club";
const CT_ID = "capability_transforms::CT_PURE_GENERATE_ID_V0";
const CS_REGISTRY = "capability_side_effects::CS_REGISTRY_V0";
const CS_APPEND = "capability_side_effects::CS_APPENDONLY_JSONL_V0";

function artifact(
  _dir: string,
  type: string,
  fqdn: string,
  summary: string,
  frontmatter: Json,
  extra: Json = {},
) {
  return authorArtifact(type as ArtifactKindName, fqdn, frontmatter, {
    summary,
    extra,
    layer: "EXAMPLE",
  });
}

const generateId = artifact(
  "capability_transforms",
  "CT",
  CT_ID,
  "Deterministic id: prefix + first 16 hex digits of sha256 over canonical JSON of {value: data}.",
  {
    ct_code: "CT_PURE_GENERATE_ID_V0",
    core: {
      inputs: { data: { type: "any", required: true }, prefix: { type: "string", required: true } },
      outputs: { id: { type: "string", required: true } },
    },
  },
  {
    ct_ir: {
      ct_code: "CT_PURE_GENERATE_ID_V0",
      ct_fqdn: CT_ID,
      ct_composition_version: "V0",
      inputs: { data: { type: "any", required: true }, prefix: { type: "string", required: true } },
      atom_stream: [{
        atom: CT_ID,
        args: { data: "$.inputs.data", prefix: "$.inputs.prefix" },
        out: "__atom_result__",
      }],
      outputs: { id: { from: "__atom_result__" } },
    },
  },
);

const sideEffect = (fqdn: string, summary: string, ops: string[]) =>
  artifact("capability_side_effects", "CS", fqdn, summary, {
    cs_code: fqdn.split("::")[1],
    core: { operations: ops },
  }, {
    cs_ir: { cs_metadata: { capability: { supported_operation_specs: ops } } },
  });

const structure = artifact(
  "structures",
  "STRUCTURE",
  `${NS}::STRUCTURE_CLUB_STORAGE_V0`,
  "Where club state lives.",
  {
    core: {
      domain: NS,
      entity_stores: {
        MEMBERS: { path: "club/registry/members.json", description: "member id registry" },
        MEMBER_EVENTS: {
          path: "club/events/member_events.jsonl",
          description: "member event journal",
        },
      },
    },
  },
);

const binding = artifact(
  "runtime_bindings",
  "RB",
  `${NS}::RB_REGISTER_MEMBER_V0`,
  "Bindings of the member workflow.",
  {
    core: {
      storage_structure: `${NS}::STRUCTURE_CLUB_STORAGE_V0`,
      bindings: { [CS_REGISTRY]: { policy: {} }, [CS_APPEND]: { policy: {} } },
    },
  },
);

const intent = artifact(
  "intents",
  "IN",
  `${NS}::IN_MEMBER_APPLIED_V0`,
  "A person applies for membership.",
  {
    core: {
      workflow: "WF_REGISTER_MEMBER_V0",
      inputs: {
        member: {
          type: "object",
          required: true,
          fields: {
            name: { type: "string", required: true },
            email: { type: "string", required: true, format: "email" },
          },
        },
      },
    },
  },
);

const step = (name: string, body: Json) => ({ step: name, ...body });

const deriveId = artifact(
  "capability_contracts",
  "CC",
  `${NS}::CC_DERIVE_MEMBER_ID_V0`,
  "Derive the member id.",
  {
    core: {
      inputs: { member: { type: "object", required: true } },
      result_status_contract: { allowed: ["SUCCESS", "VIOLATION"], on_input_failure: "VIOLATION" },
      pipeline: [step("derive_member_id", {
        transform: CT_ID,
        op: "GENERATE_ID",
        inputs: {
          prefix: "M",
          data: { name: "$.inputs.member.name", email: "$.inputs.member.email" },
        },
        outputs: { member_id: "$.capability_result.id" },
        on_result: { SUCCESS: "exit", VIOLATION: "exit" },
      })],
    },
  },
);

const register = artifact(
  "capability_contracts",
  "CC",
  `${NS}::CC_REGISTER_MEMBER_V0`,
  "Register the member id once.",
  {
    core: {
      inputs: { member_id: { type: "string", required: true } },
      result_status_contract: {
        allowed: ["SUCCESS", "ALREADY_EXISTS", "VIOLATION", "BACKEND_ERROR"],
        on_input_failure: "VIOLATION",
      },
      pipeline: [step("register_member", {
        side_effect: CS_REGISTRY,
        op: "REGISTER",
        store: "MEMBERS",
        inputs: {
          key: "$.inputs.member_id",
          target_cs: "CS_APPENDONLY_JSONL_V0",
          target_ref: "$.inputs.member_id",
        },
        outputs: {},
        on_result: {
          SUCCESS: "exit",
          ALREADY_EXISTS: "exit",
          VIOLATION: "exit",
          BACKEND_ERROR: "exit",
        },
      })],
    },
  },
);

const appendEvent = artifact(
  "capability_contracts",
  "CC",
  `${NS}::CC_APPEND_MEMBER_EVENT_V0`,
  "Journal a member event.",
  {
    core: {
      inputs: {
        member_id: { type: "string", required: true },
        event_code: { type: "string", required: true },
      },
      result_status_contract: {
        allowed: ["SUCCESS", "VIOLATION", "BACKEND_ERROR"],
        on_input_failure: "VIOLATION",
      },
      pipeline: [step("append_member_event", {
        side_effect: CS_APPEND,
        op: "APPEND",
        store: "MEMBER_EVENTS",
        inputs: {
          actor_id: "$.inputs.member_id",
          stream_id: "$.inputs.member_id",
          record: {
            event_code: "$.inputs.event_code",
            member_id: "$.inputs.member_id",
            at: "{{timestamp}}",
          },
        },
        outputs: { sequence_number: "$.capability_result.sequence_number" },
        on_result: { SUCCESS: "exit", VIOLATION: "exit", BACKEND_ERROR: "exit" },
      })],
    },
  },
);

const workflow = artifact(
  "workflows",
  "WF",
  `${NS}::WF_REGISTER_MEMBER_V0`,
  "Register a club member; a repeat registration is journalled, not duplicated.",
  {
    wf_code: "WF_REGISTER_MEMBER_V0",
    runtime_binding: `${NS}::RB_REGISTER_MEMBER_V0`,
    core: {
      summary: "Register a member",
      start_node: "IN_MEMBER_APPLIED_V0",
      nodes: {
        IN_MEMBER_APPLIED_V0: {
          type: "IN",
          fqdn_id: `${NS}::IN_MEMBER_APPLIED_V0`,
          next: { ACK: "CC_DERIVE_MEMBER_ID_V0", NACK: "EXIT_REJECTED" },
        },
        CC_DERIVE_MEMBER_ID_V0: {
          type: "CC",
          fqdn_id: `${NS}::CC_DERIVE_MEMBER_ID_V0`,
          inputs: { member: "$.payload.member" },
          next: { SUCCESS: "CC_REGISTER_MEMBER_V0", VIOLATION: "EXIT_REJECTED" },
        },
        CC_REGISTER_MEMBER_V0: {
          type: "CC",
          fqdn_id: `${NS}::CC_REGISTER_MEMBER_V0`,
          inputs: { member_id: "$.results.CC_DERIVE_MEMBER_ID_V0.member_id" },
          next: {
            SUCCESS: "JOURNAL_JOINED",
            ALREADY_EXISTS: "JOURNAL_SEEN_AGAIN",
            BACKEND_ERROR: "EXIT_FAILED",
            VIOLATION: "EXIT_FAILED",
          },
        },
        JOURNAL_JOINED: {
          type: "CC",
          fqdn_id: `${NS}::CC_APPEND_MEMBER_EVENT_V0`,
          inputs: {
            member_id: "$.results.CC_DERIVE_MEMBER_ID_V0.member_id",
            event_code: "EV_MEMBER_JOINED_V0",
          },
          next: { SUCCESS: "EXIT_DONE", BACKEND_ERROR: "EXIT_FAILED", VIOLATION: "EXIT_FAILED" },
        },
        JOURNAL_SEEN_AGAIN: {
          type: "CC",
          fqdn_id: `${NS}::CC_APPEND_MEMBER_EVENT_V0`,
          inputs: {
            member_id: "$.results.CC_DERIVE_MEMBER_ID_V0.member_id",
            event_code: "EV_MEMBER_SEEN_AGAIN_V0",
          },
          next: { SUCCESS: "EXIT_DONE", BACKEND_ERROR: "EXIT_FAILED", VIOLATION: "EXIT_FAILED" },
        },
        EXIT_DONE: { type: "EXIT", reason: "EXITED" },
        EXIT_REJECTED: { type: "EXIT", reason: "EXITED" },
        EXIT_FAILED: { type: "EXIT", reason: "FAILED" },
      },
    },
  },
);

const all = [
  generateId,
  sideEffect(CS_REGISTRY, "Register-once key registry.", [
    "REGISTER",
    "RESOLVE",
    "EXISTS",
    "DEREGISTER",
    "COUNT",
  ]),
  sideEffect(CS_APPEND, "Append-only journal.", ["APPEND", "READ_ALL"]),
  structure,
  binding,
  intent,
  deriveId,
  register,
  appendEvent,
  workflow,
];

const root = new URL("./workspace/", import.meta.url);
for (const a of all) {
  const dir = new URL(`protocol_snapshot/artifacts/${a.dir}/`, root);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(new URL(a.file, dir), JSON.stringify(a.body, null, 2) + "\n");
}
await Deno.mkdir(new URL("payloads/", root), { recursive: true });
await Deno.writeTextFile(
  new URL("payloads/ada.json", root),
  JSON.stringify({ member: { name: "Ada Lovelace", email: "ada@example.org" } }, null, 2) + "\n",
);
await Deno.writeTextFile(
  new URL("payloads/bad_email.json", root),
  JSON.stringify({ member: { name: "Nobody", email: "not-an-email" } }, null, 2) + "\n",
);
console.log(`wrote ${all.length} artifacts under ${root.pathname}`);
