import assert from "node:assert/strict";
import { openKvStore } from "../../storage/kv_store.ts";
import { tempDir } from "../_support/tmp.ts";

Deno.test("a large PGS file being imported is never seen half-imported by another handle", async () => {
  const reg = { path: "reg/actors.jsonl", format: "jsonl" } as const;
  const root = await tempDir();
  await Deno.mkdir(`${root}/reg`);
  const lines = Array.from(
    { length: 3000 },
    (_, i) => JSON.stringify({ key: `k${i}`, address: `A${i}` }),
  );
  await Deno.writeTextFile(`${root}/reg/actors.jsonl`, lines.join("\n") + "\n");
  const a = await openKvStore({ dataRoot: root });
  const b = await openKvStore({ dataRoot: root });
  let done = false;
  const seen: string[] = [];
  const importer = a.transact(async (t) => {
    await t.get(reg, "k0");
    return { value: 0, trace: null };
  }).finally(() => done = true);
  const reader = (async () => {
    while (!done) {
      await b.transact(async (t) => {
        const last = await t.get(reg, "k2999");
        const log = await t.log(reg);
        seen.push(`${last === undefined ? "missing" : "present"}:${log.length}`);
        return { value: 0, trace: null };
      });
    }
  })();
  await Promise.all([importer, reader]);
  // Every read sees the whole file (whichever handle imported it), never a part of it.
  assert.ok(seen.length > 0);
  assert.deepEqual([...new Set(seen)], ["present:3000"]);
  await a.close();
  await b.close();
});
