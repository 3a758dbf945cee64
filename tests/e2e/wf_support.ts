// deno-lint-ignore-file no-explicit-any -- trace records and state views are untyped JSON here
/**
 * Helpers of the real-snapshot workflow tests: running a workflow through the in-process CLI
 * (with the suite's determinism twin and replay check) or the library path, reading the root
 * CC path, deriving ids the way CT_PURE_GENERATE_ID_V0 does, and seeding a data root with
 * PGS-format files the way the Python tools leave them (the store imports them on first open).
 */
import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { executeWorkflow, type RunResult } from "../../actors/execute_workflow.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { main } from "../../cli.ts";
import { cli, type CliRun, readRecords } from "../_support/cli.ts";
import { copyDir, SHARED_WORKSPACE, tempWorkspace } from "../_support/workspace.ts";
import { shareSigningKey } from "../_support/signing.ts";
import { tempDir } from "../_support/tmp.ts";

/** A temp copy of the real workspace plus an empty data root. */
export type Ws = Awaited<ReturnType<typeof tempWorkspace>>;

/** Run clock used by every run of these tests. */
export const CLOCK = "2026-01-01T00:00:00.000Z";
/** Run seed used unless a test picks another. */
export const SEED = "00";

/** A fresh temp copy of the real (read-only) workspace. */
export function realWorkspace(): Promise<Ws> {
  return tempWorkspace(SHARED_WORKSPACE);
}

/** A CLI run with its trace records and its root CC path. */
export interface WfRun extends CliRun {
  /** Every record of the trace. */
  recs: any[];
  /** Root transitions as `from:outcome`. */
  path: string[];
}

let payloadCounter = 0;

/** Runs `wf` on `payload` with `run --json --no-png`, fixed seed and clock. */
export async function runWf(t: Ws, wf: string, payload: unknown, seed = SEED): Promise<WfRun> {
  const file = `${t.dir}/payload_${++payloadCounter}.json`;
  await Deno.writeTextFile(file, JSON.stringify(payload));
  const r = await cli(
    "run",
    "--wf",
    wf,
    "--payload",
    file,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
    "--json",
    "--no-png",
    "--seed",
    seed,
    "--clock",
    CLOCK,
  );
  if (!r.json) {
    throw new Error(`run of ${wf} printed no JSON (exit ${r.code}): ${r.err.join("\n")}`);
  }
  const recs = await readRecords(r.json.files.jsonl);
  return { ...r, recs, path: rootPath(recs) };
}

/**
 * Like {@link runWf} but without the `replay` half of the suite's determinism check, for the
 * runs a known replay bug (wf_engine_bugs_test.ts, named in `bug`) makes diverge. The other
 * half stays: the same run on a copy of the prior state must give a byte-identical trace.
 */
export async function runWfWithoutReplay(
  t: Ws,
  wf: string,
  payload: unknown,
  bug: string,
  seed = SEED,
): Promise<WfRun> {
  assert.ok(bug.length > 0, "name the replay bug this run works around");
  const file = `${t.dir}/payload_${++payloadCounter}.json`;
  await Deno.writeTextFile(file, JSON.stringify(payload));
  const traceId = `T_noreplay_${payloadCounter}`;
  const twin = await tempDir("pgs-twin-");
  await copyDir(t.dataRoot, `${twin}/data`);
  await Deno.mkdir(`${twin}/ws/protocol_snapshot`, { recursive: true });
  await copyDir(
    `${t.workspace}/protocol_snapshot/artifacts`,
    `${twin}/ws/protocol_snapshot/artifacts`,
  );
  const invoke = async (workspace: string, dataRoot: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([
      "run",
      "--wf",
      wf,
      "--payload",
      file,
      "--workspace",
      workspace,
      "--data-root",
      dataRoot,
      "--json",
      "--no-png",
      "--seed",
      seed,
      "--clock",
      CLOCK,
      "--trace-id",
      traceId,
    ], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err, json: JSON.parse(out.join("\n")) };
  };
  const r = await invoke(t.workspace, t.dataRoot);
  await shareSigningKey(t.dataRoot, `${twin}/data`);
  const copy = await invoke(`${twin}/ws`, `${twin}/data`);
  assert.equal(copy.code, r.code, "same exit code on a copy of the prior state");
  assert.equal(
    await Deno.readTextFile(copy.json.files.jsonl),
    await Deno.readTextFile(r.json.files.jsonl),
    "byte-identical trace body on a copy of the prior state",
  );
  await Deno.remove(twin, { recursive: true });
  const recs = await readRecords(r.json.files.jsonl);
  return { ...r, recs, path: rootPath(recs) };
}

