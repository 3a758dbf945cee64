// deno-lint-ignore-file no-explicit-any -- trace records and state views are untyped JSON here
/**
 * WF_RUN_CHAIN_SIMULATION_V0 on the real snapshot with the seed configuration
 * (seeds/blockchain/orchestration/chain_simulation_config.json: 24 slots, 24 transactions)
 * and the seed populations, prepared the way the workspace's end-to-end script does:
 * genesis block, actors registered and verified, validators registered, wallets, and the
 * e-mail-referenced tx specs resolved to wallet ids.
 *
 * Runs use the library path (executeWorkflow); the simulation's trace is asserted from its
 * records and the state files. Wallets are seeded as WF_CREATE_WALLET_V0 would leave them
 * (that workflow cannot complete on this snapshot, and the population's wallet types
 * PRIVATE/BUSINESS are not in its intent's enum; see wf_identity_test).
 *
 * Two engine bugs (wf_engine_bugs_test.ts) stop the first test today: bug 1, its workers are
 * child runs that start children and never finish (a 15 s guard fails the test instead of
 * hanging); then bug 4, its ~500 node timings overflow the trace meta and the commit throws.
 * With both fixed (checked on a patched copy of the engine) the test passes in under 1 s, so
 * the full 24-slot configuration is kept; no reduced configuration is needed.
 */
import assert from "node:assert/strict";
import type { RunResult } from "../../actors/execute.ts";
import {
  actorIdOf,
  type ActorRecord,
  placeholderAddress,
  readJsonl,
  readJsonView,
  readSeed,
  realWorkspace,
  rootPath,
  runLib,
  type SeedWallet,
  seedWallets,
  walletIdOf,
  type Ws,
} from "./wf_support.ts";

const SIMULATION = "blockchain::WF_RUN_CHAIN_SIMULATION_V0";
const TX_WORKFLOW: Record<string, string> = {
  BURN: "blockchain::WF_BURN_V0",
  MINT: "blockchain::WF_MINT_V0",
  POOL: "blockchain::WF_POOL_V0",
  REWARD: "blockchain::WF_REWARD_V0",
  SLASH: "blockchain::WF_SLASH_V0",
  STAKE: "blockchain::WF_STAKE_V0",
  TRANSFER: "blockchain::WF_TRANSFER_V0",
  UNSTAKE: "blockchain::WF_UNSTAKE_V0",
};
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

function assertCompleted(r: RunResult, what: string): void {
  assert.equal(
    r.classification,
    "COMPLETED",
    `${what}: ${r.classification} ${r.status} ${r.reason}`,
  );
}

interface Population {
  actors: Map<string, ActorRecord>;
  validators: string[];
  genesisHash: string;
}

