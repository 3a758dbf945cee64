/** Runs the CLI in-process and captures its output. */
import { main } from "../../cli.ts";

/** Output and exit code of one CLI call. */
export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** Parsed stdout when `--json` was given. */
  json: any;
}

/** Runs `main(args)` capturing stdout/stderr. */
export async function cli(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  let json: unknown = undefined;
  if (args.includes("--json")) {
    try {
      json = JSON.parse(out.join("\n"));
    } catch {
      json = undefined;
    }
  }
  return { code, out, err, json };
}

/** The records of a trace file. */
export async function readRecords(path: string): Promise<any[]> {
  return (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l));
}

/** Every file under `dir` with its content (for before/after state comparisons). */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile) out[p.slice(dir.length + 1)] = await Deno.readTextFile(p).catch(() => "<binary>");
    }
  };
  await walk(dir).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out;
}
