/**
 * The CT-IR interpreter (capabilities.md §1.2–1.3): binds each atom step's `args`, calls
 * the atom from a static FQDN map, and adapts the result to the declared outputs.
 *
 * @module
 */
import { ErrorCode, SnapshotError, UsageError } from "../../errors.ts";
import {
  CtViolation,
  type JsonObject,
  type TransformContext,
  type TransformFn,
} from "../capability.ts";
import { pyIsDict, setKey } from "./_python.ts";
import { BUILTIN_TRANSFORMS } from "./builtin.ts";

/**
 * Which output-adaptation rule applies. `runtime` (CC steps, `ct_execute.execute_ct`):
 * field of the same name, else the only field of a one-key object, else the whole value.
 * `conformance` (`conformance._resolve_outputs`): the same without the one-key unwrap.
 */
export type CtIrMode = "runtime" | "conformance";

/** Step kinds the reference runtime v0.3.0 cannot run either (no `handler_ref` is emitted). */
const UNSUPPORTED_STEP_KEYS = ["loop"];

function ctIrError(ctIr: JsonObject, jsonPath: string, message: string): SnapshotError {
  const name = typeof ctIr.ct_fqdn === "string" ? ctIr.ct_fqdn : "<unnamed CT>";
  return new SnapshotError(`Cannot run CT "${name}": ${jsonPath} ${message}`, {
    code: ErrorCode.SNAPSHOT,
    jsonPath,
  });
}

/** Walks object keys (arrays cannot be indexed); anything missing is null. */
function walk(root: unknown, path: readonly string[]): unknown {
  let cur = root;
  for (const key of path) {
    if (!pyIsDict(cur) || !Object.hasOwn(cur, key)) return null;
    cur = cur[key];
  }
  return cur === undefined ? null : cur;
}

/**
 * Resolves one arg: strings starting with `$.` are paths (`$.inputs.a.b`,
 * `$.results.<var>.f`, `$.<var>.f`), everything else is a literal, not searched for
 * nested paths (unlike CC step inputs).
 */
function resolveArg(expr: unknown, inputs: JsonObject, vars: Map<string, unknown>): unknown {
  if (typeof expr !== "string" || !expr.startsWith("$.")) return expr === undefined ? null : expr;
  const [head, ...rest] = expr.slice(2).split(".");
  if (head === "inputs") return walk(inputs, rest);
  if (head === "results" && rest.length > 0 && vars.has(rest[0])) {
    return walk(vars.get(rest[0]), rest.slice(1));
  }
  if (vars.has(head)) return walk(vars.get(head), rest);
  return null;
}

/** One declared output from the symbol's value, per `mode`. */
function adapt(name: string, value: unknown, mode: CtIrMode): unknown {
  if (pyIsDict(value)) {
    if (Object.hasOwn(value, name)) return value[name] ?? null;
    const keys = Object.keys(value);
    if (mode === "runtime" && keys.length === 1) return value[keys[0]] ?? null;
  }
  return value;
}

/**
 * Runs a compiled CT-IR program on bound input values and returns the declared outputs.
 * Every arg is bound, so an absent input reaches the atom as an explicit null (Python
 * `inputs.get(k, default)` defaults never apply). Atoms are looked up in `transforms` by
 * the step's `atom` FQDN, never through `handler_ref`. Decision: only `args` reach the
 * atom (the reference also passes any unreserved step key and drops args named like
 * reserved keys); `loop` steps are refused, as the reference runtime v0.3.0 cannot run
 * them either.
 *
 * Reads `ctx` only through the atoms (run clock, seeded entropy), so replays agree.
 *
 * @param ctIr The artifact's `ct_ir` (`atom_stream`, `outputs`).
 * @param inputs Bound input values by name.
 * @param ctx Run clock and seeded entropy for the atoms.
 * @param transforms Atom implementations by FQDN (default {@link BUILTIN_TRANSFORMS}).
 * @param mode Output-adaptation rule (default `runtime`).
 * @returns An object keyed by the declared output names.
 * @throws {CtViolation} for a declared failure, including an atom returning null.
 * @throws {SnapshotError} SNAPSHOT when the CT-IR is malformed or names an unbound atom.
 * @throws {UsageError} USAGE when `inputs` is not an object or `mode` is unknown.
 * @example
 * ```ts
 * import { createRunContext } from "../run_context.ts";
 * import { runCtIr } from "./run_ct_ir.ts";
 * const ctIr = {
 *   ct_fqdn: "capability_transforms::CT_PURE_GENERATE_ID_V0",
 *   atom_stream: [{
 *     atom: "capability_transforms::CT_PURE_GENERATE_ID_V0",
 *     args: { data: "$.inputs.data", prefix: "$.inputs.prefix" },
 *     out: "__atom_result__",
 *   }],
 *   outputs: { id: { from: "__atom_result__" } },
 * };
 * const ctx = createRunContext({ seed: "00", startedAt: "2026-01-01T00:00:00Z" });
 * runCtIr(ctIr, { prefix: "AC", data: "test_account" }, ctx.transformContext("t"));
 * // → { id: "AC_ac8cc683f338b84f" }
 * ```
 */
