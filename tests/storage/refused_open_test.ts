/**
 * A data root whose database cannot be opened (found by the second fuzz campaign: a path
 * longer than SQLite takes) is refused with exit 2, and the folders made for it are gone:
 * a refused command creates no data root.
 */
import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { adaRunArgs } from "../_support/cli.ts";
import { tempWorkspace } from "../_support/workspace.ts";

Deno.test("a new data root whose KV database cannot be opened is refused and not left behind", async () => {
  const t = await tempWorkspace();
  // Each part is a legal file name; together with .pgs/state.kv the path is beyond what
  // SQLite opens (its Unix path limit is 512 bytes).
  const top = `${t.dir}/${"a".repeat(200)}`;
  const dataRoot = `${top}/${"b".repeat(200)}/${"c".repeat(200)}`;
  const err: string[] = [];
  const args = adaRunArgs(t);
  args[args.indexOf("--data-root") + 1] = dataRoot;
  const code = await main([...args, "--no-png"], {
    out: () => undefined,
    err: (l) => err.push(l),
  });
  assert.equal(code, 2, err.join("\n"));
  assert.equal(err.length, 1);
  assert.ok(
    err[0].startsWith(`error[STORAGE]: Cannot open KV database "${dataRoot}/.pgs/state.kv": `),
    err[0],
  );
  assert.equal(await Deno.lstat(top).catch(() => null), null, "no folder of the data root made");
  // A data root that existed before keeps existing (only what the call made is removed).
  await Deno.mkdir(dataRoot, { recursive: true });
  assert.equal(await main([...args, "--no-png"], { out: () => {}, err: () => {} }), 2);
  assert.ok((await Deno.lstat(dataRoot)).isDirectory);
  assert.equal(await Deno.lstat(`${dataRoot}/.pgs`).catch(() => null), null);
});

Deno.test("a refused data root reached through a missing folder and '..' leaves the user's empty folder", async () => {
  // `<missing>/../kept` names the folder `kept`, which exists; but the path does not resolve
  // before the missing folder is made, so finding it absent said nothing about `kept`.
  const t = await tempWorkspace();
  const kept = `${t.dir}/kept`;
  await Deno.mkdir(kept);
  const dataRoot = `${t.dir}/missing/../kept/${"b".repeat(200)}/${"c".repeat(200)}/${
    "d".repeat(200)
  }`;
  const args = adaRunArgs(t);
  args[args.indexOf("--data-root") + 1] = dataRoot;
  const err: string[] = [];
  assert.equal(await main([...args, "--no-png"], { out: () => {}, err: (l) => err.push(l) }), 2);
  assert.ok(err[0]?.startsWith("error[STORAGE]: Cannot open KV database"), err.join("\n"));
  assert.ok((await Deno.lstat(kept)).isDirectory, "the folder the user made is kept");
  assert.deepEqual([...Deno.readDirSync(kept)], [], "what the call made inside it is gone");
});
