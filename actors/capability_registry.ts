/**
 * The static capability registry: built-in CT atoms and CS kinds keyed by snapshot FQDN,
 * merged with an application's own. No dynamic import; `handler_ref` is never used.
 *
 * @module
 */
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

/** Builds the registry: built-ins plus `custom`. */
export function createCapabilityRegistry(custom: CustomCapabilities = {}): CapabilityRegistry {
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
