/**
 * `.png` renderer: DOT (from {@link buildDot}) → SVG by Graphviz compiled to WASM → PNG by
 * resvg compiled to WASM, with a TTF font subset. This module is light: the engines
 * (`png_core.ts` and ~6 MB of WASM and font in `trace/_assets/`) load only when a picture
 * is drawn, so runs with `--no-png` and `import` of the library never load them. Nothing
 * is read from disk or the network at run time, so `deno bundle` / `deno compile` carry
 * everything.
 *
 * Two ways to draw:
 * - {@link renderPng}: in this process, when called.
 * - {@link startPngRender}: in a worker started now, from a `data:` URL, with the engine
 *   bytes transferred to it. The worker compiles the engines and draws a warm-up picture
 *   of the bare graph on the second core while the run executes, so the run's own picture
 *   costs only its warm draw afterwards. Where no worker can start, it draws in process.
 *
 * Callers treat a rejection as a `PNG_RENDER_FAILED` warning: a picture never changes a
 * run's result, and it is never part of the hashed trace.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { buildDot, type GraphView } from "./graph_dot.ts";
import type { PictureSize } from "./png_core.ts";
import type { WorkerReply, WorkerRequest } from "./png_worker.ts";
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

/** The in-process engines, loaded once per process; a failed load is retried next call. */
function inProcess(): Promise<Engine> {
  engine ??= import("./png_engine.ts").catch((error) => {
    engine = undefined;
    throw error;
  });
  return engine;
}

/** Lays out DOT with Graphviz-WASM (in this process) and returns the SVG text. */
export async function dotToSvg(dot: string): Promise<string> {
  return (await inProcess()).layout(dot);
}

/** Rasterises a Graphviz SVG to PNG bytes on a white background (in this process). */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Uint8Array> {
  const size = pictureSize(opts);
  return (await inProcess()).rasterise(svg, size);
}

/**
 * Renders the workflow graph with the root run's executed path highlighted, in this
 * process (the first call pays the engines' start-up: ~0.1–0.2 s).
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
  return (await inProcess()).drawDot(dot, size);
}

/** A renderer started before the run's records exist; see {@link startPngRender}. */
export interface PngRender {
  /**
   * Draws the picture of one run of `graph` (may be called many times, e.g. per run of a
   * batch; pictures are drawn in call order).
   *
   * @throws {UsageError} USAGE when `graph` is malformed.
   * @throws {TraceError} TRACE when `records` does not start with a header.
   */
  render(graph: GraphView, records: readonly TraceRecord[]): Promise<Uint8Array>;
  /** {@link PngRender.render}, then {@link PngRender.close}: the single-run case. */
  finish(graph: GraphView, records: readonly TraceRecord[]): Promise<Uint8Array>;
  /** Stops the worker once the pictures asked for are drawn. Idempotent. */
  close(): Promise<void>;
  /** Stops the worker now; pictures not yet drawn reject. Idempotent. */
  cancel(): void;
  /**
   * Resolves true once the worker has started its engines, false when pictures are drawn
   * in this process instead (no `Worker`, or it failed to start or died).
   */
  readonly inWorker: Promise<boolean>;
}

/**
 * Starts a renderer now, before the graph or the run is known: a worker loads the engines
 * and draws a warm-up picture on the second core while the caller loads, compiles and runs
 * the workflow; {@link PngRender.finish} then draws the run's picture with warm engines.
 * Where no worker can start (or it dies), pictures are drawn in process. The worker keeps
 * the process alive until `finish`, `close` or `cancel`: call one of them on every path.
 *
 * @example
 * ```ts ignore
 * const png = flags.png ? startPngRender() : null;
 * try {
 *   const compiled = await compileWorkflow(snapshot, wf, registry.compileOptions);
 *   const result = await executeWorkflow(compiled, payload, options);
 *   const bytes = await png?.finish(graphViewOf(compiled.root), result.records);
 * } finally {
 *   png?.cancel();
 * }
 * ```
 *
 * @throws {UsageError} USAGE when `opts` is malformed.
 */
