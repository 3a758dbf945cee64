/**
 * `.png` renderer: DOT (from {@link buildDot}) → SVG by Graphviz compiled to WASM → PNG by
 * resvg compiled to WASM, with a TTF font; both come from `trace/assets.ts`. Nothing is read from disk or
 * the network at run time, so `deno bundle` / `deno compile` carry everything.
 *
 * Callers treat a rejection as a `PNG_RENDER_FAILED` warning: a picture never changes a
 * run's result.
 *
 * @module
 */

import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { dejavuSansCondensedBytes, resvgWasmBytes } from "./assets.ts";
import { UsageError } from "../errors.ts";
import { buildDot, type GraphView } from "./graph_dot.ts";
import { encodePng } from "./png_encode.ts";
import type { TraceRecord } from "./record.ts";

/** The graph input types, re-exported so callers need only this module. */
export type { GraphView, GraphViewEdge, GraphViewNode } from "./graph_dot.ts";

/** Options of {@link renderPng}. */
export interface PngOptions {
  /**
   * Scale over the SVG's own size (1 pt = 4/3 px); lowered automatically to respect `maxWidth`.
   * @default 1
   */
  zoom?: number;
  /**
   * Upper bound of the image width in pixels.
   * @default 2000
   */
  maxWidth?: number;
}

/**
 * Condensed DejaVu is close to the Helvetica metrics Graphviz-WASM assumes when it sizes
 * nodes (it has no font files), so labels fit the shapes it draws.
 */
const FONT_FAMILY = "DejaVu Sans Condensed";

interface Engines {
  graphviz: Graphviz;
  font: Uint8Array;
}

let engines: Promise<Engines> | undefined;

/** Both WASM modules are instantiated once per process; a failed start is retried next call. */
function loadEngines(): Promise<Engines> {
  engines ??= (async () => {
    const [graphviz] = await Promise.all([Graphviz.load(), initWasm(resvgWasmBytes())]);
    return { graphviz, font: dejavuSansCondensedBytes() };
  })().catch((error) => {
    engines = undefined;
    throw error;
  });
  return engines;
}

/** Lays out DOT with Graphviz-WASM and returns the SVG text. */
export async function dotToSvg(dot: string): Promise<string> {
  const { graphviz } = await loadEngines();
  return graphviz.dot(dot, "svg");
}

/** Rasterises a Graphviz SVG to PNG bytes on a white background. */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Uint8Array> {
  const zoom = opts.zoom ?? 1;
  const maxWidth = opts.maxWidth ?? 2000;
  if (!(zoom > 0) || !(maxWidth >= 1)) {
    throw new UsageError("Cannot render PNG: opts.zoom must be > 0 and opts.maxWidth >= 1");
  }
  const { font } = await loadEngines();
  const width = svgWidth(svg);
  const scale = width > 0 ? Math.min(zoom, maxWidth / width) : zoom;
  const resvg = new Resvg(svg, {
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
    const image = resvg.render();
    try {
      // Premultiplied pixels equal straight ones here: the white background makes them opaque.
      return encodePng(image.pixels, image.width, image.height);
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/**
 * Renders the workflow graph with the root run's executed path highlighted.
 *
 * @param graph The workflow graph (nodes and declared outcome edges).
 * @param records The trace records; the root run's path is highlighted.
 * @param opts Size options.
 * @returns PNG bytes.
 * @throws {UsageError} USAGE when `graph` or `opts` is malformed.
 * @throws {TraceError} TRACE when `records` does not start with a header.
 */
export async function renderPng(
  graph: GraphView,
  records: readonly TraceRecord[],
  opts: PngOptions = {},
): Promise<Uint8Array> {
  const dot = buildDot(graph, records);
  return svgToPng(await dotToSvg(dot), opts);
}

/** Width of a Graphviz SVG in CSS pixels (its `width="…pt"` attribute; resvg uses 96 dpi). */
function svgWidth(svg: string): number {
  const match = /<svg[^>]*\swidth="([\d.]+)pt"/.exec(svg);
  return match ? Number(match[1]) * 4 / 3 : 0;
}
