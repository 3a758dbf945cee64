/**
 * JSR readiness: the repository itself passes `deno publish --dry-run` (slow-type check
 * included) with the name, version, license and exports of deno.json. The PNG assets are
 * plain modules (trace/_assets/), so no bytes import reaches the package.
 */
import assert from "node:assert/strict";
import meta from "../../deno.json" with { type: "json" };
import { deno, ROOT } from "./_subprocess.ts";

Deno.test("the package passes deno publish --dry-run", async () => {
  const dry = await deno(["publish", "--dry-run", "--allow-dirty"], ROOT);
  assert.equal(dry.code, 0, dry.err + dry.out);
  const text = dry.out + dry.err;
  assert.match(text, new RegExp(`Simulating publish of ${meta.name}@${meta.version} with files:`));
  assert.match(text, /Success Dry run complete/);
  assert.doesNotMatch(text, /error\[|warning\[/);
  // Anchored at the repository root: the checkout's own path may contain "tests/".
  const root = ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  assert.match(text, new RegExp(`${root}mod\\.ts`), "files are listed by absolute path");
  assert.doesNotMatch(
    text,
    new RegExp(`${root}(tests|bench)/`),
    "tests and benches are not published",
  );
  assert.deepEqual(meta.exports, { ".": "./mod.ts", "./cli": "./cli.ts" });
  assert.equal(meta.license, "Apache-2.0");
});
