/**
 * Writes `trace/_assets/`: what the PNG renderer needs besides its own code, derived from
 * the pinned npm packages so nothing is read from disk or the network at run time:
 *
 * - `resvg_wasm.json`: resvg's WASM binary as base64 in a JSON module, decoded once with
 *   the native `Uint8Array.fromBase64` (a `with { type: "bytes" }` import would be faster
 *   still, but JSR refuses it). Graphviz is imported from its npm package as it is.
 * - `dejavu_font.json`: DejaVu Sans Condensed cut by HarfBuzz's subsetter (`harfbuzzjs`) to
 *   {@link FONT_CODEPOINTS}, hinting dropped (resvg does not hint): 34 KB instead of 680 KB,
 *   so resvg's per-render font parse and shaping tables shrink with it.
 *
 * `tests/trace/assets_test.ts` fails when the committed files differ from what this script
 * makes. Usage: `deno run --allow-read --allow-write scripts/gen_assets.ts`.
 *
 * @module
 */
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm" with { type: "bytes" };
import fontBytes from "dejavu-fonts-ttf/ttf/DejaVuSansCondensed.ttf" with { type: "bytes" };
import hbSubsetWasm from "harfbuzzjs/dist/harfbuzz-subset.wasm" with { type: "bytes" };
import { FONT_CODEPOINTS } from "../trace/png_glyphs.ts";

/** Versions the generated files come from (keep in step with deno.json). */
const RESVG_PKG = "@resvg/resvg-wasm@2.6.2";
const FONT_PKG = "dejavu-fonts-ttf@2.37.3";
const HARFBUZZ_PKG = "harfbuzzjs@1.6.4";

/** One generated file: its name in `trace/_assets/` and its exact text. */
export interface GeneratedAsset {
  /** File name inside `trace/_assets/`. */
  file: string;
  /** File contents. */
  text: string;
}

/**
 * A JSON module holding `bytes` as base64. JSON rather than a JS string literal: it loads
 * as fast, and the text is held once (a literal is held twice: in the module's source and
 * as the string).
 */
function base64Json(
  file: string,
  source: string,
  bytes: Uint8Array,
  license: string,
): GeneratedAsset {
  const text = JSON.stringify({
    generated: "scripts/gen_assets.ts; do not edit",
    source: `npm:${source}`,
    license,
    bytes: bytes.length,
    base64: bytes.toBase64(),
  });
  return { file, text: `${text}\n` };
}

/** Subsets fonts with HarfBuzz's hb-subset (one WASM instance for many calls). */
async function subsetter(): Promise<
  (font: Uint8Array, codepoints: Iterable<number>) => Uint8Array
> {
  const { instance } = await WebAssembly.instantiate(hbSubsetWasm);
  const hb = instance.exports as unknown as HbSubset;
  return (font, codepoints) => {
    const heap = () => new Uint8Array(hb.memory.buffer);
    const fontPtr = hb.malloc(font.length);
    heap().set(font, fontPtr);
    const blob = hb.hb_blob_create(fontPtr, font.length, HB_MEMORY_MODE_WRITABLE, 0, 0);
    const face = hb.hb_face_create(blob, 0);
    hb.hb_blob_destroy(blob);
    const input = hb.hb_subset_input_create_or_fail();
    const unicodes = hb.hb_subset_input_unicode_set(input);
    for (const cp of codepoints) hb.hb_set_add(unicodes, cp);
    hb.hb_subset_input_set_flags(input, HB_SUBSET_FLAGS_NO_HINTING);
    const subset = hb.hb_subset_or_fail(face, input);
    hb.hb_subset_input_destroy(input);
    hb.hb_face_destroy(face);
    if (!subset) throw new Error("hb_subset_or_fail failed");
    const out = hb.hb_face_reference_blob(subset);
    const ptr = hb.hb_blob_get_data(out, 0);
    const bytes = heap().slice(ptr, ptr + hb.hb_blob_get_length(out));
    hb.hb_blob_destroy(out);
    hb.hb_face_destroy(subset);
    hb.free(fontPtr);
    return bytes;
  };
}

/** Glyph count of a TrueType font (`maxp.numGlyphs`). */
function glyphCount(font: Uint8Array): number {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = view.getUint16(4);
  for (let i = 0; i < tables; i++) {
    const record = 12 + 16 * i;
    if (String.fromCharCode(...font.subarray(record, record + 4)) === "maxp") {
      return view.getUint16(view.getUint32(record + 8) + 4);
    }
  }
  throw new Error("font has no maxp table");
}

/**
 * DejaVu Sans Condensed cut to {@link FONT_CODEPOINTS}. Fails when the font lacks one of
 * them: a subset to that one code point would hold nothing but `.notdef`.
 */
export async function fontSubset(): Promise<Uint8Array> {
  const subset = await subsetter();
  const font = subset(fontBytes, FONT_CODEPOINTS);
  const missing = FONT_CODEPOINTS.filter((cp) => glyphCount(subset(font, [cp])) < 2);
  if (missing.length > 0) {
    throw new Error(
      `${FONT_PKG} has no glyph for ${missing.map((cp) => `U+${cp.toString(16)}`).join(", ")}`,
    );
  }
  return font;
}

const HB_MEMORY_MODE_WRITABLE = 2;
const HB_SUBSET_FLAGS_NO_HINTING = 1;

/** The hb-subset C API exported by harfbuzzjs's standalone WASM (pointers are numbers). */
interface HbSubset {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  hb_blob_create(data: number, length: number, mode: number, user: number, destroy: number): number;
  hb_blob_destroy(blob: number): void;
  hb_blob_get_data(blob: number, length: number): number;
  hb_blob_get_length(blob: number): number;
  hb_face_create(blob: number, index: number): number;
  hb_face_destroy(face: number): void;
  hb_face_reference_blob(face: number): number;
  hb_set_add(set: number, codepoint: number): void;
  hb_subset_input_create_or_fail(): number;
  hb_subset_input_destroy(input: number): void;
  hb_subset_input_set_flags(input: number, flags: number): void;
  hb_subset_input_unicode_set(input: number): number;
  hb_subset_or_fail(face: number, input: number): number;
}

/** Every generated file with its exact contents. */
export async function generateAssets(): Promise<GeneratedAsset[]> {
  const font = await fontSubset();
  return [
    base64Json("resvg_wasm.json", `${RESVG_PKG}/index_bg.wasm`, resvgWasm, "MPL-2.0"),
    base64Json(
      "dejavu_font.json",
      `${FONT_PKG}/ttf/DejaVuSansCondensed.ttf, subset by npm:${HARFBUZZ_PKG} to ` +
        `trace/png_glyphs.ts FONT_RANGES without hinting`,
      font,
      "Bitstream Vera / DejaVu fonts license",
    ),
  ];
}

if (import.meta.main) {
  const dir = new URL("../trace/_assets/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const assets = await generateAssets();
  for (const a of assets) await Deno.writeTextFile(new URL(a.file, dir), a.text);
  const keep = new Set(assets.map((a) => a.file));
  for await (const entry of Deno.readDir(dir)) {
    if (!keep.has(entry.name)) await Deno.remove(new URL(entry.name, dir));
  }
  console.log(`wrote ${keep.size} files to ${dir.pathname}`);
}
