/**
 * Embedding pgs-runtime in an application: the application brings its own snapshot (an
 * invoicing workspace, written by `workspace.ts` beside this file) and its own capabilities
 * (a CT that computes totals and a check-digit invoice number, a CS that posts to a ledger
 * once, in `capabilities.ts`), registers them next to the built-ins by FQDN, and runs the
 * workflow twice on the same order: run 1 issues the invoice, run 2 finds it posted and
 * ends DUPLICATE without touching the ledger. It then replays run 2's trace.
 *
 * ```sh
 * cd examples/invoicing && deno task start [dir]   # from the repository root: deno task embed
 * ```
 *
 * (`deno task start` is `deno run --allow-read --allow-write main.ts`; this folder's deno.json
 * enables Deno KV and links `@pgs/runtime` to the checkout.)
 *
 * `dir` (default: a new temporary directory) receives `workspace/` (with `traces/`) and
 * `data/` (the state database and its file views).
 *
 * @module
 */
import { createCapabilityRegistry, loadSnapshot, replayTrace, runWorkflow } from "@pgs/runtime";
import { invoiceCapabilities } from "./capabilities.ts";
import { INVOICE_WORKFLOW, SAMPLE_ORDER, writeInvoiceWorkspace } from "./workspace.ts";

const dir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "pgs-embed-" });
const workspace = `${dir}/workspace`;
const dataRoot = `${dir}/data`;
await writeInvoiceWorkspace(workspace);
console.log(`workspace: ${workspace}\ndata root: ${dataRoot}`);

let lastTrace = "";
for (const run of [1, 2]) {
  const result = await runWorkflow({
    workspace,
    workflow: INVOICE_WORKFLOW,
    payload: SAMPLE_ORDER,
    dataRoot,
    capabilities: invoiceCapabilities,
  });
  const totals = (result.results as Record<string, Record<string, unknown>>)
    .CC_COMPUTE_TOTALS_V0;
  console.log(
    `run ${run}: ${result.classification} exit ${result.exitNode} invoice ${totals.invoice_number} ` +
      `net ${totals.net_cents} vat ${totals.vat_cents} gross ${totals.gross_cents}`,
  );
  console.log(`trace: ${result.files!.jsonl}`);
  lastTrace = result.files!.jsonl;
}

console.log(
  `ledger view: ${(await Deno.readTextFile(`${dataRoot}/invoice/ledger.json`)).trim()}`,
);

// Replay needs the same capabilities the run had: the CT is recomputed, the CS is served
// from the trace.
const report = await replayTrace(
  await Deno.readTextFile(lastTrace),
  await loadSnapshot(workspace),
  createCapabilityRegistry(invoiceCapabilities),
);
console.log(
  `replay: ${report.identical ? "identical" : `diverged at line ${report.divergence?.line}`}`,
);
