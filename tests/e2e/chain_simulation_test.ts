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
 * The simulation's two workers (CS_CONCURRENT_WORKFLOWS_V0: the consensus loop, then the tx
 * workload) take turns (actors/turns.ts), so transactions reach the mempool while slots are
 * being processed and blocks get proposed mid-run. Nothing in the snapshot commits blocks:
 * WF_COMMIT_BLOCK_V0 is invoked by no workflow (only its own intent, CC and binding name
 * it), so the simulation proposes and the test commits the proposed blocks afterwards.
 */
import assert from "node:assert/strict";
import type { RunResult } from "../../actors/execute_workflow.ts";
import { seedSigningKey } from "../_support/signing.ts";
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

/**
 * Slots 1..24 of the simulation: B = a block was proposed, S = the round was skipped.
 *
 * Deterministic because the interleaving is a rule, not a race: the two workers are one turn
 * group in declaration order (consensus, workload); each WF admission check and each
 * non-orchestrating pipeline step (CT or CS) of a worker's subtree is one turn, and turns
 * alternate strictly while both run. Wall time and storage latency only delay a turn, never
 * reorder it, and the steps taken depend only on seed, clock and state.
 * Why this shape: a slot is 11 turns when it skips and 15 when it proposes, its claim being
 * its 6th; a transaction is 8 turns with its mempool write the 6th, or 11 (those with a WF
 * admission check) with the write the 9th. Consensus turn n comes just before workload turn
 * n, so slot 1's claim (consensus turn 6) precedes tx 1's write (workload turn 6) and slot 1
 * skips; then one or two transactions land per slot, the last (workload turn 223) before
 * slot 16's claim (consensus turn 227), and slots 17-24 find the mempool empty.
 */
const SLOT_PATTERN = "SBBBBBBBBBBBBBBBSSSSSSSS";
/** Per slot, the submissions its block holds, as 1-based transaction event sequence numbers. */
const SLOT_CLAIMS: number[][] = [
  [],
  [1, 2],
  [3, 4],
  [5, 6],
  [7],
  [8, 9],
  [10, 11],
  [12],
  [13, 14],
  [15],
  [16, 17],
  [18],
  [19],
  [20, 21],
  [22],
  [23, 24],
  ...Array.from({ length: 8 }, () => []),
];
/**
 * Round claims (R) and mempool submissions (T) in the order they happened, as state shows it.
 * The old engine ran the workers one after the other: 24 R then 24 T.
 */
const TIMELINE = "RTTRTTRTTRTRTTRTTRTRTTRTRTTRTRTRTTRTRTTRRRRRRRRR";
/** Kinds whose steps only wait for their children, so take no turn (actors/pipeline.ts). */
const ORCHESTRATING = /::CS_(WORKFLOW_GATEWAY|WORKFLOW_LOOP|CONCURRENT_WORKFLOWS)_V\d+$/;

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

