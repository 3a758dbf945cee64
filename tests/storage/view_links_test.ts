// Views and imports never follow a symbolic link: a link planted in the data root refuses
// the run before it commits (UsageError naming the path, nothing written anywhere), and a
// view that cannot be written after a commit is a warning, never a failed run.
import assert from "node:assert/strict";
import { join } from "node:path";
import { ErrorCode, StorageError, UsageError } from "../../errors.ts";
import { openKvStore, type StoreRef } from "../../storage/mod.ts";
import { tempDir } from "../_support/tmp.ts";

const LOG: StoreRef = { path: "rel/events/item_events.jsonl", format: "jsonl" };

async function withDirs(fn: (root: string, outside: string) => Promise<void>): Promise<void> {
  const dir = await tempDir("pgs-links-");
  try {
    await Deno.mkdir(`${dir}/data`);
    await Deno.mkdir(`${dir}/outside`);
    await fn(`${dir}/data`, `${dir}/outside`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const appendOne = (traceId: string) =>
async (
  txn: Parameters<Parameters<Awaited<ReturnType<typeof openKvStore>>["transact"]>[0]>[0],
) => {
  await txn.append(LOG, (s) => ({ s }));
  return { value: null, trace: { traceId, lines: ['{"x":1}'], meta: {} } };
};

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

for (const where of ["a directory on the way", "the view file itself"] as const) {
  Deno.test(`a symbolic link at ${where} refuses the run before it commits, naming the path`, async () => {
    await withDirs(async (root, outside) => {
      if (where === "a directory on the way") {
        await Deno.mkdir(join(root, "rel"));
        await Deno.symlink(outside, join(root, "rel", "events"));
      } else {
        await Deno.mkdir(join(root, "rel", "events"), { recursive: true });
        await Deno.symlink(join(outside, "x.jsonl"), join(root, LOG.path));
      }
      const store = await openKvStore({ dataRoot: root });
      try {
        await assert.rejects(store.transact(appendOne("T1")), (e) => {
          assert.ok(e instanceof UsageError && e.code === ErrorCode.USAGE, String(e));
          assert.match(e.message, /is a symbolic link/);
          assert.ok(e.message.includes(root), e.message);
          assert.ok(!e.message.includes("\n"));
          return true;
        });
        assert.equal(await store.readTrace("T1"), null, "nothing committed");
        assert.deepEqual((await store.flushViewsWithStats()).rewritten, 0);
      } finally {
        await store.close();
      }
      assert.deepEqual(await listing(outside), [], "nothing written outside the data root");
    });
  });
}

Deno.test("a directory where a view belongs is a warning after the commit, and the view is written once it is gone", async () => {
  await withDirs(async (root) => {
    const first = await openKvStore({ dataRoot: root });
    await first.transact(appendOne("T0"));
    await first.close();
    await Deno.remove(join(root, LOG.path));
    await Deno.mkdir(join(root, LOG.path));
    const store = await openKvStore({ dataRoot: root });
    await store.transact(appendOne("T1"));
    assert.deepEqual(await store.readTrace("T1"), ['{"x":1}'], "committed");
    const stats = await store.flushViewsWithStats();
    assert.equal(stats.warnings.length, 1);
    assert.match(
      stats.warnings[0],
      /^VIEW_PENDING: cannot write view ".*item_events.jsonl" \(.*is a directory\); the next run/,
    );
    await store.close(); // flushes again: no exception either
    await Deno.remove(join(root, LOG.path));
    const next = await openKvStore({ dataRoot: root });
    assert.deepEqual((await next.flushViewsWithStats()).warnings, []);
    await next.close();
    assert.equal(await Deno.readTextFile(join(root, LOG.path)), '{"s":1}\n{"s":2}\n');
  });
});

Deno.test("an existing store file that is a symbolic link is never imported through", async () => {
  await withDirs(async (root, outside) => {
    await Deno.writeTextFile(join(outside, "secret.jsonl"), '{"secret":true}\n');
    await Deno.mkdir(join(root, "rel", "events"), { recursive: true });
    await Deno.symlink(join(outside, "secret.jsonl"), join(root, LOG.path));
    const store = await openKvStore({ dataRoot: root });
    try {
      await assert.rejects(
        store.transact(async (txn) => ({ value: await txn.log(LOG), trace: null })),
        (e) => e instanceof UsageError && /is a symbolic link/.test(e.message),
      );
    } finally {
      await store.close();
    }
  });
});

Deno.test("a data root whose .pgs or state database is a symbolic link is refused", async () => {
  await withDirs(async (root, outside) => {
    await Deno.symlink(outside, join(root, ".pgs"));
    await assert.rejects(
      openKvStore({ dataRoot: root }),
      (e) => e instanceof StorageError && /\.pgs" is a symbolic link/.test(e.message),
    );
    await Deno.remove(join(root, ".pgs"));
    await Deno.mkdir(join(root, ".pgs"));
    await Deno.symlink(join(outside, "db"), join(root, ".pgs", "state.kv"));
    await assert.rejects(
      openKvStore({ dataRoot: root }),
      (e) => e instanceof StorageError && /state\.kv" is a symbolic link/.test(e.message),
    );
    assert.deepEqual(await listing(outside), []);
  });
});
