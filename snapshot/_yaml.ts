/**
 * The one owner of the YAML library. Loaded only through `await import("./_yaml.ts")` from
 * seal.ts, so a process that never verifies a YAML `## Machine` block (the CLI's `--help`,
 * `examine`, a library user's `mod.ts` import, a JSON-authored workspace) never pays for it.
 *
 * @module
 */
import { load, YAML11_SCHEMA } from "js-yaml";

/**
 * Parses one YAML document with the YAML 1.1 schema: the PGS compiler reads `## Machine`
 * blocks with a YAML 1.1 parser (PyYAML), so `yes`/`no`/`on`/`off` are booleans there and
 * must be here too, or a block could mean one thing to the compiler and another to us.
 *
 * @throws {Error} on invalid YAML (the caller turns it into a SnapshotError).
 */
export function parseYaml(text: string): unknown {
  return load(text, { schema: YAML11_SCHEMA, maxDepth: 64 });
}
