/** cli_args.ts: the parsing rules of the argument table, and the help text made from it. */
import assert from "node:assert/strict";
import { commandHelp, type CommandSpec, parseArgs, programHelp } from "../cli_args.ts";
import { ErrorCode, UsageError } from "../errors.ts";

const COMMANDS: CommandSpec[] = [
  {
    name: "run",
    summary: "run it",
    args: [],
    flags: [
      { name: "wf", value: "domain::WF_CODE", help: "workflow" },
      { name: "payload", value: "file|-", help: "payload", code: ErrorCode.PAYLOAD },
      { name: "json", help: "JSON output" },
    ],
  },
  { name: "examine", summary: "look", args: [{ name: "trace", help: "file" }], flags: [] },
];

function refused(argv: string[], message: RegExp, code: string = ErrorCode.USAGE): void {
  assert.throws(() => parseArgs(argv, COMMANDS), (e) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.equal(e.code, code, `${argv.join(" ")}: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("parseArgs(): `--flag value`, `--flag=value`, boolean flags, `-` as a value", () => {
  assert.deepEqual(parseArgs(["run", "--wf", "a::WF_B", "--payload=-", "--json"], COMMANDS), {
    kind: "command",
    command: COMMANDS[0],
    args: [],
    flags: { wf: "a::WF_B", payload: "-", json: true },
  });
  const e = parseArgs(["examine", "t.jsonl"], COMMANDS);
  assert.equal(e.kind === "command" && e.args[0], "t.jsonl");
  // A value that starts with a single dash is a value (e.g. a negative-looking name).
  const p = parseArgs(["run", "--payload", "-"], COMMANDS);
  assert.equal(p.kind === "command" && p.flags.payload, "-");
});

Deno.test("parseArgs(): help and version, anywhere help is asked", () => {
  assert.deepEqual(parseArgs(["--version"], COMMANDS), { kind: "version" });
  assert.deepEqual(parseArgs(["-V"], COMMANDS), { kind: "version" });
  // Nothing may follow it but a request for help.
  assert.throws(
    () => parseArgs(["--version", "--frob"], COMMANDS),
    /Unexpected "--frob" after --version: it takes nothing/,
  );
  assert.throws(() => parseArgs(["-V", "run"], COMMANDS), /Unexpected "run" after -V/);
  assert.deepEqual(parseArgs(["--version", "--help"], COMMANDS), { kind: "help", command: null });
  assert.deepEqual(parseArgs(["--help"], COMMANDS), { kind: "help", command: null });
  assert.deepEqual(parseArgs(["help", "run"], COMMANDS), { kind: "help", command: COMMANDS[0] });
  assert.deepEqual(parseArgs(["run", "--wf", "x", "-h"], COMMANDS), {
    kind: "help",
    command: COMMANDS[0],
  });
});

Deno.test("parseArgs(): every mistake is a UsageError naming the flag, command or argument", () => {
  refused([], /^Missing command \(see pgs-runtime --help\)$/);
  refused(["--bogus"], /^Unknown flag "--bogus" before the command/);
  refused(["rnu"], /^Unknown command "rnu": expected one of run, examine$/);
  refused(["run", "--bogus"], /^Unknown flag --bogus for run \(see pgs-runtime run --help\)$/);
  refused(["run", "-x"], /^Unknown flag "-x" for run/);
  refused(["run", "--wf"], /^Missing value for --wf <domain::WF_CODE>$/);
  refused(["run", "--wf", "--json"], /^Missing value for --wf <domain::WF_CODE>$/);
  refused(["run", "--wf", "a", "--wf", "b"], /^Flag --wf given twice$/);
  refused(["run", "--json=yes"], /^Flag --json takes no value$/);
  refused(["run", "extra"], /^Unexpected argument "extra" for run$/);
  refused(["examine"], /^Missing trace for examine: expected <trace>$/);
  // An explicit empty value is refused with the flag's own error code.
  refused(["run", "--payload="], /^Invalid --payload "": expected <file\|->$/, ErrorCode.PAYLOAD);
  refused(["run", "--wf", ""], /^Invalid --wf "": expected <domain::WF_CODE>$/);
});

Deno.test("help text lists every command, flag and the footer given", () => {
  const program = programHelp(COMMANDS, "FOOTER");
  assert.match(program, /^Usage: pgs-runtime <command> \[arguments\] \[flags\]$/m);
  assert.match(program, /^ {2}run {9}run it$/m);
  assert.match(program, /^ {2}examine {5}look$/m);
  assert.ok(program.endsWith("FOOTER"));
  const run = commandHelp(COMMANDS[0], "F");
  assert.deepEqual(run.split("\n").slice(0, 9), [
    "Usage: pgs-runtime run [flags]",
    "",
    "run it",
    "",
    "Flags:",
    "  --wf <domain::WF_CODE>      workflow",
    "  --payload <file|->          payload",
    "  --json                      JSON output",
    "  -h, --help                  show this help",
  ]);
  assert.match(commandHelp(COMMANDS[1], "F"), /^Usage: pgs-runtime examine <trace> \[flags\]$/m);
});
