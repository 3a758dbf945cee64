// Subprocess of read_cache_process_test.ts: registers the names given on one data root, one
// transact each (--single; --paced waits 3 ms between them) or all in one batch (--batch),
// and prints their outcomes as JSON.
import { openKvStore } from "../../storage/mod.ts";
import { register } from "./_register_body.ts";

const [dataRoot, mode, ...names] = Deno.args;
const store = await openKvStore({ dataRoot });
const out: Record<string, string> = {};
if (mode === "--batch") {
  const results = await store.transactBatch(names.map((n) => register(n, "p2")));
  results.forEach((r, i) => {
    if (!r.ok) throw r.error;
    out[names[i]] = r.value;
  });
} else {
  for (const n of names) {
    out[n] = (await store.transact(register(n, "p2"))).value;
    if (mode === "--paced") await new Promise((r) => setTimeout(r, 3));
  }
}
await store.close({ flushViews: false });
console.log(JSON.stringify(out));
