/**
 * The workspace the golden traces run on, authored with the project's own helper
 * (`authorArtifact`), plus the test capabilities it binds. Each workflow exists to make one
 * kind of run really happen, so the trace tests read what the engine writes rather than
 * records built by hand:
 *
 * - `WF_REGISTER_V0`: WF admission (forbids an event), an IN, a CC with a CT, a registry
 *   REGISTER (effect) and a gateway into `WF_NOTIFY_V0` (a child run that appends, another
 *   effect). A second run with the same payload finds the key registered (ALREADY_EXISTS),
 *   so its `address` output is missing and an evaluation ends the CC ALREADY_EXISTS: a
 *   completed run with a warning. A bad payload is refused by the intent (NACK, two
 *   reasons); a budget of 4 runs out before the gateway step (STEP_BUDGET_EXCEEDED).
 * - `WF_VERIFY_V0`: WF admission that requires two events, one of them bound to a payload
 *   field the payload lacks (ADMISSION_DENIED).
 * - `WF_LOOKUP_V0`: a registry RESOLVE of an unknown key (ENDED_NOT_FOUND, with a missing
 *   output), or a missing required input (on_input_failure, ENDED_VIOLATION).
 * - `WF_RUN_V0`: a loop over `WF_SLOT_V0`, whose run ends NOT_FOUND, so the loop says
 *   VIOLATION (ENDED_VIOLATION with a child run that did not complete).
 * - `WF_CHECK_V0`: a CS answers a status its step does not list (UNLISTED_STATUS) and the
 *   workflow has no edge for (NO_TRANSITION).
 * - `WF_EXIT_<REASON>_V0`: a CC ends with the status the payload names and every status
 *   leads to one EXIT with that reason (each classification `classify()` gives).
 * - `WF_LOOP_V0`: a CC that starts the same workflow again as a child run, until the step
 *   budget runs out (STEP_BUDGET_EXCEEDED); the compiler refuses cycles in a graph, so
 *   recursion through child runs is how a real run runs away.
 * - `WF_SIGN_V0`: a CS that throws, with the secret it was given in the message, in a CC
 *   that suppresses that field (FAULTED, redacted).
 * - `WF_BATCH_V0`: a loop over `WF_ITEM_V0`, whose second item's CS throws (a fault inside
 *   a child run).
 *
 * @module
 */
import { authorArtifact, type AuthoredArtifact, writeArtifacts } from "../../../snapshot/author.ts";
import { CtViolation, type CustomCapabilities } from "../../../mod.ts";

type Json = Record<string, unknown>;

/** Namespace of every golden artifact. */
export const NS = "demo";

/** Workflows, by case. */
export const WF = {
  register: `${NS}::WF_REGISTER_V0`,
  notify: `${NS}::WF_NOTIFY_V0`,
  verify: `${NS}::WF_VERIFY_V0`,
  lookup: `${NS}::WF_LOOKUP_V0`,
  run: `${NS}::WF_RUN_V0`,
  slot: `${NS}::WF_SLOT_V0`,
  check: `${NS}::WF_CHECK_V0`,
  loop: `${NS}::WF_LOOP_V0`,
  sign: `${NS}::WF_SIGN_V0`,
  batch: `${NS}::WF_BATCH_V0`,
  item: `${NS}::WF_ITEM_V0`,
} as const;

const CT_ID = "capability_transforms::CT_PURE_GENERATE_ID_V0";
const CS_REGISTRY = "capability_side_effects::CS_REGISTRY_V0";
const CS_APPEND = "capability_side_effects::CS_APPENDONLY_JSONL_V0";
const CS_GATEWAY = "capability_side_effects::CS_WORKFLOW_GATEWAY_V0";
const CS_LOOP = "capability_side_effects::CS_WORKFLOW_LOOP_V0";

/**
 * Exit reasons of the classification workflows: `exitWorkflow(reason)` runs a CC that ends
 * with the status named in the payload and routes every status of {@link EXIT_STATUSES}
 * to one EXIT with that reason (null: an EXIT without a reason).
 */
export const EXIT_REASONS = ["COMPLETED", "EXITED", null, "NOT_FOUND", "REJECTED"] as const;
/** The statuses a classification workflow routes to its EXIT. */
export const EXIT_STATUSES = [
  "SUCCESS",
  "ACK",
  "ALREADY_EXISTS",
  "default",
  "NACK",
  "NOT_FOUND",
  "VIOLATION",
] as const;

