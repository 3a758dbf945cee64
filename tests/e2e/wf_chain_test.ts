/**
 * Real snapshot, blockchain chain storage: WF_BOOTSTRAP_GENESIS_CHAIN_V0 then
 * WF_COMMIT_BLOCK_V0 (a block whose predecessor is the head, and one whose is not).
 */
import assert from "node:assert/strict";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import {
  assertRun,
  canonicalJson,
  payloadOf,
  readJsonl,
  readJsonView,
  realWorkspace,
  runWf,
} from "./wf_support.ts";

/** CT_PURE_HASH_BLOCK_V0, derived independently: Keccak-256 of the canonical JSON. */
function blockHash(block: unknown): string {
  return `0x${bytesToHex(keccak_256(utf8ToBytes(canonicalJson(block))))}`;
}

Deno.test("chain: genesis bootstrap, a block with the wrong predecessor is refused, the right one is committed", async () => {
  const t = await realWorkspace();
  const genesis = await payloadOf("chain", "genesis");
  const boot = await runWf(t, "blockchain::WF_BOOTSTRAP_GENESIS_CHAIN_V0", genesis);
  assertRun(boot, {
    path: ["IN_BOOTSTRAP_GENESIS_CHAIN_V0:ACK", "CC_CREATE_GENESIS_BLOCK_V0:SUCCESS"],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_SUCCESS",
  });
  const genesisHash = blockHash(genesis.genesis_block_content);
  assert.deepEqual(await readJsonView(t, "blockchain/chain/chain_head.json"), {
    head: genesisHash,
  });

  const block = await payloadOf("chain", "block_1");
  const wrong = await runWf(t, "blockchain::WF_COMMIT_BLOCK_V0", {
    proposed_block: { ...block, predecessor_hash: `0x${"00".repeat(32)}` },
  });
  assertRun(wrong, {
    path: ["IN_COMMIT_BLOCK_V0:ACK", "CC_VALIDATE_PREDECESSOR_LINK_V0:VIOLATION"],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "EXIT",
  });
  assert.equal(wrong.recs.filter((x) => x.type === "effect").length, 0);

  const proposed = { ...block, predecessor_hash: genesisHash };
  const committed = await runWf(t, "blockchain::WF_COMMIT_BLOCK_V0", { proposed_block: proposed });
  assertRun(committed, {
    path: [
      "IN_COMMIT_BLOCK_V0:ACK",
      "CC_VALIDATE_PREDECESSOR_LINK_V0:SUCCESS",
      "CC_COMMIT_BLOCK_CANONICAL_V0:SUCCESS",
      "CC_RECONCILE_BALANCES_V0:SUCCESS",
    ],
    classification: "COMPLETED",
    status: "SUCCESS",
    exit: "EXIT_SUCCESS",
  });
  const chain = await readJsonl(t, "blockchain/chain/chain.jsonl");
  assert.deepEqual(chain.map((e) => [e.sequence_number, e.record]), [[
    1,
    genesis.genesis_block_content,
  ], [2, proposed]]);
  assert.deepEqual(await readJsonView(t, "blockchain/chain/chain_head.json"), {
    head: blockHash(proposed),
  });
});

Deno.test("chain: a genesis payload without genesis_block_content is NACKed", async () => {
  const t = await realWorkspace();
  const r = await runWf(t, "blockchain::WF_BOOTSTRAP_GENESIS_CHAIN_V0", { genesis: {} });
  assertRun(r, {
    path: ["IN_BOOTSTRAP_GENESIS_CHAIN_V0:NACK"],
    classification: "REJECTED",
    status: "NACK",
    exit: "EXIT",
  });
  assert.deepEqual(r.recs.find((x) => x.type === "admission").reasons, [
    "$.genesis_block_content: required field is missing",
  ]);
});
