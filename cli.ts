/**
 * The pgs-runtime command line: argv → command → exit code. The CLI files (cli*.ts) are
 * the only ones that print (through an injectable `CliIo`), and this one the only one
 * that exits. `main(args)` returns the exit code so tests never exit the process.
 *
 * Exit codes: 0 COMPLETED; 1 REJECTED / ENDED_*; 2 usage or input error; 3 snapshot or
 * compile error; 4 FAILED / FAULTED / internal error; 5 damaged or tampered trace
 * (examine), or replay diverged.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { replayTrace } from "./actors/replay.ts";
import { createCapabilityRegistry } from "./actors/registry.ts";
import { machineConfigJson } from "./actors/machine.ts";
import { type CliIo, ExitCode, HELP_EXIT_CODES } from "./cli_io.ts";
import { runCommand } from "./cli_run.ts";
import {
  CompileError,
  PgsError,
  SnapshotError,
  StorageError,
  TraceError,
  UsageError,
} from "./errors.ts";
import { compileWorkflow } from "./snapshot/compile.ts";
import { loadSnapshot } from "./snapshot/load.ts";
import { parseFqdn } from "./snapshot/resolve.ts";
import { examineTrace, formatExamine } from "./trace/examine/mod.ts";
import { parsePublicKey, publicKeyPem } from "./trace/seal.ts";
import { openKvStore } from "./storage/kv_store.ts";
import type { KvStore } from "./storage/mod.ts";

export { type CliIo, ExitCode, exitCodeOf } from "./cli_io.ts";

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
  let code: number = ExitCode.USAGE;
  const program = new Command("pgs-runtime")
    .description("Deterministic execution engine for Protocol-Governed Systems")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s) => io.err(`error[USAGE]: ${s.replace(/^error: /, "").trim()}`),
    })
    .addHelpText("after", HELP_EXIT_CODES)
    .showSuggestionAfterError(false);
  program.command("run")
    .description("run one workflow on one JSON payload")
    .requiredOption("--wf <domain::WF_CODE>", "workflow to run")
    .option("--payload <file|->", "JSON object payload file, or - for stdin")
    .option(
      "--batch <payloads.jsonl>",
      "run once per line (one JSON object per line), group-committed",
    )
    .requiredOption(
      "--workspace <dir>",
      "workspace holding protocol_snapshot/ (traces go to <dir>/traces)",
    )
    .option("--data-root <dir>", "state directory (Deno KV database plus PGS file views)")
    .option(
      "--kv <url>",
      "KV Connect URL instead of a local database (token: DENO_KV_ACCESS_TOKEN)",
    )
    .option("--trace-id <id>", "trace id, [A-Za-z0-9_-]{1,128} (default: time + 64 random bits)")
    .option("--seed <hex>", "seed of the run's CSPRNG (default: random, recorded)")
    .option("--clock <iso>", "run clock, ISO-8601 (default: now, recorded)")
    .option("--budget <n>", "step budget (node visits + steps, children included)")
    .option("--no-png", "do not render the .png")
    .option("--json", "print the result as JSON")
    .addHelpText("after", HELP_EXIT_CODES)
    .action(async (o) => {
      code = await runCommand(o, io);
    });
  program.command("check")
    .description("compile every workflow (or one) and list every problem")
    .requiredOption("--workspace <dir>", "workspace holding protocol_snapshot/")
    .option("--wf <domain::WF_CODE>", "only this workflow")
    .option("--machine", "print the generated XState machine config of --wf as JSON")
    .option("--json", "print problems as JSON")
    .action(async (o) => {
      code = await checkCommand(o, io);
    });
  program.command("examine")
    .description("verify a trace (chain, schema, store copy, seal) and explain its outcome")
    .argument("<trace.jsonl>", "trace file")
    .option("--data-root <dir>", "compare with the body committed in this data root")
    .option("--kv <url>", "compare with the body committed in this KV Connect database")
    .option("--public-key <file>", "verify the seal with this Ed25519 public key (PEM or hex)")
    .option("--json", "print the report as JSON")
    .action(async (file: string, o: StoreFlags & { publicKey?: string; json?: boolean }) => {
      const text = await readTraceFile(file);
      const publicKey = o.publicKey === undefined ? undefined : await readPublicKey(o.publicKey);
      const report = await withStore(o, async (store) => {
        const traceId = headerTraceId(text);
        const stored = store && traceId ? await store.readTrace(traceId) : store ? null : undefined;
        const key = publicKey ?? (await store?.signer({ create: false }))?.publicKey;
        return await examineTrace(text, { stored, publicKey: key });
      });
      if (o.json) io.out(JSON.stringify(report));
      else io.out(formatExamine(report));
      code = report.intact ? 0 : ExitCode.TRACE_DAMAGED;
    });
  program.command("replay")
    .description("re-execute a trace (CS results served from it) and compare")
    .argument("<trace.jsonl>", "trace file")
    .requiredOption("--workspace <dir>", "workspace holding the same protocol_snapshot/")
    .option("--data-root <dir>", "first compare the file with the body committed in this data root")
    .option("--kv <url>", "first compare the file with the body committed in this KV database")
    .option("--json", "print the report as JSON")
    .action(async (file: string, o: StoreFlags & { workspace: string; json?: boolean }) => {
      code = await replayCommand(file, o, io);
    });
  program.command("public-key")
    .description("print the data root's trace signing key (PEM) for auditors")
    .option("--data-root <dir>", "data root holding the state database")
    .option("--kv <url>", "KV Connect URL of the state database")
    .option("--json", "print key id and key as JSON")
    .action(async (o: StoreFlags & { json?: boolean }) => {
      if (!o.dataRoot && !o.kv) throw new UsageError("Missing --data-root <dir> (or --kv <url>)");
      const store = await openKvStore({ dataRoot: o.dataRoot, kvUrl: o.kv });
      try {
        const signer = (await store.signer())!;
        const pem = publicKeyPem(signer.publicKey);
        if (o.json) {
          io.out(JSON.stringify({
            key_id: signer.keyId,
            alg: "Ed25519",
            public_key: [...signer.publicKey].map((b) => b.toString(16).padStart(2, "0")).join(""),
            pem,
          }));
        } else io.out(pem.trimEnd());
      } finally {
        await store.close();
      }
      code = 0;
    });
  try {
    await program.parseAsync(args, { from: "user" });
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

/** Prints an error the way the CLI does and returns its exit code. */
export function reportError(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
    if (e.code === "commander.help") return 0;
    return ExitCode.USAGE;
  }
  if (e instanceof CompileError) {
    io.err(`error[${e.code}]: ${e.message.split("; first:")[0]}`);
    for (const p of e.problems) io.err(`  ${p.file} ${p.jsonPath}: ${p.message}`);
    return ExitCode.SNAPSHOT;
  }
  if (e instanceof PgsError) {
    io.err(`error[${e.code}]: ${e.message.split("\n")[0]}`);
    if (e instanceof UsageError) return ExitCode.USAGE;
    if (e instanceof SnapshotError) return ExitCode.SNAPSHOT;
    if (e instanceof TraceError) return ExitCode.TRACE_DAMAGED;
    if (e instanceof StorageError) return ExitCode.USAGE;
    return ExitCode.FAILED;
  }
  io.err(`error[INTERNAL]: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return ExitCode.FAILED;
}

async function checkCommand(
  o: { workspace: string; wf?: string; json?: boolean; machine?: boolean },
  io: CliIo,
) {
  if (o.machine && !o.wf) throw new UsageError("Missing --wf <domain::WF_CODE> for --machine");
  const snapshot = await loadSnapshot(o.workspace);
  const registry = createCapabilityRegistry();
  if (o.machine) {
    const compiled = await compileWorkflow(snapshot, parseFqdn(o.wf!).id, registry.compileOptions);
    io.out(machineConfigJson(compiled.root));
    return 0;
  }
  const workflows = o.wf ? [parseFqdn(o.wf).id] : await snapshot.listWorkflows();
  const report: {
    workflow: string;
    problems: { file: string; jsonPath: string; message: string }[];
  }[] = [];
  for (const wf of workflows) {
    try {
      await compileWorkflow(snapshot, wf, registry.compileOptions);
      report.push({ workflow: wf, problems: [] });
    } catch (e) {
      if (e instanceof CompileError) report.push({ workflow: wf, problems: [...e.problems] });
      else if (e instanceof SnapshotError) {
        report.push({
          workflow: wf,
          problems: [{ file: e.file ?? "", jsonPath: e.jsonPath ?? "$", message: e.message }],
        });
      } else throw e;
    }
  }
  const total = report.reduce((n, r) => n + r.problems.length, 0);
  if (o.json) io.out(JSON.stringify({ workflows: report.length, problems: total, report }));
  else {
    for (const r of report) {
      io.out(`${r.problems.length === 0 ? "ok     " : "PROBLEM"} ${r.workflow}`);
      for (const p of r.problems) io.out(`  ${p.file} ${p.jsonPath}: ${p.message}`);
    }
    io.out(`${report.length} workflow(s), ${total} problem(s)`);
  }
  return total > 0 ? ExitCode.SNAPSHOT : 0;
}

async function replayCommand(
  file: string,
  o: StoreFlags & { workspace: string; json?: boolean },
  io: CliIo,
) {
  const text = await readTraceFile(file);
  if (o.dataRoot || o.kv) {
    const stored = await withStore(o, async (store) => {
      const traceId = headerTraceId(text);
      return traceId ? await store!.readTrace(traceId) : null;
    });
    const lines = text.split("\n").filter((l, i, a) => l !== "" || i < a.length - 1);
    const n = Math.max(lines.length, stored?.length ?? 0);
    for (let i = 0; i < n; i++) {
      if (stored === null || lines[i] !== stored[i]) {
        io.err(
          `error[TRACE]: Cannot replay "${file}": ` +
            (stored === null
              ? "no trace with its id is committed in the given state store"
              : `line ${i + 1} differs from the body committed in the store`),
        );
        return ExitCode.TRACE_DAMAGED;
      }
    }
  }
  const snapshot = await loadSnapshot(o.workspace);
  const report = await replayTrace(text, snapshot, createCapabilityRegistry());
  if (o.json) io.out(JSON.stringify(report));
  else if (report.identical) io.out(`identical (${report.records} records)`);
  else {
    const d = report.divergence!;
    io.out(`diverged at line ${d.line}`);
    io.out(`  recorded: ${d.recorded ?? "(missing)"}`);
    io.out(`  replayed: ${d.replayed ?? "(missing)"}`);
  }
  return report.identical ? 0 : ExitCode.TRACE_DAMAGED;
}

/** Flags naming a state database to read. */
interface StoreFlags {
  dataRoot?: string;
  kv?: string;
}

/** Runs `fn` with the named state database opened to read, or with null when none is named. */
async function withStore<T>(o: StoreFlags, fn: (store: KvStore | null) => Promise<T>): Promise<T> {
  if (!o.dataRoot && !o.kv) return await fn(null);
  const store = await openKvStore({ dataRoot: o.dataRoot, kvUrl: o.kv, readOnly: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The trace id the first line of a body names, or null. */
function headerTraceId(text: string): string | null {
  const first = text.slice(0, text.indexOf("\n") >>> 0);
  const m = /"trace_id":"([A-Za-z0-9_-]{1,128})"/.exec(first);
  return m ? m[1] : null;
}

async function readPublicKey(file: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new UsageError(
      `Cannot read --public-key "${file}": ${e instanceof Error ? e.message.split("\n")[0] : e}`,
    );
  }
  const key = parsePublicKey(text);
  if (!key) {
    throw new UsageError(
      `Invalid --public-key "${file}": expected an Ed25519 public key as PEM ` +
        `(as printed by public-key) or 64 hex digits`,
    );
  }
  return key;
}

async function readTraceFile(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    // An unreadable path is a usage error (exit 2), not a damaged trace (exit 5).
    throw new UsageError(
      `Cannot read trace "${file}": ${e instanceof Error ? e.message.split("\n")[0] : e}`,
    );
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