/** The classification workflow of an exit reason. */
export function exitWorkflow(reason: string | null): string {
  return `${NS}::WF_EXIT_${reason ?? "NONE"}_V0`;
}

/** Test CT: `{n}` → `{n: n + 1}`. */
export const CT_TICK = `${NS}::CT_TICK_V0`;
/** Test CS: answers the status named by its `verdict` input (no store). */
export const CS_JUDGE = `${NS}::CS_JUDGE_V0`;
/** Test CS: throws a TypeError that quotes the key it was given (no store). */
export const CS_SIGNER = `${NS}::CS_SIGNER_V0`;
/** Test CS: throws a RangeError for item 2, else SUCCESS (no store). */
export const CS_NONCE = `${NS}::CS_NONCE_V0`;

/** The secret the fault case passes in a suppressed field; it must never reach a trace. */
export const SECRET_KEY = "0xdeadbeefcafe0001";

/** The capabilities the golden workspace binds besides the built-ins. */
export const GOLDEN_CAPABILITIES: CustomCapabilities = {
  transforms: {
    [CT_TICK]: (args) => {
      if (!Number.isSafeInteger(args.n)) throw new CtViolation("n: expected an integer");
      return { n: (args.n as number) + 1 };
    },
  },
  sideEffects: {
    [CS_JUDGE]: {
      storeFormat: null,
      run: (call) => Promise.resolve({ status: String(call.inputs.verdict), result: {} }),
    },
    [CS_SIGNER]: {
      storeFormat: null,
      run: (call) =>
        Promise.reject(
          new TypeError(
            `digest must be 32 bytes, got ${JSON.stringify(call.inputs.digest)} ` +
              `(key ${call.inputs.private_key})`,
          ),
        ),
    },
    [CS_NONCE]: {
      storeFormat: null,
      run: (call) =>
        call.inputs.item === 2
          ? Promise.reject(new RangeError("nonce overflow"))
          : Promise.resolve({ status: "SUCCESS", result: { nonce: call.inputs.item } }),
    },
  },
};

function artifact(kind: string, fqdn: string, frontmatter: Json, extra: Json = {}) {
  return authorArtifact(kind as "WF", fqdn, frontmatter, { extra, layer: "GOLDEN" });
}

function transform(fqdn: string, inputs: Json, outputs: string[]): AuthoredArtifact {
  const code = fqdn.split("::")[1];
  const args = Object.fromEntries(Object.keys(inputs).map((k) => [k, `$.inputs.${k}`]));
  return artifact("CT", fqdn, {
    ct_code: code,
    core: { inputs, outputs: Object.fromEntries(outputs.map((o) => [o, { type: "any" }])) },
  }, {
    ct_ir: {
      ct_code: code,
      ct_fqdn: fqdn,
      ct_composition_version: "V0",
      inputs,
      atom_stream: [{ atom: fqdn, args, out: "__r__" }],
      outputs: Object.fromEntries(outputs.map((o) => [o, { from: "__r__" }])),
    },
  });
}

function sideEffect(fqdn: string, ops: string[]): AuthoredArtifact {
  return artifact("CS", fqdn, { cs_code: fqdn.split("::")[1], core: { operations: ops } }, {
    cs_ir: { cs_metadata: { capability: { supported_operation_specs: ops } } },
  });
}

function intent(code: string, inputs: Json): AuthoredArtifact {
  return artifact("IN", `${NS}::${code}`, { core: { inputs } });
}

function contract(code: string, core: Json): AuthoredArtifact {
  return artifact("CC", `${NS}::${code}`, {
    core: { result_status_contract: { on_input_failure: "VIOLATION" }, ...core },
  });
}

function workflow(fqdn: string, start: string, nodes: Json, admission?: Json): AuthoredArtifact {
  return artifact("WF", fqdn, {
    wf_code: fqdn.split("::")[1],
    runtime_binding: `${NS}::RB_DEMO_V0`,
    core: { start_node: start, nodes, ...(admission ? { admission } : {}) },
  });
}

const req = (type: string) => ({ type, required: true });
const opt = (type: string) => ({ type, required: false });
const exits = (...statuses: string[]) => Object.fromEntries(statuses.map((s) => [s, "exit"]));
const inNode = (code: string, ack: string, nack?: string) => ({
  type: "IN",
  fqdn_id: `${NS}::${code}`,
  next: { ACK: ack, ...(nack ? { NACK: nack } : {}) },
});
const ccNode = (code: string, inputs: Json, next: Json) => ({
  type: "CC",
  fqdn_id: `${NS}::${code}`,
  inputs,
  next,
});

