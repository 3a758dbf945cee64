/**
 * The embedding application's own capabilities, bound by the FQDNs its snapshot declares:
 * a CT that computes invoice totals and a check-digit invoice number, and a CS that posts
 * invoices to a ledger exactly once. An application outside this repository imports the
 * same names from the published package instead of `../../mod.ts`.
 *
 * @module
 */
import {
  canonicalJson,
  CtViolation,
  type CustomCapabilities,
  sha256Hex,
  type SideEffectFn,
  type TransformFn,
} from "@pgs/runtime";

/** FQDN of the totals CT (the CT artifact and its single atom share it). */
export const CT_INVOICE_TOTALS = "invoice::CT_INVOICE_TOTALS_V0";
/** FQDN of the ledger CS kind. */
export const CS_LEDGER = "invoice::CS_LEDGER_V0";

interface Line {
  sku: string;
  qty: number;
  unit_cents: number;
}

/**
 * Totals in integer cents (VAT rounded half up from basis points) and an invoice number
 * `INV-<10 hex of sha256(customer, lines)>-<2 check digits, ISO 7064 mod 97-10>`. Pure:
 * the same order always gets the same number, so a re-submitted order is a duplicate.
 * A malformed line is a declared failure (VIOLATION), not a fault.
 */
export const invoiceTotals: TransformFn = (args) => {
  const lines = args.lines;
  const bp = args.vat_rate_bp;
  if (!Array.isArray(lines) || lines.length === 0) {
    throw new CtViolation("lines: expected a non-empty array");
  }
  if (!Number.isSafeInteger(bp) || (bp as number) < 0) {
    throw new CtViolation(
      `vat_rate_bp: expected a non-negative integer, got ${JSON.stringify(bp)}`,
    );
  }
  let net = 0;
  for (const [i, l] of (lines as Line[]).entries()) {
    if (
      !Number.isSafeInteger(l?.qty) || l.qty < 1 || !Number.isSafeInteger(l?.unit_cents) ||
      l.unit_cents < 0
    ) {
      throw new CtViolation(`lines[${i}]: expected qty >= 1 and unit_cents >= 0 (integers)`);
    }
    net += l.qty * l.unit_cents;
  }
  const vat = Math.floor((net * (bp as number) + 5000) / 10000);
  const body = sha256Hex(canonicalJson({ customer: args.customer, lines })).slice(0, 10)
    .toUpperCase();
  return {
    invoice_number: `INV-${body}-${checkDigits(body)}`,
    net_cents: net,
    vat_cents: vat,
    gross_cents: net + vat,
  };
};

/** ISO 7064 MOD 97-10 check digits of an alphanumeric string (as IBANs use). */
export function checkDigits(text: string): string {
  let rem = 0;
  for (const ch of `${text}00`) {
    const v = parseInt(ch, 36);
    rem = (v > 9 ? rem * 100 + v : rem * 10 + v) % 97;
  }
  return String(98 - rem).padStart(2, "0");
}

/**
 * POST: records the invoice under its number and adds it to the customer's balance, once.
 * A number already posted gives ALREADY_EXISTS and changes nothing. State is touched only
 * through `call.state` on the declared store, and time read only from `call.ctx.now`.
 */
export const ledger: SideEffectFn = async (call) => {
  if (call.op !== "POST") {
    return { status: "BACKEND_ERROR", result: { message: `Unsupported op: ${call.op}` } };
  }
  if (call.store === null) {
    return {
      status: "VIOLATION",
      result: { message: "CS_LEDGER_V0 needs a store (declare `store` on the step)" },
    };
  }
  const { invoice_number: number, customer, gross_cents: gross } = call.inputs;
  if (typeof number !== "string" || typeof customer !== "string" || !Number.isSafeInteger(gross)) {
    return {
      status: "VIOLATION",
      result: { message: "expected invoice_number, customer, gross_cents" },
    };
  }
  if (await call.state.get(call.store, number) !== undefined) {
    return { status: "ALREADY_EXISTS", result: { invoice_number: number } };
  }
  const balanceKey = `balance:${customer}`;
  const balance = ((await call.state.get(call.store, balanceKey)) as number | undefined ?? 0) +
    (gross as number);
  call.state.set(call.store, number, {
    invoice_number: number,
    customer,
    gross_cents: gross,
    posted_at: call.ctx.now,
  });
  call.state.set(call.store, balanceKey, balance);
  return { status: "SUCCESS", result: { invoice_number: number, balance_cents: balance } };
};

/** Everything the application adds to the built-in capabilities. */
export const invoiceCapabilities: CustomCapabilities = {
  transforms: { [CT_INVOICE_TOTALS]: invoiceTotals },
  sideEffects: { [CS_LEDGER]: { run: ledger, storeFormat: "json" } },
};
