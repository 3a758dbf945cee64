/**
 * Writes the golden traces: real runs of the engine with the seed, clock, trace id and
 * signing key fixed, so each `.jsonl` is byte for byte what the engine writes for that run.
 * `tests/trace/golden_test.ts` re-runs this and compares; a format or engine change shows up
 * as a diff, and `PGS_UPDATE_GOLDEN=1` rewrites the committed files.
 *
 * ```sh
 * deno run -A tests/testdata/golden/generate.ts [outDir]   # default: this folder
 * ```
 *
 * Most cases run on the workspace of `workspace.ts`; the two `govern_*` cases run the real
 * 18-node `ai_governance::WF_GOVERN_AGENT_ACTION_V0` of the shared workspace (copied to a
 * temp dir, license facts seeded), for the graph and PNG tests.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { runWorkflow } from "../../../mod.ts";
import { seedSigningKey } from "../../_support/signing.ts";
import { copyDir, SHARED_WORKSPACE } from "../../_support/workspace.ts";
import { GOLDEN_CAPABILITIES, SECRET_KEY, WF, writeGoldenWorkspace } from "./workspace.ts";

type Json = Record<string, unknown>;

/** Run seed of every golden run. */
export const GOLDEN_SEED = "5eed".repeat(16);
/** Run clock of every golden run. */
export const GOLDEN_CLOCK = "2025-01-01T00:00:00.000Z";
/** Byte the data roots' signing key is filled with (see `seedSigningKey`). */
export const GOLDEN_KEY_BYTE = 7;
/** The governance workflow of the shared workspace. */
export const GOVERN_ACTION = "ai_governance::WF_GOVERN_AGENT_ACTION_V0";

/** One golden run. */
export interface GoldenCase {
  /** File name (without `.jsonl`); the trace id is `T_golden_<name>`. */
  readonly name: string;
  /** Which workspace it runs on. */
  readonly workspace: "golden" | "shared";
  /** Workflow FQDN. */
  readonly workflow: string;
  /** Payload. */
  readonly payload: Json;
  /** Payloads run first on the same data root (their traces are not kept). */
  readonly before?: readonly Json[];
  /** Step budget. */
  readonly budget?: number;
}

const AGENT_ACTIONS = JSON.parse(
  await Deno.readTextFile(new URL("../payloads/agent_action.json", import.meta.url)),
) as Record<string, Json>;

const REGISTER_ADA = { name: "ada", email: "ada@example.org" };

/** Every golden run, in file-name order. */
export const GOLDEN_CASES = [
  {
    name: "admission_denied",
    workspace: "golden",
    workflow: WF.verify,
    payload: { actor_id: "A1" },
  },
  // The budget runs out when the gateway step would start the child run.
  { name: "budget", workspace: "golden", workflow: WF.register, payload: REGISTER_ADA, budget: 4 },
  // A runaway: the workflow starts itself as a child run until the budget runs out.
  { name: "budget_runaway", workspace: "golden", workflow: WF.loop, payload: { n: 0 }, budget: 8 },
  {
    name: "child_ended",
    workspace: "golden",
    workflow: WF.run,
    payload: { slots: [{ slot: "S0" }] },
  },
  {
    name: "child_fault",
    workspace: "golden",
    workflow: WF.batch,
    payload: { items: [{ item: 1 }, { item: 2 }] },
  },
  { name: "completed", workspace: "golden", workflow: WF.register, payload: REGISTER_ADA },
  {
    name: "completed_warning",
    workspace: "golden",
    workflow: WF.register,
    payload: REGISTER_ADA,
    before: [REGISTER_ADA],
  },
  { name: "ended", workspace: "golden", workflow: WF.lookup, payload: { actor_id: "A9" } },
  {
    name: "fault",
    workspace: "golden",
    workflow: WF.sign,
    payload: { private_key: SECRET_KEY, message: "hi" },
  },
  {
    name: "govern_authorized",
    workspace: "shared",
    workflow: GOVERN_ACTION,
    payload: AGENT_ACTIONS.authorized,
  },
  {
    name: "govern_unauthorized",
    workspace: "shared",
    workflow: GOVERN_ACTION,
    payload: AGENT_ACTIONS.unknown_user,
  },
  { name: "input_failure", workspace: "golden", workflow: WF.lookup, payload: {} },
  {
    name: "nack",
    workspace: "golden",
    workflow: WF.register,
    payload: { email: "not-an-email", amount: -1 },
  },
  { name: "no_transition", workspace: "golden", workflow: WF.check, payload: { value: 3 } },
] as const satisfies readonly GoldenCase[];

/** The trace id of a golden case. */
export function goldenTraceId(name: string): string {
  return `T_golden_${name}`;
}

async function prepareWorkspaces(dir: string): Promise<Record<GoldenCase["workspace"], string>> {
  const golden = `${dir}/golden_ws`;
  await writeGoldenWorkspace(golden);
  const shared = `${dir}/shared_ws`;
  await copyDir(
    `${SHARED_WORKSPACE}/protocol_snapshot/artifacts`,
    `${shared}/protocol_snapshot/artifacts`,
  );
  return { golden, shared };
}

/** A fresh data root with the fixed signing key (and, for the shared workspace, its facts). */
async function dataRootFor(dir: string, c: GoldenCase): Promise<string> {
  const dataRoot = `${dir}/data_${c.name}`;
  await seedSigningKey(dataRoot, GOLDEN_KEY_BYTE);
  if (c.workspace === "shared") {
    const facts = `${dataRoot}/ai_governance/ai_licensing`;
    await Deno.mkdir(facts, { recursive: true });
    await Deno.copyFile(
      `${SHARED_WORKSPACE}/seeds/license_facts.json`,
      `${facts}/license_facts.json`,
    );
  }
  return dataRoot;
}

/**
 * Runs every golden case and writes `<outDir>/<name>.jsonl`.
 *
 * @returns The file names written, sorted.
 */
export async function generateGolden(outDir: string): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "pgs-golden-" });
  try {
    const workspaces = await prepareWorkspaces(dir);
    await Deno.mkdir(outDir, { recursive: true });
    const written: string[] = [];
    for (const c of GOLDEN_CASES as readonly GoldenCase[]) {
      const dataRoot = await dataRootFor(dir, c);
      const common = {
        workspace: workspaces[c.workspace],
        workflow: c.workflow,
        dataRoot,
        capabilities: c.workspace === "golden" ? GOLDEN_CAPABILITIES : {},
        seed: GOLDEN_SEED,
        startedAt: GOLDEN_CLOCK,
        budget: c.budget,
        traceFiles: false,
      };
      for (const [i, payload] of (c.before ?? []).entries()) {
        await runWorkflow({ ...common, payload, traceId: `${goldenTraceId(c.name)}_before${i}` });
      }
      const result = await runWorkflow({
        ...common,
        payload: c.payload,
        traceId: goldenTraceId(c.name),
      });
      const file = `${c.name}.jsonl`;
      await Deno.writeTextFile(`${outDir}/${file}`, result.lines.map((l) => `${l}\n`).join(""));
      written.push(file);
    }
    return written.sort();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const out = Deno.args[0] ?? fileURLToPath(new URL(".", import.meta.url));
  for (const f of await generateGolden(out)) console.log(`${out.replace(/\/$/, "")}/${f}`);
}
