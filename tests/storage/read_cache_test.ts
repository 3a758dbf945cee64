// Unit tests of the engine's read cache (storage/_cache.ts) and its key filter.
import assert from "node:assert/strict";
import {
  ENTRIES_PER_MISS,
  type GroupStore,
  type GroupWrites,
  MIN_MISSES,
  partsOf,
  ReadCache,
} from "../../storage/_cache.ts";
import { KeyFilter } from "../../storage/_key_filter.ts";
import { toBlob, utf8 } from "../../storage/_codec.ts";
import type { StoreMeta } from "../../storage/_codec.ts";
import type { CommittedValue } from "../../storage/_reads.ts";

const META: StoreMeta = { format: "json", version: 1, logLength: 0, splitKeys: 0 };

function value(text: string): CommittedValue {
  return { bytes: utf8(JSON.stringify(text)), parts: 0 };
}

function store(path: string, over: Partial<GroupStore> = {}): GroupStore {
  return {
    path,
    format: "json",
    stamp: "00000000000000010000",
    meta: META,
    seed: null,
    values: new Map(),
    loaded: false,
    present: null,
    log: null,
    ...over,
  };
}

function writes(entries: Record<string, string | null>, appends: string[] = []): GroupWrites {
  return {
    writes: new Map(
      Object.entries(entries).map(([k, v]) => [k, v === null ? null : utf8(JSON.stringify(v))]),
    ),
    appends: appends.map((a) => utf8(JSON.stringify(a))),
  };
}

function text(v: CommittedValue | null | undefined): string | null | undefined {
  return v === undefined
    ? undefined
    : v === null
    ? null
    : JSON.parse(new TextDecoder().decode(v.bytes));
}

Deno.test("read cache: a proven read is served at its stamp; another stamp drops the entry", () => {
  const cache = new ReadCache({ maxBytes: 1 << 20, exclusive: false });
  const s = store("a.json", { values: new Map([["k", value("v")], ["gone", null]]) });
  cache.committed([s], new Map(), new Map(), "00000000000000020000");
  // Only read: the entry stays at the stamp the group used, with its reads.
  const hit = cache.lookup("a.json", s.stamp);
  assert.ok(hit);
  assert.equal(text(hit.values.get("k")), "v");
  assert.equal(hit.values.get("gone"), null);
  assert.equal(hit.complete, false);
  // Another process committed: the meta reads another stamp, the entry is gone for good.
  assert.equal(cache.lookup("a.json", "00000000000000030000"), null);
  assert.equal(cache.peek("a.json"), null);
  assert.equal(cache.counters.stale, 1);
  assert.equal(cache.bytes, 0);
});

Deno.test("read cache: after a commit a written store is at the commit stamp with base + writes", () => {
  const cache = new ReadCache({ maxBytes: 1 << 20, exclusive: false });
  const created = store("a.json", { stamp: null, meta: null, loaded: true });
  const meta1: StoreMeta = { ...META, version: 1 };
  cache.committed(
    [created],
    new Map([["a.json", writes({ k: "v1", big: "x".repeat(70_000) })]]),
    new Map([["a.json", meta1]]),
    "00000000000000050000",
  );
  const e = cache.lookup("a.json", "00000000000000050000");
  assert.ok(e);
  assert.equal(e.complete, true, "a store created by this engine is known whole");
  assert.deepEqual(e.meta, meta1);
  assert.equal(text(e.values.get("k")), "v1");
  assert.equal(e.values.get("big")!.parts, 2, "parts as the commit laid the value out");

  // The next group is seeded by the entry, reads nothing more, overwrites and deletes.
  const meta2: StoreMeta = { ...META, version: 2 };
  const next = store("a.json", { stamp: "00000000000000050000", meta: meta1, seed: e });
  cache.committed(
    [next],
    new Map([["a.json", writes({ k: "v2", big: null })]]),
    new Map([["a.json", meta2]]),
    "00000000000000060000",
  );
  const moved = cache.lookup("a.json", "00000000000000060000");
  assert.equal(moved, e, "moved in place: the entry is the one the group was seeded with");
  assert.equal(text(moved!.values.get("k")), "v2");
  assert.equal(moved!.values.get("big"), null);
  assert.equal(moved!.complete, true);
  assert.deepEqual(moved!.meta, meta2);
});

