/**
 * Compiled workflows kept by their artifacts' content. Loading a snapshot verifies every
 * artifact it reaches (content hash, the seal's YAML parse, the schema) and compiling checks
 * the closure: work (and ~40 ms of library loading) that gives the same result as long as
 * the artifact files are the same bytes. So the result is kept, in the state store, with the
 * sha256 of every file the compile read (and the listing of every artifact folder it
 * scanned, and every reference it found missing); the next run re-reads those files, hashes
 * them and uses the kept result only when every one is byte-identical. Never trusted on
 * mtimes; a changed, added or removed file is a miss and a full compile.
 *
 * The heavy modules (the loader with zod and the YAML parser, the compiler with jsonpath-plus)
 * are imported only on a miss.
 *
 * @module
 */
import { canonicalJson, sha256Hex } from "./canonical.ts";
import { checkRegularFile } from "../regular_file.ts";
import type { CompileOptions } from "./compile.ts";
import type { CompiledWorkflow, ExecutionGraph } from "./graph.ts";
import type { Snapshot } from "./load.ts";
import { type ArtifactKind, listArtifactNames, parseFqdn } from "./resolve.ts";

/** Where kept results live (a KvStore's derived-blob cache). */
export interface BlobCache {
  /** The blob named `name`, or null. */
  readCache(name: string): Promise<Uint8Array | null>;
  /** Keeps a blob; false when not kept. */
  writeCache(name: string, bytes: Uint8Array): Promise<boolean>;
}

/**
 * Bump when the compiler's output changes shape or meaning: kept results of another format
 * are never used. (2: admission journals from every declaration form, a node's `code`
 * resolved, duplicate step names and non-string policy paths refused; the runtime version
 * in the name did not change with them.)
 */
export const COMPILE_FORMAT = "pgs-compiled/2";

interface Entry {
  readonly format: string;
  readonly workflow: string;
  /** snapshot-relative file → sha256 hex of its bytes, or null: it must not exist. */
  readonly files: Record<string, string | null>;
  /** artifact kind folder → the FQDNs it listed. */
  readonly lists: Record<string, string[]>;
  readonly digest: string;
  readonly root: string;
  readonly graphs: Array<[string, ExecutionGraph]>;
}

/** The name a compiled workflow is kept under: workflow, runtime, capabilities. */
function cacheName(workflow: string, runtime: string, options: CompileOptions): string {
  const caps = canonicalJson({
    transforms: [...options.transforms].sort(),
    sideEffects: [...options.sideEffects.entries()].sort(([a], [b]) => a < b ? -1 : 1),
    documentReads: [...(options.documentReads ?? new Map()).entries()]
      .map(([k, v]) => [k, [...v].sort()]).sort(([a], [b]) => (a < b ? -1 : 1)),
  });
  return `${COMPILE_FORMAT}\0${runtime}\0${sha256Hex(caps)}\0${workflow}`;
}

async function fileSha256(path: string): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    // Anything else than a regular file is a miss, and the full load names it.
    await checkRegularFile(path);
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/**
 * True when every file and listing the entry was compiled from is unchanged. A file or
 * folder that cannot be read (no permission, not a directory) is a miss: the full load
 * then names it as the snapshot problem it is.
 */
async function stillValid(wsRoot: string, entry: Entry): Promise<boolean> {
  const snapshotRoot = `${wsRoot}/protocol_snapshot`;
  const checks = Object.entries(entry.files).map(async ([rel, sum]) =>
    (await fileSha256(`${wsRoot}/${rel}`)) === sum
  );
  const lists = Object.entries(entry.lists).map(async ([kind, names]) =>
    canonicalJson(await listArtifactNames(snapshotRoot, kind as ArtifactKind)) ===
      canonicalJson(names)
  );
  try {
    return (await Promise.all([...checks, ...lists])).every(Boolean);
  } catch {
    return false;
  }
}

