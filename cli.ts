/**
 * The pgs-runtime command line: argv → command → exit code. The CLI files (cli*.ts) are the
 * only ones that print (through an injectable `CliIo`), and this one the only one that
 * exits. `main(args)` returns the exit code so tests never exit the process.
 *
 * Start-up matters (an operator runs one command per run): this module loads only the
 * argument table and error reporting; each command's module, and through it the engine,
 * is imported when that command runs. `--help` and `--version` need no permission at all.
 *
 * Exit codes: 0 COMPLETED; 1 REJECTED / ENDED_*; 2 usage or input error; 3 snapshot or
 * compile error; 4 FAILED / FAULTED / internal error; 5 damaged or tampered trace
 * (examine), or replay diverged.
 *
 * @module
 */
import meta from "./deno.json" with { type: "json" };
import { commandHelp, type CommandSpec, parseArgs, programHelp } from "./cli_args.ts";
import { type CliIo, ExitCode, HELP_EXIT_CODES, reportError } from "./cli_io.ts";
import { ErrorCode, UsageError } from "./errors.ts";
export type { Flags } from "./cli_args.ts";

export { type CliIo, ExitCode, exitCodeOf } from "./cli_io.ts";

const STORE_FLAGS = [
  {
    name: "data-root",
    value: "dir",
    help: "state directory (Deno KV database plus PGS file views)",
  },
  { name: "kv", value: "url", help: "KV Connect URL instead (token: DENO_KV_ACCESS_TOKEN)" },
] as const;

/** The commands and their flags (the parser and the help text both read this table). */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "run",
    summary: "run one workflow on one JSON payload (or on every line of a batch file)",
    args: [],
    flags: [
      {
        name: "wf",
        value: "domain::WF_CODE",
        help: "workflow to run (required)",
        code: ErrorCode.WORKFLOW_NAME,
      },
      {
        name: "payload",
        value: "file|-",
        help: "JSON object payload file, or - for stdin",
        code: ErrorCode.PAYLOAD,
      },
      {
        name: "batch",
        value: "payloads.jsonl",
        help: "run once per line, group-committed",
        code: ErrorCode.PAYLOAD,
      },
      { name: "workspace", value: "dir", help: "workspace holding protocol_snapshot/ (required)" },
      ...STORE_FLAGS,
      {
        name: "trace-id",
        value: "id",
        help: "trace id [A-Za-z0-9_-]{1,128} (batch: a prefix)",
        code: ErrorCode.TRACE_ID,
      },
      { name: "seed", value: "hex", help: "seed of the run's CSPRNG (default random, recorded)" },
      { name: "clock", value: "time", help: "run clock, RFC 3339 with zone (default now)" },
      { name: "budget", value: "n", help: "step budget: node visits + steps (default 100000)" },
      { name: "no-png", help: "do not draw the .png (batch: no pictures after the runs)" },
      { name: "progress", help: "batch: print progress lines even when stderr is no terminal" },
      { name: "json", help: "print the result (batch: one object per run, then a summary)" },
    ],
    notes: [
      "Give exactly one of --payload or --batch, and --data-root or --kv.",
      "Least privilege: --allow-read=<workspace>,<data-root> --allow-write=<data-root>," +
      "<workspace>/traces",
    ],
  },
  {
    name: "examine",
    summary: "verify a trace (chain, schema, store copy, seal) and explain its outcome",
    args: [{ name: "trace.jsonl", help: "the trace file" }],
    flags: [
      ...STORE_FLAGS.map((f) => ({
        ...f,
        help: `compare with the body committed there (${
          f.name === "kv" ? "KV Connect" : "a data root"
        })`,
      })),
      { name: "public-key", value: "file", help: "verify the seal with this key (PEM or hex)" },
      { name: "json", help: "print the report as JSON" },
    ],
  },
  {
    name: "replay",
    summary: "re-execute a trace (CS results served from it) and compare, line by line",
    args: [{ name: "trace.jsonl", help: "the trace file" }],
    flags: [
      { name: "workspace", value: "dir", help: "workspace holding the same snapshot (required)" },
      ...STORE_FLAGS.map((f) => ({ ...f, help: `first compare the file with the store's copy` })),
      { name: "json", help: "print the report as JSON" },
    ],
  },
  {
    name: "check",
    summary: "compile every workflow of a workspace (or one) and list every problem",
    args: [],
    flags: [
      { name: "workspace", value: "dir", help: "workspace holding protocol_snapshot/ (required)" },
      { name: "wf", value: "domain::WF_CODE", help: "only this workflow" },
      { name: "machine", help: "print the generated XState machine config of --wf as JSON" },
      { name: "json", help: "print problems as JSON" },
    ],
  },
  {
    name: "public-key",
    summary: "print the data root's trace signing key (PEM) for auditors",
    args: [],
    flags: [...STORE_FLAGS, { name: "json", help: "print key id, hex and PEM as JSON" }],
  },
];

const stdio: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code.
 *
 * @example
 * ```ts ignore
 * const code = await main(["check", "--workspace", "examples/workspace"]);
 * ```
 */
export async function main(args: string[], io: CliIo = stdio): Promise<number> {
  const json = args.includes("--json");
  if (args.length === 0) {
    io.err(programHelp(COMMANDS, HELP_EXIT_CODES));
    return ExitCode.USAGE;
  }
  try {
    const parsed = parseArgs(args, COMMANDS);
    if (parsed.kind === "version") {
      io.out(`pgs-runtime ${meta.version}`);
      return 0;
    }
    if (parsed.kind === "help") {
      io.out(
        parsed.command
          ? commandHelp(parsed.command, HELP_EXIT_CODES)
          : programHelp(COMMANDS, HELP_EXIT_CODES),
      );
      return 0;
    }
    const { command, flags } = parsed;
    const arg = parsed.args[0];
    switch (command.name) {
      case "run":
        return await (await import("./cli_run.ts")).runCommand(flags, io);
      case "examine":
        return await (await import("./cli_trace.ts")).examineCommand(arg, flags, io);
      case "replay":
        return await (await import("./cli_trace.ts")).replayCommand(arg, flags, io);
      case "public-key":
        return await (await import("./cli_trace.ts")).publicKeyCommand(flags, io);
      case "check":
        return await (await import("./cli_check.ts")).checkCommand(flags, io);
    }
    throw new UsageError(`Unknown command "${command.name}"`);
  } catch (e) {
    return reportError(e, io, json);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
