/**
 * The one owner of the YAML library. Loaded only through `await import("./_yaml.ts")` from
 * seal.ts, so a process that never verifies a YAML `## Machine` block (the CLI's `--help`,
 * `examine`, a library user's `mod.ts` import, a JSON-authored workspace) never pays for it.
 *
 * @module
 */
import { defineScalarTag, load, NOT_RESOLVED, YAML11_SCHEMA } from "js-yaml";

// PyYAML's SafeLoader booleans: YAML 1.1 without the one-letter y/Y/n/N forms.
const TRUE = new Set(["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
const FALSE = new Set(["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]);
const pyBool = defineScalarTag("tag:yaml.org,2002:bool", {
  implicit: true,
  implicitFirstChars: [..."yYnNtTfFoO"],
  resolve: (source: string) => TRUE.has(source) ? true : FALSE.has(source) ? false : NOT_RESOLVED,
  identify: (object: unknown) => typeof object === "boolean",
  represent: (object: unknown) => object ? "true" : "false",
});

/**
 * The PGS compiler reads `## Machine` blocks with PyYAML's SafeLoader (YAML 1.1): `yes`,
 * `no`, `on`, `off` are booleans there, `012` is octal, `1e5` is a string. This schema
 * resolves plain scalars the same way, so a block cannot mean one thing to the compiler
 * and another to this check.
 */
const PYYAML_SCHEMA = YAML11_SCHEMA.withTags(pyBool);

/**
 * Parses one YAML document as PyYAML's SafeLoader would.
 *
 * @throws {Error} on invalid YAML (the caller turns it into a SnapshotError).
 */
export function parseYaml(text: string): unknown {
  return load(text, { schema: PYYAML_SCHEMA, maxDepth: 64 });
}
