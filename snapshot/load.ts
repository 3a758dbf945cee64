/**
 * Reads artifacts from `<workspace>/protocol_snapshot/`: parse, verify `content_hash` and
 * the seal (frontmatter = the hashed `## Machine` block, see seal.ts), check the artifact
 * type and schema. Errors name the file and the JSON path.
 *
 * @module
 */
import type { z } from "zod";
import { ErrorCode, oneLine, SnapshotError, UsageError } from "../errors.ts";
import { sha256Hex } from "./canonical.ts";
import { checkRegularFile } from "../regular_file.ts";
import {
  artifactFile,
  type ArtifactKind,
  type Fqdn,
  listArtifactNames,
  parseFqdn,
} from "./resolve.ts";
import type { ctIr, KIND_SCHEMAS } from "./schema.ts";
import { checkSeal } from "./seal.ts";

/** A loaded, verified artifact (content hash, seal, artifact type and schema checked). */
export interface Artifact {
  /** Artifact kind. */
  readonly kind: ArtifactKind;
  /** `namespace::CODE`. */
  readonly fqdn: string;
  /** Workspace-relative file, e.g. `protocol_snapshot/artifacts/workflows/x__WF_Y.json`. */
  readonly file: string;
  /** Parsed, schema-checked frontmatter. */
  readonly frontmatter: Readonly<Record<string, unknown>>;
  /** CT IR (CT only). */
  readonly ctIr?: unknown;
  /** The executable parts, hashed into the snapshot digest. */
  readonly executable: { frontmatter: unknown; ct_ir?: unknown; cs_ir?: unknown };
}

/** Frontmatter type of each kind (what the schema check guarantees). */
export type FrontmatterOf<K extends ArtifactKind> = z.infer<
  (typeof KIND_SCHEMAS)[K]["frontmatter"]
>;

/** An artifact with the types its schema check guarantees (for the compiler). */
export interface TypedArtifact<K extends ArtifactKind> extends Artifact {
  /** Parsed, schema-checked frontmatter. */
  readonly frontmatter: FrontmatterOf<K>;
  /** CT IR (CT only). */
  readonly ctIr?: z.infer<typeof ctIr>;
}

/** An opened snapshot: artifacts are read lazily, verified and cached. */
export interface Snapshot {
  /** Absolute or given workspace path. */
  readonly workspace: string;
  /**
   * The artifact of `kind` named `fqdn`, or null when no such file exists.
   *
   * @throws {SnapshotError} when the file is unreadable, malformed, tampered or of the wrong type.
   */
  get(kind: ArtifactKind, fqdn: string): Promise<Artifact | null>;
  /** Every workflow FQDN in the snapshot, sorted. */
  listWorkflows(): Promise<string[]>;
  /** Every artifact FQDN of `kind` in the snapshot (by file name, unverified), sorted. */
  listArtifacts(kind: ArtifactKind): Promise<string[]>;
  /**
   * The files read so far: workspace-relative path → sha256 hex of the exact text read (null:
   * the file did not exist). What a kept compile result is checked against.
   */
  fileSums?(): ReadonlyMap<string, string | null>;
}

/**
 * `snapshot.get` with the frontmatter typed by kind. Sound for snapshots from
 * {@link loadSnapshot}, which schema-check every artifact they return; a caller's own
 * Snapshot object is trusted to do the same.
 */
export function getTyped<K extends ArtifactKind>(
  snapshot: Snapshot,
  kind: K,
  fqdn: string,
): Promise<TypedArtifact<K> | null> {
  return snapshot.get(kind, fqdn) as Promise<TypedArtifact<K> | null>;
}

/**
 * Opens the protocol snapshot of a workspace. Artifacts are read when first needed, and
 * each is verified then: `content_hash == sha256(content)`, seal, artifact type, schema.
 *
 * @example
 * ```ts
 * import { loadSnapshot } from "./load.ts";
 * import assert from "node:assert/strict";
 * const snapshot = await loadSnapshot(new URL("../examples/workspace", import.meta.url).pathname);
 * assert.deepEqual(await snapshot.listWorkflows(), ["club::WF_REGISTER_MEMBER_V0"]);
 * ```
 * @param workspace Directory holding `protocol_snapshot/artifacts/`.
 * @throws {SnapshotError} SNAPSHOT when `<workspace>/protocol_snapshot/artifacts` is missing.
 * @throws {UsageError} USAGE when `workspace` is not a non-empty string.
 */
