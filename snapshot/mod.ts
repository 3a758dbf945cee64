/**
 * Snapshot: the first stop of the data path. Opens `<workspace>/protocol_snapshot/`,
 * verifies every artifact it reads (`content_hash`, artifact type, schema; errors name the
 * file and JSON path) and compiles a workflow plus everything it can reach into plain-data
 * execution graphs with a snapshot digest, refusing (with every problem listed) anything
 * that could not run. Nothing here executes a workflow or touches state.
 *
 * @example Load, verify and compile the example workspace
 * ```ts
 * import { compileWorkflow, loadSnapshot } from "./mod.ts";
 * import { fileURLToPath } from "node:url";
 *
 * const workspace = fileURLToPath(new URL("../examples/workspace", import.meta.url));
 * const snapshot = await loadSnapshot(workspace);
 * console.log(await snapshot.listWorkflows()); // ["club::WF_REGISTER_MEMBER_V0"]
 *
 * // The compiler is told which CT atoms and CS kinds have implementations.
 * const compiled = await compileWorkflow(snapshot, "club::WF_REGISTER_MEMBER_V0", {
 *   transforms: new Set(["capability_transforms::CT_PURE_GENERATE_ID_V0"]),
 *   sideEffects: new Map([
 *     ["capability_side_effects::CS_REGISTRY_V0", "jsonl"],
 *     ["capability_side_effects::CS_APPENDONLY_JSONL_V0", "jsonl"],
 *   ]),
 * });
 * console.log(compiled.root.start, compiled.digest.length); // IN_MEMBER_APPLIED_V0 64
 * ```
 *
 * @module
 */
export { type Artifact, type FrontmatterOf, loadSnapshot, type Snapshot } from "./load.ts";
export { type CompileOptions, compileWorkflow } from "./compile.ts";
export type {
  Admission,
  CcNode,
  CompiledContract,
  CompiledEvaluation,
  CompiledStep,
  CompiledWorkflow,
  ExecutionGraph,
  ExitNode,
  GraphNode,
  InNode,
  Route,
} from "./graph.ts";
export { ArtifactKind, type Fqdn, isSafeFqdn, parseFqdn } from "./resolve.ts";
export { canonicalJson, sha256Hex } from "./canonical.ts";
export type { Binding, Condition } from "./bindings.ts";
export type { FieldSpec } from "./schema.ts";
export {
  type ArtifactKindName,
  authorArtifact,
  type AuthoredArtifact,
  type AuthorOptions,
  resealArtifact,
  writeArtifacts,
  type WriteArtifactsOptions,
} from "./author.ts";
export { StoreFormats } from "./store_formats.ts";