/** Genesis, actors (registered + verified), validators and wallets, as the seeds describe. */
async function preparePopulation(t: Ws): Promise<Population> {
  const population = await readSeed<(ActorRecord & { wallet_types: string[] })[]>(
    t,
    "actor_population.json",
  );
  const validatorSeeds = await readSeed<any[]>(t, "validator_population.json");
  const genesisActor = await readSeed(t, "genesis_actor.json");
  const actors = new Map<string, ActorRecord>();
  const wallets: SeedWallet[] = [];
  for (const { wallet_types, ...actor } of population) {
    actors.set(actor.email_registration, actor);
    for (const type of wallet_types) {
      const walletId = walletIdOf(actorIdOf(actor), type);
      wallets.push({
        walletId,
        actorId: actorIdOf(actor),
        walletType: type,
        address: placeholderAddress(walletId),
      });
    }
  }
  await seedWallets(t, wallets);

  const genesis = {
    genesis_block_content: {
      block_id: "B_GENESIS",
      height: 0,
      predecessor_hash: null,
      proposer_id: genesisActor.actor_id,
      timestamp: genesisActor.created_at,
      tx_ids: [],
    },
  };
  const boot = await runLib(t, "blockchain::WF_BOOTSTRAP_GENESIS_CHAIN_V0", genesis);
  assertCompleted(boot, "genesis");
  const genesisHash = (boot.results as any).CC_CREATE_GENESIS_BLOCK_V0.content_hash;

  const everyone = [
    ...actors.values(),
    ...validatorSeeds.map((v) => v.actor_record as ActorRecord),
  ];
  for (const actor of everyone) {
    const actorId = actorIdOf(actor);
    assertCompleted(
      await runLib(t, "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0", { actor_record: actor }),
      `register ${actorId}`,
    );
    assertCompleted(
      await runLib(t, "blockchain::WF_VERIFY_ACTOR_V0", {
        actor_id: actorId,
        actor_record: actor,
        decision: "VERIFIED",
        verifier_id: genesisActor.actor_id,
      }),
      `verify ${actorId}`,
    );
  }
  const validators: string[] = [];
  for (const v of validatorSeeds) {
    const actorId = actorIdOf(v.actor_record);
    const r = await runLib(t, "blockchain::WF_REGISTER_VALIDATOR_V0", {
      validator_record: {
        actor_id: actorId,
        pubkey: v.pubkey,
        withdrawal_credentials: v.withdrawal_credentials,
        status: "ACTIVE_ONGOING",
        slashed: false,
        effective_balance: v.effective_balance,
        balance: v.balance,
        activation_eligibility_epoch: 0,
        activation_epoch: 0,
        exit_epoch: null,
        withdrawable_epoch: null,
      },
    });
    assertCompleted(r, `validator ${actorId}`);
    validators.push(actorId);
  }
  return { actors, validators, genesisHash };
}

/** An e-mail-referenced tx spec resolved to the payload its workflow's intent declares. */
function resolveTx(
  spec: Record<string, any>,
  actors: Map<string, ActorRecord>,
  triggeredBy: string,
): Record<string, unknown> {
  const actor = (email: string) => {
    const a = actors.get(email);
    if (!a) throw new Error(`unknown actor ${email}`);
    return a;
  };
  const wallet = (email: string, type: string) => walletIdOf(actorIdOf(actor(email)), type);
  const { tx_type, amount } = spec;
  switch (tx_type) {
    case "MINT":
      return {
        tx_type,
        to_wallet_id: wallet(spec.to_actor_email, spec.to_wallet_type),
        amount,
        triggered_by: triggeredBy,
      };
    case "POOL":
      return { tx_type, amount, triggered_by: triggeredBy };
    case "REWARD":
      return {
        tx_type,
        to_wallet_id: wallet(spec.to_actor_email, spec.to_wallet_type),
        amount,
        block_hash: spec.block_hash,
        triggered_by: triggeredBy,
      };
    case "SLASH":
      return {
        tx_type,
        from_wallet_id: wallet(spec.from_actor_email, spec.from_wallet_type),
        validator_index: spec.validator_index,
        amount,
        triggered_by: triggeredBy,
      };
    case "BURN":
      return {
        tx_type,
        from_wallet_id: wallet(spec.from_actor_email, spec.from_wallet_type),
        amount,
        triggered_by: triggeredBy,
      };
    case "TRANSFER":
      return {
        tx_type,
        actor_record: actor(spec.actor_email),
        from_wallet_id: wallet(spec.from_actor_email, spec.from_wallet_type),
        to_address: placeholderAddress(wallet(spec.to_actor_email, spec.to_wallet_type)),
        amount,
      };
    case "STAKE":
      return {
        tx_type,
        actor_record: actor(spec.actor_email),
        from_wallet_id: wallet(spec.from_actor_email, spec.from_wallet_type),
        amount,
      };
    case "UNSTAKE":
      return {
        tx_type,
        actor_record: actor(spec.actor_email),
        to_wallet_id: wallet(spec.to_actor_email, spec.to_wallet_type),
        validator_index: spec.validator_index,
        amount,
      };
  }
  throw new Error(`unknown tx_type ${tx_type}`);
}

