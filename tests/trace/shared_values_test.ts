// deno-lint-ignore-file no-explicit-any -- records are generated as untyped JSON here
import assert from "node:assert/strict";
import fc from "fast-check";
import { verifyTrace } from "../../trace/jsonl.ts";
import type { UnchainedRecord } from "../../trace/record.ts";
import { chainRecords } from "../../trace/recorder.ts";
import { sealLine } from "../../trace/seal.ts";
import { canonicalJson } from "../../snapshot/canonical.ts";
import { resolveShared, SHARE_MIN_CHARS, ValueTable } from "../../trace/shared_values.ts";
import { cli, runPayload } from "../_support/cli.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const NONE = { fields: new Set<string>(), values: new Set<string>() };

function header(payload: unknown): UnchainedRecord {
  return {
    type: "header",
    run: "root",
    schema: "pgs.trace/2",
    key_id: null,
    trace_id: "T1",
    workflow: "x::WF_A",
    snapshot_digest: "0".repeat(64),
    payload,
    seed: "00",
    started_at: "2026-01-01T00:00:00.000Z",
    runtime_version: "0.1.0",
    semantics_version: "1",
    budget: 10,
  } as UnchainedRecord;
}

function result(results: unknown): UnchainedRecord {
  return {
    type: "result",
    run: "root",
    workflow: "x::WF_A",
    status: "SUCCESS",
    classification: "COMPLETED",
    exit_node: "EXIT",
    reason: "EXITED",
    emit: null,
    results,
  } as UnchainedRecord;
}

function text(records: UnchainedRecord[]): { text: string; lines: string[] } {
  const { lines, head } = chainRecords(records, NONE);
  lines.push(sealLine({ key_id: null, path: [], signature: null }, lines.length, head));
  return { text: lines.map((l) => `${l}\n`).join(""), lines };
}

/** Small JSON values built from `leaves`: arrays of up to 4, objects of up to 4 short keys. */
function smallJson(...leaves: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      ...leaves,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }),
    ),
  })).value;
}

const big = { name: "x".repeat(SHARE_MIN_CHARS), list: [1, 2, 3] };

Deno.test("ValueTable records a large value once and refers to it afterwards", () => {
  const records = [
    header({ member: big }),
    {
      type: "node",
      run: "root",
      node: "CC",
      node_type: "CC",
      fqdn: "x::CC",
      inputs: { member: big },
    },
    result({ CC: { member: big, small: { a: 1 } } }),
  ] as UnchainedRecord[];
  const { lines } = text(records);
  // The node inputs equal the whole payload: one reference.
  const node = JSON.parse(lines[1]);
  assert.equal(node.inputs, null);
  assert.deepEqual(node.shared, { "/inputs": [0, "/payload"] });
  const res = JSON.parse(lines[2]);
  // The small value stays inline; the large one refers to its first copy.
  assert.deepEqual(res.results, { CC: { member: null, small: { a: 1 } } });
  assert.deepEqual(res.shared, { "/results/CC/member": [0, "/payload/member"] });
  // The name string is itself large: the header holds it once.
  assert.equal(lines.join("\n").split("x".repeat(SHARE_MIN_CHARS)).length - 1, 1);
});

Deno.test("ValueTable never refers to the same record, and small values are never shared", () => {
  const table = new ValueTable();
  const line = table.encode({ type: "step", seq: 0, inputs: big, outputs: big }, 0);
  assert.equal(JSON.parse(line).shared, undefined);
  const small = table.encode({ type: "step", seq: 1, inputs: { a: 1 }, outputs: { a: 1 } }, 1);
  assert.equal(JSON.parse(small).shared, undefined);
  const later = JSON.parse(table.encode({ type: "step", seq: 2, result: big }, 2));
  assert.deepEqual(later.shared, { "/result": [0, "/inputs"] });
});

