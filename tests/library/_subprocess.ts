/** Helpers for tests that run the CLI (source or bundle) as a user would: a subprocess. */
import { fileURLToPath } from "node:url";
import { copyDir, EXAMPLE_WORKSPACE } from "../_support/workspace.ts";
import { tempDir } from "../_support/tmp.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** Exit code and output of one subprocess. */
export interface Proc {
  /** Exit code. */
  code: number;
  /** Standard output. */
  out: string;
  /** Standard error. */
  err: string;
}

/**
 * Runs `deno <args>` in `cwd` with `env` added, returning code and text output. With `ms`,
 * the process is killed after that long and the call fails (a test of something that must
 * never wait on a pipe fails instead of hanging the suite).
 */
export async function deno(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  ms?: number,
): Promise<Proc> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = ms === undefined ? undefined : setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, ms);
  const r = await child.output();
  clearTimeout(timer);
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (killed) throw new Error(`deno ${args.join(" ")}: still running after ${ms} ms`);
  return { code: r.code, out: text(r.stdout), err: text(r.stderr) };
}

/** The source CLI in a subprocess (all permissions), in `cwd`, killed and failing after `ms`. */
export function cliProcess(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; ms?: number } = {},
): Promise<Proc> {
  return deno(
    ["run", "--no-prompt", "--config", `${ROOT}deno.json`, "-A", `${ROOT}cli.ts`, ...args],
    options.cwd ?? ROOT,
    options.env,
    options.ms ?? 20_000,
  );
}

/**
 * A temp directory OUTSIDE the repository holding `ws/` (a copy of the example workspace:
 * artifacts and payloads) and room for `data/`.
 */
export async function outsideWorkspace(): Promise<{ dir: string; ws: string; data: string }> {
  const dir = await Deno.realPath(await tempDir("pgs-outside-"));
  if (dir.startsWith(ROOT)) throw new Error(`temp dir ${dir} is inside the repository`);
  await copyDir(`${EXAMPLE_WORKSPACE}/protocol_snapshot`, `${dir}/ws/protocol_snapshot`);
  await copyDir(`${EXAMPLE_WORKSPACE}/payloads`, `${dir}/ws/payloads`);
  return { dir, ws: `${dir}/ws`, data: `${dir}/data` };
}

/** The least-privilege flags of `run` on a local data root (docs/DEPLOY.md). */
export function runFlags(ws: string, data: string): string[] {
  return [`--allow-read=${ws},${data}`, `--allow-write=${data},${ws}/traces`];
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
