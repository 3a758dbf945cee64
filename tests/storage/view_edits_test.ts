// Views are checked by content: an edit that keeps the size, with its mtime put back, is
// found and restored, and the edited file is kept beside the view (never silently lost).
import assert from "node:assert/strict";
import { join } from "node:path";
import { openKvStore, type StoreRef } from "../../storage/mod.ts";
import { tempDir } from "../_support/tmp.ts";

const LOG: StoreRef = { path: "events/log.jsonl", format: "jsonl" };
const MAP: StoreRef = { path: "state/map.json", format: "json" };

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await tempDir("pgs-views-");
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function write(root: string, n: number): Promise<void> {
  const store = await openKvStore({ dataRoot: root });
  await store.transact(async (txn) => {
    for (let i = 0; i < n; i++) await txn.append(LOG, (s) => ({ s, who: "alice" }));
    txn.set(MAP, "owner", { name: "alice", n });
    return { value: null, trace: null };
  });
  await store.close();
}

/** Replaces "alice" by "mallo" (same size) in place and puts the mtime back. */
async function sneakyEdit(file: string): Promise<string> {
  const before = await Deno.stat(file);
  const text = (await Deno.readTextFile(file)).replace("alice", "mallo");
  const f = await Deno.open(file, { write: true });
  await f.write(new TextEncoder().encode(text));
  f.close();
  await Deno.utime(file, before.atime!, before.mtime!);
  const after = await Deno.stat(file);
  assert.equal(after.size, before.size);
  assert.equal(after.mtime?.getTime(), before.mtime?.getTime());
  assert.equal(after.ino, before.ino);
  return text;
}

async function flush(root: string) {
  const store = await openKvStore({ dataRoot: root });
  try {
    return await store.flushViewsWithStats();
  } finally {
    await store.close();
  }
}

async function editedCopies(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.includes(".edited-")) out.push(e.name);
  return out.sort();
}

for (const ref of [LOG, MAP]) {
  Deno.test(`a same-size edit of the ${ref.format} view with its mtime restored is restored, the edit kept beside it`, async () => {
    await withRoot(async (root) => {
      await write(root, 3);
      const file = join(root, ref.path);
      const good = await Deno.readTextFile(file);
      const edited = await sneakyEdit(file);
      const stats = await flush(root);
      assert.equal(await Deno.readTextFile(file), good, "restored from KV");
      const copies = await editedCopies(join(root, ref.path, ".."));
      assert.equal(copies.length, 1);
      assert.equal(await Deno.readTextFile(join(root, ref.path, "..", copies[0])), edited);
      assert.equal(stats.warnings.length, 1);
      assert.match(stats.warnings[0], /^VIEW_EDITED: ".*" was edited outside pgs-runtime/);
      assert.ok(stats.warnings[0].includes(copies[0]));
      // Nothing to report once restored.
      assert.deepEqual((await flush(root)).warnings, []);
    });
  });
}

Deno.test("an edit made a second after the view was written (view trusted on metadata by then) is found too", async () => {
  await withRoot(async (root) => {
    await write(root, 3);
    // Two flushes more than a second apart: the second verifies the view and seals it.
    await new Promise((r) => setTimeout(r, 1100));
    assert.deepEqual((await flush(root)).warnings, []);
    const file = join(root, LOG.path);
    const good = await Deno.readTextFile(file);
    await sneakyEdit(file);
    const stats = await flush(root);
    assert.equal(await Deno.readTextFile(file), good);
    assert.equal(stats.warnings.length, 1);
    assert.equal((await editedCopies(join(root, "events"))).length, 1);
  });
});

Deno.test("new records are appended after an intact view is verified; a touch alone is not an edit", async () => {
  await withRoot(async (root) => {
    await write(root, 2);
    const file = join(root, LOG.path);
    await Deno.utime(file, 1, 1); // metadata changes, content does not
    await write(root, 3);
    const text = await Deno.readTextFile(file);
    assert.equal(text.trim().split("\n").length, 5);
    assert.deepEqual(await editedCopies(join(root, "events")), []);
    assert.deepEqual((await flush(root)).warnings, []);
  });
});

Deno.test("a flush killed between writing views and saving its watermark is not taken for an edit", async () => {
  await withRoot(async (root) => {
    await write(root, 2);
    const marks = await Deno.readFile(join(root, ".pgs", "views.json"));
    await write(root, 3); // appends + rewrites, then saves the watermark…
    await Deno.writeFile(join(root, ".pgs", "views.json"), marks); // …which the "kill" lost
    await write(root, 1);
    assert.equal((await Deno.readTextFile(join(root, LOG.path))).trim().split("\n").length, 6);
    assert.deepEqual(await editedCopies(join(root, "events")), []);
  });
});
