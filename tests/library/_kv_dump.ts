/**
 * Run as a subprocess by the remote KV tests, with `DENO_KV_ACCESS_TOKEN` in its own
 * environment (a test must not set it in the test process: other test modules running in
 * the same process spawn CLIs that must not inherit it). Opens the KV Connect database at
 * `url` the way a new process does (which finishes or removes stages dead processes left),
 * and prints one JSON object: the staged commits found before opening (their states), the
 * records of each log store named, every committed trace's lines, and the stages left after.
 *
 * ```sh
 * deno run -A tests/library/_kv_dump.ts <url> [<log store path>...]
 * ```
 *
 * @module
 */
import { openKvStore } from "../../storage/mod.ts";
import { stageEntryPrefix, stageRegPrefix } from "../../storage/keys.ts";

const [url, ...paths] = Deno.args;

async function stages(): Promise<{ states: string[]; entries: number }> {
  const kv = await Deno.openKv(url);
  try {
    const states: string[] = [];
    for await (const e of kv.list<Uint8Array>({ prefix: stageRegPrefix() })) {
      states.push(JSON.parse(new TextDecoder().decode(e.value)).state);
    }
    let entries = 0;
    for await (const _ of kv.list({ prefix: stageEntryPrefix("").slice(0, 2) })) entries++;
    return { states, entries };
  } finally {
    kv.close();
  }
}

const before = await stages();
const store = await openKvStore({ kvUrl: url });
const logs: Record<string, unknown[]> = {};
const traces: Record<string, string[] | null> = {};
try {
  for (const path of paths) {
    const ref = { path, format: "jsonl" } as const;
    logs[path] = (await store.transact(async (txn) => ({ value: await txn.log(ref), trace: null })))
      .value;
  }
  for (const id of await store.listTraces()) traces[id] = await store.readTrace(id);
} finally {
  await store.close();
}
console.log(JSON.stringify({ before, logs, traces, after: await stages() }));
