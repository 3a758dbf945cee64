import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { loadPatternEngine } from "../../../actors/ct/mod.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_VALIDATE_RECORD_STRUCTURE_V0";
const HOSTILE = "(a+)+b";

const ATOM_MODULE = new URL("../../../actors/ct/validate_record_structure.ts", import.meta.url);
const CT_MOD = new URL("../../../actors/ct/mod.ts", import.meta.url);

/** Runs `script` (ES module text) in a fresh `deno eval` under a deadline; its stdout. */
async function evalScript(script: string): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../../deno.json", import.meta.url).pathname, script],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: r.code, out: text(r.stdout), err: text(r.stderr) };
}

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 faults (never backtracks) when the pattern engine was not loaded", async () => {
  const r = await evalScript(`
    import { validateRecordStructure } from "${ATOM_MODULE}";
    try {
      validateRecordStructure({ record: { a: "x" }, schema: { a: { pattern: "x" } } }, {});
      console.log("matched");
    } catch (e) {
      console.log(e.constructor.name + ": " + e.message);
    }
  `);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Error: pattern engine not loaded: /);
});

await loadPatternEngine();

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 reports bounds, lengths and types", () => {
  const record = { a: "12", b: "x", c: 5.5, d: "0x1" };
  const schema = {
    a: { max_value: 10 },
    b: { min_length: 2 },
    c: { type: "integer" },
    d: { type: "hex_string" },
  };
  assert.deepEqual(runCt(FQDN, { record, schema }), {
    violations: [
      { field: "a", rule: "max_value", message: "Field 'a' must be <= 10, got 12" },
      { field: "b", rule: "min_length", message: "Field 'b' must be at least 2 characters" },
      { field: "c", rule: "type", message: "Field 'c' must be integer, got float" },
      { field: "d", rule: "type", message: "Field 'd' must be hex_string, got str" },
    ],
  });
});

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 required, pattern, min_value, lte_field", () => {
  const record = {
    name: "",
    code: "ab1",
    amount: "0.5",
    low: 9,
    high: 3,
    emoji: "\u{1F680}\u{1F680}",
  };
  const schema = {
    name: { required: true, type: "string" },
    missing: { required: true },
    optional: { type: "integer" },
    code: { type: "string", pattern: "[a-z]+", max_length: 2 },
    amount: { min_value: 1 },
    low: { type: "integer", lte_field: "high" },
    emoji: { max_length: 2, type: "string" },
    skipped: "not a spec",
  };
  assert.deepEqual(runCt(FQDN, { record, schema }), {
    violations: [
      { field: "name", rule: "required", message: "Field 'name' is required" },
      { field: "missing", rule: "required", message: "Field 'missing' is required" },
      { field: "code", rule: "pattern", message: "Field 'code' does not match pattern '[a-z]+'" },
      { field: "code", rule: "max_length", message: "Field 'code' must be at most 2 characters" },
      { field: "amount", rule: "min_value", message: "Field 'amount' must be >= 1, got 0.5" },
      { field: "low", rule: "lte_field", message: "Field 'low' must be <= 'high'" },
    ],
  });
});

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 accepts integer_string and hex_string forms", () => {
  const record = { n: " -1_000 ", h: "0X", i: 3, b: true };
  const schema = {
    n: { type: "integer_string" },
    h: { type: "hex_string" },
    i: { type: "number" },
    b: { type: "integer" },
  };
  assert.deepEqual(runCt(FQDN, { record, schema }), {
    violations: [{ field: "b", rule: "type", message: "Field 'b' must be integer, got bool" }],
  });
});

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 rejects non-objects and bad patterns", () => {
  assert.throws(() => runCt(FQDN, { record: null, schema: {} }), CtViolation);
  assert.throws(() => runCt(FQDN, { record: {}, schema: [] }), CtViolation);
  assert.throws(
    () => runCt(FQDN, { record: { a: "x" }, schema: { a: { pattern: "(" } } }),
    CtViolation,
  );
  // RE2 syntax: no backreferences or lookaround (Python `re` has them; documented).
  for (const pattern of ["(a)\\1", "(?=a)a", "a{1001}"]) {
    assert.throws(
      () => runCt(FQDN, { record: { a: "aa" }, schema: { a: { pattern } } }),
      (e: unknown) => e instanceof CtViolation && e.message.includes("invalid pattern"),
      pattern,
    );
  }
});

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 matches a catastrophic pattern in linear time, with a defined outcome", () => {
  // A backtracking engine needs ~27 s for 30 characters here, doubling per character.
  const schema = { name: { type: "string", pattern: HOSTILE } };
  for (const n of [30, 40, 10_000]) {
    assert.deepEqual(runCt(FQDN, { record: { name: "a".repeat(n) }, schema }), {
      violations: [{
        field: "name",
        rule: "pattern",
        message: `Field 'name' does not match pattern '${HOSTILE}'`,
      }],
    });
  }
  assert.deepEqual(runCt(FQDN, { record: { name: "a".repeat(40) + "b" }, schema }), {
    violations: [],
  });
  // Python fullmatch semantics: the whole value must match.
  assert.deepEqual(
    runCt(FQDN, {
      record: { to: "0x" + "ab".repeat(20) + "!" },
      schema: { to: { pattern: "^0x[0-9a-fA-F]{40}$" } },
    })
      .violations,
    [{
      field: "to",
      rule: "pattern",
      message: "Field 'to' does not match pattern '^0x[0-9a-fA-F]{40}$'",
    }],
  );
});

Deno.test("CT_PURE_VALIDATE_RECORD_STRUCTURE_V0 on a hostile pattern ends in a subprocess watched by a deadline", async () => {
  // Not a speed goal: a backtracking engine would run for hours on 48 characters, so it
  // would be killed by the deadline and the test would fail.
  const r = await evalScript(`
    import { loadPatternEngine } from "${CT_MOD}";
    import { validateRecordStructure } from "${ATOM_MODULE}";
    await loadPatternEngine();
    const r = validateRecordStructure(
      { record: { name: "a".repeat(48) }, schema: { name: { pattern: "${HOSTILE}" } } },
      {},
    );
    console.log(JSON.stringify(r));
  `);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(
    JSON.parse(r.out).violations.map((v: { rule: string }) => v.rule),
    ["pattern"],
  );
});