/** The CC path of a run (root transitions, or those of the child run `run`). */
export function rootPath(recs: readonly any[], run = "root"): string[] {
  return recs.filter((x) => x.type === "transition" && x.run === run).map((x) =>
    `${x.from}:${x.outcome}`
  );
}

/** The transition record leaving `node` in the root run. */
export function transitionFrom(recs: readonly any[], node: string, run = "root"): any {
  return recs.find((x) => x.type === "transition" && x.run === run && x.from === node);
}

/** Runs `wf` through the library path (no CLI, no determinism twin). */
export async function runLib(
  t: Pick<Ws, "workspace" | "dataRoot">,
  wf: string,
  payload: unknown,
  opts: { seed?: string; traceId?: string } = {},
): Promise<RunResult> {
  const snapshot = await loadSnapshot(t.workspace);
  const registry = createCapabilityRegistry();
  const compiled = await compileWorkflow(snapshot, wf, registry.compileOptions);
  const store = await openKvStore({ dataRoot: t.dataRoot });
  try {
    return await executeWorkflow(compiled, payload, {
      store,
      capabilities: registry.capabilities,
      seed: opts.seed ?? SEED,
      startedAt: CLOCK,
      traceId: opts.traceId,
    });
  } finally {
    await store.close();
  }
}

/** JSON with sorted keys and no spaces (Python `sort_keys=True, separators=(",", ":")`), ASCII data. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${
      Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")
    }}`;
  }
  return JSON.stringify(v);
}

/** `prefix_` + first 16 hex of sha256(canonical JSON): the documented GENERATE_ID rule. */
export function generatedId(prefix: string, data: Record<string, unknown>): string {
  return `${prefix}_${bytesToHex(sha256(utf8ToBytes(canonicalJson(data)))).slice(0, 16)}`;
}

/** An actor record as the identity workflows take it. */
export interface ActorRecord {
  first_name: string;
  last_name: string;
  email_registration: string;
}

/** Actor id of a record (`A_…`, CC_GENERATE_ACTOR_ID_V0). */
export function actorIdOf(a: ActorRecord): string {
  return generatedId("A", { ...a });
}

/** Wallet id CC_GENERATE_WALLET_ID_V0 derives for an actor and wallet type. */
export function walletIdOf(actorId: string, walletType: string): string {
  return generatedId("W", { actor_id: actorId, type: "wallet", wallet_type: walletType });
}

/** The placeholder address convention of seeds/system_wallets.json: id hex, zero-padded. */
export function placeholderAddress(walletId: string): string {
  return `0x${walletId.slice(2)}${"0".repeat(24)}`;
}

/** Reads a seed file of the temp workspace. */
export async function readSeed<T = any>(t: Ws, rel: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(`${t.workspace}/seeds/${rel}`));
}

/** Writes a file under the data root (parents created). */
export async function writeDataFile(
  t: Pick<Ws, "dataRoot">,
  rel: string,
  text: string,
): Promise<void> {
  const path = `${t.dataRoot}/${rel}`;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, text);
}

/** One line of a PGS append-only JSONL store (CS_APPENDONLY_JSONL_V0 layout). */
export function appendOnlyLine(
  seq: number,
  actorId: string,
  streamId: string,
  record: unknown,
): string {
  return JSON.stringify({
    record_id: `2026-01-01T00:00:00_${String(seq - 1).padStart(6, "0")}`,
    sequence_number: seq,
    timestamp: "2026-01-01T00:00:00",
    actor_id: actorId,
    stream_id: streamId,
    record,
  });
}

/** A wallet of an actor, as a completed WF_CREATE_WALLET_V0 would have left it. */
export interface SeedWallet {
  walletId: string;
  actorId: string;
  walletType: string;
  address: string;
}

/**
 * Seeds the wallet state (`seeds/wallets.json` system wallets plus `wallets`) and one
 * EV_WALLET_CREATED_V0 event per wallet. Must run before the first run that opens the
 * WALLET / WALLET_EVENTS stores (they import their files on first open only).
 */
