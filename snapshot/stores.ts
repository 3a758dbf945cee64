/**
 * Stores, journals and formats, resolved from what each snapshot generation declares:
 *
 * - A step's `store` entity is a name in the runtime binding's `storage_structure`. A
 *   binding that names none (v0.2–v0.4) gives each CS a `policy.path`; the entity is then
 *   looked up in the STRUCTURE artifacts of the workflow's domain, and its path must agree
 *   with the binding's policy path (a disagreement, or two structures declaring the entity
 *   with different paths, is ambiguous: a problem naming both artifacts).
 * - A workflow's journals (searched by WF admission) are the `.jsonl` entity stores of its
 *   binding's storage structure, the `.jsonl` policy paths of the binding's jsonl-format CS
 *   kinds and the `.jsonl` stores its own steps resolved: each form counts whether or not
 *   another is present. Admission events with no journal to hold them is a problem: such a
 *   gate could never open (`requires`) or never close (`forbids`).
 * - One store has one format. Where a workflow's closure uses one path through kinds of
 *   different formats, the combination is served only when every other use is a read-only
 *   op a kind declares it can answer from a key → value document (`documentReads`, e.g.
 *   CS_REGISTRY_V0 RESOLVE on the v0.2 wallet document that CS_MUTABLE_JSON_V0 writes);
 *   any other mix is a problem naming both artifacts.
 *
 * @module
 */
import type { CompileProblem } from "../errors.ts";
import type { StoreRef, ViewFormat } from "../storage/store.ts";
import { getTyped, type Snapshot, type TypedArtifact } from "./load.ts";

/** A declared entity store. */
export type EntityStores = Readonly<Record<string, { readonly path: string }>>;

/** The STRUCTURE artifacts of one domain, each with its entity stores. */
export type DomainStructures = ReadonlyArray<TypedArtifact<"STRUCTURE">>;

/** Loads the STRUCTURE artifacts whose namespace is `domain` (cached per compile). */
export function domainStructureLoader(
  snapshot: Snapshot,
): (domain: string) => Promise<DomainStructures> {
  const cache = new Map<string, Promise<DomainStructures>>();
  return (domain) => {
    let hit = cache.get(domain);
    if (!hit) {
      hit = (async () => {
        const out: Array<TypedArtifact<"STRUCTURE">> = [];
        // A caller's own Snapshot object may not list artifacts: then no structure resolves.
        const all = typeof snapshot.listArtifacts === "function"
          ? await snapshot.listArtifacts("STRUCTURE")
          : [];
        for (const fqdn of all) {
          if (fqdn.split("::")[0] !== domain) continue;
          const a = await getTyped(snapshot, "STRUCTURE", fqdn);
          if (a) out.push(a);
        }
        return out;
      })();
      cache.set(domain, hit);
    }
    return hit;
  };
}

/** How an entity named by a step resolved without a binding structure. */
export type EntityResolution =
  | { readonly path: string; readonly structure: string }
  | { readonly problem: string };

/**
 * Resolves `entity` for a binding that names no storage structure: the domain's
 * structures must declare it with one path, and the CS's policy path (when given) must be
 * that path.
 */
export function resolveEntityWithoutStructure(
  entity: string,
  domain: string,
  structures: DomainStructures,
  policyPath: string | null,
  rbFile: string,
): EntityResolution {
  const declaring = structures.filter((s) =>
    Object.hasOwn(s.frontmatter.core.entity_stores, entity)
  );
  if (declaring.length === 0) {
    return {
      problem: `store "${entity}" is not an entity store of any STRUCTURE of domain ` +
        `"${domain}" (${structures.map((s) => s.file).join(", ") || "none"}), and the ` +
        `runtime binding ${rbFile} names no storage_structure`,
    };
  }
  const paths = new Map<string, string>();
  for (const s of declaring) {
    const p = s.frontmatter.core.entity_stores[entity].path;
    if (!paths.has(p)) paths.set(p, s.file);
  }
  if (paths.size > 1) {
    const [[p1, f1], [p2, f2]] = [...paths];
    return {
      problem: `store "${entity}" is ambiguous: ${f1} declares "${p1}" and ${f2} declares ` +
        `"${p2}", and the runtime binding ${rbFile} names no storage_structure to choose`,
    };
  }
  const [[path, file]] = [...paths];
  if (policyPath !== null && policyPath !== path) {
    return {
      problem: `store "${entity}" is ambiguous: ${file} declares "${path}" but the runtime ` +
        `binding ${rbFile} (no storage_structure) gives this CS the policy path "${policyPath}"`,
    };
  }
  return { path, structure: declaring.find((s) => s.file === file)!.fqdn };
}

/** A journal path is a declared `.jsonl` store (the event-log format admission scans). */
export function isJournalPath(path: string): boolean {
  return path.endsWith(".jsonl");
}

/** One persistent store use by a compiled CS step, for the per-path format check. */
export interface StoreUse {
  /** The step's store (replaced when the path settles on another format). */
  readonly step: { store: StoreRef | null };
  /** CS FQDN. */
  readonly capability: string;
  /** Declared op (upper-cased). */
  readonly op: string;
  /** CC artifact file of the step. */
  readonly file: string;
  /** JSON path of the step in that file. */
  readonly at: string;
}

/**
 * Gives every path one format across a compiled closure (see the module doc); pushes a
 * problem for each path whose uses cannot share one.
 */
export function settleStoreFormats(
  uses: readonly StoreUse[],
  documentReads: ReadonlyMap<string, ReadonlySet<string>>,
  problems: CompileProblem[],
): void {
  const byPath = new Map<string, StoreUse[]>();
  for (const u of uses) {
    const path = u.step.store!.path;
    byPath.set(path, [...(byPath.get(path) ?? []), u]);
  }
  for (const [path, group] of byPath) {
    const formats = new Set(group.map((u) => u.step.store!.format));
    if (formats.size === 1) continue;
    const docReader = (u: StoreUse) => documentReads.get(u.capability)?.has(u.op) === true;
    const others = group.filter((u) => u.step.store!.format !== "json");
    if (others.every(docReader)) {
      for (const u of others) u.step.store = { path, format: "json" as ViewFormat };
      continue;
    }
    const a = group[0];
    const b = group.find((u) => u.step.store!.format !== a.step.store!.format)!;
    problems.push({
      file: b.file,
      jsonPath: b.at,
      message: `store "${path}" is used as "${b.step.store!.format}" by ${b.capability} ` +
        `${b.op} here and as "${a.step.store!.format}" by ${a.capability} ${a.op} at ` +
        `${a.file} ${a.at}; one store has one format, and neither op can serve the other's`,
    });
  }
}
