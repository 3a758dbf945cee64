/**
 * The YAML library (seal of YAML `## Machine` blocks) and the linear-time pattern engine
 * cost start-up time (measured in docs/GENERATIONS.md), so neither may be in the static
 * import graph of the CLI or the library: each is reached only through one literal
 * dynamic import of its owner module.
 */
import assert from "node:assert/strict";
import { edgesInto, importGraph } from "../_support/import_graph.ts";

for (const entry of ["cli.ts", "mod.ts"]) {
  Deno.test(`${entry}: js-yaml and re2js load only through their owners' dynamic imports`, async () => {
    const graph = await importGraph(entry);
    assert.deepEqual([...graph.staticClosure].filter((s) => /js-yaml|re2js/.test(s)), []);
    assert.deepEqual(edgesInto(graph, /\/snapshot\/_yaml\.ts$/), [
      "snapshot/seal.ts → snapshot/_yaml.ts (dynamic)",
    ]);
    assert.deepEqual(edgesInto(graph, /\/actors\/ct\/_re2\.ts$/), [
      "actors/ct/_pattern.ts → actors/ct/_re2.ts (dynamic)",
    ]);
    assert.deepEqual(edgesInto(graph, /^npm:\/?js-yaml/), [
      "snapshot/_yaml.ts → npm:/js-yaml@5.5.0 (static)",
    ]);
  });
}