/** Runs `p`, failing after `ms` instead of waiting forever (a deadlock between child runs). */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not finish within ${ms / 1000} s (child runs deadlocked?)`)),
      ms,
    );
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Records of the run `run` and of every run nested under it. */
function subtree(records: readonly any[], run: string): any[] {
  return records.filter((x) => x.run === run || x.run?.startsWith(`${run}/`));
}

/**
 * The turn rule (actors/turns.ts) replayed over the trace: the turn-taking records of the two
 * workers' subtrees (each already in its execution order: a worker runs its own children one
 * at a time) merged strictly alternately, consensus first. Returns, per mempool claim in that
 * order, the tx ids written to the mempool since the previous claim.
 */
function claimsByTurns(records: readonly any[], consensus: string, workload: string): string[][] {
  const turns = (run: string) =>
    subtree(records, run).filter((x) =>
      (x.type === "admission" && x.kind === "WF") ||
      (x.type === "step" && !ORCHESTRATING.test(x.capability))
    );
  const [c, w] = [turns(consensus), turns(workload)];
  const claims: string[][] = [];
  let pending: string[] = [];
  for (let i = 0; i < Math.max(c.length, w.length); i++) {
    for (const x of [c[i], w[i]]) {
      if (x?.node === "CC_WRITE_MEMPOOL_TX_V0" && x.op === "WRITE") pending.push(x.inputs.key);
      if (x?.node === "CC_CLAIM_MEMPOOL_TXS_V0") {
        claims.push(pending);
        pending = [];
      }
    }
  }
  return claims;
}

const sorted = (xs: readonly string[]) => [...xs].sort();

/** A prepared population and the simulation payload: the seed config, tx specs resolved. */
async function simulationInput(t: Ws) {
  const config = await readSeed(t, "blockchain/orchestration/chain_simulation_config.json");
  const population = await preparePopulation(t);
  const txSequence: Record<string, any>[] = config.tx_specs.map((s: any) =>
    resolveTx(s, population.actors, config.triggered_by)
  );
  const { _comment: _c, tx_specs: _s, ...rest } = config;
  return { config, population, txSequence, payload: { ...rest, tx_sequence: txSequence } };
}

Deno.test({
  name:
    "chain simulation: seed config, 24 slots and 24 transactions; workers interleave by turns as nested child runs; blocks proposed per slot, then committed in order",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const t = await realWorkspace();
    await seedSigningKey(t.dataRoot);
    const { config, population, txSequence, payload } = await simulationInput(t);
    const { validators, genesisHash } = population;
    assert.equal(payload.slot_schedule.length, 24);
    assert.equal(payload.tx_sequence.length, 24);

    const traceId = "T_chain_simulation";
    const r = await within(15_000, runLib(t, SIMULATION, payload, { traceId }));
    assertCompleted(r, "simulation");
    // Its 2.5 MB trace cannot land in one KV commit (800 KiB), and the trace says so.
    // Staged and published in one commit like any run: no warning says otherwise.
    assert.ok(!r.records.some((x: any) => x.type === "warning" && x.code === "RUN_CHUNKED"));
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
    const outputOf = (run: string, node: string) =>
      (r.records.find((y: any) =>
        y.type === "transition" && y.run === run && y.from === node
      ) as any)
        .outputs;
    const txIds: string[] = txs.map((x) => outputOf(x, "CC_GENERATE_TX_ID_V0").tx_id);
    assert.equal(new Set(txIds).size, 24, "24 distinct transactions");
    // Submissions happen in declaration order: event sequence number n is transaction n.
    const txEvents = await readJsonl(t, "blockchain/transaction/events/transaction_events.jsonl");
    assert.deepEqual(
      txEvents.map((e) => [e.sequence_number, e.record.tx_id]),
      txIds.map((id, i) => [i + 1, id]),
    );
    const submission = new Map(txIds.map((id, i) => [id, i + 1]));

    // The per-slot pattern: which slots proposed, and what each claimed.
    assert.equal(SLOT_PATTERN, SLOT_CLAIMS.map((c) => c.length ? "B" : "S").join(""));
    proposals.forEach((p, i) =>
      assert.deepEqual(rootPath(r.records, p), SLOT_PATTERN[i] === "B" ? BLOCK_PATH : SKIP_PATH, p)
    );
    const claimed: string[][] = proposals.map((p) => outputOf(p, "CC_CLAIM_MEMPOOL_TXS_V0").tx_ids);
    assert.deepEqual(
      claimed.map((ids) => ids.map((id) => submission.get(id)!).sort((a, b) => a - b)),
      SLOT_CLAIMS,
    );
    // The pattern is what the turn rule gives on this very trace.
    assert.deepEqual(
      claimsByTurns(r.records, consensus, workload).map(sorted),
      claimed.map(sorted),
    );

    const proposers: string[] = proposals.map((p) =>
      outputOf(p, "CC_SELECT_PROPOSER_V0").proposer_id
    );
    assert.deepEqual(
      new Set(proposers),
      new Set(validators),
      "proposers rotate over the registered validators",
    );
    proposers.forEach((p, i) => assert.equal(p, proposers[i % validators.length], `slot ${i + 1}`));

    // blocks.json: one block per proposing slot, holding exactly what that slot claimed.
    const blocks = (Object.values(
      await readJsonView(t, "blockchain/block/blocks/blocks.json"),
    ) as any[]).sort((a, b) => a.slot - b.slot);
    const proposing = proposals.flatMap((_, i) => SLOT_PATTERN[i] === "B" ? [i] : []);
    assert.deepEqual(
      blocks.map((b) => [b.slot, b.round_id, b.status, b.is_canonical, b.proposer_id, b.tx_ids]),
      proposing.map((i) => [i + 1, i + 1, "PROPOSED", false, proposers[i], claimed[i]]),
    );
    assert.deepEqual(
      blocks.map((b) => b.block_id),
      proposing.map((i) => outputOf(proposals[i], "CC_FORM_BLOCK_V0").block_id),
    );
    // No transaction lost or duplicated: each is in exactly one block or still PENDING.
    const mempool = await readJsonView(t, "blockchain/mempool/state/mempool.json");
    assert.ok(
      Object.values(mempool).every((m: any) => m.status === "PENDING"),
      "none left CLAIMED",
    );
    assert.deepEqual(
      sorted([...blocks.flatMap((b) => b.tx_ids), ...Object.keys(mempool)]),
      sorted(txIds),
    );
    assert.deepEqual(mempool, {}, "every submission made it into a block");

    // rounds.jsonl: one round per slot, its outcome and block matching the pattern.
    const rounds = await readJsonl(t, "blockchain/consensus_pos/rounds/rounds.jsonl");
    const blockOfSlot = new Map(blocks.map((b) => [b.slot, b.block_id]));
    assert.deepEqual(
      rounds.map((
        x,
      ) => [x.sequence_number, x.record.round_id, x.record.outcome, x.record.block_id]),
      slots.map((_, i) => [
        i + 1,
        i + 1,
        SLOT_PATTERN[i] === "B" ? "PROPOSED" : "SKIPPED",
        blockOfSlot.get(i + 1),
      ]),
    );

    // The workers interleaved. The trace body cannot show it (the recorder writes each run's
    // records depth-first, so the whole consensus subtree precedes the workload's), but state
    // does: the claim of round n (rounds.jsonl sequence n) took every pending submission, so
    // the submissions in its block (transaction event sequence numbers) came after round
    // n-1's claim and before round n's.
    const blockById = new Map(blocks.map((b) => [b.block_id, b]));
    const inRound = rounds.map((x) =>
      (blockById.get(x.record.block_id)?.tx_ids ?? []).map((id: string) => submission.get(id)!)
        .sort((a: number, b: number) => a - b)
    );
    assert.deepEqual(
      inRound.flat(),
      txIds.map((_, i) => i + 1),
      "rounds take submissions in order",
    );
    assert.equal(inRound.map((c) => "T".repeat(c.length) + "R").join(""), TIMELINE);
    assert.notEqual(TIMELINE, "R".repeat(24) + "T".repeat(24), "not one worker after the other");
    assert.equal(TIMELINE.match(/RT/g)?.length, 15, "the workload ran between two rounds 15 times");

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

    // Same seed, clock and prior state, same interleaving: a twin run on a fresh copy gives a
    // byte-identical trace.
    const twin = await realWorkspace();
    await seedSigningKey(twin.dataRoot);
    const twinRun = await within(
      15_000,
      runLib(twin, SIMULATION, (await simulationInput(twin)).payload, { traceId }),
    );
    assert.deepEqual(twinRun.lines, r.lines, "byte-identical trace on a fresh copy");

    // Committing is the test's part: the proposed blocks, one per slot in slot order, each
    // linked to its predecessor's hash.
    let head = genesisHash;
    const hashes: string[] = [];
    for (const block of blocks) {
      const c = await runLib(t, "blockchain::WF_COMMIT_BLOCK_V0", {
        proposed_block: { ...block, predecessor_hash: head },
      });
      assertCompleted(c, `commit ${block.block_id}`);
      hashes.push(head);
      head = (c.results as any).CC_COMMIT_BLOCK_CANONICAL_V0.content_hash;
    }
    const chain = await readJsonl(t, "blockchain/chain/chain.jsonl");
    assert.deepEqual(
      chain.map((e) => [e.record.block_id, e.record.slot, e.record.predecessor_hash]),
      [
        ["B_GENESIS", undefined, null],
        ...blocks.map((b, i) => [b.block_id, b.slot, hashes[i]]),
      ],
    );
    assert.equal(new Set(hashes).size, blocks.length, "distinct predecessor hashes");
    assert.deepEqual(await readJsonView(t, "blockchain/chain/chain_head.json"), { head });
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