/** The workflow artifacts, by FQDN (for graph views). */
export function goldenWorkflows(): Map<string, Json> {
  return new Map(
    goldenArtifacts().filter((a) => a.dir === "workflows").map((a) => [
      String(a.body.fqdn_id),
      a.body.frontmatter as Json,
    ]),
  );
}

/** Every artifact of the golden workspace. */
export function goldenArtifacts(): AuthoredArtifact[] {
  const structure = artifact("STRUCTURE", `${NS}::STRUCTURE_DEMO_STORAGE_V0`, {
    core: {
      entity_stores: {
        REGISTRY: { path: "demo/registry.json" },
        OUTBOX: { path: "demo/outbox.jsonl" },
      },
    },
  });
  const bindings = Object.fromEntries(
    [CS_REGISTRY, CS_APPEND, CS_GATEWAY, CS_LOOP, CS_JUDGE, CS_SIGNER, CS_NONCE].map((cs) => [
      cs,
      { policy: {} },
    ]),
  );
  const binding = artifact("RB", `${NS}::RB_DEMO_V0`, {
    core: { storage_structure: `${NS}::STRUCTURE_DEMO_STORAGE_V0`, bindings },
  });

  const register = contract("CC_REGISTER_V0", {
    inputs: { name: req("string"), email: req("string") },
    pipeline: [
      {
        step: "make_id",
        transform: CT_ID,
        op: "GENERATE_ID",
        inputs: { prefix: "U", data: { email: "$.inputs.email" } },
        outputs: { id: "$.capability_result.id" },
        on_result: { SUCCESS: "continue", VIOLATION: "exit" },
      },
      {
        step: "store",
        side_effect: CS_REGISTRY,
        op: "REGISTER",
        store: "REGISTRY",
        inputs: { key: "$.results.make_id.id", value: { name: "$.inputs.name" } },
        // REGISTER answers an address only when it wrote the binding.
        outputs: { address: "$.capability_result.address" },
        on_result: {
          SUCCESS: "continue",
          ALREADY_EXISTS: "continue",
          VIOLATION: "exit",
          BACKEND_ERROR: "exit",
        },
      },
      {
        step: "notify",
        side_effect: CS_GATEWAY,
        op: "EXECUTE",
        inputs: { workflow_code: WF.notify, payload: { id: "$.results.make_id.id" } },
        outputs: {},
        on_result: {
          SUCCESS: "newly_registered",
          VIOLATION: "exit",
          BACKEND_ERROR: "exit",
          NOT_FOUND: "exit",
        },
      },
    ],
    // Execution is not effect: a member registered before ends ALREADY_EXISTS, not SUCCESS.
    evaluation: {
      newly_registered: {
        condition: "$.results.store.address != null",
        on_true: "SUCCESS",
        on_false: "ALREADY_EXISTS",
      },
    },
  });
  const send = contract("CC_SEND_V0", {
    inputs: { id: req("string") },
    pipeline: [{
      step: "send",
      side_effect: CS_APPEND,
      op: "APPEND",
      store: "OUTBOX",
      inputs: {
        actor_id: "$.inputs.id",
        stream_id: "$.inputs.id",
        record: { event_code: "EV_WELCOME_SENT_V0", id: "$.inputs.id" },
      },
      outputs: { sequence_number: "$.capability_result.sequence_number" },
      on_result: exits("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
    }],
  });
  const lookup = contract("CC_LOOKUP_ACTOR_V0", {
    inputs: { actor_id: req("string") },
    pipeline: [{
      step: "lookup",
      side_effect: CS_REGISTRY,
      op: "RESOLVE",
      store: "REGISTRY",
      inputs: { key_or_address: "$.inputs.actor_id" },
      outputs: { address: "$.capability_result.address" },
      on_result: exits("SUCCESS", "NOT_FOUND", "VIOLATION", "BACKEND_ERROR"),
    }],
  });
  const runSlots = contract("CC_RUN_SLOTS_V0", {
    inputs: { slots: req("array") },
    pipeline: [{
      step: "loop",
      side_effect: CS_LOOP,
      op: "EXECUTE_SEQUENCE",
      inputs: {
        sequence: "$.inputs.slots",
        item_wf: { code: WF.slot, payload_fields: { slot: "slot" } },
      },
      outputs: { items_processed: "$.capability_result.items_processed" },
      on_result: exits("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
    }],
  });
  const readSlot = contract("CC_READ_SLOT_V0", {
    inputs: { slot: req("string") },
    pipeline: [{
      step: "read",
      side_effect: CS_REGISTRY,
      op: "RESOLVE",
      store: "REGISTRY",
      inputs: { key_or_address: "$.inputs.slot" },
      outputs: { address: "$.capability_result.address" },
      on_result: exits("SUCCESS", "NOT_FOUND", "VIOLATION", "BACKEND_ERROR"),
    }],
  });
  const check = contract("CC_CHECK_VALUE_V0", {
    inputs: { value: req("integer") },
    pipeline: [{
      step: "judge",
      side_effect: CS_JUDGE,
      op: "JUDGE",
      inputs: { value: "$.inputs.value", verdict: "MAYBE" },
      outputs: {},
      on_result: exits("YES", "NO"),
    }],
  });
  const tick = contract("CC_TICK_V0", {
    inputs: { n: req("integer") },
    pipeline: [
      {
        step: "tick",
        transform: CT_TICK,
        op: "TICK",
        inputs: { n: "$.inputs.n" },
        outputs: { n: "$.capability_result.n" },
        on_result: { SUCCESS: "continue", VIOLATION: "exit" },
      },
      {
        // A workflow graph has no cycles; a runaway can only recurse through child runs.
        step: "recurse",
        side_effect: CS_GATEWAY,
        op: "EXECUTE",
        inputs: { workflow_code: WF.loop, payload: { n: "$.results.tick.n" } },
        outputs: {},
        on_result: exits("SUCCESS", "VIOLATION", "BACKEND_ERROR", "NOT_FOUND"),
      },
    ],
  });
  const sign = contract("CC_SIGN_MESSAGE_V0", {
    inputs: { private_key: req("string"), message: req("string"), digest: opt("string") },
    suppress_trace_fields: ["private_key"],
    pipeline: [{
      step: "sign",
      side_effect: CS_SIGNER,
      op: "SIGN",
      inputs: {
        private_key: "$.inputs.private_key",
        message: "$.inputs.message",
        digest: "$.inputs.digest",
      },
      outputs: { signature: "$.capability_result.signature" },
      on_result: exits("SUCCESS", "VIOLATION"),
    }],
  });
  const batch = contract("CC_BATCH_V0", {
    inputs: { items: req("array") },
    pipeline: [{
      step: "each",
      side_effect: CS_LOOP,
      op: "EXECUTE_SEQUENCE",
      inputs: {
        sequence: "$.inputs.items",
        item_wf: { code: WF.item, payload_fields: { item: "item" } },
      },
      outputs: { items_processed: "$.capability_result.items_processed" },
      on_result: exits("SUCCESS", "VIOLATION", "BACKEND_ERROR"),
    }],
  });
  const nonce = contract("CC_INCREMENT_NONCE_V0", {
    inputs: { item: req("integer"), wallet: req("string") },
    pipeline: [{
      step: "bump",
      side_effect: CS_NONCE,
      op: "BUMP",
      inputs: { item: "$.inputs.item", wallet: "$.inputs.wallet" },
      outputs: { nonce: "$.capability_result.nonce" },
      on_result: exits("SUCCESS", "VIOLATION"),
    }],
  });

  const answer = contract("CC_ANSWER_V0", {
    inputs: { status: req("string") },
    pipeline: [{
      step: "answer",
      side_effect: CS_JUDGE,
      op: "JUDGE",
      inputs: { verdict: "$.inputs.status" },
      outputs: {},
      on_result: exits(...EXIT_STATUSES),
    }],
  });
  const exitWorkflows = EXIT_REASONS.map((reason) =>
    workflow(exitWorkflow(reason), "IN_X", {
      IN_X: inNode("IN_X_V0", "CC_X"),
      CC_X: ccNode(
        "CC_ANSWER_V0",
        { status: "$.payload.status" },
        Object.fromEntries(EXIT_STATUSES.map((s) => [s, "EXIT_X"])),
      ),
      EXIT_X: { type: "EXIT", ...(reason === null ? {} : { reason }) },
    })
  );

  const failed = { type: "EXIT", reason: "FAILED" };
  return [
    transform(CT_ID, { data: req("any"), prefix: req("string") }, ["id"]),
    transform(CT_TICK, { n: req("integer") }, ["n"]),
    sideEffect(CS_REGISTRY, ["REGISTER", "RESOLVE"]),
    sideEffect(CS_APPEND, ["APPEND"]),
    sideEffect(CS_GATEWAY, ["EXECUTE"]),
    sideEffect(CS_LOOP, ["EXECUTE_SEQUENCE"]),
    sideEffect(CS_JUDGE, ["JUDGE"]),
    sideEffect(CS_SIGNER, ["SIGN"]),
    sideEffect(CS_NONCE, ["BUMP"]),
    structure,
    binding,
    intent("IN_REQ_V0", {
      name: opt("string"),
      email: { type: "string", required: true, format: "email" },
      amount: { type: "integer", required: false, minimum: 0 },
    }),
    intent("IN_NOTIFY_V0", { id: req("string") }),
    intent("IN_Q_V0", { actor_id: opt("string") }),
    intent("IN_RUN_V0", { slots: { type: "array", required: true, items: { type: "object" } } }),
    intent("IN_SLOT_V0", { slot: req("string") }),
    intent("IN_CHECK_V0", { value: req("integer") }),
    intent("IN_LOOP_V0", { n: req("integer") }),
    intent("IN_SIGN_V0", { private_key: req("string"), message: req("string") }),
    intent("IN_BATCH_V0", { items: { type: "array", required: true, items: { type: "object" } } }),
    intent("IN_ITEM_V0", { item: req("integer") }),
    intent("IN_X_V0", { status: req("string") }),
    answer,
    ...exitWorkflows,
    register,
    send,
    lookup,
    runSlots,
    readSlot,
    check,
    tick,
    sign,
    batch,
    nonce,
    workflow(WF.register, "IN_REQ", {
      IN_REQ: inNode("IN_REQ_V0", "CC_REGISTER", "EXIT_REJECTED"),
      CC_REGISTER: ccNode(
        "CC_REGISTER_V0",
        { name: "$.payload.name", email: "$.payload.email" },
        {
          SUCCESS: "EXIT_OK",
          ALREADY_EXISTS: "EXIT_OK",
          VIOLATION: "EXIT_FAILED",
          BACKEND_ERROR: "EXIT_FAILED",
          NOT_FOUND: "EXIT_FAILED",
        },
      ),
      EXIT_OK: { type: "EXIT", reason: "COMPLETED", emit: "EV_REGISTERED_V0" },
      EXIT_REJECTED: { type: "EXIT", reason: "REJECTED" },
      EXIT_FAILED: failed,
    }, { forbids: ["EV_BANNED_V0"], bindings: { EV_BANNED_V0: { email: "email" } } }),
    workflow(WF.notify, "IN_NOTIFY", {
      IN_NOTIFY: inNode("IN_NOTIFY_V0", "CC_SEND", "EXIT_FAILED"),
      CC_SEND: ccNode("CC_SEND_V0", { id: "$.payload.id" }, {
        SUCCESS: "EXIT_SENT",
        VIOLATION: "EXIT_FAILED",
        BACKEND_ERROR: "EXIT_FAILED",
      }),
      EXIT_SENT: { type: "EXIT", reason: "COMPLETED" },
      EXIT_FAILED: failed,
    }),
    workflow(WF.verify, "IN_Q", {
      IN_Q: inNode("IN_Q_V0", "CC_LOOKUP"),
      CC_LOOKUP: ccNode("CC_LOOKUP_ACTOR_V0", { actor_id: "$.payload.actor_id" }, {
        SUCCESS: "EXIT_OK",
      }),
      EXIT_OK: { type: "EXIT", reason: "COMPLETED" },
    }, {
      requires: ["EV_ACTOR_REGISTERED_V0", "EV_WALLET_V0"],
      bindings: {
        EV_ACTOR_REGISTERED_V0: { actor_id: "actor_id" },
        EV_WALLET_V0: { wallet: "wallet" },
      },
    }),
    workflow(WF.lookup, "IN_Q", {
      IN_Q: inNode("IN_Q_V0", "CC_LOOKUP"),
      CC_LOOKUP: ccNode("CC_LOOKUP_ACTOR_V0", { actor_id: "$.payload.actor_id" }, {
        SUCCESS: "EXIT_FOUND",
        NOT_FOUND: "EXIT_NOT_FOUND",
        VIOLATION: "EXIT_INVALID",
        BACKEND_ERROR: "EXIT_FAILED",
      }),
      EXIT_FOUND: { type: "EXIT", reason: "COMPLETED" },
      EXIT_NOT_FOUND: { type: "EXIT", reason: "NOT_FOUND", emit: "EV_ACTOR_MISSING_V0" },
      EXIT_INVALID: { type: "EXIT", reason: "INVALID_REQUEST" },
      EXIT_FAILED: failed,
    }),
    workflow(WF.run, "IN_RUN", {
      IN_RUN: inNode("IN_RUN_V0", "CC_RUN"),
      CC_RUN: ccNode("CC_RUN_SLOTS_V0", { slots: "$.payload.slots" }, {
        SUCCESS: "EXIT",
        VIOLATION: "EXIT",
        BACKEND_ERROR: "EXIT",
      }),
      EXIT: { type: "EXIT", reason: "EXITED" },
    }),
    workflow(WF.slot, "IN_SLOT", {
      IN_SLOT: inNode("IN_SLOT_V0", "CC_READ"),
      CC_READ: ccNode("CC_READ_SLOT_V0", { slot: "$.payload.slot" }, {
        SUCCESS: "EXIT",
        NOT_FOUND: "EXIT",
        VIOLATION: "EXIT",
        BACKEND_ERROR: "EXIT",
      }),
      EXIT: { type: "EXIT" },
    }),
    workflow(WF.check, "IN_CHECK", {
      IN_CHECK: inNode("IN_CHECK_V0", "CC_CHECK"),
      CC_CHECK: ccNode("CC_CHECK_VALUE_V0", { value: "$.payload.value" }, {
        YES: "EXIT_YES",
        NO: "EXIT_NO",
      }),
      EXIT_YES: { type: "EXIT", reason: "COMPLETED" },
      EXIT_NO: { type: "EXIT", reason: "REJECTED" },
    }),
    workflow(WF.loop, "IN_LOOP", {
      IN_LOOP: inNode("IN_LOOP_V0", "CC_TICK"),
      CC_TICK: ccNode("CC_TICK_V0", { n: "$.payload.n" }, {
        SUCCESS: "EXIT_DONE",
        VIOLATION: "EXIT_FAILED",
        BACKEND_ERROR: "EXIT_FAILED",
        NOT_FOUND: "EXIT_FAILED",
      }),
      EXIT_DONE: { type: "EXIT", reason: "COMPLETED" },
      EXIT_FAILED: failed,
    }),
    workflow(WF.sign, "IN_SIGN", {
      IN_SIGN: inNode("IN_SIGN_V0", "CC_SIGN"),
      CC_SIGN: ccNode("CC_SIGN_MESSAGE_V0", {
        private_key: "$.payload.private_key",
        message: "$.payload.message",
      }, { SUCCESS: "EXIT_SIGNED", VIOLATION: "EXIT_FAILED" }),
      EXIT_SIGNED: { type: "EXIT", reason: "COMPLETED" },
      EXIT_FAILED: failed,
    }),
    workflow(WF.batch, "IN_BATCH", {
      IN_BATCH: inNode("IN_BATCH_V0", "CC_BATCH"),
      CC_BATCH: ccNode("CC_BATCH_V0", { items: "$.payload.items" }, {
        SUCCESS: "EXIT_DONE",
        VIOLATION: "EXIT_FAILED",
        BACKEND_ERROR: "EXIT_FAILED",
      }),
      EXIT_DONE: { type: "EXIT", reason: "COMPLETED" },
      EXIT_FAILED: failed,
    }),
    workflow(WF.item, "IN_ITEM", {
      IN_ITEM: inNode("IN_ITEM_V0", "CC_NONCE"),
      CC_NONCE: ccNode("CC_INCREMENT_NONCE_V0", { item: "$.payload.item", wallet: "W1" }, {
        SUCCESS: "EXIT_DONE",
        VIOLATION: "EXIT_FAILED",
      }),
      EXIT_DONE: { type: "EXIT", reason: "COMPLETED" },
      EXIT_FAILED: failed,
    }),
  ];
}

/** Writes the golden workspace's `protocol_snapshot/artifacts/` under `workspace`. */
export async function writeGoldenWorkspace(workspace: string): Promise<void> {
  await writeArtifacts(workspace, goldenArtifacts());
}
