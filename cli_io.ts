/**
 * What every CLI command shares: the exit-code table, the I/O the commands print through
 * (injectable, so tests capture it), how an error is reported (one `error[CODE]: …` line,
 * or a JSON object with `--json`), and how the CLI was started (to print commands that work).
 *
 * @module
 */
import { CompileError, oneLine, PgsError, SnapshotError, TraceError } from "./errors.ts";

/** Exit code of each outcome (documented in README and --help). */
export const ExitCode = {
  /** Run COMPLETED; examine: intact; replay: identical; check: no problem. */
  COMPLETED: 0,
  /** Run REJECTED or ENDED_<STATUS>. */
  NOT_COMPLETED: 1,
  /** Usage or input error. */
  USAGE: 2,
  /** Snapshot or compile error. */
  SNAPSHOT: 3,
  /** Run FAILED or FAULTED; the commit failed (nothing applied); internal error. */
  FAILED: 4,
  /** examine: damaged or tampered trace; replay: diverged or refused. */
  TRACE_DAMAGED: 5,
} as const;

/** The exit-code table printed by `--help`. */
export const HELP_EXIT_CODES = `
Exit codes:
  0  run COMPLETED (examine: trace intact; replay: identical; check: no problem)
  1  run REJECTED (NACK, admission denied) or ENDED_<STATUS> (declared non-success exit)
  2  usage or input error (bad flag, unreadable / non-object payload, bad workflow name,
     unknown workflow, invalid or used trace id, unusable data root or traces folder)
  3  snapshot or compile error (missing, tampered or invalid artifacts)
  4  run FAILED (NO_TRANSITION, STEP_BUDGET_EXCEEDED) or FAULTED; the run could not be
     committed (storage failed during the commit: nothing applied); internal error
  5  examine: damaged or tampered trace; replay: diverged or refused
  run --batch exits with the highest code of its runs (0, 1 or 4); 2 or 3 when refused`;

/** Maps a run classification to its exit code. */
export function exitCodeOf(classification: string): number {
  if (classification === "COMPLETED") return ExitCode.COMPLETED;
  if (classification === "FAILED" || classification === "FAULTED") return ExitCode.FAILED;
  return ExitCode.NOT_COMPLETED;
}

/** I/O of the CLI, injectable for tests. */
export interface CliIo {
  /** Writes a line to standard output. */
  out(line: string): void;
  /** Writes a line to standard error. */
  err(line: string): void;
}

/**
 * An error's message as one line: a refusal's whole message with its line breaks escaped
 * (a path may hold a newline), or the first line of anything else (a bug's message).
 */
export function errorText(e: unknown): string {
  if (e instanceof PgsError) return oneLine(e.message);
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}

/** The exit code of a refusal. */
export function exitCodeOfError(e: unknown): number {
  if (e instanceof SnapshotError || e instanceof CompileError) return ExitCode.SNAPSHOT;
  if (e instanceof TraceError) return ExitCode.TRACE_DAMAGED;
  if (e instanceof PgsError && e.code === "COMMIT") return ExitCode.FAILED;
  if (e instanceof PgsError) return ExitCode.USAGE;
  return ExitCode.FAILED;
}

/**
 * Reports an error the way the CLI does and returns its exit code: a refusal is one
 * `error[CODE]: message` line on stderr (a compile error lists its problems below it);
 * with `json`, the same error is also one JSON object on stdout, so a script reading
 * stdout always gets JSON and a person watching stderr always gets the line. A bug (not
 * a PgsError) keeps its stack on stderr.
 */
export function reportError(e: unknown, io: CliIo, json: boolean): number {
  const code = exitCodeOfError(e);
  if (e instanceof PgsError) {
    const message = e instanceof CompileError ? e.message.split("; first:")[0] : errorText(e);
    const problems = e instanceof CompileError ? e.problems : undefined;
    if (json) {
      io.out(
        JSON.stringify({ error: { code: e.code, message, ...(problems ? { problems } : {}) } }),
      );
    }
    io.err(`error[${e.code}]: ${message}`);
    for (const p of problems ?? []) io.err(oneLine(`  ${p.file} ${p.jsonPath}: ${p.message}`));
    return code;
  }
  if (json) io.out(JSON.stringify({ error: { code: "INTERNAL", message: errorText(e) } }));
  io.err(`error[INTERNAL]: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return code;
}

/**
 * The Deno flag that resolves npm packages to their ES module builds: XState's default
 * export condition is a CommonJS build, whose loading costs a run ~25 ms (Deno's Node
 * compatibility layer). The bundle and a compiled binary contain the ES module builds.
 */
const SOURCE_CONDITIONS = "--conditions=module";

/**
 * How to start this CLI again, as an argv prefix: the compiled binary, or `deno run` of the
 * file that is running (the source `cli.ts` or the bundle), with `flags` (least privilege)
 * inserted after `run` (and for the source, `--conditions=module`). Never throws: it falls
 * back to `deno run <flags> <this cli.ts>`.
 */
export function invocation(flags: readonly string[]): string[] {
  const found = started ??= howStarted();
  if (found.binary) return [found.binary];
  // From the sources, as the README starts it: the ES module builds of the npm packages.
  const source = found.main.endsWith(".ts") ? [SOURCE_CONDITIONS] : [];
  return ["deno", "run", ...source, ...flags, found.main];
}

// Asked once per process: a batch writes one .md per run.
let started: { binary: string | null; main: string } | undefined;

function howStarted(): { binary: string | null; main: string } {
  let exec = "deno";
  try {
    exec = Deno.execPath();
  } catch {
    // No read permission for the binary's path: assume deno.
  }
  const base = exec.split("/").pop() ?? "";
  if (base !== "deno" && base !== "deno.exe") return { binary: exec, main: "" }; // compiled
  let main = new URL("./cli.ts", import.meta.url).href;
  try {
    const m = Deno.mainModule;
    // Started from the CLI itself (source or bundle), not from a script calling main().
    if (/\/(cli\.ts|[^/]*\.js)$/.test(m)) main = m;
  } catch {
    // keep the default
  }
  const path = main.startsWith("file://") ? decodeURIComponent(new URL(main).pathname) : main;
  return { binary: null, main: path };
}

/** A shell word: quoted only when it needs to be. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
