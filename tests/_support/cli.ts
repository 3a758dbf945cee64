// deno-lint-ignore-file no-explicit-any -- trace records and artifacts are untyped JSON here
/**
 * Runs the CLI in-process and captures its output. Every `run` made through {@link cli}
 * is also checked for determinism: the same run (same seed, clock and trace id) on a copy
 * of the prior state must give a byte-identical trace body, and `replay` of the trace must
 * say identical. So every workflow run in the test suite proves SPEC §5.
 */
import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import { sha256Hex } from "../../snapshot/canonical.ts";
import { shareSigningKey } from "./signing.ts";
import { copyDir } from "./workspace.ts";
import { tempDir } from "./tmp.ts";

// The suite fixes the secret (key material) seed so that runs generating keys are
// byte-identical on their twin run; production never sets it.
Deno.env.set("PGS_SECRET_SEED", "5e".repeat(32));

/** Output and exit code of one CLI call. */
export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** Parsed stdout when `--json` was given. */
  json: any;
}

let counter = 0;

async function invoke(args: string[]): Promise<Omit<CliRun, "json">> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Runs `main(args)` capturing stdout/stderr (with the determinism check for `run`). */
export async function cli(...args: string[]): Promise<CliRun> {
  const check = args[0] === "run" && !args.includes("--kv") &&
    !Deno.env.get("PGS_TEST_SKIP_DETERMINISM");
  let copy: { dataRoot: string; workspace: string } | null = null;
  if (check) {
    if (!flag(args, "--seed")) args.push("--seed", (++counter).toString(16).padStart(8, "0"));
    if (!flag(args, "--clock")) args.push("--clock", "2026-01-01T00:00:00.000Z");
    if (!flag(args, "--trace-id")) args.push("--trace-id", `T_test_${Date.now()}_${++counter}`);
    const dataRoot = flag(args, "--data-root")!;
    const tmp = await tempDir("pgs-twin-");
    copy = { dataRoot: `${tmp}/data`, workspace: `${tmp}/ws` };
    await copyDir(dataRoot, copy.dataRoot).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await Deno.mkdir(`${copy.workspace}/protocol_snapshot`, { recursive: true });
    await Deno.symlink(
      `${await Deno.realPath(flag(args, "--workspace")!)}/protocol_snapshot/artifacts`,
      `${copy.workspace}/protocol_snapshot/artifacts`,
    );
  }
  const r = await invoke(args);
  let json: unknown = undefined;
  if (args.includes("--json")) {
    try {
      json = JSON.parse(r.out.join("\n"));
    } catch {
      json = undefined;
    }
  }
  if (check && copy && r.code !== 2 && r.code !== 3) {
    const ws = flag(args, "--workspace")!;
    const id = flag(args, "--trace-id")!;
    const body = await Deno.readTextFile(`${ws}/traces/${id}/${id}.jsonl`);
    await shareSigningKey(flag(args, "--data-root")!, copy.dataRoot);
    const twinArgs = args.slice();
    twinArgs[twinArgs.indexOf("--data-root") + 1] = copy.dataRoot;
    twinArgs[twinArgs.indexOf("--workspace") + 1] = copy.workspace;
    const payload = flag(args, "--payload")!;
    if (payload === "-") throw new Error("determinism check cannot re-read stdin");
    const twin = await invoke(twinArgs);
    assert.equal(twin.code, r.code, "same exit code on a copy of the prior state");
    const twinBody = await Deno.readTextFile(`${copy.workspace}/traces/${id}/${id}.jsonl`);
    assert.equal(twinBody, body, "byte-identical trace body on a copy of the prior state");
    const replay = await invoke(["replay", `${ws}/traces/${id}/${id}.jsonl`, "--workspace", ws]);
    assert.equal(
      replay.code,
      0,
      `replay of ${id}: ${replay.out.join("\n")} ${replay.err.join("\n")}`,
    );
    await Deno.remove(copy.dataRoot.replace(/\/data$/, ""), { recursive: true });
  }
  return { ...r, json };
}

/**
 * The body records of a trace file (header to root result, shared values resolved, the
 * seal left out), after checking the file is intact.
 */
export async function readRecords(path: string): Promise<any[]> {
  const { records, problems } = verifyTrace(await Deno.readTextFile(path));
  assert.deepEqual(problems, [], `trace ${path} is intact`);
  return records;
}

/** Every file under `dir` with its content (for before/after state comparisons). */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile) {
        out[p.slice(dir.length + 1)] = await Deno.readTextFile(p).catch(() => "<binary>");
      }
    }
  };
  await walk(dir).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out;
}

/**
 * Every entry under `dir` for before/after state comparisons: folders, files by the sha256 of
 * their bytes, links by target, FIFOs and devices by kind (never read). An absent dir is {}.
 */
export async function stateTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      const rel = p.slice(dir.length + 1);
      if (e.isDirectory) {
        out[`${rel}/`] = "dir";
        await walk(p);
      } else if (e.isSymlink) out[rel] = `-> ${await Deno.readLink(p)}`;
      else if (e.isFile) out[rel] = sha256Hex(await Deno.readFile(p));
      else out[rel] = "special";
    }
  };
  await walk(dir).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out;
}

let payloadCounter = 0;

/** Writes `payload` to a file in `t.dir` and runs `wf` on it (`--json --no-png` plus `extra`). */
export async function runPayload(
  t: { dir: string; workspace: string; dataRoot: string },
  wf: string,
  payload: unknown,
  ...extra: string[]
): Promise<CliRun> {
  const file = `${t.dir}/payload_${++payloadCounter}.json`;
  await Deno.writeTextFile(file, JSON.stringify(payload));
  return await cli(
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
    ...extra,
  );
}

/** CLI arguments of a run of the club registration on the workspace's `ada.json`. */
export function adaRunArgs(t: { workspace: string; dataRoot: string }): string[] {
  return [
    "run",
    "--wf",
    "club::WF_REGISTER_MEMBER_V0",
    "--payload",
    `${t.workspace}/payloads/ada.json`,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
  ];
}
