/**
 * `.png` renderer: DOT (from {@link buildDot}) → SVG by Graphviz compiled to WASM → PNG by
 * resvg compiled to WASM, with a TTF font subset. This module is light: the engines
 * (`png_engine.ts`, ~6 MB of WASM and font) load on the first render, so runs with
 * `--no-png` and `import` of the library never load them. Nothing is read from disk or the
 * network at run time, so `deno bundle` / `deno compile` carry everything.
 *
 * Callers treat a rejection as a `PNG_RENDER_FAILED` warning: a picture never changes a
 * run's result, and it is never part of the hashed trace.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { buildDot, type GraphView, validateGraphView } from "./graph_dot.ts";
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

type Engine = typeof import("./png_engine.ts");

let engine: Promise<Engine> | undefined;

/** The engines, loaded once per process and started without waiting (WASM compiles aside). */
function loadEngine(): Promise<Engine> {
  engine ??= import("./png_engine.ts").then((m) => {
    m.startEngines().catch(() => {}); // a failed start is retried and reported by the render
    return m;
  }, (error) => {
    engine = undefined;
    throw error;
  });
  return engine;
}

/** Lays out DOT with Graphviz-WASM and returns the SVG text. */
export async function dotToSvg(dot: string): Promise<string> {
  return (await loadEngine()).layout(dot);
}

/** Rasterises a Graphviz SVG to PNG bytes on a white background. */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Uint8Array> {
  const scale = scaleFor(svg, checkOptions(opts));
  return (await loadEngine()).rasterise(svg, scale);
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
  const size = checkOptions(opts);
  const dot = buildDot(graph, records);
  const svg = await dotToSvg(dot);
  return (await loadEngine()).rasterise(svg, scaleFor(svg, size));
}

/** A PNG render started before the run's records exist; see {@link startPngRender}. */
export interface PngRender {
  /** Draws the picture of `records` and releases the renderer. */
  finish(records: readonly TraceRecord[]): Promise<Uint8Array>;
  /** Releases the renderer without drawing (idempotent; a pending finish still settles). */
  cancel(): void;
}

/**
 * Starts loading the PNG engines for `graph` now, so that the picture of the run is ready
 * soon after its records are: the engines' start-up overlaps the run. Check `graph` and
 * `opts` here, draw in {@link PngRender.finish}.
 *
 * @throws {UsageError} USAGE when `graph` or `opts` is malformed.
 */
export function startPngRender(graph: GraphView, opts: PngOptions = {}): PngRender {
  validateGraphView(graph);
  checkOptions(opts);
  loadEngine().catch(() => {}); // reported by finish
  return {
    finish: (records) => renderPng(graph, records, opts),
    cancel: () => {},
  };
}

interface Size {
  zoom: number;
  maxWidth: number;
}

function checkOptions(opts: PngOptions): Size {
  const zoom = opts.zoom ?? 1;
  const maxWidth = opts.maxWidth ?? 2000;
  if (!(zoom > 0) || !(maxWidth >= 1)) {
    throw new UsageError("Cannot render PNG: opts.zoom must be > 0 and opts.maxWidth >= 1");
  }
  return { zoom, maxWidth };
}

/** The zoom that keeps the picture within `maxWidth`. */
function scaleFor(svg: string, { zoom, maxWidth }: Size): number {
  const width = svgWidth(svg);
  return width > 0 ? Math.min(zoom, maxWidth / width) : zoom;
}

/** Width of a Graphviz SVG in CSS pixels (its `width="…pt"` attribute; resvg uses 96 dpi). */
function svgWidth(svg: string): number {
  const match = /<svg[^>]*\swidth="([\d.]+)pt"/.exec(svg);
  return match ? Number(match[1]) * 4 / 3 : 0;
}
