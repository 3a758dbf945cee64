/**
 * Admission: an IN node validates the payload against its intent's `core.inputs`
 * (ACK/NACK with every reason), and a workflow's `core.admission` requires or forbids
 * events in the event stores before traversal starts.
 *
 * @module
 */
import type { FieldSpec } from "../snapshot/schema.ts";
import type { Admission } from "../snapshot/graph.ts";
import type { StateTxn, StoreRef } from "../storage/store.ts";
import {
  EVENT_INDEX_MARK,
  eventCodePrefix,
  eventFieldPrefix,
  indexPrefixFits,
  isIndexableValue,
} from "./cs/appendonly_jsonl.ts";
import { jsonEqual } from "./inputs.ts";

const LOCAL_AT_DOMAIN_RE = /^[^\s@]+@[^\s@]+$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const HEX_RE = /^[0-9a-fA-F]*$/;

/**
 * Every reason the payload violates the intent's input spec (empty: ACK). `default`
 * is an annotation only; fields the intent does not declare are allowed.
 */
export function validateIntent(
  payload: Record<string, unknown>,
  inputs: Record<string, FieldSpec>,
): string[] {
  const reasons: string[] = [];
  checkFields(payload, inputs, "$", reasons);
  return reasons;
}

function checkFields(
  obj: Record<string, unknown>,
  fields: Record<string, FieldSpec>,
  at: string,
  reasons: string[],
): void {
  for (const [name, spec] of Object.entries(fields)) {
    const path = `${at}.${name}`;
    if (!Object.hasOwn(obj, name) || obj[name] === undefined) {
      if (spec.required === true) reasons.push(`${path}: required field is missing`);
      continue;
    }
    checkValue(obj[name], spec, path, reasons);
  }
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  if (t === "any") return true;
  if (t === "number") return actual === "number" || actual === "integer";
  return actual === t;
}

