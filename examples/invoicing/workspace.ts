/**
 * Writes the embedding example's own workspace (an invoicing domain) in the real PGS
 * artifact format, content hashes included, so nothing generated has to be committed:
 * `invoice::WF_ISSUE_INVOICE_V0` validates an order (IN), computes totals with the
 * application's CT, posts the invoice with the application's CS, and ends ISSUED, or
 * DUPLICATE when the same order was already posted.
 *
 * @module
 */
import { type ArtifactKindName, authorArtifact } from "@pgs/runtime";
import { CS_LEDGER, CT_INVOICE_TOTALS } from "./capabilities.ts";

type Json = Record<string, unknown>;

/** The example's workflow. */
export const INVOICE_WORKFLOW = "invoice::WF_ISSUE_INVOICE_V0";

/** A valid order: 3 × 12.50 + 1 × 4.99 at 20 % VAT. */
export const SAMPLE_ORDER: Json = {
  invoice: {
    customer: "ACME-042",
    vat_rate_bp: 2000,
    lines: [{ sku: "PEN-BLUE", qty: 3, unit_cents: 1250 }, {
      sku: "PAD-A5",
      qty: 1,
      unit_cents: 499,
    }],
  },
};

const NS = "invoice";

function artifact(
  dir: string,
  type: string,
  fqdn: string,
  summary: string,
  frontmatter: Json,
  extra: Json = {},
) {
  const a = authorArtifact(type as ArtifactKindName, fqdn, frontmatter, {
    summary,
    extra,
    layer: "EXAMPLE",
  });
  return { path: `${dir}/${a.file}`, body: a.body };
}

const lineSpec = {
  type: "object",
  required: true,
  fields: {
    sku: { type: "string", required: true },
    qty: { type: "integer", required: true, minimum: 1 },
    unit_cents: { type: "integer", required: true, minimum: 0 },
  },
};

const totalsInputs = {
  customer: { type: "string", required: true },
  vat_rate_bp: { type: "integer", required: true },
  lines: { type: "array", required: true },
};