/** Runs `p`, failing after `ms` instead of waiting forever (engine bug 1). */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`did not finish within ${ms / 1000} s (engine bug 1: nested child runs)`)),
      ms,
    );
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name:
    "chain simulation: seed config, 24 slots and 24 transactions; workers run as nested child runs; the pending transactions are then proposed and committed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const started = performance.now();
    const t = await realWorkspace();
    const config = await readSeed(t, "blockchain/orchestration/chain_simulation_config.json");
    const { actors, validators, genesisHash } = await preparePopulation(t);
    const txSequence: Record<string, any>[] = config.tx_specs.map((s: any) =>
      resolveTx(s, actors, config.triggered_by)
    );
    const { _comment: _c, tx_specs: _s, ...rest } = config;
    const payload = { ...rest, tx_sequence: txSequence };
    assert.equal(payload.slot_schedule.length, 24);
    assert.equal(payload.tx_sequence.length, 24);

    const r = await within(15_000, runLib(t, SIMULATION, payload));
    assertCompleted(r, "simulation");
    assert.deepEqual(rootPath(r.records), [
      "IN_RUN_CHAIN_SIMULATION_V0:ACK",
      "CC_INITIALIZE_SLOT_CLOCK_V0:SUCCESS",
      "CC_DISPATCH_SIMULATION_WORKERS_V0:SUCCESS",
      "CC_RECORD_SIMULATION_SUMMARY_V0:SUCCESS",
    ]);
    const children = r.records.filter((x) => x.type === "child_run") as any[];
    const workers = "root/CC_DISPATCH_SIMULATION_WORKERS_V0/dispatch_concurrent_workers";
    const consensus = `${workers}/0`;
    const workload = `${workers}/1`;
    assert.deepEqual(children.filter((c) => c.run === "root").map((c) => [c.child, c.workflow]), [
      [consensus, "blockchain::WF_RUN_CONSENSUS_LOOP_V0"],
      [workload, "blockchain::WF_RUN_TX_WORKLOAD_V0"],
    ]);
    // Every child record sits in its parent's run, and every child id extends its parent's.
    for (const c of children) {
      assert.ok(c.child.startsWith(`${c.run}/${c.node}/${c.step}/`), c.child);
    }

    const slots = Array.from(
      { length: 24 },
      (_, i) => `${consensus}/CC_RUN_SLOT_SEQUENCE_V0/execute_slot_sequence/item${i}`,
    );
    const proposals = slots.map((s) => `${s}/CC_INVOKE_BLOCK_PROPOSAL_V0/invoke_block_proposal/0`);
    const txs: string[] = txSequence.map((_, i) =>
      `${workload}/CC_RUN_TX_SEQUENCE_V0/execute_tx_sequence/item${i}`
    );
    assert.deepEqual(
      children.filter((c) => c.run === consensus).map((
        c,
      ) => [c.child, c.workflow, c.payload.slot_number]),
      slots.map((s, i) => [s, "blockchain::WF_PROCESS_SLOT_V0", i + 1]),
    );
    assert.deepEqual(
      children.filter((c) => slots.includes(c.run)).map((c) => [c.child, c.workflow]),
      proposals.map((p) => [p, "blockchain::WF_PROPOSE_BLOCK_V0"]),
    );
    assert.deepEqual(
      children.filter((c) => c.run === workload).map((c) => [c.child, c.workflow]),
      txs.map((x, i) => [x, TX_WORKFLOW[txSequence[i].tx_type]]),
    );
    assert.equal(children.length, 2 + 24 + 24 + 24);

    for (const s of slots) {
      assert.deepEqual(rootPath(r.records, s), [
        "IN_SLOT_EXECUTION_STARTED_V0:ACK",
        "CC_READ_SLOT_CLOCK_V0:SUCCESS",
        "CC_PREPARE_SLOT_CONTEXT_V0:SUCCESS",
        "CC_INVOKE_BLOCK_PROPOSAL_V0:SUCCESS",
        "CC_ADVANCE_SLOT_CLOCK_V0:SUCCESS",
      ]);
    }
    for (const x of txs) {
      assert.equal(rootPath(r.records, x).at(-1), "CC_APPEND_TX_EVENT_V0:SUCCESS", x);
    }
    const txIds = txs.map((x) =>
      (r.records.find((y: any) =>
        y.type === "transition" && y.run === x && y.from === "CC_GENERATE_TX_ID_V0"
      ) as any).outputs.tx_id
    );
    assert.equal(new Set(txIds).size, 24, "24 distinct transactions");

    // Concurrent children run one after the other, in declaration order (the engine
    // serialises child runs so a run stays deterministic): the consensus worker proposes its
    // 24 slots before the tx worker submits anything, so every round is skipped and the 24
    // transactions are left pending in the mempool.
    {
      const out: any = {};
      out.paths = proposals.map((p) => rootPath(r.records, p));
      out.txIds = txIds;
      out.claims = proposals.map((p) => (r.records.filter((y: any) => y.run === p && y.type === "transition")));
      out.rounds = await readJsonl(t, "blockchain/consensus_pos/rounds/rounds.jsonl");
      out.blocks = await readJsonView(t, "blockchain/block/blocks/blocks.json");
      out.mempool = await readJsonView(t, "blockchain/mempool/state/mempool.json");
      out.txEvents = await readJsonl(t, "blockchain/transaction/events/transaction_events.jsonl");
      out.effects = r.records.filter((y: any) => y.type === "effect");
      out.all = r.records;
      out.recordTypes = [...new Set(r.records.map((y: any) => y.type))];
      const ls = [];
      for await (const e of Deno.readDir(t.dataRoot + "/blockchain")) ls.push(e.name);
      out.ls = ls;
      out.dataRoot = t.dataRoot;
      await Deno.writeTextFile("/tmp/chain_dump.json", JSON.stringify(out, null, 1));
    }
    for (const p of proposals) assert.deepEqual(rootPath(r.records, p), SKIP_PATH, p);
    const proposers = proposals.map((p) =>
      (r.records.find((y: any) =>
        y.type === "transition" && y.run === p && y.from === "CC_SELECT_PROPOSER_V0"
      ) as any).outputs.proposer_id
    );
    assert.deepEqual(
      new Set(proposers),
      new Set(validators),
      "proposers rotate over the registered validators",
    );
    const rounds = await readJsonl(t, "blockchain/consensus_pos/rounds/rounds.jsonl");
    assert.deepEqual(
      rounds.map((x) => [x.record.round_id, x.record.outcome]),
      slots.map((_, i) => [i + 1, "SKIPPED"]),
    );
    assert.deepEqual(await readJsonView(t, "blockchain/block/blocks/blocks.json"), {});
    const mempool = await readJsonView(t, "blockchain/mempool/state/mempool.json");
    assert.deepEqual(Object.keys(mempool).sort(), [...txIds].sort());
    assert.ok(Object.values(mempool).every((m: any) => m.status === "PENDING"));
    const txEvents = await readJsonl(t, "blockchain/transaction/events/transaction_events.jsonl");
    assert.deepEqual(txEvents.map((e) => e.record.tx_id), txIds);

    const clock = await readJsonView(t, "blockchain/orchestration/state/slot_clock.json");
    assert.equal(clock[config.simulation_id].current_slot, 24);
    const summary = await readJsonl(t, "blockchain/orchestration/events/simulation_summary.jsonl");
    assert.deepEqual(
      summary.map((
        e,
      ) => [
        e.stream_id,
        e.record.simulation_outcome,
        e.record.worker_results.map((w: any) => w.result_status),
      ]),
      [
        [config.simulation_id, "SUCCESS", ["SUCCESS", "SUCCESS"]],
      ],
    );

    // Slot 25 claims the 24 pending transactions into one block, which is then committed.
    const slot25 = await runLib(t, "blockchain::WF_PROCESS_SLOT_V0", {
      simulation_id: config.simulation_id,
      slot_number: 25,
      triggered_by: config.triggered_by,
    });
    assertCompleted(slot25, "slot 25");
    const gateway = "root/CC_INVOKE_BLOCK_PROPOSAL_V0/invoke_block_proposal/0";
    assert.deepEqual(rootPath(slot25.records, gateway), BLOCK_PATH);
    const blocks = Object.values(
      await readJsonView(t, "blockchain/block/blocks/blocks.json"),
    ) as any[];
    assert.equal(blocks.length, 1);
    assert.deepEqual([...blocks[0].tx_ids].sort(), [...txIds].sort());
    assert.deepEqual(await readJsonView(t, "blockchain/mempool/state/mempool.json"), {}, "drained");
    const committed = await runLib(t, "blockchain::WF_COMMIT_BLOCK_V0", {
      proposed_block: { ...blocks[0], predecessor_hash: genesisHash },
    });
    assertCompleted(committed, "commit");
    const chain = await readJsonl(t, "blockchain/chain/chain.jsonl");
    assert.deepEqual(chain.map((e) => e.record.block_id), ["B_GENESIS", blocks[0].block_id]);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 60_000, `took ${Math.round(elapsed)} ms`);
  },
});