function checkValue(v: unknown, spec: FieldSpec, path: string, reasons: string[]): void {
  if (spec.type !== undefined) {
    const types = Array.isArray(spec.type) ? spec.type : [spec.type];
    if (!types.some((t) => typeMatches(v, t))) {
      reasons.push(`${path}: expected type ${types.join(" or ")}, got ${typeOf(v)}`);
      return;
    }
  }
  if (v === null) return;
  if (spec.required === true && typeof v === "string" && v.trim() === "") {
    reasons.push(`${path}: required field is empty`);
  }
  if (spec.enum && !spec.enum.some((e) => jsonEqual(e, v))) {
    reasons.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(spec.enum)}`);
  }
  if (typeof v === "string" && spec.format) checkFormat(v, spec, path, reasons);
  if (typeof v === "number" && spec.minimum !== undefined && v < spec.minimum) {
    reasons.push(`${path}: ${v} is below the minimum ${spec.minimum}`);
  }
  if (Array.isArray(v)) {
    if (spec.minItems !== undefined && v.length < spec.minItems) {
      reasons.push(`${path}: ${v.length} item(s), expected at least ${spec.minItems}`);
    }
    if (spec.items) v.forEach((item, i) => checkValue(item, spec.items!, `${path}[${i}]`, reasons));
  }
  if (spec.fields && typeOf(v) === "object") {
    checkFields(v as Record<string, unknown>, spec.fields, path, reasons);
  }
  if (spec.properties && typeOf(v) === "object") {
    const required = new Set(Array.isArray(spec.required) ? spec.required : []);
    const props = Object.fromEntries(
      Object.entries(spec.properties).map(([k, s]) => [k, { ...s, required: required.has(k) }]),
    );
    checkFields(v as Record<string, unknown>, props, path, reasons);
  }
}

/**
 * `local@domain.tld`: one `@`, no whitespace, a dot inside the domain with a character on
 * each side. Same set as `/^[^\s@]+@[^\s@]+\.[^\s@]+$/`, without that regex's
 * backtracking (quadratic: 15 s on a 100 KB payload field of dots).
 */
function isEmail(v: string): boolean {
  if (!LOCAL_AT_DOMAIN_RE.test(v)) return false;
  const domain = v.slice(v.indexOf("@") + 1);
  const dot = domain.indexOf(".", 1);
  return dot !== -1 && dot < domain.length - 1;
}

function checkFormat(v: string, spec: FieldSpec, path: string, reasons: string[]): void {
  if (spec.format === "email" && !isEmail(v)) {
    reasons.push(`${path}: "${v.slice(0, 80)}" is not an email address`);
  } else if (
    spec.format === "date-time" && (!DATE_TIME_RE.test(v) || Number.isNaN(Date.parse(v)))
  ) {
    reasons.push(`${path}: "${v.slice(0, 80)}" is not an RFC 3339 date-time`);
  } else if (spec.format === "hex") {
    const prefix = spec.prefix ?? "";
    if (!v.startsWith(prefix) || !HEX_RE.test(v.slice(prefix.length))) {
      reasons.push(
        `${path}: "${v.slice(0, 80)}" is not hex${prefix ? ` with prefix ${prefix}` : ""}`,
      );
    }
  }
}

/**
 * Checks a workflow's event preconditions against its event stores. Returns every
 * reason for denial (empty: admitted). Indexed journals (see appendonly_jsonl.ts) answer
 * with a few range reads; a journal without the index (imported) is scanned.
 */
export async function checkAdmission(
  admission: Admission,
  payload: Record<string, unknown>,
  txn: StateTxn,
): Promise<string[]> {
  const reasons: string[] = [];
  let scanned: Record<string, unknown>[] | null = null;
  const scan = async () => {
    if (scanned) return scanned;
    scanned = [];
    for (const store of admission.eventStores) {
      for (const entry of await txn.log(store)) {
        const rec = (entry as { record?: unknown })?.record;
        if (rec && typeof rec === "object") scanned.push(rec as Record<string, unknown>);
      }
    }
    return scanned;
  };
  const indexed = new Map<string, boolean>();
  for (const store of admission.eventStores) {
    indexed.set(store.path, (await txn.get(store, EVENT_INDEX_MARK)) !== undefined);
  }
  const present = async (code: string): Promise<boolean | string> => {
    const bind = Object.entries(admission.bindings[code] ?? {});
    for (const [, payloadField] of bind) {
      if (payload[payloadField] === undefined) {
        return `ADMISSION_BINDING_MISSING_FIELD: payload field "${payloadField}" (bound for ${code})`;
      }
    }
    const useIndex = indexPrefixFits(eventCodePrefix(code)) &&
      bind.every(([ef, pf]) =>
        isIndexableValue(payload[pf]) && indexPrefixFits(eventFieldPrefix(code, ef, payload[pf]))
      );
    for (const store of admission.eventStores) {
      if (!indexed.get(store.path) || !useIndex) {
        const events = await scan();
        return events.some((e) =>
          (e.event_code === code || e.event_type === code) &&
          bind.every(([ef, pf]) => jsonEqual(e[ef], payload[pf]))
        );
      }
      if (await indexedMatch(txn, store, code, bind, payload)) return true;
    }
    return false;
  };
  for (const code of admission.requires) {
    const p = await present(code);
    if (typeof p === "string") reasons.push(p);
    else if (!p) {
      reasons.push(`required event ${code} not found${describe(admission, code, payload)}`);
    }
  }
  for (const code of admission.forbids) {
    const p = await present(code);
    if (typeof p === "string") reasons.push(p);
    else if (p) {
      reasons.push(`forbidden event ${code} present${describe(admission, code, payload)}`);
    }
  }
  return reasons;
}

/** Is there a record of `code` in `store` whose bound fields equal the payload's? */
async function indexedMatch(
  txn: StateTxn,
  store: StoreRef,
  code: string,
  bind: Array<[string, string]>,
  payload: Record<string, unknown>,
): Promise<boolean> {
  if (bind.length === 0) return (await txn.keys(store, eventCodePrefix(code), 1)).length > 0;
  if (bind.length === 1) {
    const [ef, pf] = bind[0];
    return (await txn.keys(store, eventFieldPrefix(code, ef, payload[pf]), 1)).length > 0;
  }
  // Several bound fields must match in one record: intersect the records of each.
  let common: string[] | null = null;
  for (const [ef, pf] of bind) {
    const prefix = eventFieldPrefix(code, ef, payload[pf]);
    const seqs = new Set((await txn.keys(store, prefix)).map((k) => k.slice(prefix.length)));
    common = (common ?? [...seqs]).filter((s) => seqs.has(s));
    if (common.length === 0) return false;
  }
  return true;
}

function describe(a: Admission, code: string, payload: Record<string, unknown>): string {
  const bind = Object.entries(a.bindings[code] ?? {});
  return bind.length === 0
    ? ""
    : ` for ${bind.map(([ef, pf]) => `${ef}=${JSON.stringify(payload[pf])}`).join(", ")}`;
}