Deno.test("verifyTrace() resolves shared values back to the records that were written (property)", () => {
  const json = smallJson(
    fc.string(),
    fc.string({ minLength: SHARE_MIN_CHARS, maxLength: SHARE_MIN_CHARS + 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  fc.assert(
    fc.property(fc.array(json, { minLength: 1, maxLength: 6 }), fc.integer(), (values, pick) => {
      // Values reused across records, as a run reuses its payload.
      const at = (i: number) => values[Math.abs(pick + i) % values.length];
      const records = [
        header(at(0)),
        { type: "node", run: "root", node: "A", node_type: "CC", fqdn: "x::A", inputs: at(1) },
        {
          type: "step",
          run: "root",
          node: "A",
          step: "s",
          kind: "CS",
          capability: "x::CS",
          op: null,
          inputs: [at(0), at(2)],
          outputs: { o: at(1) },
          result: at(3),
          status: "SUCCESS",
          route: "exit",
        },
        result({ A: at(0) }),
      ] as UnchainedRecord[];
      const { text: t } = text(records);
      const v = verifyTrace(t);
      assert.deepEqual(v.problems, []);
      const plain = v.records.map(({ seq: _s, prev: _p, ...r }: any) => r);
      assert.deepEqual(plain, JSON.parse(JSON.stringify(records)));
    }),
    { numRuns: 300 },
  );
});

Deno.test("the same object recorded many times encodes as separate copies of it would (property)", () => {
  // The table remembers each object's text by identity; a run records its payload, inputs
  // and results objects in many records, inside one record and nested in larger values.
  const json = smallJson(
    fc.string({ maxLength: 12 }),
    fc.string({ minLength: SHARE_MIN_CHARS - 20, maxLength: SHARE_MIN_CHARS + 8 }),
    fc.integer(),
    fc.constant(null),
  );
  fc.assert(
    fc.property(fc.array(json, { minLength: 1, maxLength: 5 }), fc.integer(), (values, pick) => {
      const at = (i: number) => values[Math.abs(pick + i) % values.length];
      const records = [
        header({ a: at(0), b: [at(1), at(0)] }),
        { type: "node", run: "root", node: "A", node_type: "CC", fqdn: "x::A", inputs: at(1) },
        {
          type: "step",
          run: "root",
          node: "A",
          step: "s",
          kind: "CS",
          capability: "x::CS",
          op: null,
          inputs: { x: at(0), y: [at(2), at(0)] },
          outputs: { o: at(1), p: { q: at(1) } },
          result: [at(3), at(2)],
          status: "SUCCESS",
          route: "exit",
        },
        result({ A: at(0), B: { inner: at(1) }, C: at(2) }),
      ] as UnchainedRecord[];
      const copies = records.map((r) => structuredClone(r));
      assert.deepEqual(chainRecords(records, NONE).lines, chainRecords(copies, NONE).lines);
    }),
    { numRuns: 400 },
  );
});

Deno.test("a short string whose escapes make its text long enough is shared like any other", () => {
  const escaped = "\u0001".repeat(21); // 21 characters, 128 of JSON text
  assert.equal(JSON.stringify(escaped).length, SHARE_MIN_CHARS);
  const table = new ValueTable();
  table.encode({ type: "node", inputs: { list: [escaped, 1] } }, 0);
  const later = JSON.parse(table.encode({ type: "step", outputs: [escaped] }, 1));
  assert.deepEqual(later.shared, { "/outputs/0": [0, "/inputs/list/0"] });
  assert.deepEqual(later.outputs, [null]);
});

Deno.test("a first record is written as its canonical JSON, whatever its strings hold (property)", () => {
  // Short strings and arrays of them take the encoder's native path; escapes can make a
  // 20-character string's JSON text 122 characters, just under the sharing threshold.
  const text = fc.oneof(
    fc.string({ unit: "binary", maxLength: 24 }),
    fc.string({ unit: fc.constantFrom("\u0001", '"', "\\", "a", "\u2028"), maxLength: 30 }),
    fc.string({ minLength: SHARE_MIN_CHARS - 4, maxLength: SHARE_MIN_CHARS + 4 }),
  );
  const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      text,
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 6 }),
      fc.array(fc.oneof(text, fc.integer(), fc.constant(null)), { maxLength: 40 }),
      fc.dictionary(text, tie("value"), { maxKeys: 5 }),
    ),
  })).value;
  fc.assert(
    fc.property(json, json, (inputs, outputs) => {
      const record = { type: "step", run: "root", inputs, outputs, result: [inputs, outputs] };
      assert.equal(new ValueTable().encode(record, 0), canonicalJson(record));
    }),
    { numRuns: 500 },
  );
});

Deno.test("resolveShared() refuses references forward, to nothing, or over a non-null value", () => {
  const records = () =>
    [
      { type: "header", payload: { a: 1 } },
      { type: "step", inputs: null, shared: { "/inputs": [0, "/payload"] } },
    ] as any[];
  assert.deepEqual(resolveShared(records()), []);
  const forward = records();
  forward[1].shared = { "/inputs": [1, "/inputs"] };
  assert.match(
    resolveShared(forward)[0],
    /^line 2: shared \/inputs: refers to line 2, not an earlier line$/,
  );
  const nothing = records();
  nothing[1].shared = { "/inputs": [0, "/payload/zzz"] };
  assert.match(resolveShared(nothing)[0], /line 1 has no value at \/payload\/zzz/);
  const overwrite = records();
  overwrite[1].inputs = { x: 1 };
  assert.match(resolveShared(overwrite)[0], /does not hold null/);
  const outside = records();
  outside[1].shared = { "/type": [0, "/payload"] };
  assert.match(resolveShared(outside)[0], /not a pointer into a value field/);
});

Deno.test("a large payload is recorded once: the trace stays a small multiple of its input", async () => {
  const t = await tempWorkspace();
  // A 3 MiB field the example workflow copies into node inputs, step inputs, the surface
  // and the result: pgs.trace/1 wrote it 6 times.
  const name = "Ada ".repeat(768 * 1024);
  const r = await runPayload(t, "club::WF_REGISTER_MEMBER_V0", {
    member: { name, email: "ada@example.org" },
  });
  assert.equal(r.code, 0, r.err.join("\n"));
  const size = (await Deno.stat(r.json.files.jsonl)).size;
  assert.ok(size < name.length * 1.1, `trace of ${size} bytes for a ${name.length}-byte payload`);
  const examined = await cli("examine", r.json.files.jsonl, "--data-root", t.dataRoot, "--json");
  assert.equal(examined.code, 0);
  assert.equal(examined.json.checked_against, "store");
});
