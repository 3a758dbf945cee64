/**
 * The trace record schema as zod objects. Strict on every field, refusing unknown fields,
 * so a record that gained, lost or retyped a field shows even when someone re-chained the
 * hashes. The record types of `record.ts` are checked against it at compile time (the
 * `sameShape` lines below fail to type-check when any field differs), so the two cannot
 * drift; explicit types stay in `record.ts` for the public API and its documentation. `pgs.trace/2` (the current format) adds the header's `key_id`, `shared` value
 * references and the final `seal` record to `pgs.trace/1`, which stays readable.
 * `docs/pgs.trace-2.schema.json` is generated from it ({@link traceJsonSchema}); a test
 * keeps the two equal.
 *
 * Loaded only by code that validates (examine, tests): the run path never imports zod.
 *
 * @module
 */
import { z } from "zod";
import {
  type AdmissionRecord,
  type ChildRunRecord,
  type EffectRecord,
  type FaultRecord,
  type HeaderRecord,
  type NodeRecord,
  type ResultRecord,
  type SealRecord,
  type StepRecord,
  TRACE_SCHEMA,
  TRACE_SCHEMA_V1,
  type TransitionRecord,
  type WarningRecord,
} from "./record.ts";

const HEX64 = /^[0-9a-f]{64}$/;
// "root", or a parent id plus "/<node>/<step>/<label>"; a loop's label may itself hold a
// "/" (`item<i>/sub<j>`), so only the shape "at least three more segments" is checked.
const RUN_ID = /^root(?:(?:\/[^/]+){3,})?$/;

const text = (description: string) => z.string().min(1).describe(description);
// One shared instance, so the JSON Schema holds a single recursive "json_value" definition
// (a described copy per field would duplicate it; descriptions stay in the zod source).
// Typed `unknown`: records carry capability data the runtime does not shape.
const JSON_VALUE: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JSON_VALUE),
    z.record(z.string(), JSON_VALUE),
  ])
).meta({ id: "json_value", description: "Any JSON value" });
const json = (_description: string) => JSON_VALUE;

/** `/`-separated JSON pointer (RFC 6901) into a record. */
const POINTER = /^(?:\/(?:[^~/]|~[01])*)+$/;

const base = {
  seq: z.int().nonnegative().describe("0-based line number of the record in the file"),
  prev: z.string().regex(HEX64).describe(
    "sha256 (hex) of the previous line; 64 zeros on the first line",
  ),
  run: z.string().regex(RUN_ID).describe(
    'Run the record belongs to: "root" or "<parent>/<node>/<step>/<label>"',
  ),
  shared: z.record(
    z.string().regex(POINTER),
    z.tuple([z.int().nonnegative(), z.string().regex(POINTER)]),
  ).optional().describe(
    "pgs.trace/2: values recorded once earlier: JSON pointer in this record (holding null) → " +
      "[seq, JSON pointer] of the same value in an earlier record",
  ),
};

const headerFields = {
  ...base,
  type: z.literal("header"),
  run: z.literal("root").describe("The header belongs to the root run"),
  trace_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/).describe("Trace id"),
  workflow: z.string().regex(/^[A-Za-z0-9_.]+::[A-Za-z0-9_.]+$/).describe(
    "Workflow FQDN <domain>::<WF_CODE>",
  ),
  snapshot_digest: z.string().regex(HEX64).describe(
    "sha256 over the executable parts of every artifact the workflow can reach",
  ),
  payload: json("The payload exactly as given (redacted)"),
  seed: z.string().regex(/^[0-9a-f]{2,128}$/).describe("Seed of the run's CSPRNG (hex)"),
  started_at: z.iso.datetime().describe("Run clock (ISO-8601, UTC)"),
  runtime_version: text("pgs-runtime version"),
  semantics_version: text("Execution semantics version; replay refuses another one"),
  budget: z.int().positive().describe("Step budget (node visits + steps, children included)"),
};

const header = z.strictObject({
  ...headerFields,
  schema: z.literal(TRACE_SCHEMA).describe("Trace schema identifier"),
  key_id: z.string().regex(/^[0-9a-f]{16}$/).nullable().describe(
    "Id of the data root's signing key that seals the trace (null: unsealed)",
  ),
}).describe("First record: what ran, on what, with which clock, seed and signing key");

const headerV1 = z.strictObject({
  ...headerFields,
  schema: z.literal(TRACE_SCHEMA_V1).describe("Trace schema identifier"),
}).describe("First record of a pgs.trace/1 body");

const node = z.strictObject({
  ...base,
  type: z.literal("node"),
  node: text("Node key"),
  node_type: z.enum(["IN", "CC", "EXIT"]).describe("Node type"),
  fqdn: text("FQDN of the node's intent (IN) or capability contract (CC)").optional(),
  inputs: json("Resolved CC node inputs (redacted)").optional(),
  reason: z.string().nullable().optional().describe("Declared reason of an EXIT node"),
  emit: z.string().nullable().optional().describe("Declared emitted event of an EXIT node"),
}).describe("A node was entered");