Deno.test("read cache: a read-only store keeps its stamp; a group from an older stamp starts over", () => {
  const cache = new ReadCache({ maxBytes: 1 << 20, exclusive: false });
  cache.committed(
    [store("a.json", { values: new Map([["x", value("1")]]) })],
    new Map(),
    new Map(),
    "00000000000000020000",
  );
  const entry = cache.peek("a.json")!;
  // A group at another stamp committed: its commit proved that stamp, so the older entry goes.
  const later = store("a.json", {
    stamp: "00000000000000070000",
    values: new Map([["y", value("2")]]),
  });
  cache.committed([later], new Map(), new Map(), "00000000000000080000");
  const e = cache.peek("a.json")!;
  assert.notEqual(e, entry);
  assert.equal(e.stamp, "00000000000000070000");
  assert.equal(e.values.has("x"), false);
  assert.equal(text(e.values.get("y")), "2");
});

Deno.test("read cache: a refused commit drops the entries at the stamps the group used", () => {
  const cache = new ReadCache({ maxBytes: 1 << 20, exclusive: true });
  cache.committed([store("a.json"), store("b.json")], new Map(), new Map(), "00000000000000020000");
  cache.committed(
    [store("c.json", { stamp: null, meta: null, loaded: true })],
    new Map([["c.json", writes({ k: "v" })]]),
    new Map([["c.json", META]]),
    "00000000000000030000",
  );
  // The group saw a.json at its stamp and c.json at an older one (another group moved it).
  cache.rejected([store("a.json"), store("c.json")]);
  assert.equal(cache.peek("a.json"), null);
  assert.ok(cache.peek("b.json"), "not used by the group");
  assert.ok(cache.peek("c.json"), "at a newer stamp than the group's");
});

Deno.test("read cache: logs are kept only once read, then follow appends", () => {
  const cache = new ReadCache({ maxBytes: 1 << 20, exclusive: false });
  const meta: StoreMeta = { format: "jsonl", version: 1, logLength: 1, splitKeys: 0 };
  cache.committed(
    [store("never.jsonl", { stamp: null, meta: null, loaded: true })],
    new Map([["never.jsonl", writes({}, ["r1"])]]),
    new Map([["never.jsonl", meta]]),
    "00000000000000020000",
  );
  assert.equal(cache.peek("never.jsonl")!.log, null, "appended, never read: not cached");

  const read = store("read.jsonl", { meta, log: [utf8('"r1"')] });
  cache.committed(
    [read],
    new Map([["read.jsonl", writes({}, ["r2"])]]),
    new Map([["read.jsonl", { ...meta, logLength: 2 }]]),
    "00000000000000030000",
  );
  const e = cache.peek("read.jsonl")!;
  assert.deepEqual(e.log!.map((r) => JSON.parse(new TextDecoder().decode(r))), ["r1", "r2"]);
  assert.equal(e.meta!.logLength, 2);
});

Deno.test("read cache: the budget sheds values (keeping a key filter), then whole entries", () => {
  const max = 64 * 1024;
  const cache = new ReadCache({ maxBytes: max, exclusive: false });
  // A store created here (complete), grown past the budget by its own commits.
  let stamp: string | null = null;
  let meta: StoreMeta | null = null;
  for (let round = 0; round < 10; round++) {
    const w: Record<string, string> = {};
    for (let i = 0; i < 100; i++) w[`k${round}-${i}`] = "v".repeat(50);
    const seed = stamp === null ? null : cache.lookup("big.json", stamp);
    const next = `0000000000000${String(10 + round).padStart(3, "0")}0000`;
    cache.committed(
      [store("big.json", { stamp, meta, seed, loaded: stamp === null })],
      new Map([["big.json", writes(w)]]),
      new Map([["big.json", META]]),
      next,
    );
    assert.ok(cache.bytes <= max, `round ${round}: ${cache.bytes} > ${max}`);
    stamp = next;
    meta = META;
  }
  const e = cache.peek("big.json")!;
  assert.ok(cache.counters.evictions > 0);
  assert.equal(e.complete, false);
  assert.ok(e.present, "what it knew of its keys survives as a filter");
  assert.equal(e.present.has("k0-0"), true);
  assert.equal(e.present.has("k9-99"), true);
  assert.equal(e.present.has("never-written"), false);

  // Entries that know nothing of their keys beyond their values go whole, oldest first.
  const tiny = new ReadCache({ maxBytes: 8 * 1024, exclusive: false });
  for (const p of ["a.json", "b.json", "c.json"]) {
    tiny.committed(
      [store(p, { values: new Map([["k", value("x".repeat(3000))]]) })],
      new Map(),
      new Map(),
      "00000000000000020000",
    );
  }
  assert.ok(tiny.bytes <= 8 * 1024);
  assert.equal(tiny.peek("a.json"), null, "least recently used goes first");
  assert.ok(tiny.peek("c.json"));
});