export function runCtIr(
  ctIr: JsonObject,
  inputs: JsonObject,
  ctx: TransformContext,
  transforms: Readonly<Record<string, TransformFn>> = BUILTIN_TRANSFORMS,
  mode: CtIrMode = "runtime",
): JsonObject {
  if (!pyIsDict(inputs)) throw new UsageError("Invalid CT inputs: expected a JSON object");
  if (mode !== "runtime" && mode !== "conformance") {
    throw new UsageError(`Invalid CT-IR mode "${String(mode)}": expected runtime or conformance`);
  }
  if (!pyIsDict(ctIr)) {
    throw new SnapshotError("Cannot run CT: ct_ir is not an object", { jsonPath: "ct_ir" });
  }
  const stream = ctIr.atom_stream;
  if (!Array.isArray(stream) || stream.length === 0) {
    throw ctIrError(ctIr, "ct_ir.atom_stream", "must be a non-empty array");
  }
  const outputs = ctIr.outputs;
  if (!pyIsDict(outputs)) throw ctIrError(ctIr, "ct_ir.outputs", "must be an object");

  const vars = new Map<string, unknown>();
  stream.forEach((step: unknown, i: number) => {
    const at = `ct_ir.atom_stream[${i}]`;
    if (!pyIsDict(step)) throw ctIrError(ctIr, at, "must be an object");
    for (const key of UNSUPPORTED_STEP_KEYS) {
      if (Object.hasOwn(step, key)) throw ctIrError(ctIr, `${at}.${key}`, "is not supported");
    }
    const atom = step.atom;
    if (typeof atom !== "string") throw ctIrError(ctIr, `${at}.atom`, "must be a string");
    if (!Object.hasOwn(transforms, atom)) {
      throw ctIrError(ctIr, `${at}.atom`, `names "${atom}", which has no bound implementation`);
    }
    const out = step.out ?? step.as;
    if (typeof out !== "string") throw ctIrError(ctIr, `${at}.out`, "must be a string");
    const argSpec = step.args ?? {};
    if (!pyIsDict(argSpec)) throw ctIrError(ctIr, `${at}.args`, "must be an object");
    const args: JsonObject = {};
    for (const [name, expr] of Object.entries(argSpec)) {
      setKey(args, name, resolveArg(expr, inputs, vars));
    }
    const result = transforms[atom](args, ctx);
    if (result === null || result === undefined) {
      throw new CtViolation(`${atom}: atom returned null`);
    }
    vars.set(out, result);
  });

  const adapted: JsonObject = {};
  for (const [name, spec] of Object.entries(outputs)) {
    const from = pyIsDict(spec) ? spec.from : undefined;
    if (typeof from !== "string") {
      throw ctIrError(ctIr, `ct_ir.outputs.${name}.from`, "must be a string");
    }
    if (!vars.has(from)) {
      throw ctIrError(ctIr, `ct_ir.outputs.${name}.from`, `names unknown symbol "${from}"`);
    }
    setKey(adapted, name, adapt(name, vars.get(from), mode));
  }
  return adapted;
}
