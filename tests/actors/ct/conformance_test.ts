/**
 * One test per conformance vector of every supported snapshot generation
 * (`protocol_snapshot/conformance/*.json` of the newest workspace and of each older one in
 * `../shared/pgs_generations/`), judged by the intended rule (capabilities.md §6.1): run
 * `ct_ir` on its bound inputs in conformance mode; the outcome must equal
 * `expected_outcome` (absent, as in v0.2–v0.4: SUCCESS); asserted fields are checked by
 * property and every other output must deep-equal `expected`.
 *
 * A vector that contradicts its own CT artifact is judged by the artifact, and its test
 * says so by name: {@link CONTRADICTIONS} lists each one with the artifact text that
 * decides it (docs/GENERATIONS.md lists them too).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CtViolation, type JsonObject } from "../../../actors/capability.ts";
import { runCtIr } from "../../../actors/ct/mod.ts";
import { BUILTIN_TRANSFORMS } from "../../../actors/ct/mod.ts";
import { fixedCtx, jsonFiles, readJson, WORKSPACE } from "./_fixtures.ts";

const HEX_RE = /^(0x)?([0-9a-fA-F]{2})*$/;
const GENERATIONS_DIR = fileURLToPath(
  new URL("../../../../shared/pgs_generations", import.meta.url),
);

/** Each generation: where it is, and how many vectors over how many CTs it ships. */
const GENERATIONS = [
  { name: "v0.7.x", root: WORKSPACE, vectors: 77, cts: 28 },
  { name: "v0.2.0", root: join(GENERATIONS_DIR, "e425bf9"), vectors: 70, cts: 26 },
  { name: "v0.4.0", root: join(GENERATIONS_DIR, "420bbe3"), vectors: 70, cts: 26 },
] as const;

/**
 * Vectors that expect SUCCESS with a "false" result while the CT artifact of their own
 * generation (its `## 6. Result Status` table) says the case is a VIOLATION, and the
 * workflows route that VIOLATION (v0.7 fixed these vectors to `expected_outcome:
 * VIOLATION`, `expected: {}`). The runtime follows the artifact.
 */
const CONTRADICTIONS: Readonly<Record<string, { vector: string; artifact: RegExp }>> = {
  "capability_transforms__CT_PURE_VALIDATE_SET_MEMBERSHIP_V0__value_not_in_set": {
    vector: "SUCCESS {is_member: false}",
    artifact: /\| VIOLATION \| Value is not a member of allowed_set \|/,
  },
  "capability_transforms__CT_PURE_VALIDATE_PARAMETER_RULES_V0__rule_fails": {
    vector: "SUCCESS {valid: false, failed_rule}",
    artifact: /\| VIOLATION \| First failed rule \(valid=false, failed_rule populated\) \|/,
  },
};

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

/** The vector's declared outcome: `expected_outcome`, or SUCCESS when absent (v0.2–v0.4). */
function declaredOutcome(vector: JsonObject): string {
  return vector.expected_outcome === undefined ? "SUCCESS" : String(vector.expected_outcome);
}

/** The CT artifact of a vector's generation. */
function ctArtifact(root: string, ctFqdn: string): JsonObject {
  return readJson(
    join(
      root,
      "protocol_snapshot/artifacts/capability_transforms",
      `${ctFqdn.replace("::", "__")}.json`,
    ),
  );
}

/** True when some CC of the generation routes a VIOLATION of a step running `ctFqdn`. */
function someContractRoutesViolation(root: string, ctFqdn: string): boolean {
  const dir = join(root, "protocol_snapshot/artifacts/capability_contracts");
  return jsonFiles(dir).some((f) => {
    const core = (readJson(join(dir, f)).frontmatter as JsonObject).core as JsonObject;
    return (core.pipeline as JsonObject[]).some((st) =>
      st.transform === ctFqdn && Object.hasOwn(st.on_result as JsonObject, "VIOLATION")
    );
  });
}

function runVector(vector: JsonObject, outcome: string): void {
  const ctIr = vector.ct_ir as JsonObject;
  const inputs = ctIr.inputs as JsonObject;
  const expected = vector.expected as JsonObject;
  if (outcome === "VIOLATION") {
    assert.throws(() => runCtIr(ctIr, inputs, fixedCtx(), undefined, "conformance"), CtViolation);
    return;
  }
  assert.equal(outcome, "SUCCESS");
  const actual = runCtIr(ctIr, inputs, fixedCtx(), undefined, "conformance");
  const rest: JsonObject = { ...actual };
  for (const [field, spec] of Object.entries((vector.assertions ?? {}) as JsonObject)) {
    assert.ok(Object.hasOwn(actual, field), `missing asserted output ${field}`);
    checkAssertion(field, actual[field], spec as JsonObject);
    delete rest[field];
  }
  assert.deepStrictEqual(rest, expected);
}

for (const gen of GENERATIONS) {
  const dir = join(gen.root, "protocol_snapshot", "conformance");
  const files = jsonFiles(dir);

  Deno.test(`conformance ${gen.name}: ${gen.vectors} vectors over ${gen.cts} CTs, every CT bound, contradictions listed`, () => {
    assert.equal(files.length, gen.vectors);
    const vectors = files.map((f) => readJson(join(dir, f)));
    const cts = new Set(vectors.map((v) => v.ct_fqdn as string));
    assert.equal(cts.size, gen.cts);
    for (const ct of cts) assert.ok(Object.hasOwn(BUILTIN_TRANSFORMS, ct), ct);
    // Every contradicted vector of this generation is in the list, and only those.
    const contradicted = files.filter((f, i) => {
      const name = f.replace(/\.json$/, "");
      return Object.hasOwn(CONTRADICTIONS, name) && declaredOutcome(vectors[i]) === "SUCCESS";
    });
    assert.deepEqual(
      contradicted.map((f) => f.replace(/\.json$/, "")),
      gen.name === "v0.7.x" ? [] : Object.keys(CONTRADICTIONS).sort(),
    );
  });

  for (const file of files) {
    const name = file.replace(/\.json$/, "");
    const vector = readJson(join(dir, file));
    const outcome = declaredOutcome(vector);
    const contradiction = Object.hasOwn(CONTRADICTIONS, name) && outcome === "SUCCESS"
      ? CONTRADICTIONS[name]
      : null;
    if (!contradiction) {
      Deno.test(`conformance ${gen.name}: ${name}`, () => {
        if (outcome === "VIOLATION") assert.deepEqual(vector.expected, {});
        runVector(vector, outcome);
      });
      continue;
    }
    Deno.test(`conformance ${gen.name}: ${name} — contradiction: the vector expects ${contradiction.vector}, its CT artifact says VIOLATION; the artifact is followed`, () => {
      const ct = vector.ct_fqdn as string;
      assert.match(String(ctArtifact(gen.root, ct).content), contradiction.artifact);
      assert.ok(someContractRoutesViolation(gen.root, ct), `a CC routes ${ct} VIOLATION`);
      runVector(vector, "VIOLATION");
    });
  }
}