const ARTIFACTS = [
  artifact(
    "capability_transforms",
    "CT",
    CT_INVOICE_TOTALS,
    "Invoice totals and check-digit number.",
    {
      ct_code: "CT_INVOICE_TOTALS_V0",
      core: {
        inputs: totalsInputs,
        outputs: {
          invoice_number: { type: "string" },
          net_cents: { type: "integer" },
          vat_cents: { type: "integer" },
          gross_cents: { type: "integer" },
        },
      },
    },
    {
      ct_ir: {
        ct_code: "CT_INVOICE_TOTALS_V0",
        ct_fqdn: CT_INVOICE_TOTALS,
        ct_composition_version: "V0",
        inputs: totalsInputs,
        atom_stream: [{
          atom: CT_INVOICE_TOTALS,
          args: {
            customer: "$.inputs.customer",
            vat_rate_bp: "$.inputs.vat_rate_bp",
            lines: "$.inputs.lines",
          },
          out: "__atom_result__",
        }],
        outputs: {
          invoice_number: { from: "__atom_result__" },
          net_cents: { from: "__atom_result__" },
          vat_cents: { from: "__atom_result__" },
          gross_cents: { from: "__atom_result__" },
        },
      },
    },
  ),
  artifact(
    "capability_side_effects",
    "CS",
    CS_LEDGER,
    "Post-once invoice ledger with customer balances.",
    {
      cs_code: "CS_LEDGER_V0",
      core: { operations: ["POST"] },
    },
    { cs_ir: { cs_metadata: { capability: { supported_operation_specs: ["POST"] } } } },
  ),
  artifact(
    "structures",
    "STRUCTURE",
    `${NS}::STRUCTURE_INVOICE_STORAGE_V0`,
    "Where invoice state lives.",
    {
      core: {
        domain: NS,
        entity_stores: { LEDGER: { path: "invoice/ledger.json", description: "posted invoices" } },
      },
    },
  ),
  artifact(
    "runtime_bindings",
    "RB",
    `${NS}::RB_ISSUE_INVOICE_V0`,
    "Bindings of the invoice workflow.",
    {
      core: {
        storage_structure: `${NS}::STRUCTURE_INVOICE_STORAGE_V0`,
        bindings: { [CS_LEDGER]: { policy: {} } },
      },
    },
  ),
  artifact("intents", "IN", `${NS}::IN_INVOICE_REQUESTED_V0`, "A customer order to invoice.", {
    core: {
      workflow: "WF_ISSUE_INVOICE_V0",
      inputs: {
        invoice: {
          type: "object",
          required: true,
          fields: {
            customer: { type: "string", required: true },
            vat_rate_bp: { type: "integer", required: true, minimum: 0 },
            lines: { type: "array", required: true, minItems: 1, items: lineSpec },
          },
        },
      },
    },
  }),
  artifact(
    "capability_contracts",
    "CC",
    `${NS}::CC_COMPUTE_TOTALS_V0`,
    "Compute the invoice totals.",
    {
      core: {
        inputs: { invoice: { type: "object", required: true } },
        result_status_contract: {
          allowed: ["SUCCESS", "VIOLATION"],
          on_input_failure: "VIOLATION",
        },
        pipeline: [{
          step: "compute_totals",
          transform: CT_INVOICE_TOTALS,
          op: "COMPUTE",
          inputs: {
            customer: "$.inputs.invoice.customer",
            vat_rate_bp: "$.inputs.invoice.vat_rate_bp",
            lines: "$.inputs.invoice.lines",
          },
          outputs: {
            invoice_number: "$.capability_result.invoice_number",
            net_cents: "$.capability_result.net_cents",
            vat_cents: "$.capability_result.vat_cents",
            gross_cents: "$.capability_result.gross_cents",
          },
          on_result: { SUCCESS: "exit", VIOLATION: "exit" },
        }],
      },
    },
  ),
  artifact("capability_contracts", "CC", `${NS}::CC_POST_TO_LEDGER_V0`, "Post the invoice once.", {
    core: {
      inputs: {
        invoice_number: { type: "string", required: true },
        customer: { type: "string", required: true },
        gross_cents: { type: "integer", required: true },
      },
      result_status_contract: {
        allowed: ["SUCCESS", "ALREADY_EXISTS", "VIOLATION", "BACKEND_ERROR"],
        on_input_failure: "VIOLATION",
      },
      pipeline: [{
        step: "post_invoice",
        side_effect: CS_LEDGER,
        op: "POST",
        store: "LEDGER",
        inputs: {
          invoice_number: "$.inputs.invoice_number",
          customer: "$.inputs.customer",
          gross_cents: "$.inputs.gross_cents",
        },
        outputs: { balance_cents: "$.capability_result.balance_cents" },
        on_result: {
          SUCCESS: "exit",
          ALREADY_EXISTS: "exit",
          VIOLATION: "exit",
          BACKEND_ERROR: "exit",
        },
      }],
    },
  }),
  artifact(
    "workflows",
    "WF",
    INVOICE_WORKFLOW,
    "Issue an invoice; a re-submitted order is not posted twice.",
    {
      wf_code: "WF_ISSUE_INVOICE_V0",
      runtime_binding: `${NS}::RB_ISSUE_INVOICE_V0`,
      core: {
        summary: "Issue an invoice",
        start_node: "IN_INVOICE_REQUESTED_V0",
        nodes: {
          IN_INVOICE_REQUESTED_V0: {
            type: "IN",
            fqdn_id: `${NS}::IN_INVOICE_REQUESTED_V0`,
            next: { ACK: "CC_COMPUTE_TOTALS_V0", NACK: "EXIT_REJECTED" },
          },
          CC_COMPUTE_TOTALS_V0: {
            type: "CC",
            fqdn_id: `${NS}::CC_COMPUTE_TOTALS_V0`,
            inputs: { invoice: "$.payload.invoice" },
            next: { SUCCESS: "CC_POST_TO_LEDGER_V0", VIOLATION: "EXIT_REJECTED" },
          },
          CC_POST_TO_LEDGER_V0: {
            type: "CC",
            fqdn_id: `${NS}::CC_POST_TO_LEDGER_V0`,
            inputs: {
              invoice_number: "$.results.CC_COMPUTE_TOTALS_V0.invoice_number",
              customer: "$.payload.invoice.customer",
              gross_cents: "$.results.CC_COMPUTE_TOTALS_V0.gross_cents",
            },
            next: {
              SUCCESS: "EXIT_ISSUED",
              ALREADY_EXISTS: "EXIT_DUPLICATE",
              VIOLATION: "EXIT_FAILED",
              BACKEND_ERROR: "EXIT_FAILED",
            },
          },
          EXIT_ISSUED: { type: "EXIT", reason: "EXITED", emit: "EV_INVOICE_ISSUED_V0" },
          EXIT_DUPLICATE: { type: "EXIT", reason: "DUPLICATE" },
          EXIT_REJECTED: { type: "EXIT", reason: "EXITED" },
          EXIT_FAILED: { type: "EXIT", reason: "FAILED" },
        },
      },
    },
  ),
];

/**
 * Writes the workspace's `protocol_snapshot/artifacts/` under `dir` (created when missing).
 *
 * @param dir Workspace directory.
 * @returns Paths written, workspace-relative.
 */
export async function writeInvoiceWorkspace(dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const a of ARTIFACTS) {
    const rel = `protocol_snapshot/artifacts/${a.path}`;
    await Deno.mkdir(`${dir}/${rel.slice(0, rel.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${rel}`, `${JSON.stringify(a.body, null, 2)}\n`);
    written.push(rel);
  }
  return written;
}
