import assert from "node:assert/strict";
import { fontSubset, generateAssets } from "../../scripts/gen_assets.ts";
import resvgWasm from "../../trace/_assets/resvg_wasm.json" with { type: "json" };
import { drawable, FONT_CODEPOINTS, REPLACEMENT } from "../../trace/png_glyphs.ts";

const DIR = new URL("../../trace/_assets/", import.meta.url);

Deno.test("trace/_assets/ holds exactly what scripts/gen_assets.ts makes from the pinned npm packages", async () => {
  const assets = await generateAssets();
  const committed = [];
  for await (const e of Deno.readDir(DIR)) committed.push(e.name);
  assert.deepEqual(committed.sort(), assets.map((a) => a.file).sort(), "no stale or missing file");
  for (const a of assets) {
    assert.equal(await Deno.readTextFile(new URL(a.file, DIR)), a.text, `${a.file} is stale`);
  }
});

Deno.test("the resvg WASM asset decodes to a valid module", () => {
  for (const asset of [resvgWasm]) {
    const bytes = Uint8Array.fromBase64(asset.base64);
    assert.equal(bytes.length, asset.bytes);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], "\\0asm magic");
    assert.ok(WebAssembly.validate(bytes));
  }
});

Deno.test("the font subset has a glyph for every code point drawable() lets through", async () => {
  // fontSubset() throws when the source font lacks one; the subset is the committed one.
  const font = await fontSubset();
  assert.ok(font.length < 64 * 1024, `subset is ${font.length} bytes`);
  assert.ok(FONT_CODEPOINTS.includes(REPLACEMENT.codePointAt(0)!));
});

Deno.test("drawable() keeps what the font draws and replaces the rest with U+FFFD", () => {
  assert.equal(
    drawable("CC_VALIDATE_INPUT_V0 #3 SUCCESS · ×2 …"),
    "CC_VALIDATE_INPUT_V0 #3 SUCCESS · ×2 …",
  );
  assert.equal(drawable("Zürich Łódź — “ok” €5"), "Zürich Łódź — “ok” €5");
  assert.equal(
    drawable("审批 Ωmega 🙂"),
    `${REPLACEMENT}${REPLACEMENT} ${REPLACEMENT}mega ${REPLACEMENT}`,
  );
  assert.equal(
    drawable("line\nbreak\ttab"),
    "line\nbreak\ttab",
    "controls are left to the escaping",
  );
});
