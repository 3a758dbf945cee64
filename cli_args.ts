/**
 * Command-line parsing from a declarative table of commands and flags, and the help text
 * generated from the same table. Hand-written on purpose: the parsers at hand either load
 * Deno's Node compatibility layer (commander, `node:util` parseArgs: +14 to +34 ms of start-up,
 * against a whole-run budget of ~30 ms) or mistake `--payload -` (stdin) for a flag (mri);
 * the rules here are few and tested (tests/cli_args_test.ts).
 *
 * Rules: `--flag value` or `--flag=value`; boolean flags take no value; a value may be `-`
 * but not another `--flag`; each flag at most once; unknown flags, missing values and extra
 * arguments are usage errors naming the flag; `-h`/`--help` anywhere asks for help.
 *
 * @module
 */
import { type ErrorCode, UsageError } from "./errors.ts";

/** One flag of a command. */
export interface FlagSpec {
  /** Flag name without dashes, e.g. `data-root`. */
  readonly name: string;
  /** Metavariable of its value (absent: a boolean flag), e.g. `dir`. */
  readonly value?: string;
  /** One line of help. */
  readonly help: string;
  /** Error code of a refused value (default USAGE), e.g. TRACE_ID for `--trace-id`. */
  readonly code?: ErrorCode;
}

/** One command. */
export interface CommandSpec {
  /** Command name, e.g. `run`. */
  readonly name: string;
  /** One line saying what it does. */
  readonly summary: string;
  /** Positional arguments, in order (all required). */
  readonly args: readonly { readonly name: string; readonly help: string }[];
  /** Flags. */
  readonly flags: readonly FlagSpec[];
  /** Lines after the flags (rules between flags, examples). */
  readonly notes?: readonly string[];
}

/** Flags of a parsed command: name → value (true for a boolean flag). */
export type Flags = Readonly<Record<string, string | true>>;

/** What the command line asked for. */
export type Parsed =
  | { readonly kind: "help"; readonly command: CommandSpec | null }
  | { readonly kind: "version" }
  | {
    readonly kind: "command";
    readonly command: CommandSpec;
    readonly args: readonly string[];
    readonly flags: Flags;
  };

/**
 * Parses `argv` (without the program name) against `commands`.
 *
 * @throws {UsageError} USAGE naming the command, flag or argument that is wrong.
 */
export function parseArgs(argv: readonly string[], commands: readonly CommandSpec[]): Parsed {
  if (argv.length === 0) throw new UsageError("Missing command (see pgs-runtime --help)");
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-V") {
    // Anything after it would be ignored: a mistyped command line, not a version request.
    if (rest.length > 0 && rest[0] !== "--help" && rest[0] !== "-h") {
      throw new UsageError(
        `Unexpected ${quote(rest[0])} after ${first}: it takes nothing (see pgs-runtime --help)`,
      );
    }
    return rest.length > 0 ? { kind: "help", command: null } : { kind: "version" };
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const named = first === "help" && rest[0] ? findCommand(commands, rest[0]) : null;
    return { kind: "help", command: named };
  }
  if (first.startsWith("-")) {
    throw new UsageError(
      `Unknown flag ${quote(first)} before the command (see pgs-runtime --help)`,
    );
  }
  const command = findCommand(commands, first);
  const args: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--help" || a === "-h") return { kind: "help", command };
    if (!a.startsWith("--") || a === "--") {
      if (a.startsWith("-") && a !== "-") {
        throw new UsageError(
          `Unknown flag ${quote(a)} for ${command.name} (see ${helpOf(command)})`,
        );
      }
      args.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = command.flags.find((f) => f.name === name);
    if (!spec) {
      // A plain name as typed; anything odd (huge, control characters) quoted and cut.
      const shown = /^[A-Za-z0-9-]{1,40}$/.test(name) ? `--${name}` : quote(`--${name}`);
      throw new UsageError(`Unknown flag ${shown} for ${command.name} (see ${helpOf(command)})`);
    }
    if (Object.hasOwn(flags, name)) throw new UsageError(`Flag --${name} given twice`);
    if (spec.value === undefined) {
      if (eq >= 0) throw new UsageError(`Flag --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (i + 1 < rest.length && !rest[i + 1].startsWith("--")) value = rest[++i];
    if (value === undefined) {
      throw new UsageError(`Missing value for --${name} <${spec.value}>`);
    }
    if (value === "") {
      throw new UsageError(`Invalid --${name} "": expected <${spec.value}>`, spec.code);
    }
    flags[name] = value;
  }
  if (args.length !== command.args.length) {
    const expected = command.args.map((x) => `<${x.name}>`).join(" ") || "no argument";
    throw new UsageError(
      args.length < command.args.length
        ? `Missing ${command.args[args.length].name} for ${command.name}: expected ${expected}`
        : `Unexpected argument ${quote(args[command.args.length])} for ${command.name}`,
    );
  }
  return { kind: "command", command, args, flags };
}

function findCommand(commands: readonly CommandSpec[], name: string): CommandSpec {
  const c = commands.find((x) => x.name === name);
  if (!c) {
    throw new UsageError(
      `Unknown command ${quote(name)}: expected one of ${commands.map((x) => x.name).join(", ")}`,
    );
  }
  return c;
}

function helpOf(command: CommandSpec): string {
  return `pgs-runtime ${command.name} --help`;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

/** The help text of one command. */
export function commandHelp(command: CommandSpec, footer: string): string {
  const args = command.args.map((a) => ` <${a.name}>`).join("");
  const lines = [`Usage: pgs-runtime ${command.name}${args} [flags]`, "", command.summary, ""];
  for (const a of command.args) lines.push(`  <${a.name}>`.padEnd(30) + a.help);
  if (command.args.length) lines.push("");
  lines.push("Flags:");
  for (const f of command.flags) {
    lines.push(`  --${f.name}${f.value ? ` <${f.value}>` : ""}`.padEnd(30) + f.help);
  }
  lines.push(`  -h, --help`.padEnd(30) + "show this help");
  if (command.notes?.length) lines.push("", ...command.notes);
  return [...lines, footer].join("\n");
}

/** The program's help text: every command, one line each. */
export function programHelp(commands: readonly CommandSpec[], footer: string): string {
  const lines = [
    "Usage: pgs-runtime <command> [arguments] [flags]",
    "",
    "Deterministic execution engine for Protocol-Governed Systems",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name}`.padEnd(14) + c.summary),
    "",
    "  --version".padEnd(14) + "print the version",
    "  -h, --help".padEnd(14) + "show help (pgs-runtime <command> --help for a command's flags)",
  ];
  return [...lines, footer].join("\n");
}

/** A required string flag, or a UsageError naming it. */
export function required(flags: Flags, name: string, valueName = "value"): string {
  const v = flags[name];
  if (typeof v !== "string") throw new UsageError(`Missing --${name} <${valueName}>`);
  return v;
}

/** An optional string flag. */
export function optional(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}
