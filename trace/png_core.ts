/**
 * The PNG stack proper: Graphviz (WASM) lays DOT out as SVG, resvg (WASM) rasterises the
 * SVG with the shipped font subset, {@link encodePng} writes the file. It takes the WASM
 * and font bytes from its caller and imports no asset, so the same code runs in the
 * process (`png_engine.ts`, which imports the assets) and in the render worker
 * (`png_worker.ts`, which gets them transferred from the process).
 *
 * @module
 */

import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { type GraphvizEngine, loadGraphviz } from "./_assets/graphviz_glue.js";
import { encodePng } from "./png_encode.ts";

/** The bytes the engines start from (see `trace/_assets/`). */
export interface EngineAssets {
  /** Graphviz's WASM, unpacked. */
  graphvizWasm: Uint8Array<ArrayBuffer>;
  /** resvg's WASM. */
  resvgWasm: Uint8Array<ArrayBuffer>;
  /** The TTF font subset. */
  font: Uint8Array<ArrayBuffer>;
}

/** Size limits of a picture (checked by the caller). */
export interface PictureSize {
  /** Scale over the SVG's own size. */
  zoom: number;
  /** Upper bound of the width in pixels. */
  maxWidth: number;
}

/**
 * Condensed DejaVu is close to the Helvetica metrics Graphviz-WASM assumes when it sizes
 * nodes (it has no font files), so labels fit the shapes it draws.
 */
const FONT_FAMILY = "DejaVu Sans Condensed";

interface Engines {
  graphviz: GraphvizEngine;
  font: Uint8Array;
}

let engines: Promise<Engines> | undefined;
let resvgStarted = false;

/**
 * Starts both WASM engines once per realm (V8 compiles them in the background); a failed
 * start is retried by the next call. `assets()` is asked for the bytes only when starting.
 */
export function startEngines(assets: () => EngineAssets): Promise<void> {
  engines ??= (async () => {
    const { graphvizWasm, resvgWasm, font } = assets();
    const [graphviz] = await Promise.all([
      loadGraphviz(graphvizWasm),
      // resvg's initWasm refuses a second call once one has succeeded.
      resvgStarted ? undefined : initWasm(resvgWasm).then(() => {
        resvgStarted = true;
      }),
    ]);
    return { graphviz, font };
  })().catch((error) => {
    engines = undefined;
    throw error;
  });
  return engines.then(() => {});
}

function started(): Promise<Engines> {
  if (!engines) throw new Error("PNG engines not started");
  return engines;
}

/** Lays out DOT with Graphviz's `dot` engine and returns the SVG text. */
export async function layout(dot: string): Promise<string> {
  return (await started()).graphviz.dot(dot, "svg");
}

/** Rasterises a Graphviz SVG on a white background within `size` and encodes it as PNG. */
export async function rasterise(
  svg: string,
  size: PictureSize,
): Promise<Uint8Array<ArrayBuffer>> {
  const { font } = await started();
  const renderer = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scaleFor(svg, size) },
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

/** DOT → PNG bytes: {@link layout}, then {@link rasterise}. */
export async function drawDot(
  dot: string,
  size: PictureSize,
): Promise<Uint8Array<ArrayBuffer>> {
  return rasterise(await layout(dot), size);
}

/** The zoom that keeps the picture within `maxWidth`. */
function scaleFor(svg: string, { zoom, maxWidth }: PictureSize): number {
  const width = svgWidth(svg);
  return width > 0 ? Math.min(zoom, maxWidth / width) : zoom;
}

/** Width of a Graphviz SVG in CSS pixels (its `width="…pt"` attribute; resvg uses 96 dpi). */
function svgWidth(svg: string): number {
  const match = /<svg[^>]*\swidth="([\d.]+)pt"/.exec(svg);
  return match ? Number(match[1]) * 4 / 3 : 0;
}
