/**
 * The PNG stack (engines, WASM, font) loads only when a picture is drawn: no static import
 * path leads to it from the library or the command line, so `import` of `mod.ts` and runs
 * with `--no-png` never load ~5.5 MB of assets. `trace/png.ts` reaches the engines with one
 * literal dynamic import, which bundle and compile still carry.
 */
import assert from "node:assert/strict";
import { edgesInto, importGraph } from "../_support/import_graph.ts";

const PNG_STACK = /trace\/png_engine\.ts$|trace\/_assets\/|@resvg\/|@hpcc-js\/|harfbuzzjs/;

for (const entry of ["mod.ts", "cli.ts", "trace/mod.ts"]) {
  Deno.test(`nothing of the PNG stack is statically imported from ${entry}`, async () => {
    const graph = await importGraph(entry);
    assert.deepEqual([...graph.staticClosure].filter((s) => PNG_STACK.test(s)), []);
    assert.deepEqual(edgesInto(graph, /\/trace\/png_engine\.ts$/), [
      "trace/png.ts → trace/png_engine.ts (dynamic)",
    ]);
  });
}
