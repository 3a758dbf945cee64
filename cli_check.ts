/**
 * `check`: compiles every workflow of a workspace (or one) and lists every problem, or with
 * `--machine` prints the generated XState machine of one workflow.
 *
 * @module
 */
import { createCapabilityRegistry, machineConfigJson } from "./actors/mod.ts";
import { type Flags, optional, required } from "./cli_args.ts";
import { type CliIo, ExitCode } from "./cli_io.ts";
import { CompileError, oneLine, SnapshotError, UsageError } from "./errors.ts";
import { compileWorkflow, loadSnapshot, parseFqdn, StoreFormats } from "./snapshot/mod.ts";

/** Runs `check`; returns the exit code (3 when any problem was found). */
export async function checkCommand(flags: Flags, io: CliIo): Promise<number> {
  const workspace = required(flags, "workspace", "dir");
  const wf = optional(flags, "wf");
  if (wf !== undefined) parseFqdn(wf, "--wf");
  if (flags.machine === true && wf === undefined) {
    throw new UsageError("Missing --wf <domain::WF_CODE> for --machine");
  }
  const snapshot = await loadSnapshot(workspace);
  // Nothing runs here, so nothing (crypto atoms, the pattern engine) is prepared.
  const options = { ...createCapabilityRegistry().compileOptions, prepare: undefined };
  if (flags.machine === true) {
    const compiled = await compileWorkflow(snapshot, wf!, options);
    io.out(machineConfigJson(compiled.root));
    return 0;
  }
  const workflows = wf !== undefined ? [wf] : await snapshot.listWorkflows();
  const report: {
    workflow: string;
    problems: { file: string; jsonPath: string; message: string }[];
  }[] = [];
  const stores = new StoreFormats();
  for (const w of workflows) {
    try {
      const compiled = await compileWorkflow(snapshot, w, options);
      report.push({ workflow: w, problems: stores.add(compiled) });
    } catch (e) {
      if (e instanceof CompileError) report.push({ workflow: w, problems: [...e.problems] });
      else if (e instanceof SnapshotError) {
        report.push({
          workflow: w,
          problems: [{ file: e.file ?? "", jsonPath: e.jsonPath ?? "$", message: e.message }],
        });
      } else throw e;
    }
  }
  const total = report.reduce((n, r) => n + r.problems.length, 0);
  if (flags.json === true) {
    io.out(JSON.stringify({ workflows: report.length, problems: total, report }));
  } else {
    for (const r of report) {
      io.out(`${r.problems.length === 0 ? "ok     " : "PROBLEM"} ${r.workflow}`);
      for (const p of r.problems) io.out(oneLine(`  ${p.file} ${p.jsonPath}: ${p.message}`));
    }
    io.out(`${report.length} workflow(s), ${total} problem(s)`);
  }
  return total > 0 ? ExitCode.SNAPSHOT : 0;
}
