/**
 * What the benches run: the workspaces, the four demo workflows with their payload makers
 * and state seeding, temp data roots (removed when the process ends), and warm runtimes
 * (snapshot loaded, workflow compiled, store open).
 *
 * Payload makers take an iteration number: the register workflows get a new person each
 * time (a fresh registration, the SUCCESS path), the others a fixed payload (their steady
 * state is the same every iteration).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  type CapabilityRegistry,
  createCapabilityRegistry,
} from "../actors/capability_registry.ts";
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import { compileWorkflow } from "../snapshot/compile.ts";
import { loadSnapshot, type Snapshot } from "../snapshot/load.ts";
import { type KvStore, openKvStore, openMemoryStore } from "../storage/mod.ts";

/** The real PGS workspace (read-only; compile only reads it). */
export const REAL_WORKSPACE: string = Deno.env.get("PGS_BENCH_WORKSPACE") ??
  fileURLToPath(new URL("../../shared/pgs_workspace", import.meta.url));
/** The example workspace the project authors. */
export const EXAMPLE_WORKSPACE: string = fileURLToPath(
  new URL("../examples/workspace", import.meta.url),
);

/** Run clock of every bench run (fixed: runs are deterministic). */
export const CLOCK = "2026-01-01T00:00:00.000Z";
/** Run seed of every bench run. */
export const SEED = "00";

/** A demo workflow of the benches. */
export interface DemoWorkflow {
  /** Short name used in case names. */
  readonly key: "club" | "register" | "collatz" | "agent";
  /** Workflow FQDN. */
  readonly wf: string;
  /** Workspace holding its snapshot. */
  readonly workspace: string;
  /** Payload of iteration `i`. */
  readonly payload: (i: number) => Record<string, unknown>;
  /** Files a data root needs before the first run (data-root relative path → text). */
  readonly seed: (workspace: string) => Promise<Record<string, string>>;
}

/** The agent request of `tests/testdata/payloads/agent_action.json` ("authorized"). */
const AGENT_REQUEST = {
  requesting_user_id: "EMP_STD_001",
  domain_context: "licensing",
  tool_name: "READ_RECORD",
  parameters: { record_type: "license_pool", id: "LP_001" },
  request_id: "REQ_001",
};

const noSeed = () => Promise.resolve({});

/** The demo workflows (b): the example and real register demos, Collatz, agent governance. */
export const DEMOS: Readonly<Record<DemoWorkflow["key"], DemoWorkflow>> = {
  club: {
    key: "club",
    wf: "club::WF_REGISTER_MEMBER_V0",
    workspace: EXAMPLE_WORKSPACE,
    payload: (i) => ({ member: { name: `Ada Lovelace ${i}`, email: `ada${i}@example.org` } }),
    seed: noSeed,
  },
  register: {
    key: "register",
    wf: "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0",
    workspace: REAL_WORKSPACE,
    payload: (i) => ({
      actor_record: {
        first_name: `Bachi${i}`,
        last_name: "Eight",
        email_registration: `bachi${i}@yahoo.com`,
      },
    }),
    seed: noSeed,
  },
  collatz: {
    key: "collatz",
    wf: "ai_governance::WF_DEMO_COLLATZ_CONJECTURE_V0",
    workspace: REAL_WORKSPACE,
    payload: () => ({ numbers: [1, 2, 3, 27] }),
    seed: noSeed,
  },
  agent: {
    key: "agent",
    wf: "ai_governance::WF_GOVERN_AGENT_ACTION_V0",
    workspace: REAL_WORKSPACE,
    payload: () => structuredClone(AGENT_REQUEST),
    // STRUCTURE_AGENT_*_STORAGE_V0 declares LICENSE_FACTS here; the store imports it.
    seed: async (ws) => ({
      "ai_governance/ai_licensing/license_facts.json": await Deno.readTextFile(
        `${ws}/seeds/license_facts.json`,
      ),
    }),
  },
};

const tempDirs: string[] = [];

// Stores stay open until the process ends (benches share them); only the files go.
globalThis.addEventListener("unload", () => {
  for (const d of tempDirs) {
    try {
      Deno.removeSync(d, { recursive: true });
    } catch { /* gone already */ }
  }
});

/** A temp directory removed when the process ends. */
export async function tempDir(prefix = "pgs-bench-"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  tempDirs.push(dir);
  return dir;
}

/** Writes data-root files (parents created). */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
}

/** Where state lives: in memory, or a Deno KV file on disk (durable commits). */
export type StoreKind = "memory" | "kv";

/** Opens a store on a fresh data root seeded with `files`. */
export async function openStore(
  kind: StoreKind,
  files: Record<string, string> = {},
  dir?: string,
): Promise<{ store: KvStore; dataRoot: string }> {
  const dataRoot = dir ?? await tempDir("pgs-bench-data-");
  await writeFiles(dataRoot, files);
  const store = kind === "memory"
    ? await openMemoryStore({ dataRoot })
    : await openKvStore({ dataRoot });
  return { store, dataRoot };
}

const snapshots = new Map<string, Promise<Snapshot>>();

/** A loaded snapshot, shared by every case of the process (its artifact cache stays warm). */
export function sharedSnapshot(workspace: string): Promise<Snapshot> {
  let s = snapshots.get(workspace);
  if (!s) {
    s = loadSnapshot(workspace);
    snapshots.set(workspace, s);
  }
  return s;
}

/** The built-in capability registry (built once). */
export const REGISTRY: CapabilityRegistry = createCapabilityRegistry();

/** Compiles `wf` of `workspace` with the shared snapshot. */
export async function compileShared(workspace: string, wf: string): Promise<CompiledWorkflow> {
  return await compileWorkflow(await sharedSnapshot(workspace), wf, REGISTRY.compileOptions);
}

/** A warm runtime for one demo workflow: compiled, store open and seeded. */
export interface WarmRuntime {
  /** The demo. */
  readonly demo: DemoWorkflow;
  /** Its compiled closure. */
  readonly compiled: CompiledWorkflow;
  /** Open store. */
  readonly store: KvStore;
  /** Data root of the store. */
  readonly dataRoot: string;
  /** Next iteration number (payload maker input). */
  next: number;
}

/** Compiles a demo and opens a seeded store of `kind`. */
export async function warmRuntime(demo: DemoWorkflow, kind: StoreKind): Promise<WarmRuntime> {
  const compiled = await compileShared(demo.workspace, demo.wf);
  const { store, dataRoot } = await openStore(kind, await demo.seed(demo.workspace));
  return { demo, compiled, store, dataRoot, next: 1 };
}

/** Every workflow FQDN of a workspace. */
export async function listWorkflows(workspace: string): Promise<string[]> {
  return await (await sharedSnapshot(workspace)).listWorkflows();
}