const admission = z.strictObject({
  ...base,
  type: z.literal("admission"),
  kind: z.enum(["IN", "WF"]).describe("IN: payload against intent; WF: requires/forbids events"),
  node: text('IN node key, or "(workflow)" for WF admission'),
  outcome: text("ACK / NACK (IN), ADMITTED / ADMISSION_DENIED (WF)"),
  reasons: z.array(z.string()).describe("Every reason for a NACK or denial"),
}).describe("IN payload validation or WF admission");

const evaluation = z.strictObject({
  name: text("Evaluation key"),
  condition: z.string().describe("Condition text"),
  value: z.boolean().describe("What the condition evaluated to"),
  status: text("on_true / on_false status that ended the CC"),
}).describe("The evaluation block run when the route names one");

const step = z.strictObject({
  ...base,
  type: z.literal("step"),
  node: text("CC node key"),
  step: text("Step name"),
  kind: z.enum(["CT", "CS"]).describe("Capability kind"),
  capability: text("CT atom or CS FQDN"),
  op: z.string().nullable().describe("Step op, or null"),
  inputs: json("Resolved step inputs (redacted)"),
  outputs: json("Mapped step outputs (redacted)"),
  result: json(
    "The capability's raw result (redacted): CS steps, and CT steps replay cannot recompute",
  ).optional(),
  status: z.string().describe("Step status after on_ct_result"),
  route: text('on_result: continue, exit, a step name, an evaluation key, or "unlisted"'),
  evaluation: evaluation.optional(),
  secret_entropy: z.literal(true).optional().describe(
    "Present when the step drew secret entropy; replay serves its recorded result",
  ),
}).describe("A pipeline step ran");

const effect = z.strictObject({
  ...base,
  type: z.literal("effect"),
  node: text("CC node key"),
  step: text("Step name"),
  store: text("Store path (data-root relative)"),
  mutation: text("set / delete / append"),
  key: z.string().describe("Key or sequence number"),
  operation: z.string().describe("CS op (REGISTER, APPEND, ...)"),
  result: z.string().describe("Status of the step that made the change"),
}).describe("A state change made by a CS step");

const transition = z.strictObject({
  ...base,
  type: z.literal("transition"),
  from: text("Source node key"),
  outcome: z.string().describe("Outcome (status) that selected the edge"),
  to: z.string().min(1).nullable().describe("Target node key, or null: no such edge"),
  outputs: json("The source CC's output surface (redacted)").optional(),
}).describe("A node finished with a status and the graph moved on");

const childRun = z.strictObject({
  ...base,
  type: z.literal("child_run"),
  child: z.string().regex(RUN_ID).describe("Child run id"),
  workflow: text("Child workflow"),
  node: text("Parent node key"),
  step: text("Parent step"),
  payload: json("Child payload (redacted)"),
}).describe("A child run started (gateway, loop, concurrent)");

const warning = z.strictObject({
  ...base,
  type: z.literal("warning"),
  code: text("Stable warning code"),
  message: z.string().describe("Human-readable detail (redacted)"),
  node: text("Node key").optional(),
  step: text("Step name").optional(),
}).describe("Something a reader should know that did not change a status");

const fault = z.strictObject({
  ...base,
  type: z.literal("fault"),
  node: text("Node key"),
  step: text("Step name").optional(),
  error: z.string().describe("Error name and message (redacted)"),
}).describe("A capability or storage fault");

const result = z.strictObject({
  ...base,
  type: z.literal("result"),
  workflow: text("Workflow FQDN of the run"),
  status: z.string().describe("Outcome that led to the exit, or the failure code"),
  classification: text("COMPLETED, REJECTED, ENDED_<STATUS>, FAILED or FAULTED"),
  exit_node: z.string().min(1).nullable().describe("EXIT node key, or null"),
  reason: z.string().nullable().describe("EXIT reason or failure reason"),
  emit: z.string().nullable().describe("EXIT emit, if declared"),
  results: json("CC output surfaces by node key (redacted)"),
}).describe("A (child) run ended; the root run's result is the last line");

const seal = z.strictObject({
  ...base,
  type: z.literal("seal"),
  run: z.literal("root").describe("The seal belongs to the root run"),
  key_id: z.string().regex(/^[0-9a-f]{16}$/).nullable().describe(
    "Id of the signing key (the header's), or null for an unsealed trace",
  ),
  alg: z.literal("Ed25519").describe("Signature algorithm"),
  path: z.array(z.tuple([z.enum(["L", "R"]), z.string().regex(HEX64)])).describe(
    "Merkle path from this trace's chain head to the signed root (empty: the head itself)",
  ),
  signature: z.string().regex(/^[0-9a-f]{128}$/).nullable().describe(
    'Ed25519 signature (hex) of "pgs.trace/2 seal:<root>", or null when unsealed',
  ),
}).describe("Last line: the chain head (prev) sealed with the data root's signing key");

/** Schema of each record type, by its `type`. */
export const recordSchemas = {
  header,
  node,
  admission,
  step,
  effect,
  transition,
  child_run: childRun,
  warning,
  fault,
  result,
  seal,
} as const;

