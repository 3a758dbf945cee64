// deno-lint-ignore-file no-explicit-any -- a Proxy over Deno.Kv to slow one writer down
import assert from "node:assert/strict";
import { LOCAL_LIMITS } from "../../storage/_commit.ts";
import { createEngine } from "../../storage/_engine.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { tempDir } from "../_support/tmp.ts";

Deno.test({
  name: "a jsonl view never loses a record of another writer's staged commit still in flight",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await tempDir();
    const ev = { path: "ev.jsonl", format: "jsonl" } as const;
    const b = await openKvStore({ dataRoot: root });
    const kvA = await Deno.openKv(`${root}/.pgs/state.kv`);
    let commitsA = 0;
    // Writer A: every commit after its first is slow, so its 1,500-record run (staged in
    // several commits) is in flight while B appends and flushes views.
    const slowKv = new Proxy(kvA, {
      get(t, p) {
        if (p === "atomic") {
          return () => {
            const op = t.atomic();
            const commit = op.commit.bind(op);
            (op as any).commit = async () => {
              if (commitsA++ >= 1) await new Promise((r) => setTimeout(r, 50));
              return commit();
            };
            return op;
          };
        }
        const v = (t as any)[p];
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
    const a = createEngine({
      kv: slowKv as Deno.Kv,
      dataRoot: root,
      views: null,
      limits: LOCAL_LIMITS,
      maxAttempts: 50,
      backoff: { baseMs: 1, capMs: 10 },
    });
    const append = (s: typeof b, n: string) =>
      s.transact(async (t) => {
        await t.append(ev, () => ({ n }));
        return { value: 0, trace: null };
      });
    await append(b, "first");
    const inFlight = a.transact(async (t) => {
      for (let i = 1; i <= 1500; i++) await t.append(ev, () => ({ n: `A${i}` }));
      return { value: 0, trace: null };
    });
    await new Promise((r) => setTimeout(r, 20));
    await append(b, "B");
    await b.flushViews();
    await inFlight;
    await append(b, "B2");
    await b.flushViews();
    const lines = (await Deno.readTextFile(`${root}/ev.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l).n);
    assert.equal(lines.length, 1503);
    assert.equal(lines[0], "first");
    assert.equal(lines[1502], "B2");
    // A's run is atomic: its records are contiguous and in order, before or after B's.
    const at = lines.indexOf("A1");
    assert.ok(at === 1 || at === 2, `A starts at ${at}`);
    assert.deepEqual(
      lines.slice(at, at + 1500),
      Array.from({ length: 1500 }, (_, i) => `A${i + 1}`),
    );
    assert.ok(lines.includes("B"));
    await b.close();
    kvA.close();
  },
});
