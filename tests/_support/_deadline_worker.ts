/// <reference lib="deno.worker" />
/** Worker half of deadline.ts: imports the module, calls the export, posts the result. */
self.onmessage = async (e: MessageEvent<{ module: string; name: string; args: unknown[] }>) => {
  try {
    const mod = await import(e.data.module);
    self.postMessage({ ok: true, value: await mod[e.data.name](...e.data.args) });
  } catch (error) {
    self.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
};