Deno.test("read cache: an entry a group still holds is replaced, never emptied in place", () => {
  const cache = new ReadCache({ maxBytes: 16 * 1024, exclusive: false });
  const values = new Map<string, CommittedValue | null>();
  for (let i = 0; i < 10; i++) values.set(`k${i}`, value("v"));
  cache.committed(
    [store("a.json", { stamp: null, meta: null, values, loaded: true })],
    new Map(),
    new Map(),
    "00000000000000020000",
  );
  const held = cache.peek("a.json")!;
  assert.equal(held.complete, true);
  // Another store's values push the budget over: a.json is the least recently used.
  cache.committed(
    [store("b.json", { values: new Map([["big", value("x".repeat(15_500))]]) })],
    new Map(),
    new Map(),
    "00000000000000030000",
  );
  assert.notEqual(cache.peek("a.json"), held);
  assert.equal(held.complete, true);
  assert.equal(held.values.size, 10, "a group seeded with it still sees the whole map");
});

Deno.test("read cache: misses list a store only once they paid for it, doubling after a miss", () => {
  const cache = new ReadCache({ maxBytes: 32 * 1024 * 1024, exclusive: false });
  const limits: number[] = [];
  for (let i = 1; i <= 8 * MIN_MISSES; i++) {
    const limit = cache.miss("a.json");
    if (limit > 0) {
      limits.push(limit);
      cache.listed("a.json", false); // larger than the limit
    }
  }
  assert.deepEqual(limits, [1, 2, 4, 8].map((k) => k * MIN_MISSES * ENTRIES_PER_MISS));
  assert.equal(cache.counters.loadsTooLarge, 4);
  // A whole listing starts the count again, and the next one needs twice the misses (the
  // entry it filled was lost: another process keeps writing the store).
  let limit = 0;
  while (limit === 0) limit = cache.miss("a.json");
  assert.equal(limit, 16 * MIN_MISSES * ENTRIES_PER_MISS);
  cache.listed("a.json", true);
  assert.equal(cache.counters.loads, 1);
  for (let i = 1; i < 32 * MIN_MISSES; i++) assert.equal(cache.miss("a.json"), 0, `miss ${i}`);
  assert.equal(cache.miss("a.json"), 32 * MIN_MISSES * ENTRIES_PER_MISS);
});

Deno.test("key filter: no added key is ever reported absent; few absent keys look present", () => {
  const f = new KeyFilter();
  for (let i = 0; i < 100_000; i++) f.add(`A_KEY_POP${String(i).padStart(12, "0")}`);
  assert.equal(f.size, 100_000);
  assert.ok(f.bytes <= 1 << 20, `${f.bytes} bytes`);
  for (let i = 0; i < 100_000; i++) {
    assert.equal(f.has(`A_KEY_POP${String(i).padStart(12, "0")}`), true);
  }
  let falsePositives = 0;
  for (let i = 0; i < 100_000; i++) if (f.has(`absent-${i}`)) falsePositives++;
  assert.ok(falsePositives < 20, `${falsePositives} false positives`);
  assert.equal(new KeyFilter().has(""), false);
});

Deno.test("partsOf() matches how a value is split when stored", () => {
  for (const n of [0, 1, 61_439, 61_440, 61_441, 122_880, 122_881, 200_000]) {
    assert.equal(partsOf(n), toBlob(new Uint8Array(n)).parts.length, `${n} bytes`);
  }
});
