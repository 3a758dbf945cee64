// deno-lint-ignore-file no-explicit-any -- trace records and state views are untyped JSON here
/**
 * Real snapshot, consensus and orchestration: WF_PROPOSE_BLOCK_V0, WF_PROCESS_SLOT_V0,
 * WF_RUN_CONSENSUS_LOOP_V0, WF_RUN_CONSENSUS_SLOTS_V0 (retired), WF_RUN_TX_WORKLOAD_V0 and
 * WF_RUN_CHAIN_SIMULATION_V0. Every run goes through the suite's determinism twin and replay.
 *
 * Engine bug 1 (wf_engine_bugs_test.ts): a child run that starts a child never finishes. So
 * WF_RUN_CONSENSUS_LOOP_V0 (loop → WF_PROCESS_SLOT_V0 → gateway → WF_PROPOSE_BLOCK_V0) and
 * WF_RUN_CHAIN_SIMULATION_V0 (concurrent → loops → tx / slot workflows) run here only with
 * payloads whose children start no child; their full runs are in wf_engine_bugs_test.ts and
 * chain_simulation_test.ts.
 */
import assert from "node:assert/strict";
import {
  assertRun,
  readJsonl,
  readJsonView,
  realWorkspace,
  rootPath,
  runWf,
  seedWallets,
  transitionFrom,
  writeDataFile,
} from "./wf_support.ts";

const TRIGGER = "A_7a77a0461083f938";
const MINT_WALLET = "WAL_67ac742cc0930491";
const PROPOSE = "blockchain::WF_PROPOSE_BLOCK_V0";

const SKIP_PATH = [
  "IN_BLOCK_PROPOSED_V0:ACK",
  "CC_QUERY_ELIGIBLE_VALIDATORS_V0:SUCCESS",
  "CC_SELECT_PROPOSER_V0:SUCCESS",
  "CC_CLAIM_MEMPOOL_TXS_V0:VIOLATION",
  "CC_SKIP_ROUND_V0:SUCCESS",
];
const BLOCK_PATH = [
  "IN_BLOCK_PROPOSED_V0:ACK",
  "CC_QUERY_ELIGIBLE_VALIDATORS_V0:SUCCESS",
  "CC_SELECT_PROPOSER_V0:SUCCESS",
  "CC_CLAIM_MEMPOOL_TXS_V0:SUCCESS",
  "CC_FORM_BLOCK_V0:SUCCESS",
  "CC_DRAIN_MEMPOOL_V0:SUCCESS",
  "CC_RECORD_CONSENSUS_ROUND_V0:SUCCESS",
];

