import assert from "node:assert/strict";
import { join } from "node:path";
import type { JsonObject } from "../../../actors/capability.ts";
import { BUILTIN_TRANSFORMS } from "../../../actors/ct/mod.ts";
import { CT_ARTIFACT_DIR, jsonFiles, readJson } from "./_fixtures.ts";

Deno.test("BUILTIN_TRANSFORMS binds every CT atom FQDN of the snapshot, and nothing else", () => {
  const files = jsonFiles(CT_ARTIFACT_DIR);
  assert.equal(files.length, 35);
  const atoms = files.map((f) => {
    const ctIr = readJson(join(CT_ARTIFACT_DIR, f)).ct_ir as JsonObject;
    return (ctIr.atom_stream as JsonObject[])[0].atom as string;
  });
  const missing = atoms.filter((a) => !Object.hasOwn(BUILTIN_TRANSFORMS, a));
  assert.deepEqual(missing, [], `unbound CT atoms: ${missing.join(", ")}`);
  assert.deepEqual(Object.keys(BUILTIN_TRANSFORMS).sort(), [...atoms].sort());
  for (const fn of Object.values(BUILTIN_TRANSFORMS)) assert.equal(typeof fn, "function");
});

Deno.test("BUILTIN_TRANSFORMS is frozen", () => {
  assert.ok(Object.isFrozen(BUILTIN_TRANSFORMS));
});