export function startPngRender(opts: PngOptions = {}): PngRender {
  return new Renderer(pictureSize(opts));
}

const CANCELLED = "Cannot render PNG: the renderer was cancelled";

/** {@link PngRender}: pictures go to the worker, or are drawn here when it is gone. */
class Renderer implements PngRender {
  readonly inWorker: Promise<boolean>;
  #size: PictureSize;
  #worker: RenderWorker | null;
  #closed = false;
  /** Pictures asked for and not settled yet, with how to reject them on cancel. */
  #drawing = new Map<Promise<Uint8Array>, (error: Error) => void>();

  constructor(size: PictureSize) {
    this.#size = size;
    this.#worker = typeof Worker === "function" ? new RenderWorker(size) : null;
    this.inWorker = this.#worker?.started ?? Promise.resolve(false);
  }

  render(graph: GraphView, records: readonly TraceRecord[]): Promise<Uint8Array> {
    if (this.#closed) {
      return Promise.reject(new Error("Cannot render PNG: the renderer is closed"));
    }
    let dot: string;
    try {
      dot = buildDot(graph, records);
    } catch (error) {
      return Promise.reject(error);
    }
    const size = this.#size;
    const here = () => inProcess().then((e) => e.drawDot(dot, size));
    const drawn = this.#worker ? this.#worker.draw(dot, here) : here();
    let reject!: (error: Error) => void;
    const picture = new Promise<Uint8Array>((resolve, fail) => {
      reject = fail;
      drawn.then(resolve, fail);
    });
    this.#drawing.set(picture, reject);
    const settled = () => this.#drawing.delete(picture);
    picture.then(settled, settled);
    return picture;
  }

  async finish(graph: GraphView, records: readonly TraceRecord[]): Promise<Uint8Array> {
    try {
      return await this.render(graph, records);
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    while (this.#drawing.size > 0) await Promise.allSettled(this.#drawing.keys());
    this.#worker?.stop();
  }

  cancel(): void {
    this.#closed = true;
    this.#worker?.stop();
    for (const reject of this.#drawing.values()) reject(new Error(CANCELLED));
    this.#drawing.clear();
  }
}

/** A picture the worker owes, and how to draw it here instead. */
interface Owed extends Omit<PromiseWithResolvers<Uint8Array>, "promise"> {
  fallback: () => Promise<Uint8Array>;
}

/**
 * One render worker: started from the generated bundle of `png_worker.ts`, handed the
 * engine bytes, asked to draw a warm-up picture. When it cannot start or dies, every
 * picture not yet drawn is drawn in this process instead.
 */
class RenderWorker {
  /** See {@link PngRender.inWorker}. */
  readonly started: Promise<boolean>;
  #startedAs = Promise.withResolvers<boolean>();
  #size: PictureSize;
  #worker: Promise<Worker | null>;
  #owed = new Map<number, Owed>();
  #next = 0;
  #failed = false;
  #stopped = false;

  constructor(size: PictureSize) {
    this.started = this.#startedAs.promise;
    this.#size = size;
    this.#worker = this.#start().catch(() => {
      this.#fail();
      return null;
    });
  }

  async #start(): Promise<Worker | null> {
    const [bundle, assets] = await Promise.all([
      import("./_assets/png_worker.json", { with: { type: "json" } }),
      import("./png_assets.ts"),
    ]);
    if (this.#stopped) return null;
    // A data: URL (not blob:) also loads in a `deno compile` binary, and needs no permission.
    const worker = new Worker(`data:text/javascript;base64,${bundle.default.base64}`, {
      type: "module",
      name: "pgs-png",
    });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const reply = e.data;
      if (reply.type === "started") this.#startedAs.resolve(true);
      else if (reply.type === "drawn") this.#take(reply.id)?.resolve(reply.png);
      else if (reply.id === null) this.#fail(); // its engines did not start
      else this.#take(reply.id)?.reject(new Error(reply.message));
    };
    worker.onerror = (e) => {
      e.preventDefault(); // a dead worker must not take the process with it
      this.#fail();
    };
    const bytes = assets.decodeAssets();
    post(worker, { type: "start", assets: bytes }, [
      bytes.graphvizWasm.buffer,
      bytes.resvgWasm.buffer,
      bytes.font.buffer,
    ]);
    // Half the zoom: the same code paths for a quarter of the pixels.
    const warmSize = { ...this.#size, zoom: this.#size.zoom / 2 };
    post(worker, { type: "draw", id: -1, dot: warmUpDot(), size: warmSize, warm: true });
    return worker;
  }

  #take(id: number): Owed | undefined {
    const owed = this.#owed.get(id);
    this.#owed.delete(id);
    return owed;
  }

