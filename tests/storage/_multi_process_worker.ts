// Subprocess of multi_process_test.ts: runs `count` transactions on one data root, each
// incrementing a shared counter and appending one record, then prints its store stats.
import { openKvStore } from "../../storage/mod.ts";

const [dataRoot, worker, count] = Deno.args;
const log = { path: "events/shared.jsonl", format: "jsonl" } as const;
const counters = { path: "state/counters.json", format: "json" } as const;
const store = await openKvStore({ dataRoot });
let maxAttempts = 0;
for (let i = 0; i < Number(count); i++) {
  const { attempts } = await store.transact(async (txn) => {
    const n = ((await txn.get(counters, "n")) as number | undefined) ?? 0;
    txn.set(counters, "n", n + 1);
    const seq = await txn.append(log, (seq) => ({ seq, worker: Number(worker), i }));
    const line = JSON.stringify({ worker: Number(worker), i, seq });
    return { value: seq, trace: { traceId: `w${worker}-${i}`, lines: [line], meta: {} } };
  });
  maxAttempts = Math.max(maxAttempts, attempts);
}
await store.close();
console.log(JSON.stringify({ ...store.stats(), maxAttempts }));