export async function seedWallets(t: Ws, wallets: readonly SeedWallet[]): Promise<void> {
  const state = await readSeed<Record<string, unknown>>(t, "wallets.json");
  const events: string[] = [];
  for (const [i, w] of wallets.entries()) {
    state[w.walletId] = {
      actor_id: w.actorId,
      address: w.address,
      // The shape CT_PURE_EXTRACT_WALLET_TX_FIELDS_V0 reads (addresses.eoa[0], state.eoa.nonce).
      addresses: { eoa: [{ address: w.address, derivation_path: "m/44'/66'/0'/0/0" }] },
      balance: 0,
      created_at: "2026-01-01T00:00:00Z",
      currency: "BACHI",
      last_modified: "2026-01-01T00:00:00Z",
      status: "ACTIVE",
      wallet_id: w.walletId,
      wallet_type: w.walletType,
      state: { eoa: { nonce: 0 } },
    };
    events.push(appendOnlyLine(i + 1, w.actorId, w.walletId, {
      event_type: "EV_WALLET_CREATED_V0",
      owner_id: w.actorId,
      wallet_config: { currency: "BACHI" },
      wallet_id: w.walletId,
      wallet_type: w.walletType,
    }));
  }
  await writeDataFile(t, "blockchain/wallet/state/wallets.json", JSON.stringify(state, null, 2));
  await writeDataFile(t, "blockchain/wallet/events/wallet_events.jsonl", events.join("\n") + "\n");
}

/** Copies `seeds/license_facts.json` to where STRUCTURE_AGENT_*_STORAGE_V0 declares LICENSE_FACTS. */
export async function seedLicenseFacts(t: Ws): Promise<void> {
  await writeDataFile(
    t,
    "ai_governance/ai_licensing/license_facts.json",
    await Deno.readTextFile(`${t.workspace}/seeds/license_facts.json`),
  );
}

/** Lines of a JSONL state view (empty when the file does not exist). */
export async function readJsonl(t: Pick<Ws, "dataRoot">, rel: string): Promise<any[]> {
  try {
    return (await Deno.readTextFile(`${t.dataRoot}/${rel}`)).split("\n").filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** A JSON state view (`{}` when the file does not exist). */
export async function readJsonView(
  t: Pick<Ws, "dataRoot">,
  rel: string,
): Promise<Record<string, any>> {
  try {
    return JSON.parse(await Deno.readTextFile(`${t.dataRoot}/${rel}`));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
}

/** A named payload variant of `tests/testdata/payloads/<family>.json`. */
export async function payloadOf(family: string, variant: string): Promise<any> {
  const all = JSON.parse(
    await Deno.readTextFile(new URL(`../testdata/payloads/${family}.json`, import.meta.url)),
  );
  if (!(variant in all)) throw new Error(`no payload variant ${variant} in ${family}.json`);
  return structuredClone(all[variant]);
}

/** What a run must have produced. */
export interface Expected {
  /** Root CC path, `from:outcome`. */
  path: string[];
  classification: string;
  status: string;
  /** EXIT node key (null: none reached). */
  exit: string | null;
  /** EXIT emit, when the test cares. */
  emit?: string | null;
}

/** Asserts the CLI result and the trace agree with `e` (and the exit code follows). */
export function assertRun(r: WfRun, e: Expected): void {
  const where = `${r.json.workflow}: ${r.err.join(" ")}`;
  assert.deepEqual(r.path, e.path, `path of ${where}`);
  assert.equal(r.json.classification, e.classification, `classification of ${where}`);
  assert.equal(r.json.status, e.status, `status of ${where}`);
  assert.equal(r.json.exit_node, e.exit, `exit node of ${where}`);
  if (e.emit !== undefined) assert.equal(r.json.emit, e.emit, `emit of ${where}`);
  const result = r.recs.at(-1);
  assert.equal(result.type, "result");
  assert.equal(result.classification, e.classification);
  const code = e.classification === "COMPLETED"
    ? 0
    : e.classification === "REJECTED" || e.classification.startsWith("ENDED_")
    ? 1
    : 4;
  assert.equal(r.code, code, `exit code of ${where}`);
}
