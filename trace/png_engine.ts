/**
 * The PNG stack proper: Graphviz (WASM) lays DOT out as SVG, resvg (WASM) rasterises the
 * SVG with the shipped font subset, {@link encodePng} writes the file. Everything comes
 * from `trace/_assets/` (generated from the pinned npm packages), so `deno bundle` and
 * `deno compile` carry it. Only `trace/png.ts` loads this module, lazily, in the process or
 * in the render worker: runs with `--no-png` and `import` of the library never pay for it.
 *
 * @module
 */

import { initWasm, Resvg } from "@resvg/resvg-wasm";
import fontBase64 from "./_assets/dejavu_font.js";
import { type GraphvizEngine, loadGraphviz } from "./_assets/graphviz_glue.js";
import graphvizWasmBase64 from "./_assets/graphviz_wasm.js";
import resvgWasmBase64 from "./_assets/resvg_wasm.js";
import { encodePng } from "./png_encode.ts";

/**
 * Condensed DejaVu is close to the Helvetica metrics Graphviz-WASM assumes when it sizes
 * nodes (it has no font files), so labels fit the shapes it draws.
 */
const FONT_FAMILY = "DejaVu Sans Condensed";

let graphviz: Promise<GraphvizEngine> | undefined;
let resvg: Promise<void> | undefined;
let font: Uint8Array | undefined;

/** Starts Graphviz once per process; a failed start is retried by the next call. */
function graphvizEngine(): Promise<GraphvizEngine> {
  graphviz ??= loadGraphviz(Uint8Array.fromBase64(graphvizWasmBase64)).catch((error) => {
    graphviz = undefined;
    throw error;
  });
  return graphviz;
}

/** Starts resvg once per process (its `initWasm` refuses a second call once it succeeded). */
function resvgEngine(): Promise<void> {
  resvg ??= initWasm(Uint8Array.fromBase64(resvgWasmBase64)).catch((error) => {
    resvg = undefined;
    throw error;
  });
  return resvg;
}

/** Starts both WASM engines (compiled in the background) without waiting for them. */
export function startEngines(): Promise<void> {
  return Promise.all([graphvizEngine(), resvgEngine()]).then(() => {});
}

/** Lays out DOT with Graphviz's `dot` engine and returns the SVG text. */
export async function layout(dot: string): Promise<string> {
  return (await graphvizEngine()).dot(dot, "svg");
}

/**
 * Rasterises an SVG at `scale` on a white background and encodes it as PNG.
 *
 * @param svg SVG text (Graphviz's output).
 * @param scale Zoom over the SVG's own size; positive.
 */
export async function rasterise(svg: string, scale: number): Promise<Uint8Array> {
  await resvgEngine();
  font ??= Uint8Array.fromBase64(fontBase64);
  const renderer = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scale },
    font: {
      fontBuffers: [font],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
      serifFamily: FONT_FAMILY,
      monospaceFamily: FONT_FAMILY,
    },
  });
  try {
    const image = renderer.render();
    try {
      // Premultiplied pixels equal straight ones here: the white background makes them opaque.
      return await encodePng(image.pixels, image.width, image.height);
    } finally {
      image.free();
    }
  } finally {
    renderer.free();
  }
}
