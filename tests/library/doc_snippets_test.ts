/**
 * The TypeScript snippets of the Markdown docs type-check against the package as it is
 * (`deno check --doc-only`, what `deno task doc-test` runs first): CI runs `deno task test`
 * only, and a snippet that no longer compiles is documentation of an API that is gone.
 */
import assert from "node:assert/strict";
import { deno, ROOT } from "./_subprocess.ts";

Deno.test("every ts snippet of README.md and docs/*.md type-checks", async () => {
  const docs = ["README.md"];
  for await (const e of Deno.readDir(`${ROOT}docs`)) {
    if (e.isFile && e.name.endsWith(".md")) docs.push(`docs/${e.name}`);
  }
  // There is something to check: LIBRARY.md's examples are `ts` blocks (not `js`, not bare).
  const library = await Deno.readTextFile(`${ROOT}docs/LIBRARY.md`);
  assert.equal(library.match(/^```ts$/gm)?.length, 3);
  const p = await deno(["check", "--doc-only", ...docs.sort()], ROOT);
  assert.equal(p.code, 0, p.err + p.out);
});

Deno.test("every exported symbol is documented and every JSDoc example runs (deno task doc-lint, doc-test)", async () => {
  const lint = await deno(["doc", "--lint", "mod.ts"], ROOT);
  assert.equal(lint.code, 0, lint.err + lint.out);
  const examples = await deno(
    ["test", "--doc", "--allow-all", "mod.ts", "semantics.ts", "errors.ts", "actors/", "snapshot/"]
      .concat(["storage/", "trace/"]),
    ROOT,
  );
  assert.equal(examples.code, 0, examples.err + examples.out);
  // Examples ran (a filter or an empty selection would pass with none).
  assert.match(examples.out, /ok \| ([2-9]\d|\d{3,}) passed/);
});
