/**
 * The parts of a run, timed alone, to show what dominates: hashing and canonical JSON (the
 * trace chain), the XState walk of the register graph with no-op nodes, KV round trips and
 * commits (in memory and on disk), and the run context. The `node:crypto` hash is the
 * native alternative to `@noble/hashes` (proposed engine change, same digest).
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type AnyActorLogic,
  type AnyStateMachine,
  createActor,
  type InspectionEvent,
  toPromise,
} from "xstate";
import { createRunContext } from "../../actors/run_context.ts";
import { machineOf } from "../../actors/run_machine.ts";
import type { RunScope } from "../../actors/run_scope.ts";
import {
  INTENT_ACTOR,
  type IntentInput,
  type StepInput,
  stepLogic,
} from "../../actors/step_actors.ts";
import { canonicalJson, sha256Hex } from "../../snapshot/canonical.ts";
import type { TraceRecord } from "../../trace/record.ts";
import { chainRecords } from "../../trace/recorder.ts";
import { CLOCK, DEMOS, REGISTRY, SEED, tempDir } from "../_fixtures.ts";
import { type BenchCase, benchCase } from "../_harness.ts";
import { type SampleRun, sampleRun } from "../_sample.ts";

/** Names of the part cases the report reads. */
export const PART = {
  chain: "chainRecords (canonical JSON + sha256 chain), register trace",
  canonical: "canonicalJson of every record, register trace",
  nobleHash: "sha256 (@noble/hashes) of every line, register trace",
  nativeHash: "sha256 (node:crypto) of every line, register trace",
  machine: "XState walk of the register graph, no-op nodes",
  kvGetMemory: "KV get of a missing key, memory",
  kvGetDisk: "KV get of a missing key, disk",
  kvCommitMemory: "KV atomic commit (1 check + 10 sets), memory",
  kvCommitDisk: "KV atomic commit (1 check + 10 sets), disk (durable)",
  runContext: "createRunContext + 5 transform contexts",
} as const;

function unchained(records: readonly TraceRecord[]) {
  // deno-lint-ignore no-explicit-any
  return records.map(({ seq: _s, prev: _p, ...r }: any) => r);
}

interface MachineState {
  sample: SampleRun;
  machine: AnyStateMachine;
  scope: RunScope;
}

/**
 * The register machine with every actor replaced by a synchronous stand-in answering the
 * status the reference run recorded: what the XState walk itself costs.
 */
async function machineState(): Promise<MachineState> {
  const sample = await sampleRun(DEMOS.register);
  const statuses = new Map<string, string>();
  const verdicts = new Map<string, string>();
  for (const r of sample.result.records as unknown as readonly Record<string, unknown>[]) {
    if (r.run !== "root") continue;
    if (r.type === "step") statuses.set(`${r.node}\0${r.step}`, String(r.status));
    if (r.type === "admission" && r.kind === "IN") verdicts.set(String(r.node), String(r.outcome));
  }
  const graph = sample.compiled.root;
  const step = stepLogic((input: StepInput) => ({
    status: statuses.get(`${input.node}\0${input.step.name}`)!,
    raw: {},
  }));
  const actors: Record<string, AnyActorLogic> = {
    [INTENT_ACTOR]: stepLogic((input: IntentInput) => ({
      outcome: verdicts.get(input.node)!,
      reasons: [],
    })),
  };
  for (const node of Object.values(graph.nodes)) {
    if (node.type === "CC") { for (const s of node.cc.steps) actors[s.capability] = step; }
  }
  const machine = machineOf(graph, REGISTRY.capabilities).provide({ actors });
  const scope: RunScope = {
    runId: "root",
    parentRunId: null,
    compiled: sample.compiled,
    txn: null,
    rc: createRunContext({ seed: SEED, startedAt: CLOCK, secretSeed: SEED }),
    budget: { used: 0, max: 1e9 },
    branch: [],
    groups: new Map(),
    depth: 0,
  };
  return { sample, machine, scope };
}

async function walk(s: MachineState): Promise<void> {
  let steps = 0;
  const inspect = (e: InspectionEvent) => {
    if (e.type === "@xstate.microstep") steps++;
  };
  const actor = createActor(s.machine, { input: { payload: {}, scope: s.scope }, inspect });
  actor.start();
  await toPromise(actor);
  if (steps === 0) throw new Error("machine did not step");
}

async function openKv(where: "memory" | "disk"): Promise<Deno.Kv> {
  return await Deno.openKv(where === "memory" ? ":memory:" : `${await tempDir()}/bench.kv`);
}

let commitCounter = 0;

async function commit(kv: Deno.Kv): Promise<void> {
  const n = ++commitCounter;
  const op = kv.atomic().check({ key: ["meta", n], versionstamp: null });
  const value = new TextEncoder().encode(JSON.stringify({ n, text: "x".repeat(200) }));
  for (let i = 0; i < 10; i++) op.set(["data", n, i], value);
  const r = await op.commit();
  if (!r.ok) throw new Error("commit refused");
}

/** The part cases. */
export function partCases(): BenchCase[] {
  const sample = () => sampleRun(DEMOS.register);
  return [
    benchCase<SampleRun>({
      suite: "parts",
      group: "hashing",
      name: PART.chain,
      baseline: true,
      setup: sample,
      fn: (s) =>
        chainRecords(unchained(s.result.records), { fields: new Set(), values: new Set() }),
    }),
    benchCase<SampleRun>({
      suite: "parts",
      group: "hashing",
      name: PART.canonical,
      setup: sample,
      fn: (s) => s.result.records.map((r) => canonicalJson(r)),
    }),
    benchCase<SampleRun>({
      suite: "parts",
      group: "hashing",
      name: PART.nobleHash,
      setup: sample,
      fn: (s) => s.result.lines.map((l) => sha256Hex(l)),
    }),
    benchCase<SampleRun>({
      suite: "parts",
      group: "hashing",
      name: PART.nativeHash,
      setup: async () => {
        const s = await sample();
        const line = s.result.lines[0];
        if (createHash("sha256").update(line).digest("hex") !== sha256Hex(line)) {
          throw new Error("node:crypto and @noble/hashes disagree");
        }
        return s;
      },
      fn: (s) => s.result.lines.map((l) => createHash("sha256").update(l).digest("hex")),
    }),
    benchCase<MachineState>({
      suite: "parts",
      group: "machine",
      name: PART.machine,
      setup: machineState,
      fn: walk,
    }),
    ...(["memory", "disk"] as const).flatMap((where) => [
      benchCase<Deno.Kv>({
        suite: "parts",
        group: "kv",
        name: where === "memory" ? PART.kvGetMemory : PART.kvGetDisk,
        baseline: where === "memory",
        setup: () => openKv(where),
        fn: (kv) => kv.get(["missing", ++commitCounter]),
      }),
      benchCase<Deno.Kv>({
        suite: "parts",
        group: "kv",
        name: where === "memory" ? PART.kvCommitMemory : PART.kvCommitDisk,
        setup: () => openKv(where),
        fn: commit,
      }),
    ]),
    benchCase<null>({
      suite: "parts",
      group: "context",
      name: PART.runContext,
      setup: () => Promise.resolve(null),
      fn: () => {
        const rc = createRunContext({ seed: SEED, startedAt: CLOCK });
        for (let i = 0; i < 5; i++) rc.transformContext(`root/N/s${i}`);
      },
    }),
  ];
}
