/**
 * The render worker's entry: `png_core.ts` behind a message protocol. It is not loaded from
 * this file at run time: scripts/gen_assets.ts bundles it into `trace/_assets/png_worker.json`
 * and `trace/png.ts` starts it from a `data:` URL, which works from source, from the
 * `deno bundle` file and in a `deno compile` binary alike, and needs no read permission.
 *
 * Protocol (see {@link WorkerRequest}, {@link WorkerReply}): `start` hands over the engine
 * bytes (transferred); `draw` asks for the PNG of a DOT text; a `warm` draw's result is
 * dropped (it only compiles the engines' code paths while the run executes), and it is
 * skipped when a real draw already waits.
 *
 * @module
 */
import { drawDot, type EngineAssets, type PictureSize, startEngines } from "./png_core.ts";

/** A message to the worker. */
export type WorkerRequest =
  | { type: "start"; assets: EngineAssets }
  | { type: "draw"; id: number; dot: string; size: PictureSize; warm?: boolean };

/** A message from the worker. */
export type WorkerReply =
  | { type: "started" }
  | { type: "drawn"; id: number; png: Uint8Array<ArrayBuffer> }
  | { type: "failed"; id: number | null; message: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
// Requests are handled one at a time, in order (the engines are single-threaded), except
// that a warm-up is skipped once a real picture waits: it would only delay that picture.
const queue: WorkerRequest[] = [];
let busy = false;

scope.onmessage = (e) => {
  queue.push(e.data);
  if (!busy) drain();
};

async function drain(): Promise<void> {
  busy = true;
  while (queue.length > 0) {
    const request = queue.shift()!;
    const waiting = queue.some((r) => r.type === "draw" && !r.warm);
    if (request.type === "draw" && request.warm && waiting) continue;
    await handle(request);
  }
  busy = false;
}

async function handle(request: WorkerRequest): Promise<void> {
  if (request.type === "start") {
    try {
      await startEngines(() => request.assets);
      scope.postMessage({ type: "started" });
    } catch (error) {
      scope.postMessage({ type: "failed", id: null, message: messageOf(error) });
    }
    return;
  }
  try {
    // After a failed start this throws "PNG engines not started".
    const png = await drawDot(request.dot, request.size);
    if (request.warm) return;
    scope.postMessage({ type: "drawn", id: request.id, png }, [png.buffer]);
  } catch (error) {
    if (!request.warm) {
      scope.postMessage({ type: "failed", id: request.id, message: messageOf(error) });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
