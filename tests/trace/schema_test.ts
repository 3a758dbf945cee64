import assert from "node:assert/strict";
import {
  traceJsonSchema,
  traceRecordSchema,
  validateRecord,
  validateRecords,
} from "../../trace/schema.ts";
import type { TraceRecord } from "../../trace/record.ts";
import { golden, GOLDEN_NAMES } from "../testdata/golden/mod.ts";

const SCHEMA_FILE = new URL("../../docs/pgs.trace-2.schema.json", import.meta.url);

/** Every golden trace: what real runs of the engine wrote. */
const ALL = GOLDEN_NAMES.map((name) => golden(name));
const RECORDS: TraceRecord[] = ALL.flatMap((g) => g.records);

/** Fields record.ts marks optional, by record type. */
const OPTIONAL: Record<string, string[]> = {
  node: ["fqdn", "inputs", "reason", "emit"],
  step: ["evaluation", "result", "secret_entropy"],
  transition: ["outputs"],
  warning: ["node", "step"],
  fault: ["step"],
};

function recordOf(type: string): Record<string, unknown> {
  const r = RECORDS.find((x) => x.type === type);
  assert.ok(r, `fixtures hold a ${type} record`);
  return structuredClone(r) as unknown as Record<string, unknown>;
}

Deno.test("validateRecords() accepts every record of every golden trace, as written and resolved", () => {
  for (const g of ALL) {
    assert.deepEqual(validateRecords(g.records), [], g.name);
    const written = g.lines.flatMap((l, i) => validateRecord(JSON.parse(l), i + 1));
    assert.deepEqual(written, [], `${g.name} (lines with shared references and the seal)`);
  }
  assert.ok(
    ALL.some((g) => g.lines.some((l) => JSON.parse(l).shared !== undefined)),
    "some golden trace records a value once and refers to it",
  );
  const types = new Set(ALL.flatMap((g) => g.lines.map((l) => JSON.parse(l).type)));
  assert.deepEqual([...types].sort(), [
    "admission",
    "child_run",
    "effect",
    "fault",
    "header",
    "node",
    "result",
    "seal",
    "step",
    "transition",
    "warning",
  ]);
});

Deno.test("validateRecord() refuses an added field", () => {
  const step = { ...recordOf("step"), extra: 1 };
  assert.deepEqual(validateRecord(step, 7), ["line 7 (step): $.extra: unexpected field"]);
  const evaluation = {
    ...recordOf("step"),
    evaluation: { name: "e", condition: "x == 1", value: true, status: "OK", note: "x" },
  };
  assert.deepEqual(validateRecord(evaluation, 2), [
    "line 2 (step): $.evaluation.note: unexpected field",
  ]);
});

Deno.test("validateRecord() refuses a removed field", () => {
  const { status: _status, ...step } = recordOf("step");
  assert.deepEqual(validateRecord(step, 7), ["line 7 (step): $.status: missing, expected string"]);
  const { payload: _payload, ...header } = recordOf("header");
  assert.deepEqual(validateRecord(header, 1), [
    "line 1 (header): $.payload: missing, expected a JSON value",
  ]);
});

Deno.test("validateRecord() refuses a mistyped field", () => {
  assert.deepEqual(validateRecord({ ...recordOf("step"), status: 3 }, 7), [
    "line 7 (step): $.status: expected string, got integer",
  ]);
  assert.deepEqual(validateRecord({ ...recordOf("step"), kind: "CX" }, 7), [
    'line 7 (step): $.kind: expected "CT" or "CS", got "CX"',
  ]);
  assert.deepEqual(validateRecord({ ...recordOf("result"), exit_node: 0 }, 9), [
    "line 9 (result): $.exit_node: expected string, got integer",
  ]);
  assert.deepEqual(validateRecord({ ...recordOf("effect"), seq: -1 }, 3), [
    "line 3 (effect): $.seq: expected >= 0",
  ]);
  assert.deepEqual(validateRecord({ ...recordOf("node"), prev: "xyz" }, 2), [
    "line 2 (node): $.prev: expected to match /^[0-9a-f]{64}$/",
  ]);
  assert.deepEqual(validateRecord({ ...recordOf("header"), run: "root/A/b/0" }, 1), [
    'line 1 (header): $.run: expected "root", got "root/A/b/0"',
  ]);
});