  /** Draws `dot` in the worker, or with `fallback` once the worker is gone. */
  draw(dot: string, fallback: () => Promise<Uint8Array>): Promise<Uint8Array> {
    if (this.#failed) return fallback();
    const id = this.#next++;
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    this.#owed.set(id, { resolve, reject, fallback });
    this.#worker.then((worker) => {
      if (worker && this.#owed.has(id)) {
        post(worker, { type: "draw", id, dot, size: this.#size });
      }
    });
    return promise;
  }

  #fail(): void {
    if (this.#failed) return;
    this.#failed = true;
    this.stop();
    for (const [id, owed] of this.#owed) {
      this.#owed.delete(id);
      owed.fallback().then(owed.resolve, owed.reject);
    }
  }

  /** Terminates the worker; what it still owes is settled by {@link Renderer}. */
  stop(): void {
    this.#stopped = true;
    this.#startedAs.resolve(false); // no effect once it has started
    this.#worker.then((worker) => worker?.terminate());
  }
}

function post(worker: Worker, message: WorkerRequest, transfer: Transferable[] = []): void {
  worker.postMessage(message, transfer);
}

/**
 * The worker's warm-up picture: a small run that takes the engines through what every
 * picture uses (title table, each node shape visited and not, taken and idle edges with
 * labels), so that the run's own picture finds that code compiled.
 */
function warmUpDot(): string {
  const workflow = "warm_up::WF_WARM_UP_V0";
  const graph: GraphView = {
    workflow,
    start: "IN_REQUEST",
    nodes: [
      { key: "IN_REQUEST", type: "IN" },
      { key: "CC_CHECK", type: "CC", label: "CC_CHECK_REQUEST_V0" },
      { key: "EXIT_DONE", type: "EXIT" },
      { key: "EXIT_ERROR", type: "EXIT" },
    ],
    edges: [
      { from: "IN_REQUEST", outcome: "ACK", to: "CC_CHECK" },
      { from: "IN_REQUEST", outcome: "NACK", to: "EXIT_ERROR" },
      { from: "CC_CHECK", outcome: "SUCCESS", to: "EXIT_DONE" },
      { from: "CC_CHECK", outcome: "VIOLATION", to: "EXIT_ERROR" },
    ],
  };
  const run = "root";
  const records = [
    { type: "header", run, trace_id: "T_WARM_UP", workflow },
    { type: "node", run, node: "IN_REQUEST", node_type: "IN" },
    { type: "transition", run, from: "IN_REQUEST", outcome: "ACK", to: "CC_CHECK" },
    { type: "node", run, node: "CC_CHECK", node_type: "CC" },
    { type: "transition", run, from: "CC_CHECK", outcome: "SUCCESS", to: "EXIT_DONE" },
    { type: "node", run, node: "EXIT_DONE", node_type: "EXIT" },
    {
      type: "result",
      run,
      workflow,
      status: "SUCCESS",
      classification: "COMPLETED",
      exit_node: "EXIT_DONE",
      reason: "COMPLETED",
      emit: "EV_DONE_V0",
    },
  ] as unknown as TraceRecord[];
  return buildDot(graph, records);
}

function pictureSize(opts: PngOptions): PictureSize {
  const zoom = opts.zoom ?? 1;
  const maxWidth = opts.maxWidth ?? 2000;
  if (!(zoom > 0) || !(maxWidth >= 1)) {
    throw new UsageError("Cannot render PNG: opts.zoom must be > 0 and opts.maxWidth >= 1");
  }
  return { zoom, maxWidth };
}
