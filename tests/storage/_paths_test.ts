/** storage/_paths.ts: the path helpers that replace node:path, and lstat-only inspection. */
import assert from "node:assert/strict";
import { dirnameOf, inspectPath, joinPath } from "../../storage/_paths.ts";
import { tempDir } from "../_support/tmp.ts";

Deno.test("joinPath()/dirnameOf(): single separators, a root kept, no normalisation surprises", () => {
  assert.equal(joinPath("/data", "club/registry/members.json"), "/data/club/registry/members.json");
  assert.equal(joinPath("/data/", ".pgs", "views.json"), "/data/.pgs/views.json");
  assert.equal(joinPath("/", ".pgs"), "/.pgs");
  assert.equal(joinPath("data", "/x/", ""), "data/x");
  assert.equal(dirnameOf("/data/club/members.json"), "/data/club");
  assert.equal(dirnameOf("/members.json"), "/");
  assert.equal(dirnameOf("members.json"), ".");
  assert.equal(dirnameOf("C:\\data\\members.json"), "C:\\data");
});

Deno.test("inspectPath(): a link anywhere on the way is named, never followed", async () => {
  const root = await tempDir();
  try {
    await Deno.mkdir(`${root}/outside`);
    await Deno.symlink(`${root}/outside`, `${root}/club`);
    const found = await inspectPath(root, "club/members.json");
    assert.equal(found.link, true);
    assert.equal(found.problem, `"${root}/club" is a symbolic link (never followed)`);
    assert.deepEqual(await inspectPath(root, "other/members.json"), {
      info: null,
      problem: null,
      link: false,
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
