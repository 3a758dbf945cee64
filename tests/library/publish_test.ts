/**
 * JSR readiness: the staged package (scripts/jsr_stage.ts: bytes imports replaced by
 * base64 modules, which JSR requires) passes `deno publish --dry-run`, slow-type check
 * included, with the name, version, license and exports of deno.json.
 */
import assert from "node:assert/strict";
import meta from "../../deno.json" with { type: "json" };
import { deno, ROOT } from "./_subprocess.ts";

Deno.test("the staged package passes deno publish --dry-run", async () => {
  const out = await Deno.makeTempDir({ prefix: "pgs-jsr-" });
  const staged = await deno(
    ["run", "--allow-read", "--allow-write", "scripts/jsr_stage.ts", out],
    ROOT,
  );
  assert.equal(staged.code, 0, staged.err);
  assert.equal(staged.out.trim(), `staged ${out}: 2 bytes import(s) replaced by _assets/*.ts`);
  const png = await Deno.readTextFile(`${out}/trace/png.ts`);
  assert.doesNotMatch(png, /type: "bytes"/);
  await assert.rejects(Deno.stat(`${out}/tests`), Deno.errors.NotFound);

  const dry = await deno(["publish", "--dry-run", "--allow-dirty"], out);
  assert.equal(dry.code, 0, dry.err + dry.out);
  const text = dry.out + dry.err;
  assert.match(text, new RegExp(`Simulating publish of ${meta.name}@${meta.version} with files:`));
  assert.match(text, /Success Dry run complete/);
  assert.doesNotMatch(text, /error\[|warning\[/);
  assert.deepEqual(meta.exports, { ".": "./mod.ts", "./cli": "./cli.ts" });
  assert.equal(meta.license, "Apache-2.0");
  await Deno.remove(out, { recursive: true });
});
