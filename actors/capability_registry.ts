/**
 * The static capability registry: built-in CT atoms and CS kinds keyed by snapshot FQDN,
 * merged with an application's own. No dynamic import; `handler_ref` is never used.
 *
 * @module
 */
import { quoted, UsageError } from "../errors.ts";
import { isSafeFqdn } from "../snapshot/resolve.ts";
import type { ViewFormat } from "../storage/store.ts";
import type { CompileOptions } from "../snapshot/compile.ts";
import type { CapabilitySet, SideEffectFn, TransformFn } from "./capability.ts";
import { BUILTIN_SIDE_EFFECTS, CS_DOCUMENT_READS, CS_STORE_FORMATS } from "./cs/mod.ts";
import { BUILTIN_TRANSFORM_PREPARE, BUILTIN_TRANSFORMS } from "./ct/mod.ts";

/** An application's own capabilities, added to (or overriding) the built-ins. */
export interface CustomCapabilities {
  /** CT atoms keyed by atom FQDN. */
  transforms?: Readonly<Record<string, TransformFn>>;
  /** CS kinds keyed by CS FQDN, with the view format of their store (null: no store). */
  sideEffects?: Readonly<Record<string, { run: SideEffectFn; storeFormat: ViewFormat | null }>>;
}

/** A capability set plus what the compiler needs to know about it. */
export interface CapabilityRegistry {
  /** Implementations. */
  readonly capabilities: CapabilitySet;
  /** Bound names and store formats, for the compiler. */
  readonly compileOptions: CompileOptions;
}

/**
 * Builds the capability registry: the built-in CT atoms and CS kinds plus `custom` (same
 * FQDN = override). `custom` is checked first, so a typo'd key or a missing function fails
 * here rather than in the middle of a run.
 *
 * @example
 * ```ts
 * import { createCapabilityRegistry } from "./capability_registry.ts";
 * import assert from "node:assert/strict";
 * const registry = createCapabilityRegistry({
 *   transforms: { "shop::CT_VAT_V0": (args) => ({ vat: Math.round(Number(args.net) * 0.2) }) },
 * });
 * assert.ok(registry.compileOptions.transforms.has("shop::CT_VAT_V0"));
 * assert.throws(() => createCapabilityRegistry({ transforms: { "no fqdn": () => ({}) } }));
 * ```
 * @throws {UsageError} USAGE when a key is not `<namespace>::<CODE>`, an implementation is
 *   not a function, or a CS `storeFormat` is not "json", "jsonl" or null.
 */
export function createCapabilityRegistry(custom: CustomCapabilities = {}): CapabilityRegistry {
  checkCapabilities(custom);
  const transforms: Record<string, TransformFn> = { ...BUILTIN_TRANSFORMS, ...custom.transforms };
  const sideEffects: Record<string, SideEffectFn> = { ...BUILTIN_SIDE_EFFECTS };
  const formats = new Map<string, ViewFormat | null>();
  for (const fqdn of Object.keys(BUILTIN_SIDE_EFFECTS)) {
    formats.set(fqdn, (CS_STORE_FORMATS as Record<string, ViewFormat | undefined>)[fqdn] ?? null);
  }
  const documentReads = new Map(CS_DOCUMENT_READS);
  for (const [fqdn, cs] of Object.entries(custom.sideEffects ?? {})) {
    sideEffects[fqdn] = cs.run;
    formats.set(fqdn, cs.storeFormat);
    // A replaced kind answers only what it declares (nothing, here).
    documentReads.delete(fqdn);
  }
  return {
    capabilities: { transforms, sideEffects },
    compileOptions: {
      transforms: new Set(Object.keys(transforms)),
      sideEffects: formats,
      documentReads,
      async prepare(atoms) {
        for (const atom of atoms) {
          // Only the built-in implementation needs it; an application's override does not.
          if (transforms[atom] !== BUILTIN_TRANSFORMS[atom]) continue;
          await BUILTIN_TRANSFORM_PREPARE[atom]?.();
        }
      },
    },
  };
}

const VIEW_FORMATS: ReadonlySet<string> = new Set(["json", "jsonl"]);

function checkCapabilities(custom: CustomCapabilities): void {
  if (custom === null || typeof custom !== "object" || Array.isArray(custom)) {
    throw new UsageError("Invalid capabilities: expected { transforms?, sideEffects? }");
  }
  for (const [name, value] of Object.entries(custom)) {
    // A misspelt group ("transform") would otherwise leave the built-ins silently in place.
    if (name !== "transforms" && name !== "sideEffects") {
      throw new UsageError(
        `Invalid capabilities: unknown key ${quoted(name)} (expected transforms, sideEffects)`,
      );
    }
    if (
      value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))
    ) {
      throw new UsageError(
        `Invalid capabilities.${name}: expected an object keyed by <namespace>::<CODE>`,
      );
    }
  }
  const key = (kind: string, fqdn: string) => {
    if (!isSafeFqdn(fqdn)) {
      throw new UsageError(
        `Invalid capabilities.${kind} key ${quoted(fqdn, 80)}: expected <namespace>::<CODE> ` +
          `with each part matching [A-Za-z0-9_.]+`,
      );
    }
  };
  for (const [fqdn, fn] of Object.entries(custom.transforms ?? {})) {
    key("transforms", fqdn);
    if (typeof fn !== "function") {
      throw new UsageError(`Invalid capabilities.transforms["${fqdn}"]: expected a function`);
    }
  }
  for (const [fqdn, cs] of Object.entries(custom.sideEffects ?? {})) {
    key("sideEffects", fqdn);
    if (cs === null || typeof cs !== "object" || typeof cs.run !== "function") {
      throw new UsageError(
        `Invalid capabilities.sideEffects["${fqdn}"]: expected { run: function, storeFormat }`,
      );
    }
    if (cs.storeFormat !== null && !VIEW_FORMATS.has(cs.storeFormat as ViewFormat)) {
      throw new UsageError(
        `Invalid capabilities.sideEffects["${fqdn}"].storeFormat "${cs.storeFormat}": ` +
          `expected "json", "jsonl" or null`,
      );
    }
  }
}
