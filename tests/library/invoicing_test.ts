/**
 * `examples/invoicing/`: a consumer project with its own deno.json that imports only
 * `@pgs/runtime` (linked to this checkout), with its own workspace and capabilities, run
 * as its user would (`deno task start` in its folder), then checked through its traces and
 * state view.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { CompileError, CtViolation, runWorkflow, verifyTrace } from "../../mod.ts";
import { createRunContext } from "../../actors/run_context.ts";
import { checkDigits, invoiceTotals } from "../../examples/invoicing/capabilities.ts";
import {
  INVOICE_WORKFLOW,
  SAMPLE_ORDER,
  writeInvoiceWorkspace,
} from "../../examples/invoicing/workspace.ts";
import { tempDir } from "../_support/tmp.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CTX = createRunContext({ seed: "00", startedAt: "2026-01-01T00:00:00.000Z" })
  .transformContext("t");

/** Remainder of an alphanumeric string under ISO 7064 MOD 97-10 (1 = valid). */
function mod97(text: string): number {
  let rem = 0;
  for (const ch of text) {
    const v = parseInt(ch, 36);
    rem = (v > 9 ? rem * 100 + v : rem * 10 + v) % 97;
  }
  return rem;
}

const PROJECT = `${ROOT}examples/invoicing`;

Deno.test("the consumer project imports nothing but @pgs/runtime and its own files", async () => {
  const specifiers: string[] = [];
  for await (const e of Deno.readDir(PROJECT)) {
    if (!e.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(`${PROJECT}/${e.name}`);
    for (const m of text.matchAll(/^(?:import|export)[^;]*?from "([^"]+)"/gms)) {
      specifiers.push(m[1]);
    }
  }
  assert.deepEqual([...new Set(specifiers)].sort(), [
    "./capabilities.ts",
    "./workspace.ts",
    "@pgs/runtime",
  ]);
  const config = JSON.parse(await Deno.readTextFile(`${PROJECT}/deno.json`));
  assert.deepEqual(config.imports, { "@pgs/runtime": "jsr:@pgs/runtime@^0.1.0" });
  assert.deepEqual(config.links, ["../.."]);
});

Deno.test("examples/invoicing issues an invoice, refuses the duplicate, and replays identically", async () => {
  const dir = await tempDir("pgs-invoicing-test-");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "start", dir],
    cwd: PROJECT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const lines = stdout.trim().split("\n");
  const number = "INV-709A61F6ED-34";
  assert.equal(lines[0], `workspace: ${dir}/workspace`);
  assert.equal(lines[1], `data root: ${dir}/data`);
  assert.equal(
    lines[2],
    `run 1: COMPLETED exit EXIT_ISSUED invoice ${number} net 4249 vat 850 gross 5099`,
  );
  assert.match(lines[3], new RegExp(`^trace: ${dir}/workspace/traces/(T[\\w-]+)/\\1\\.jsonl$`));
  assert.equal(
    lines[4],
    `run 2: ENDED_DUPLICATE exit EXIT_DUPLICATE invoice ${number} net 4249 vat 850 gross 5099`,
  );
  assert.match(lines[5], new RegExp(`^trace: ${dir}/workspace/traces/(T[\\w-]+)/\\1\\.jsonl$`));
  assert.equal(lines.at(-1), "replay: identical");

  // deno-lint-ignore no-explicit-any
  const traces: any[][] = [];
  for (const l of [lines[3], lines[5]]) {
    const { records, problems } = verifyTrace(await Deno.readTextFile(l.slice("trace: ".length)));
    assert.deepEqual(problems, []);
    traces.push(records);
  }
  const step = (records: typeof traces[0], name: string) =>
    records.find((r) => r.type === "step" && r.step === name);
  assert.deepEqual(step(traces[0], "compute_totals").outputs, {
    invoice_number: number,
    net_cents: 4249,
    vat_cents: 850,
    gross_cents: 5099,
  });
  assert.equal(step(traces[0], "compute_totals").capability, "invoice::CT_INVOICE_TOTALS_V0");
  assert.equal(step(traces[0], "post_invoice").status, "SUCCESS");
  assert.deepEqual(
    traces[0].filter((r) => r.type === "effect").map((r) => [r.store, r.mutation, r.key]),
    [["invoice/ledger.json", "set", number], ["invoice/ledger.json", "set", "balance:ACME-042"]],
  );
  assert.equal(step(traces[1], "post_invoice").status, "ALREADY_EXISTS");
  assert.deepEqual(traces[1].filter((r) => r.type === "effect"), []);
  assert.equal(traces[1].at(-1).classification, "ENDED_DUPLICATE");

  const ledger = JSON.parse(await Deno.readTextFile(`${dir}/data/invoice/ledger.json`));
  assert.deepEqual(Object.keys(ledger), [number, "balance:ACME-042"]);
  assert.equal(ledger["balance:ACME-042"], 5099);
  assert.equal(mod97(number.replaceAll("INV-", "").replaceAll("-", "")), 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the invoicing workspace does not compile without the application's capabilities", async () => {
  const dir = await tempDir("pgs-invoicing-test-");
  await writeInvoiceWorkspace(dir);
  await assert.rejects(
    runWorkflow({
      workspace: dir,
      workflow: INVOICE_WORKFLOW,
      payload: SAMPLE_ORDER,
      kvUrl: ":memory:",
    }),
    (e) => {
      assert.ok(e instanceof CompileError);
      assert.deepEqual(e.problems.map((p) => p.message), [
        `CT atom "invoice::CT_INVOICE_TOTALS_V0" has no bound implementation`,
        `CS kind "invoice::CS_LEDGER_V0" has no bound implementation`,
      ]);
      return true;
    },
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("invoiceTotals() rounds VAT half up in integer cents and reports bad lines as CtViolation", () => {
  const one = (unit: number, bp: number) =>
    invoiceTotals({
      customer: "C",
      vat_rate_bp: bp,
      lines: [{ sku: "S", qty: 1, unit_cents: unit }],
    }, CTX);
  assert.equal(one(25, 2000).vat_cents, 5);
  assert.equal(one(1, 5000).vat_cents, 1); // 0.5 rounds up
  assert.equal(one(1, 4999).vat_cents, 0);
  assert.equal(one(0, 2000).gross_cents, 0);
  assert.throws(
    () => invoiceTotals({ customer: "C", vat_rate_bp: 1, lines: [] }, CTX),
    CtViolation,
  );
  assert.throws(
    () =>
      invoiceTotals(
        { customer: "C", vat_rate_bp: 1, lines: [{ sku: "S", qty: 0, unit_cents: 1 }] },
        CTX,
      ),
    { name: "CtViolation", message: "lines[0]: expected qty >= 1 and unit_cents >= 0 (integers)" },
  );
  assert.throws(() => one(1, -1), {
    message: "vat_rate_bp: expected a non-negative integer, got -1",
  });
  assert.equal(checkDigits("370400440532013000DE"), "89"); // IBAN DE89 3704 0044 0532 0130 00
});
