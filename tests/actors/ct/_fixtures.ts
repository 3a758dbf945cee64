/**
 * Shared test fixtures for the CT atoms: a fixed transform context and read-only access to
 * the real protocol snapshot (`PGS_WORKSPACE`, default `../shared/pgs_workspace`).
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonObject, TransformContext } from "../../../actors/capability.ts";
import { createRunContext } from "../../../actors/run_context.ts";
import { loadBuiltinTransforms, runCtIr } from "../../../actors/ct/mod.ts";

// The crypto atoms load on demand (when a compiled workflow reaches them); these tests call
// atoms directly.
await loadBuiltinTransforms();

/** The workspace the tests read (never write). */
export const WORKSPACE: string = Deno.env.get("PGS_WORKSPACE") ??
  fileURLToPath(new URL("../../../../shared/pgs_workspace", import.meta.url));

/** `protocol_snapshot/artifacts/capability_transforms` of {@link WORKSPACE}. */
export const CT_ARTIFACT_DIR: string = join(
  WORKSPACE,
  "protocol_snapshot",
  "artifacts",
  "capability_transforms",
);

/** `protocol_snapshot/conformance` of {@link WORKSPACE}. */
export const CONFORMANCE_DIR: string = join(WORKSPACE, "protocol_snapshot", "conformance");

/** A fresh context with seed 00 and clock 2026-01-01T00:00:00.000Z (same bytes every call). */
export function fixedCtx(scope = "t"): TransformContext {
  return createRunContext({ seed: "00", startedAt: "2026-01-01T00:00:00.000Z", secretSeed: "00" })
    .transformContext(scope);
}

/** Sorted `.json` file names of a directory. */
export function jsonFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".json"))
    .map((e) => e.name)
    .sort();
}

/** Parsed JSON file. */
export function readJson(path: string): JsonObject {
  return JSON.parse(Deno.readTextFileSync(path));
}

/** The `ct_ir` of a snapshot CT, e.g. `ctIrOf("blockchain::CT_PURE_HASH_BLOCK_V0")`. */
export function ctIrOf(fqdn: string): JsonObject {
  return readJson(join(CT_ARTIFACT_DIR, `${fqdn.replace("::", "__")}.json`)).ct_ir as JsonObject;
}

/** Runs a snapshot CT through its real CT-IR (runtime mode) with a fixed context. */
export function runCt(fqdn: string, inputs: JsonObject, ctx = fixedCtx()): JsonObject {
  return runCtIr(ctIrOf(fqdn), inputs, ctx);
}