Deno.test("propose block: empty mempool skips the round, a pending MINT becomes a block, a bad timestamp is NACKed", async () => {
  const t = await realWorkspace();
  // seeds/validators.json is the validator registry the bootstrap copies (snapshot-format §12).
  await writeDataFile(
    t,
    "blockchain/consensus_pos/registry/validators.json",
    await Deno.readTextFile(`${t.workspace}/seeds/validators.json`),
  );
  await seedWallets(t, []);
  const slot1 = {
    epoch: 0,
    round_number: 1,
    slot: 1,
    timestamp: "2026-06-01T00:01:00Z",
    triggered_by: TRIGGER,
  };
  const skipped = await runWf(t, PROPOSE, slot1);
  assertRun(skipped, {
    path: SKIP_PATH,
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  assert.equal(
    transitionFrom(skipped.recs, "CC_SELECT_PROPOSER_V0").outputs.proposer_id,
    "A_dc6e2a7ae93b8bae",
  );

  const mint = await runWf(t, "blockchain::WF_MINT_V0", {
    to_wallet_id: MINT_WALLET,
    amount: 6000,
    triggered_by: TRIGGER,
  });
  const txId = transitionFrom(mint.recs, "CC_GENERATE_TX_ID_V0").outputs.tx_id;
  const proposed = await runWf(t, PROPOSE, {
    ...slot1,
    round_number: 2,
    slot: 2,
    timestamp: "2026-06-01T00:01:30Z",
  });
  assertRun(proposed, {
    path: BLOCK_PATH,
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  assert.deepEqual(transitionFrom(proposed.recs, "CC_CLAIM_MEMPOOL_TXS_V0").outputs.tx_ids, [txId]);

  const blocks = Object.values(await readJsonView(t, "blockchain/block/blocks/blocks.json"));
  assert.deepEqual(blocks.map((b) => [b.round_id, b.status, b.proposer_id, b.tx_ids]), [[
    2,
    "PROPOSED",
    "A_dc6e2a7ae93b8bae",
    [txId],
  ]]);
  assert.deepEqual(await readJsonView(t, "blockchain/mempool/state/mempool.json"), {}, "drained");
  const rounds = await readJsonl(t, "blockchain/consensus_pos/rounds/rounds.jsonl");
  assert.deepEqual(rounds.map((r) => [r.record.round_id, r.record.outcome]), [[1, "SKIPPED"], [
    2,
    "PROPOSED",
  ]]);

  const nack = await runWf(t, PROPOSE, { ...slot1, timestamp: "June 1st" });
  assertRun(nack, {
    path: ["IN_BLOCK_PROPOSED_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT",
  });
  assert.deepEqual(nack.recs.find((x) => x.type === "admission").reasons, [
    `$.timestamp: "June 1st" is not an RFC 3339 date-time`,
  ]);
});

Deno.test("process slot: an unknown simulation ends NOT_FOUND; an initialised one proposes through the gateway, evaluates the child's status and advances the clock", async () => {
  const t = await realWorkspace();
  await writeDataFile(
    t,
    "blockchain/consensus_pos/registry/validators.json",
    await Deno.readTextFile(`${t.workspace}/seeds/validators.json`),
  );
  await writeDataFile(
    t,
    "blockchain/orchestration/state/slot_clock.json",
    JSON.stringify({
      SIM_T: { current_slot: 0, initialized_at: "2026-01-01T00:00:00Z", simulation_id: "SIM_T" },
    }),
  );
  const SLOT = "blockchain::WF_PROCESS_SLOT_V0";
  assertRun(
    await runWf(t, SLOT, { simulation_id: "SIM_UNKNOWN", slot_number: 1, triggered_by: TRIGGER }),
    {
      path: ["IN_SLOT_EXECUTION_STARTED_V0:ACK", "CC_READ_SLOT_CLOCK_V0:NOT_FOUND"],
      classification: "ENDED_NOT_FOUND",
      status: "NOT_FOUND",
      exit: "EXIT",
    },
  );

  const r = await runWf(t, SLOT, { simulation_id: "SIM_T", slot_number: 1, triggered_by: TRIGGER });
  assertRun(r, {
    path: [
      "IN_SLOT_EXECUTION_STARTED_V0:ACK",
      "CC_READ_SLOT_CLOCK_V0:SUCCESS",
      "CC_PREPARE_SLOT_CONTEXT_V0:SUCCESS",
      "CC_INVOKE_BLOCK_PROPOSAL_V0:SUCCESS",
      "CC_ADVANCE_SLOT_CLOCK_V0:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  const child = "root/CC_INVOKE_BLOCK_PROPOSAL_V0/invoke_block_proposal/0";
  assert.deepEqual(
    r.recs.filter((x) => x.type === "child_run").map((
      x,
    ) => [x.run, x.child, x.workflow, x.payload]),
    [
      ["root", child, PROPOSE, {
        epoch: 0,
        round_number: 1,
        slot: 1,
        timestamp: "2026-01-01T00:00:30Z",
        triggered_by: TRIGGER,
      }],
    ],
  );
  assert.deepEqual(rootPath(r.recs, child), SKIP_PATH, "empty mempool: the round is skipped");
  const invoke = r.recs.find((x) =>
    x.type === "step" && x.run === "root" && x.step === "invoke_block_proposal"
  );
  assert.equal(invoke.route, "evaluate_execution_result");
  assert.deepEqual(invoke.evaluation, {
    name: "evaluate_execution_result",
    condition: `$.execution_result.status == "SUCCESS"`,
    value: true,
    status: "SUCCESS",
  });
  // {{$.results.read_slot_clock.current_slot_record.current_slot + 1}}
  const clock = await readJsonView(t, "blockchain/orchestration/state/slot_clock.json");
  assert.equal(clock.SIM_T.current_slot, 1);
  assert.equal(clock.SIM_T.last_advanced_at, "2026-01-01T00:00:00.000Z");
});

Deno.test("consensus loop: an empty schedule completes; a slot of an uninitialised simulation stops the loop", async () => {
  const t = await realWorkspace();
  const LOOP = "blockchain::WF_RUN_CONSENSUS_LOOP_V0";
  const empty = await runWf(t, LOOP, {
    simulation_id: "SIM_T",
    triggered_by: TRIGGER,
    slot_schedule: [],
  });
  assertRun(empty, {
    path: ["IN_CONSENSUS_LOOP_STARTED_V0:ACK", "CC_RUN_SLOT_SEQUENCE_V0:SUCCESS"],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  assert.equal(transitionFrom(empty.recs, "CC_RUN_SLOT_SEQUENCE_V0").outputs.slots_executed, 0);

  const one = await runWf(t, LOOP, {
    simulation_id: "SIM_T",
    triggered_by: TRIGGER,
    slot_schedule: [{ slot_number: 1 }],
  });
  assertRun(one, {
    path: ["IN_CONSENSUS_LOOP_STARTED_V0:ACK", "CC_RUN_SLOT_SEQUENCE_V0:VIOLATION"],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "EXIT",
  });
  const child = "root/CC_RUN_SLOT_SEQUENCE_V0/execute_slot_sequence/item0";
  assert.deepEqual(
    one.recs.filter((x) => x.type === "child_run").map((
      x,
    ) => [x.run, x.child, x.workflow, x.payload]),
    [
      ["root", child, "blockchain::WF_PROCESS_SLOT_V0", {
        slot_number: 1,
        simulation_id: "SIM_T",
        triggered_by: TRIGGER,
      }],
    ],
  );
  assert.deepEqual(rootPath(one.recs, child), [
    "IN_SLOT_EXECUTION_STARTED_V0:ACK",
    "CC_READ_SLOT_CLOCK_V0:NOT_FOUND",
  ]);
  const loopStep = one.recs.find((x) =>
    x.type === "step" && x.run === "root" && x.step === "execute_slot_sequence"
  );
  assert.deepEqual(loopStep.result, {
    items_processed: 0,
    sub_items_processed: 0,
    message: `Workflow "blockchain::WF_PROCESS_SLOT_V0" (item0) ended with status "NOT_FOUND"`,
    result_status: "VIOLATION",
  });
});

Deno.test("consensus slots (retired): an empty schedule is NACKed; without validators the proposal fails; with them a slot's MINT lands in its block", async () => {
  const t = await realWorkspace();
  const SLOTS = "blockchain::WF_RUN_CONSENSUS_SLOTS_V0";
  const nack = await runWf(t, SLOTS, { triggered_by: TRIGGER, slot_schedule: [] });
  assertRun(nack, {
    path: ["IN_CONSENSUS_SLOTS_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT",
  });
  assert.deepEqual(nack.recs.find((x) => x.type === "admission").reasons, [
    "$.slot_schedule: 0 item(s), expected at least 1",
  ]);

  const r = await runWf(t, SLOTS, {
    triggered_by: TRIGGER,
    slot_schedule: [{
      slot: 1,
      epoch: 0,
      round_number: 1,
      timestamp: "2026-06-01T00:01:00Z",
      transactions: [],
    }],
  });
  assertRun(r, {
    path: ["IN_CONSENSUS_SLOTS_V0:ACK", "CC_EXECUTE_SLOT_SEQUENCE_V0:VIOLATION"],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "EXIT",
  });
  const child = "root/CC_EXECUTE_SLOT_SEQUENCE_V0/execute_slot_sequence/item0";
  assert.deepEqual(
    r.recs.filter((x) => x.type === "child_run").map((x) => [x.child, x.workflow, x.payload]),
    [
      [child, PROPOSE, {
        epoch: 0,
        round_number: 1,
        slot: 1,
        timestamp: "2026-06-01T00:01:00Z",
        triggered_by: TRIGGER,
      }],
    ],
  );
  // No validator is registered: CT_PURE_FILTER_RECORDS_V0 matches nothing → VIOLATION → EXIT.
  assert.deepEqual(rootPath(r.recs, child), [
    "IN_BLOCK_PROPOSED_V0:ACK",
    "CC_QUERY_ELIGIBLE_VALIDATORS_V0:VIOLATION",
  ]);

  const v = await realWorkspace();
  await writeDataFile(
    v,
    "blockchain/consensus_pos/registry/validators.json",
    await Deno.readTextFile(`${v.workspace}/seeds/validators.json`),
  );
  await seedWallets(v, []);
  const mint = { tx_type: "MINT", to_wallet_id: MINT_WALLET, amount: 7, triggered_by: TRIGGER };
  const full = await runWf(v, SLOTS, {
    triggered_by: TRIGGER,
    slot_schedule: [{
      slot: 3,
      epoch: 0,
      round_number: 3,
      timestamp: "2026-06-01T00:02:00Z",
      transactions: [mint],
    }],
  });
  assertRun(full, {
    path: [
      "IN_CONSENSUS_SLOTS_V0:ACK",
      "CC_EXECUTE_SLOT_SEQUENCE_V0:SUCCESS",
      "CC_VERIFY_SLOT_RESULTS_V0:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  // Sub-items (the slot's transactions) run before the slot's block proposal.
  assert.deepEqual(
    full.recs.filter((x) => x.type === "child_run").map((x) => [x.child, x.workflow]),
    [
      [`${child}/sub0`, "blockchain::WF_MINT_V0"],
      [child, PROPOSE],
    ],
  );
  assert.deepEqual(rootPath(full.recs, child), BLOCK_PATH);
  const txId = transitionFrom(full.recs, "CC_GENERATE_TX_ID_V0", `${child}/sub0`).outputs.tx_id;
  const executed = transitionFrom(full.recs, "CC_EXECUTE_SLOT_SEQUENCE_V0").outputs;
  assert.deepEqual([executed.slots_executed, executed.tx_submitted], [1, 1]);
  const proposed = transitionFrom(full.recs, "CC_VERIFY_SLOT_RESULTS_V0").outputs.proposed_blocks;
  assert.deepEqual(proposed.map((b: any) => [b.round_id, b.slot, b.tx_ids]), [[3, 3, [txId]]]);
});

Deno.test("tx workload: empty sequence completes; an unmapped tx_type and a failing child stop the loop; MINT then POOL complete in order", async () => {
  const t = await realWorkspace();
  const WORKLOAD = "blockchain::WF_RUN_TX_WORKLOAD_V0";
  const base = { triggered_by: TRIGGER, tx_interval_seconds: 2 };
  const empty = await runWf(t, WORKLOAD, { ...base, tx_sequence: [] });
  assertRun(empty, {
    path: ["IN_TX_WORKLOAD_STARTED_V0:ACK", "CC_RUN_TX_SEQUENCE_V0:SUCCESS"],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });

  const unmapped = await runWf(t, WORKLOAD, {
    ...base,
    tx_sequence: [{ tx_type: "AIRDROP", amount: 1 }],
  });
  assertRun(unmapped, {
    path: ["IN_TX_WORKLOAD_STARTED_V0:ACK", "CC_RUN_TX_SEQUENCE_V0:VIOLATION"],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "EXIT",
  });
  assert.equal(unmapped.recs.filter((x) => x.type === "child_run").length, 0);
  assert.equal(
    unmapped.recs.find((x) => x.type === "step" && x.step === "execute_tx_sequence").result.message,
    "No WF mapped for tx_type='AIRDROP'",
  );

  const failing = await runWf(t, WORKLOAD, {
    ...base,
    tx_sequence: [{
      tx_type: "MINT",
      to_wallet_id: "W_0000000000000000",
      amount: 5,
      triggered_by: TRIGGER,
    }, { tx_type: "POOL", amount: 1, triggered_by: TRIGGER }],
  });
  assertRun(failing, {
    path: ["IN_TX_WORKLOAD_STARTED_V0:ACK", "CC_RUN_TX_SEQUENCE_V0:VIOLATION"],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "EXIT",
  });
  const child = "root/CC_RUN_TX_SEQUENCE_V0/execute_tx_sequence/item0";
  assert.deepEqual(
    failing.recs.filter((x) => x.type === "child_run").map((x) => [x.child, x.workflow]),
    [[child, "blockchain::WF_MINT_V0"]],
  );
  assert.deepEqual(rootPath(failing.recs, child), [
    "IN_MINT_V0:ACK",
    "CC_VALIDATE_MINT_POLICY_V0:NOT_FOUND",
  ]);
  const childResult = failing.recs.find((x) => x.type === "result" && x.run === child);
  assert.equal(childResult.classification, "ENDED_NOT_FOUND");

  const w = await realWorkspace();
  await seedWallets(w, []);
  const done = await runWf(w, WORKLOAD, {
    ...base,
    tx_sequence: [
      { tx_type: "MINT", to_wallet_id: MINT_WALLET, amount: 5, triggered_by: TRIGGER },
      { tx_type: "POOL", amount: 6, triggered_by: TRIGGER },
    ],
  });
  assertRun(done, {
    path: ["IN_TX_WORKLOAD_STARTED_V0:ACK", "CC_RUN_TX_SEQUENCE_V0:SUCCESS"],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  assert.equal(transitionFrom(done.recs, "CC_RUN_TX_SEQUENCE_V0").outputs.tx_submitted, 2);
  const items = ["item0", "item1"].map((i) =>
    `root/CC_RUN_TX_SEQUENCE_V0/execute_tx_sequence/${i}`
  );
  assert.deepEqual(
    done.recs.filter((x) => x.type === "child_run").map((x) => [x.child, x.workflow]),
    [
      [items[0], "blockchain::WF_MINT_V0"],
      [items[1], "blockchain::WF_POOL_V0"],
    ],
  );
  assert.equal(rootPath(done.recs, items[1]).at(-1), "CC_APPEND_TX_EVENT_V0:SUCCESS");
  const events = await readJsonl(w, "blockchain/transaction/events/transaction_events.jsonl");
  assert.deepEqual(events.map((e) => e.record.payload.tx_type), ["MINT", "POOL"]);
});

Deno.test("chain simulation with empty schedules: slot clock initialised, both workers run concurrently as children, summary recorded", async () => {
  const t = await realWorkspace();
  const config = JSON.parse(
    await Deno.readTextFile(
      `${t.workspace}/seeds/blockchain/orchestration/chain_simulation_config.json`,
    ),
  );
  const payload = { ...config, slot_schedule: [], tx_sequence: [] };
  delete payload._comment;
  delete payload.tx_specs;
  const r = await runWf(t, "blockchain::WF_RUN_CHAIN_SIMULATION_V0", payload);
  assertRun(r, {
    path: [
      "IN_RUN_CHAIN_SIMULATION_V0:ACK",
      "CC_INITIALIZE_SLOT_CLOCK_V0:SUCCESS",
      "CC_DISPATCH_SIMULATION_WORKERS_V0:SUCCESS",
      "CC_RECORD_SIMULATION_SUMMARY_V0:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT",
  });
  const prefix = "root/CC_DISPATCH_SIMULATION_WORKERS_V0/dispatch_concurrent_workers";
  assert.deepEqual(
    r.recs.filter((x) => x.type === "child_run").map((x) => [x.run, x.child, x.workflow]),
    [
      ["root", `${prefix}/0`, "blockchain::WF_RUN_CONSENSUS_LOOP_V0"],
      ["root", `${prefix}/1`, "blockchain::WF_RUN_TX_WORKLOAD_V0"],
    ],
  );
  assert.deepEqual(rootPath(r.recs, `${prefix}/0`), [
    "IN_CONSENSUS_LOOP_STARTED_V0:ACK",
    "CC_RUN_SLOT_SEQUENCE_V0:SUCCESS",
  ]);
  assert.deepEqual(rootPath(r.recs, `${prefix}/1`), [
    "IN_TX_WORKLOAD_STARTED_V0:ACK",
    "CC_RUN_TX_SEQUENCE_V0:SUCCESS",
  ]);
  assert.deepEqual(await readJsonView(t, "blockchain/orchestration/state/slot_clock.json"), {
    [config.simulation_id]: {
      current_slot: 0,
      initialized_at: "2026-01-01T00:00:00.000Z",
      simulation_id: config.simulation_id,
    },
  });
  const summary = await readJsonl(t, "blockchain/orchestration/events/simulation_summary.jsonl");
  assert.equal(summary.length, 1);
  assert.equal(summary[0].stream_id, config.simulation_id);
  assert.equal(summary[0].record.simulation_outcome, "SUCCESS");
  assert.deepEqual(summary[0].record.worker_results.map((w: any) => [w.code, w.result_status]), [
    ["blockchain::WF_RUN_CONSENSUS_LOOP_V0", "SUCCESS"],
    ["blockchain::WF_RUN_TX_WORKLOAD_V0", "SUCCESS"],
  ]);
});
