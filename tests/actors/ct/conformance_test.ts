/**
 * One test per conformance vector of the snapshot (`protocol_snapshot/conformance/*.json`),
 * judged by the intended rule (capabilities.md §6.1): run `ct_ir` on its bound inputs in
 * conformance mode; the outcome must equal `expected_outcome`; asserted fields are checked
 * by property and every other output must deep-equal `expected`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CtViolation, type JsonObject } from "../../../actors/capability.ts";
import { runCtIr } from "../../../actors/ct/mod.ts";
import { BUILTIN_TRANSFORMS } from "../../../actors/ct/mod.ts";
import { CONFORMANCE_DIR, fixedCtx, jsonFiles, readJson } from "./_fixtures.ts";

const HEX_RE = /^(0x)?([0-9a-fA-F]{2})*$/;

/** Checks one property assertion (mode `property`; `schema` is refused, as the reference does). */
function checkAssertion(field: string, value: unknown, spec: JsonObject): void {
  assert.equal(spec.mode, "property", `${field}: only property assertions are supported`);
  if (spec.type === "hex_string") {
    assert.equal(typeof value, "string", `${field}: expected a hex string`);
    assert.match(value as string, HEX_RE, `${field}: not hex`);
  }
  const bytes = typeof value === "string" ? value.replace(/^0x/, "").length / 2 : NaN;
  if (spec.byte_length !== undefined) assert.equal(bytes, spec.byte_length, `${field}: length`);
  const range = spec.byte_length_range as { min: number; max: number } | undefined;
  if (range) assert.ok(bytes >= range.min && bytes <= range.max, `${field}: length range`);
  if (spec.non_zero) assert.ok(/[1-9a-fA-F]/.test(String(value).replace(/^0x/, "")), field);
}

const files = jsonFiles(CONFORMANCE_DIR);

Deno.test("conformance: the snapshot ships 77 vectors covering 28 CTs", () => {
  assert.equal(files.length, 77);
  const cts = new Set(files.map((f) => readJson(join(CONFORMANCE_DIR, f)).ct_fqdn));
  assert.equal(cts.size, 28);
  for (const ct of cts) assert.ok(Object.hasOwn(BUILTIN_TRANSFORMS, ct as string), String(ct));
});

for (const file of files) {
  Deno.test(`conformance: ${file.replace(/\.json$/, "")}`, () => {
    const vector = readJson(join(CONFORMANCE_DIR, file));
    const ctIr = vector.ct_ir as JsonObject;
    const inputs = ctIr.inputs as JsonObject;
    const expected = vector.expected as JsonObject;
    if (vector.expected_outcome === "VIOLATION") {
      assert.throws(() => runCtIr(ctIr, inputs, fixedCtx(), undefined, "conformance"), CtViolation);
      assert.deepEqual(expected, {});
      return;
    }
    assert.equal(vector.expected_outcome, "SUCCESS");
    const actual = runCtIr(ctIr, inputs, fixedCtx(), undefined, "conformance");
    const rest: JsonObject = { ...actual };
    for (const [field, spec] of Object.entries((vector.assertions ?? {}) as JsonObject)) {
      assert.ok(Object.hasOwn(actual, field), `missing asserted output ${field}`);
      checkAssertion(field, actual[field], spec as JsonObject);
      delete rest[field];
    }
    assert.deepStrictEqual(rest, expected);
  });
}
