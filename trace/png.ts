/**
 * `.png` renderer: DOT (from {@link buildDot}) → SVG by Graphviz compiled to WASM → PNG by
 * resvg compiled to WASM, with a TTF font subset. This module is light: the engines
 * (`png_engine.ts` and ~5.5 MB of WASM and font in `trace/_assets/`) load only when a
 * picture is wanted, so runs with `--no-png` and `import` of the library never load them.
 * Nothing is read from disk or the network at run time, so `deno bundle` / `deno compile`
 * carry everything.
 *
 * Pictures are drawn in this process. A render worker was built and measured (see
 * docs/PERFORMANCE.md): on a 2-core machine it made no CLI run faster, because V8's own
 * background threads already use the second core while a cold picture is drawn (they
 * compile and tier up the WASM), and it cost 12–17 MiB more.
 *
 * Callers treat a rejection as a `PNG_RENDER_FAILED` warning: a picture never changes a
 * run's result, and it is never part of the hashed trace.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { buildDot, type GraphView } from "./graph_dot.ts";
import type { PictureSize } from "./png_engine.ts";
import type { TraceRecord } from "./record.ts";

/** The graph input types, re-exported so callers need only this module. */
export type { GraphView, GraphViewEdge, GraphViewNode } from "./graph_dot.ts";

/** Options of {@link renderPng} and {@link startPngRender}. */
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

/** The engines' module, loaded once per process; a failed load is retried next call. */
function loadEngine(): Promise<Engine> {
  engine ??= import("./png_engine.ts").catch((error) => {
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
  const size = pictureSize(opts);
  return (await loadEngine()).rasterise(svg, size);
}

/**
 * Renders the workflow graph with the root run's executed path highlighted. The first
 * picture of a process also starts the engines (~0.1–0.2 s on the project's machine).
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
  const size = pictureSize(opts);
  const dot = buildDot(graph, records);
  return (await loadEngine()).drawDot(dot, size);
}

/** A picture started before the run's records exist; see {@link startPngRender}. */
export interface PngRender {
  /**
   * Draws the picture of the run of `graph` whose trace is `records` (same bytes as
   * {@link renderPng}).
   *
   * @throws {UsageError} USAGE when `graph` is malformed.
   * @throws {TraceError} TRACE when `records` does not start with a header.
   */
  finish(graph: GraphView, records: readonly TraceRecord[]): Promise<Uint8Array>;
  /**
   * Gives up the picture. Nothing keeps running: the engines stay loaded in the process
   * (a later picture reuses them) and the process may exit at once. Idempotent.
   */
  cancel(): void;
}

/**
 * Starts loading the PNG engines now, before the graph or the run is known: the module
 * loads and the WASM compiles while the caller compiles and runs the workflow (V8 compiles
 * WASM on background threads), and {@link PngRender.finish} draws the run's picture. Safe
 * to drop without `finish` or `cancel`: it holds no worker, timer or resource.
 *
 * @example
 * ```ts ignore
 * const png = flags.png ? startPngRender() : undefined;
 * const compiled = await compileWorkflow(snapshot, wf, registry.compileOptions);
 * const result = await executeWorkflow(compiled, payload, options);
 * const bytes = await png?.finish(graphViewOf(compiled.root), result.records);
 * ```
 *
 * @throws {UsageError} USAGE when `opts` is malformed.
 */
export function startPngRender(opts: PngOptions = {}): PngRender {
  const size = pictureSize(opts);
  let cancelled = false;
  // A failed start is reported by finish, which retries it.
  loadEngine().then((e) => e.startEngines()).catch(() => {});
  return {
    finish: async (graph, records) => {
      if (cancelled) throw new Error("Cannot render PNG: the render was cancelled");
      const dot = buildDot(graph, records);
      return (await loadEngine()).drawDot(dot, size);
    },
    cancel: () => {
      cancelled = true;
    },
  };
}

function pictureSize(opts: PngOptions): PictureSize {
  const zoom = opts.zoom ?? 1;
  const maxWidth = opts.maxWidth ?? 2000;
  if (!(zoom > 0) || !(maxWidth >= 1)) {
    throw new UsageError("Cannot render PNG: opts.zoom must be > 0 and opts.maxWidth >= 1");
  }
  return { zoom, maxWidth };
}
