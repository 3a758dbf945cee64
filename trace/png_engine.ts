/**
 * The PNG stack in this process: {@link drawDot} of `png_core.ts` with the engines started
 * from `png_assets.ts`. Loaded by `trace/png.ts` with a literal dynamic import, only when a
 * picture is drawn here (no worker, or the worker could not start).
 *
 * @module
 */
import { decodeAssets } from "./png_assets.ts";
import * as core from "./png_core.ts";

/** Starts the engines from the shipped assets (once per process). */
export function startEngines(): Promise<void> {
  return core.startEngines(decodeAssets);
}

/** Lays out DOT with Graphviz's `dot` engine and returns the SVG text. */
export async function layout(dot: string): Promise<string> {
  await startEngines();
  return core.layout(dot);
}

/** Rasterises a Graphviz SVG within `size` and encodes it as PNG. */
export async function rasterise(
  svg: string,
  size: core.PictureSize,
): Promise<Uint8Array<ArrayBuffer>> {
  await startEngines();
  return core.rasterise(svg, size);
}

/** DOT → PNG bytes. */
export async function drawDot(
  dot: string,
  size: core.PictureSize,
): Promise<Uint8Array<ArrayBuffer>> {
  await startEngines();
  return core.drawDot(dot, size);
}