export async function loadSnapshot(workspace: string): Promise<Snapshot> {
  if (typeof workspace !== "string" || workspace === "") {
    throw new UsageError("Invalid workspace: expected a non-empty directory path");
  }
  const root = `${workspace.replace(/\/+$/, "")}/protocol_snapshot`;
  try {
    const info = await Deno.stat(`${root}/artifacts`);
    if (!info.isDirectory) throw new Error("not a directory");
  } catch (e) {
    throw new SnapshotError(
      `Cannot open workspace "${workspace}": expected a directory protocol_snapshot/artifacts ` +
        `(${e instanceof Error ? oneLine(e.message) : e})`,
      { file: "protocol_snapshot/artifacts" },
    );
  }
  const cache = new Map<string, Promise<Artifact | null>>();
  const sums = new Map<string, string | null>();
  return {
    workspace,
    get(kind: ArtifactKind, fqdn: string) {
      const key = `${kind}:${fqdn}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = readArtifact(root, kind, fqdn, sums);
        cache.set(key, hit);
      }
      return hit;
    },
    listWorkflows() {
      return listArtifactNames(root, "WF");
    },
    listArtifacts(kind: ArtifactKind) {
      return listArtifactNames(root, kind);
    },
    fileSums() {
      return sums;
    },
  };
}

async function readArtifact(
  root: string,
  kind: ArtifactKind,
  fqdnText: string,
  sums: Map<string, string | null>,
): Promise<Artifact | null> {
  let fqdn: Fqdn;
  try {
    fqdn = parseFqdn(fqdnText, `${kind} reference`);
  } catch (e) {
    if (e instanceof UsageError) return null;
    throw e;
  }
  const rel = artifactFile(kind, fqdn);
  const file = `protocol_snapshot/${rel}`;
  let text: string;
  try {
    await checkRegularFile(`${root}/${rel}`);
    text = await Deno.readTextFile(`${root}/${rel}`);
    sums.set(file, sha256Hex(text));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      sums.set(file, null);
      return null;
    }
    throw new SnapshotError(`Cannot read artifact "${file}": ${(e as Error).message}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SnapshotError(
      `Cannot parse artifact "${file}": malformed JSON (${(e as Error).message})`,
      { file, jsonPath: "$" },
    );
  }
  // The schema library loads with the first artifact read, not with the module.
  const { ctIr, envelope, KIND_SCHEMAS } = await import("./schema.ts");
  const env = check(envelope, json, file, "$");
  if (sha256Hex(env.content) !== env.content_hash) {
    throw new SnapshotError(
      `Cannot verify artifact "${file}": content_hash does not match sha256(content)`,
      { file, jsonPath: "$.content_hash", code: ErrorCode.HASH_MISMATCH },
    );
  }
  const spec = KIND_SCHEMAS[kind];
  if (env.artifact_type !== spec.type) {
    throw new SnapshotError(
      `Invalid artifact "${file}": $.artifact_type is "${env.artifact_type}", expected "${spec.type}"`,
      { file, jsonPath: "$.artifact_type", code: ErrorCode.SCHEMA },
    );
  }
  if (env.fqdn_id !== fqdn.id) {
    throw new SnapshotError(
      `Invalid artifact "${file}": $.fqdn_id is "${env.fqdn_id}", expected "${fqdn.id}"`,
      { file, jsonPath: "$.fqdn_id", code: ErrorCode.SCHEMA },
    );
  }
  const unsealed = await checkSeal(env.content, env.frontmatter, spec.type, fqdn.namespace);
  if (unsealed) {
    throw new SnapshotError(
      `Cannot verify artifact "${file}": ${unsealed.jsonPath}: ${unsealed.message}`,
      { file, jsonPath: unsealed.jsonPath, code: ErrorCode.SEAL },
    );
  }
  const frontmatter = check(spec.frontmatter, env.frontmatter, file, "$.frontmatter");
  const ir = kind === "CT" ? check(ctIr, env.ct_ir, file, "$.ct_ir") : undefined;
  return {
    kind,
    fqdn: fqdn.id,
    file,
    frontmatter: frontmatter as Record<string, unknown>,
    ctIr: ir,
    executable: { frontmatter: env.frontmatter, ct_ir: env.ct_ir, cs_ir: env.cs_ir },
  };
}

function check<T extends z.ZodType>(schema: T, value: unknown, file: string, base: string) {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as z.infer<T>;
  const issue = parsed.error.issues[0];
  const jsonPath = base +
    issue.path.map((p) =>
      typeof p === "number"
        ? `[${p}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(p))
        ? `.${String(p)}`
        : `[${JSON.stringify(String(p))}]`
    ).join("");
  throw new SnapshotError(`Invalid artifact "${file}": ${jsonPath}: ${issue.message}`, {
    file,
    jsonPath,
    code: ErrorCode.SCHEMA,
  });
}