/** Schema of any current (`pgs.trace/2`) record: one JSONL line. */
export const traceRecordSchema = z.discriminatedUnion("type", [
  header,
  node,
  admission,
  step,
  effect,
  transition,
  childRun,
  warning,
  fault,
  result,
  seal,
]).meta({ title: `${TRACE_SCHEMA} record`, description: `One line of a ${TRACE_SCHEMA} body` });

const v1 = <T extends z.ZodObject>(o: T) => o.omit({ shared: true });

/** Schema of any `pgs.trace/1` record (no shared values, no seal, header without key id). */
export const traceRecordSchemaV1 = z.discriminatedUnion("type", [
  v1(headerV1),
  v1(node),
  v1(admission),
  v1(step),
  v1(effect),
  v1(transition),
  v1(childRun),
  v1(warning),
  v1(fault),
  v1(result),
]);

/** The JSON Schema (draft 2020-12) of one current record, as committed in `docs/`. */
export function traceJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(traceRecordSchema) as Record<string, unknown>;
}

/**
 * Problems of one record at 1-based `line`, e.g. `line 7 (step): $.status: expected string`,
 * against the schema of `version` (default: the current one).
 */
export function validateRecord(record: unknown, line: number, version: 1 | 2 = 2): string[] {
  const type = isObject(record) && typeof record.type === "string" ? record.type : "?";
  const at = `line ${line} (${type})`;
  const parsed = (version === 1 ? traceRecordSchemaV1 : traceRecordSchema).safeParse(record);
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue) =>
    describeIssue(issue, record).map((msg) => `${at}: ${msg}`)
  );
}

/**
 * Schema problems of a record list in file order (index 0 = line 1), plus a header on
 * any other line than the first. Empty: every record is well formed.
 */
export function validateRecords(records: readonly unknown[], version: 1 | 2 = 2): string[] {
  const problems: string[] = [];
  for (const [i, record] of records.entries()) {
    problems.push(...validateRecord(record, i + 1, version));
    if (i > 0 && isObject(record) && record.type === "header") {
      problems.push(`line ${i + 1} (header): a header is only allowed on line 1`);
    }
  }
  return problems;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function jsonPath(path: readonly PropertyKey[]): string {
  return "$" + path.map((p) => typeof p === "number" ? `[${p}]` : `.${String(p)}`).join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" && Number.isInteger(v)) return "integer";
  return typeof v;
}

// Short messages instead of zod's, so problems read the same as verifyTrace's.
function describeIssue(issue: z.core.$ZodIssue, record: unknown): string[] {
  const path = jsonPath(issue.path);
  const value = valueAt(record, issue.path);
  const missing = value === undefined && issue.path.length > 0;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => `${jsonPath([...issue.path, k])}: unexpected field`);
    case "invalid_union":
      if ("discriminator" in issue && issue.discriminator) {
        return [`${path}: unknown record type ${JSON.stringify(value ?? null)}`];
      }
      return [expect(path, "a JSON value", value, missing)];
    case "invalid_type":
      return [expect(path, issue.expected, value, missing)];
    case "invalid_value":
      return [
        expect(path, issue.values.map((v) => JSON.stringify(v)).join(" or "), value, missing),
      ];
    case "invalid_format":
      return [
        `${path}: expected ${
          issue.format === "regex" ? `to match ${issue.pattern}` : issue.format
        }`,
      ];
    case "too_small":
      return [
        `${path}: expected ${
          issue.origin === "string"
            ? "a non-empty string"
            : `${issue.inclusive ? ">=" : ">"} ${issue.minimum}`
        }`,
      ];
    default:
      return [`${path}: ${issue.message}`];
  }
}

function expect(path: string, expected: string, value: unknown, missing: boolean): string {
  if (missing) return `${path}: missing, expected ${expected}`;
  const got = typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : kindOf(value);
  return `${path}: expected ${expected}, got ${got}`;
}

// ---- the record types of record.ts are the schema's --------------------------------------

/** True when A and B are assignable both ways (the same shape, field by field). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when `A` and `B` have the same shape. */
function sameShape<A, B>(_same: Same<A, B>): void {}

// The header and the seal always belong to the root run (the schema says "root").
sameShape<
  Omit<z.infer<typeof header>, "run">,
  Omit<HeaderRecord, "schema" | "key_id" | "run"> & {
    schema: typeof TRACE_SCHEMA;
    key_id: string | null;
  }
>(true);
sameShape<z.infer<typeof node>, NodeRecord>(true);
sameShape<z.infer<typeof admission>, AdmissionRecord>(true);
sameShape<z.infer<typeof step>, StepRecord>(true);
sameShape<z.infer<typeof effect>, EffectRecord>(true);
sameShape<z.infer<typeof transition>, TransitionRecord>(true);
sameShape<z.infer<typeof childRun>, ChildRunRecord>(true);
sameShape<z.infer<typeof warning>, WarningRecord>(true);
sameShape<z.infer<typeof fault>, FaultRecord>(true);
sameShape<z.infer<typeof result>, ResultRecord>(true);
sameShape<Omit<z.infer<typeof seal>, "run">, Omit<SealRecord, "run">>(true);
