/**
 * Spawning `_worker.ts` subprocesses, reading their JSON lines, killing them, and a seeded
 * PRNG (tests use no Math.random: a failing schedule can be replayed from its seed).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { WorkerConfig } from "./_worker.ts";

/** Absolute path of the worker script. */
export const WORKER = fileURLToPath(new URL("./_worker.ts", import.meta.url));
/** Absolute path of the project's deno.json. */
export const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));
/** Absolute path of cli.ts. */
export const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));

/** One JSON line a worker printed. */
export type WorkerLine = Record<string, unknown>;

/** Runs a worker to completion; returns its exit code, parsed lines and stderr. */
export async function runWorker(
  config: WorkerConfig,
): Promise<{ code: number; lines: WorkerLine[]; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--config", CONFIG, WORKER, JSON.stringify(config)],
    stdout: "piped",
    stderr: "piped",
    env: { PGS_TEST_SKIP_DETERMINISM: "1" },
  }).output();
  return {
    code: out.code,
    lines: parseLines(new TextDecoder().decode(out.stdout)),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** A worker that is killed: its lines so far, and whether a run was in flight. */
export interface KilledWorker {
  /** Lines printed before the kill. */
  lines: WorkerLine[];
  /** Runs finished before the kill. */
  done: number;
  /** True when the kill landed after a `start` with no matching `done`. */
  midRun: boolean;
  /** True when the worker had compiled (`ready`) before the kill. */
  ready: boolean;
  /** Exit signal/code as reported. */
  status: Deno.CommandStatus;
}

/**
 * Spawns a worker that runs until killed, waits for `ready`, then SIGKILLs it after
 * `delayMs`. A worker that exits by itself first is an error (it must not crash).
 */
export async function killWorkerAfter(
  config: WorkerConfig,
  delayMs: number,
): Promise<KilledWorker> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--config", CONFIG, WORKER, JSON.stringify(config)],
    stdout: "piped",
    stderr: "piped",
    env: { PGS_TEST_SKIP_DETERMINISM: "1" },
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  let text = "";
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  let ready = false;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    text += decoder.decode(chunk, { stream: true });
    if (!ready && text.includes('{"ready":true}')) {
      ready = true;
      killTimer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }, delayMs);
    }
  }
  const status = await child.status;
  clearTimeout(killTimer);
  const stderr = await stderrText;
  if (status.signal !== "SIGKILL") {
    throw new Error(`worker exited by itself (code ${status.code}): ${stderr.slice(0, 2000)}`);
  }
  const lines = parseLines(text.slice(0, text.lastIndexOf("\n") + 1));
  const starts = lines.filter((l) => "start" in l).length;
  const done = lines.filter((l) => "done" in l).length;
  return { lines, done, midRun: starts > done, ready, status };
}

function parseLines(text: string): WorkerLine[] {
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

/** A small seeded PRNG (mulberry32): deterministic schedules, printable seeds. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The schedule seed: `PGS_RELIABILITY_SEED` when set, else `fallback`. */
export function scheduleSeed(fallback: number): number {
  const env = Deno.env.get("PGS_RELIABILITY_SEED");
  return env ? Number(env) : fallback;
}