Deno.test("validateRecord() names unknown record types and non-objects", () => {
  assert.deepEqual(validateRecord({ ...recordOf("node"), type: "bogus" }, 4), [
    'line 4 (bogus): $.type: unknown record type "bogus"',
  ]);
  assert.deepEqual(validateRecord([1], 5), ["line 5 (?): $: expected object, got array"]);
});

Deno.test("validateRecord() accepts child run ids, loop sub-item labels included", () => {
  const node = recordOf("node");
  for (const run of ["root", "root/A/b/0", "root/A/b/item0/sub1", "root/A/b/0/C/d/item2"]) {
    assert.deepEqual(validateRecord({ ...node, run }, 2), [], run);
  }
  for (const run of ["child", "root/A", "root/A/b", "root/A/b/", "root//b/0"]) {
    assert.equal(validateRecord({ ...node, run }, 2).length, 1, run);
  }
});

Deno.test("validateRecord() refuses each required field removed, of every record type", () => {
  for (const record of RECORDS) {
    for (const key of Object.keys(record)) {
      if (OPTIONAL[record.type]?.includes(key)) continue;
      const copy = structuredClone(record) as unknown as Record<string, unknown>;
      delete copy[key];
      assert.notDeepEqual(validateRecord(copy, 1), [], `${record.type} without ${key}`);
    }
  }
});

Deno.test("validateRecord() accepts records without their optional fields", () => {
  for (const [type, keys] of Object.entries(OPTIONAL)) {
    const copy = recordOf(type);
    for (const k of keys) delete copy[k];
    assert.deepEqual(validateRecord(copy, 2), [], type);
  }
});

Deno.test("validateRecords() refuses a second header", () => {
  const { records } = golden("completed");
  assert.deepEqual(validateRecords([records[0], records[1], { ...records[0], seq: 2 }]), [
    "line 3 (header): a header is only allowed on line 1",
  ]);
});

Deno.test("traceJsonSchema() matches the committed docs/pgs.trace-2.schema.json", async () => {
  const generated = JSON.stringify(traceJsonSchema(), null, 2) + "\n";
  if (Deno.env.get("PGS_UPDATE_SCHEMA") === "1") await Deno.writeTextFile(SCHEMA_FILE, generated);
  const committed = await Deno.readTextFile(SCHEMA_FILE);
  assert.equal(
    committed,
    generated,
    "docs/pgs.trace-2.schema.json is stale: run PGS_UPDATE_SCHEMA=1 deno test --allow-all " +
      "tests/trace/schema_test.ts",
  );
});

Deno.test("traceJsonSchema() closes every record type and lists its required fields", () => {
  const schema = traceJsonSchema() as {
    oneOf: {
      properties: { type: { const: string } };
      required: string[];
      additionalProperties: boolean;
    }[];
  };
  assert.equal(schema.oneOf.length, 11);
  const byType = Object.fromEntries(schema.oneOf.map((s) => [s.properties.type.const, s]));
  for (const s of schema.oneOf) assert.equal(s.additionalProperties, false);
  assert.deepEqual(byType.header.required.sort(), [
    "budget",
    "key_id",
    "payload",
    "prev",
    "run",
    "runtime_version",
    "schema",
    "seed",
    "semantics_version",
    "seq",
    "snapshot_digest",
    "started_at",
    "trace_id",
    "type",
    "workflow",
  ]);
  assert.deepEqual(byType.step.required.sort(), [
    "capability",
    "inputs",
    "kind",
    "node",
    "op",
    "outputs",
    "prev",
    "route",
    "run",
    "seq",
    "status",
    "step",
    "type",
  ]);
  assert.deepEqual(byType.fault.required.sort(), ["error", "node", "prev", "run", "seq", "type"]);
});

Deno.test("traceRecordSchema parses a record to an equal value", () => {
  const r = recordOf("step");
  assert.deepEqual(traceRecordSchema.parse(r), r);
});
