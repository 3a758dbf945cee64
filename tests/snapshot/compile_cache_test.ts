/**
 * snapshot/compile_cache.ts: a compiled workflow is kept with the sha256 of every file it
 * was compiled from and used only while every one is byte-identical; an edit (valid or
 * tampered), another capability set or another runtime version is a miss, never a stale hit.
 */
import assert from "node:assert/strict";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { ErrorCode, SnapshotError } from "../../errors.ts";
import { type BlobCache, compileCached } from "../../snapshot/compile_cache.ts";
import { editArtifact, tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const options = createCapabilityRegistry().compileOptions;

/** An in-memory blob cache that counts writes. */
function memoryCache() {
  const blobs = new Map<string, Uint8Array>();
  const cache: BlobCache & { writes: number; blobs: Map<string, Uint8Array> } = {
    writes: 0,
    blobs,
    readCache: (name) => Promise.resolve(blobs.get(name) ?? null),
    writeCache: (name, bytes) => {
      cache.writes++;
      blobs.set(name, bytes);
      return Promise.resolve(true);
    },
  };
  return cache;
}

Deno.test("compileCached(): a hit while the files are the same bytes; the kept graphs are the compiled ones", async () => {
  const { workspace } = await tempWorkspace();
  const cache = memoryCache();
  const first = await compileCached(workspace, WF, options, cache, "1.0.0");
  assert.equal(cache.writes, 1);
  const second = await compileCached(workspace, WF, options, cache, "1.0.0");
  assert.equal(cache.writes, 1, "a hit writes nothing");
  assert.equal(second.digest, first.digest);
  assert.deepEqual(second.root, first.root);
  assert.deepEqual([...second.graphs.keys()], [...first.graphs.keys()]);
});

Deno.test("compileCached(): a tampered artifact after a kept compile is refused, not served from the cache", async () => {
  const { workspace } = await tempWorkspace();
  const cache = memoryCache();
  await compileCached(workspace, WF, options, cache, "1.0.0");
  const file = `${workspace}/protocol_snapshot/artifacts/intents/club__IN_MEMBER_APPLIED_V0.json`;
  const text = await Deno.readTextFile(file);
  // Same length, one byte of the hashed content changed.
  await Deno.writeTextFile(file, text.replace("email", "emaik"));
  await assert.rejects(
    compileCached(workspace, WF, options, cache, "1.0.0"),
    (e) => e instanceof SnapshotError && e.code === ErrorCode.HASH_MISMATCH,
  );
});

Deno.test("compileCached(): a valid edit, other capabilities or another runtime version compile again", async () => {
  const { workspace } = await tempWorkspace();
  const cache = memoryCache();
  const first = await compileCached(workspace, WF, options, cache, "1.0.0");
  // Another runtime version and another capability set are other entries.
  await compileCached(workspace, WF, options, cache, "1.0.1");
  assert.equal(cache.writes, 2);
  const custom = createCapabilityRegistry({
    transforms: { "capability_transforms::CT_PURE_GENERATE_ID_V0": () => ({ id: "x" }) },
  }).compileOptions;
  await compileCached(workspace, WF, custom, cache, "1.0.0");
  assert.equal(cache.writes, 2, "the same names bound: the same entry");
  const extra = createCapabilityRegistry({
    transforms: { "shop::CT_EXTRA_V0": () => ({}) },
  }).compileOptions;
  await compileCached(workspace, WF, extra, cache, "1.0.0");
  assert.equal(cache.writes, 3);
  // A valid (resealed) edit of the intent: a miss, and the new digest.
  await editArtifact(workspace, "intents/club__IN_MEMBER_APPLIED_V0.json", (a) => {
    a.frontmatter.description = "edited";
  });
  const edited = await compileCached(workspace, WF, options, cache, "1.0.0");
  assert.equal(cache.writes, 4);
  assert.notEqual(edited.digest, first.digest);
  // A removed artifact: a miss and the loader's refusal, not the kept graph.
  await Deno.remove(
    `${workspace}/protocol_snapshot/artifacts/capability_contracts/club__CC_APPEND_MEMBER_EVENT_V0.json`,
  );
  await assert.rejects(compileCached(workspace, WF, options, cache, "1.0.0"));
});

Deno.test("compileCached(): an artifact that cannot be read after a kept compile is the loader's refusal", async () => {
  const { workspace } = await tempWorkspace();
  const cache = memoryCache();
  await compileCached(workspace, WF, options, cache, "1.0.0");
  // Not missing but unreadable (a folder where the file was): the check of the kept entry
  // must not fail with the raw read error.
  const file =
    `${workspace}/protocol_snapshot/artifacts/capability_contracts/club__CC_APPEND_MEMBER_EVENT_V0.json`;
  await Deno.remove(file);
  await Deno.mkdir(file);
  await assert.rejects(
    compileCached(workspace, WF, options, cache, "1.0.0"),
    (e) => e instanceof SnapshotError,
  );
  // A workspace that is a file: the same.
  await assert.rejects(
    compileCached(`${file}/../../../../payloads/ada.json`, WF, options, cache, "1.0.0"),
    (e) => e instanceof SnapshotError,
  );
});

Deno.test("compileCached(): a result kept by the compiler before node codes and journal unions (pgs-compiled/1) is not used", async () => {
  // A runtime upgraded in place keeps its data root, and with it the results the previous
  // compiler kept. That compiler gave an IN node with only its `code` no intent to check: a
  // kept result of it served now would admit what a fresh compile refuses.
  const { workspace } = await tempWorkspace();
  await editArtifact(workspace, "workflows/club__WF_REGISTER_MEMBER_V0.json", (a) => {
    const node = a.frontmatter.core.nodes.IN_MEMBER_APPLIED_V0;
    delete node.fqdn_id;
    node.code = "IN_MEMBER_APPLIED_V0";
  });
  const cache = memoryCache();
  await compileCached(workspace, WF, options, cache, "1.0.0");
  assert.equal(cache.blobs.size, 1);
  const [[name, bytes]] = [...cache.blobs];
  // The same entry as the previous compiler wrote it: its format, its (intent-less) graph.
  const old = JSON.parse(new TextDecoder().decode(bytes));
  old.format = "pgs-compiled/1";
  for (const [, graph] of old.graphs) graph.nodes.IN_MEMBER_APPLIED_V0.intent = null;
  cache.blobs.set(
    name.replace(/^pgs-compiled\/\d+/, "pgs-compiled/1"),
    new TextEncoder().encode(JSON.stringify(old)),
  );
  const compiled = await compileCached(workspace, WF, options, cache, "1.0.0");
  const intake = compiled.root.nodes.IN_MEMBER_APPLIED_V0;
  assert.equal(intake.type === "IN" && intake.intent?.fqdn, "club::IN_MEMBER_APPLIED_V0");
});