/** A snapshot that notes every folder it lists (the files it reads, it notes itself). */
function recording(snapshot: Snapshot) {
  const listed = new Set<ArtifactKind>();
  const wrapped: Snapshot = {
    workspace: snapshot.workspace,
    get(kind, fqdn) {
      return snapshot.get(kind, fqdn);
    },
    listWorkflows() {
      listed.add("WF");
      return snapshot.listWorkflows();
    },
    listArtifacts(kind) {
      listed.add(kind);
      return snapshot.listArtifacts(kind);
    },
  };
  return { wrapped, listed };
}

/** The CT atoms a compiled closure runs (what the capability registry must prepare). */
function atomsOf(compiled: CompiledWorkflow): Set<string> {
  const atoms = new Set<string>();
  for (const g of compiled.graphs.values()) {
    for (const n of Object.values(g.nodes)) {
      if (n.type !== "CC") continue;
      for (const s of n.cc.steps) {
        const atom = (s.ctIr as { atom_stream?: Array<{ atom?: unknown }> } | undefined)
          ?.atom_stream?.[0]?.atom;
        if (s.kind === "CT" && typeof atom === "string") atoms.add(atom);
      }
    }
  }
  return atoms;
}

/**
 * `workflow` of the snapshot in `workspace`, compiled: from `cache` when every artifact
 * file it was compiled from is byte-identical, else loaded, verified and compiled (and kept).
 *
 * @throws {UsageError} WORKFLOW_NAME when the name is malformed or no such workflow exists.
 * @throws {SnapshotError} when an artifact is missing, tampered or malformed.
 * @throws {CompileError} listing every closure problem.
 */
export async function compileCached(
  workspace: string,
  workflow: string,
  options: CompileOptions,
  cache: BlobCache | null,
  runtime: string,
): Promise<CompiledWorkflow> {
  parseFqdn(workflow);
  const wsRoot = workspace.replace(/\/+$/, "");
  const snapshotRoot = `${wsRoot}/protocol_snapshot`;
  const name = cacheName(workflow, runtime, options);
  if (cache) {
    const bytes = await cache.readCache(name).catch(() => null);
    if (bytes) {
      let entry: Entry | null = null;
      try {
        entry = JSON.parse(new TextDecoder().decode(bytes)) as Entry;
      } catch {
        entry = null;
      }
      if (
        entry && entry.format === COMPILE_FORMAT && entry.workflow === workflow &&
        await stillValid(wsRoot, entry)
      ) {
        const compiled: CompiledWorkflow = {
          root: new Map(entry.graphs).get(entry.root)!,
          graphs: new Map(entry.graphs),
          digest: entry.digest,
        };
        await options.prepare?.(atomsOf(compiled));
        return compiled;
      }
    }
  }
  const { loadSnapshot } = await import("./load.ts");
  const { compileWorkflow } = await import("./compile.ts");
  const snapshot = await loadSnapshot(workspace);
  const rec = recording(snapshot);
  const compiled = await compileWorkflow(rec.wrapped, workflow, options);
  if (cache) {
    // The sums of the texts the compile read, not of the files now: a file changed meanwhile
    // makes the kept result a miss next time, never a wrong hit.
    const files: Record<string, string | null> = {};
    const sums = snapshot.fileSums!();
    for (const rel of [...sums.keys()].sort()) files[rel] = sums.get(rel)!;
    const lists: Record<string, string[]> = {};
    for (const kind of [...rec.listed].sort()) {
      lists[kind] = await listArtifactNames(snapshotRoot, kind);
    }
    const entry: Entry = {
      format: COMPILE_FORMAT,
      workflow,
      files,
      lists,
      digest: compiled.digest,
      root: workflow,
      graphs: [...compiled.graphs.entries()],
    };
    // A result that cannot be kept (too large, a read-only store) is only a lost shortcut.
    await cache.writeCache(name, new TextEncoder().encode(JSON.stringify(entry))).catch(() =>
      false
    );
  }
  return compiled;
}
