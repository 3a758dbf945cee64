/**
 * What `import "@pgs/runtime"` loads before any code runs (docs/PERFORMANCE.md): the
 * engine (XState), the compiler's libraries (zod, jsonpath-plus), the YAML parser, the
 * pattern engine, the PNG stack and the capabilities' crypto libraries all load when a
 * call first needs them. A static import of any of them from the library's graph fails
 * this test.
 */
import assert from "node:assert/strict";
import { importGraph } from "../_support/import_graph.ts";

const HEAVY =
  /npm:\/?(xstate|zod|jsonpath-plus|js-yaml|re2js|@noble\/curves|@scure|@resvg|@hpcc-js)|png_engine/;

Deno.test("importing mod.ts loads none of the engine, compiler, PNG or crypto libraries", async () => {
  const { staticClosure } = await importGraph("mod.ts");
  assert.deepEqual([...staticClosure].filter((s) => HEAVY.test(s)), []);
  // Only pure-ESM hashing is loaded up front (trace chain and content hashes).
  assert.deepEqual(
    [...staticClosure].filter((s) => s.startsWith("npm:")).map((s) => s.replace(/@[\d.]+/, ""))
      .sort(),
    ["npm:/@noble/hashes/hmac.js", "npm:/@noble/hashes/sha2.js", "npm:/@noble/hashes/utils.js"]
      .sort(),
  );
});

Deno.test("the CLI's own module loads no library at all (help, version and errors are free)", async () => {
  const { staticClosure } = await importGraph("cli.ts");
  assert.deepEqual(
    [...staticClosure].map((s) => s.replace(/^file:\/\/.*?\/(?=[^/]+$)/, "")).sort(),
    ["cli.ts", "cli_args.ts", "cli_io.ts", "deno.json", "errors.ts"],
  );
});