Deno.test("consensus slots with seeds/consensus_slot_specs.json: one transaction and one block per slot, the 24 blocks committed in order", async () => {
  const t = await realWorkspace();
  const specs = await readSeed(t, "consensus_slot_specs.json");
  const { actors, genesisHash } = await preparePopulation(t);
  const base = Date.parse(specs.base_timestamp);
  const schedule = specs.slots.map((s: any) => ({
    slot: s.slot,
    epoch: specs.epoch,
    round_number: s.slot,
    timestamp: new Date(base + (s.slot - 1) * specs.slot_cycle_seconds * 1000).toISOString()
      .replace(".000Z", "Z"),
    transactions: [resolveTx(s.tx, actors, "A_7a77a0461083f938")],
  }));
  const r = await runLib(t, "blockchain::WF_RUN_CONSENSUS_SLOTS_V0", {
    triggered_by: "A_7a77a0461083f938",
    slot_schedule: schedule,
  });
  assertCompleted(r, "consensus slots");
  assert.deepEqual(rootPath(r.records), [
    "IN_CONSENSUS_SLOTS_V0:ACK",
    "CC_EXECUTE_SLOT_SEQUENCE_V0:SUCCESS",
    "CC_VERIFY_SLOT_RESULTS_V0:SUCCESS",
  ]);
  const prefix = "root/CC_EXECUTE_SLOT_SEQUENCE_V0/execute_slot_sequence";
  const txIdOf = (i: number) =>
    (r.records.find((y: any) =>
      y.type === "transition" && y.run === `${prefix}/item${i}/sub0` &&
      y.from === "CC_GENERATE_TX_ID_V0"
    ) as any).outputs.tx_id;
  const blocks = Object.values(
    await readJsonView(t, "blockchain/block/blocks/blocks.json"),
  ) as any[];
  blocks.sort((a, b) => a.round_id - b.round_id);
  assert.deepEqual(
    blocks.map((b) => [b.round_id, b.slot, b.tx_ids]),
    schedule.map((s: any, i: number) => [s.round_number, s.slot, [txIdOf(i)]]),
  );
  for (let i = 0; i < 24; i++) {
    assert.deepEqual(rootPath(r.records, `${prefix}/item${i}`), BLOCK_PATH);
  }
  const rounds = await readJsonl(t, "blockchain/consensus_pos/rounds/rounds.jsonl");
  assert.deepEqual(rounds.map((x) => x.record.outcome), Array(24).fill("PROPOSED"));

  let head = genesisHash;
  for (const block of blocks) {
    const proposed = { ...block, predecessor_hash: head };
    const c = await runLib(t, "blockchain::WF_COMMIT_BLOCK_V0", { proposed_block: proposed });
    assertCompleted(c, `commit ${block.block_id}`);
    head = (c.results as any).CC_COMMIT_BLOCK_CANONICAL_V0.content_hash;
  }
  const chain = await readJsonl(t, "blockchain/chain/chain.jsonl");
  assert.deepEqual(chain.map((e) => e.record.block_id), [
    "B_GENESIS",
    ...blocks.map((b) => b.block_id),
  ]);
  assert.deepEqual(await readJsonView(t, "blockchain/chain/chain_head.json"), { head });
});
