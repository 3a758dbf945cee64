/**
 * Writes `trace/_assets/*.json`: the resvg WASM and the DejaVu font as base64, taken from
 * the pinned npm packages. The PNG renderer imports these instead of `with { type:
 * "bytes" }` imports, which JSR refuses (not stabilised in Deno 2.9), so `deno publish`,
 * `deno bundle` and `deno compile` all carry the assets. `tests/trace/assets_test.ts` fails
 * when the committed modules differ from the packages. Usage:
 * `deno run --allow-write scripts/gen_assets.ts`.
 *
 * @module
 */
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm" with { type: "bytes" };
import fontBytes from "dejavu-fonts-ttf/ttf/DejaVuSansCondensed.ttf" with { type: "bytes" };

/** The generated files: file name, npm source and bytes. */
export const ASSETS = [
  { file: "resvg_wasm.json", spec: "@resvg/resvg-wasm/index_bg.wasm", bytes: resvgWasm },
  {
    file: "dejavu_sans_condensed.json",
    spec: "dejavu-fonts-ttf/ttf/DejaVuSansCondensed.ttf",
    bytes: fontBytes,
  },
] as const;

/**
 * The JSON text for one asset: `{source, bytes, base64}`. JSON rather than a TS module:
 * a JSON import parses several times faster than a 4 MB string literal in source.
 */
export function assetJson(a: (typeof ASSETS)[number]): string {
  let binary = "";
  for (let i = 0; i < a.bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...a.bytes.subarray(i, i + 0x8000));
  }
  return `${
    JSON.stringify({ source: `npm:${a.spec}`, bytes: a.bytes.length, base64: btoa(binary) })
  }\n`;
}

if (import.meta.main) {
  const dir = new URL("../trace/_assets/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  for (const a of ASSETS) await Deno.writeTextFile(new URL(a.file, dir), assetJson(a));
  console.log(`wrote ${ASSETS.length} asset files to ${dir.pathname}`);
}
