/**
 * CT (pure transform) atoms of the protocol snapshot and the CT-IR interpreter that runs
 * them. Sits in `actors/`: a CC step hands a CT's `ct_ir` and its resolved inputs to
 * {@link runCtIr}, which binds the atom's args, calls the atom from
 * {@link BUILTIN_TRANSFORMS} (a static FQDN map; no dynamic import, no `handler_ref`) and
 * adapts its result to the declared outputs. A declared failure throws `CtViolation`
 * (step status VIOLATION); any other exception is a fault. Atoms read time and entropy
 * only from the `TransformContext` (run clock, seeded stream), so runs replay exactly.
 *
 * @example
 * ```ts
 * import { createRunContext } from "../run_context.ts";
 * import { BUILTIN_TRANSFORMS } from "./mod.ts";
 * const ctx = createRunContext({ seed: "00", startedAt: "2026-01-01T00:00:00Z" });
 * const generateId = BUILTIN_TRANSFORMS["capability_transforms::CT_PURE_GENERATE_ID_V0"];
 * generateId({ prefix: "A", data: { first_name: "Bachi" } }, ctx.transformContext("t"));
 * ```
 *
 * @module
 */
export { BUILTIN_TRANSFORM_PREPARE, BUILTIN_TRANSFORMS, loadBuiltinTransforms } from "./builtin.ts";
export { loadPatternEngine } from "./_pattern.ts";
export { type CtIrMode, runCtIr } from "./run_ct_ir.ts";
