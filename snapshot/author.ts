/**
 * Authoring artifacts in the canonical PGS envelope: for projects that write their own
 * workspaces (examples, fixtures, generated benchmarks). `content` is the Markdown source
 * with the frontmatter in a `## Machine` block (JSON, which parses back to exactly the
 * frontmatter), and `content_hash` is its sha256, so the loader's hash and seal checks pass
 * on what was written.
 *
 * @module
 */
import { quoted, UsageError } from "../errors.ts";
import { sha256Hex } from "./canonical.ts";
import { ArtifactKind, parseFqdn } from "./resolve.ts";

/** Artifact type codes (`WF`, `CC`, `CT`, `CS`, `RB`, `IN`, `STRUCTURE`). */
export type ArtifactKindName = keyof typeof ArtifactKind;

/** One authored artifact: where it goes and its JSON envelope. */
export interface AuthoredArtifact {
  /** Kind directory under `protocol_snapshot/artifacts/` (e.g. `workflows`). */
  readonly dir: string;
  /** `<ns>__<CODE>.json`. */
  readonly file: string;
  /** The envelope. */
  readonly body: Record<string, unknown>;
}

/** Options of {@link authorArtifact}. */
export interface AuthorOptions {
  /**
   * One-paragraph description written into `content`.
   * @default ""
   */
  summary?: string;
  /**
   * Extra envelope fields, e.g. `ct_ir` or `cs_ir`.
   * @default {}
   */
  extra?: Record<string, unknown>;
  /**
   * `layer_code` of the envelope.
   * @default "AUTHORED"
   */
  layer?: string;
  /**
   * Pretty-print the frontmatter inside `content`.
   * @default true
   */
  pretty?: boolean;
}

/**
 * Builds the envelope of artifact `fqdn` (`ns::CODE`) of `kind` the way the PGS compiler
 * writes it: `content` is Markdown whose `## Machine` JSON block is the frontmatter, and
 * `content_hash` is its sha256, so the loader verifies it like a compiled one.
 *
 * @example
 * ```ts
 * import { authorArtifact } from "./author.ts";
 * import { sha256Hex } from "./canonical.ts";
 * import assert from "node:assert/strict";
 * const a = authorArtifact("IN", "shop::IN_ORDER_V0", { artifact_type: "IN" }, { summary: "An order." });
 * assert.equal(a.dir, "intents");
 * assert.equal(a.file, "shop__IN_ORDER_V0.json");
 * assert.equal(a.body.content_hash, sha256Hex(a.body.content as string));
 * ```
 * @throws {UsageError} when `kind` is not an artifact kind, `fqdn` not `<ns>::<CODE>`
 *   (WORKFLOW_NAME), or `frontmatter` / `options` are not what they should be.
 */
export function authorArtifact(
  kind: ArtifactKindName,
  fqdn: string,
  frontmatter: Record<string, unknown>,
  options: AuthorOptions = {},
): AuthoredArtifact {
  if (typeof kind !== "string" || !Object.hasOwn(ArtifactKind, kind)) {
    throw new UsageError(
      `Invalid kind ${quoted(kind)}: expected one of ${Object.keys(ArtifactKind).join(", ")}`,
    );
  }
  // The fqdn becomes a file name: the loader's rules (no "..", no separators) apply here.
  const { namespace, code } = parseFqdn(fqdn, "fqdn");
  if (frontmatter === null || typeof frontmatter !== "object" || Array.isArray(frontmatter)) {
    throw new UsageError(`Invalid frontmatter of ${fqdn}: expected a JSON object`);
  }
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new UsageError(`Invalid options of authorArtifact: expected an object`);
  }
  for (const f of ["summary", "layer"] as const) {
    if (options[f] !== undefined && typeof options[f] !== "string") {
      throw new UsageError(`Invalid options.${f} of authorArtifact: expected a string`);
    }
  }
  if (
    options.extra !== undefined &&
    (options.extra === null || typeof options.extra !== "object" || Array.isArray(options.extra))
  ) {
    throw new UsageError(`Invalid options.extra of authorArtifact: expected an object`);
  }
  const summary = options.summary ? `${options.summary}\n\n` : "";
  let block: string;
  try {
    block = machineBlock(frontmatter, options.pretty !== false);
  } catch (e) {
    // A BigInt or a cycle: JSON cannot hold the frontmatter.
    throw new UsageError(
      `Invalid frontmatter of ${fqdn}: not JSON (${e instanceof Error ? e.message : e})`,
    );
  }
  const content = `# ${code}\n\n${summary}${block}`;
  const layer = options.layer ?? "AUTHORED";
  return {
    dir: ArtifactKind[kind],
    file: `${namespace}__${code}.json`,
    body: {
      artifact_code: code,
      artifact_type: kind,
      content,
      content_hash: sha256Hex(content),
      fqdn_id: fqdn,
      frontmatter,
      layer_code: layer,
      module_path: `${layer.toLowerCase()}.${namespace}`,
      namespace,
      references: [],
      version: "0",
      ...options.extra,
    },
  };
}

/**
 * The `## Machine` section for `frontmatter`: a JSON block, which the loader's seal check
 * parses back to exactly `frontmatter` (JSON round-trips; no YAML emitter needed).
 */
function machineBlock(frontmatter: Record<string, unknown>, pretty: boolean): string {
  const json = pretty ? JSON.stringify(frontmatter, null, 2) : JSON.stringify(frontmatter);
  return `## Machine\n\n\`\`\`json\n${json}\n\`\`\`\n`;
}

const MACHINE_SECTION_RE = /^## Machine[ \t]*\n+(`{3,}|~{3,})[^\n]*\n[\s\S]*?\n\1[ \t]*(\n|$)/m;

/**
 * Re-seals an edited envelope (a copy is returned): its `## Machine` section is replaced
 * by (or, when it has none, followed by) a JSON block of its current `frontmatter`, and
 * `content_hash` is recomputed. For tools and tests that edit an artifact the way its
 * author would; everything else in `content` is kept.
 */
export function resealArtifact(body: Record<string, unknown>): Record<string, unknown> {
  const frontmatter = body.frontmatter as Record<string, unknown>;
  const content = String(body.content ?? "");
  const block = machineBlock(frontmatter, true);
  const next = MACHINE_SECTION_RE.test(content)
    ? content.replace(MACHINE_SECTION_RE, () => block)
    : `${content}${content.endsWith("\n") || content === "" ? "" : "\n"}\n${block}`;
  return { ...body, content: next, content_hash: sha256Hex(next) };
}

/** Options of {@link writeArtifacts}. */
export interface WriteArtifactsOptions {
  /**
   * Indent each envelope's JSON (as the PGS compiler does).
   * @default true
   */
  readonly pretty?: boolean;
}

/**
 * Writes artifacts to `<workspace>/protocol_snapshot/artifacts/<dir>/<file>` (folders made
 * as needed; an existing file is replaced).
 *
 * @throws {UsageError} before writing anything, when an argument is not what it should be
 *   (each artifact must be an authorArtifact() result, landing in its kind's folder).
 */
export async function writeArtifacts(
  workspace: string,
  artifacts: readonly AuthoredArtifact[],
  options: WriteArtifactsOptions = {},
): Promise<void> {
  if (typeof workspace !== "string" || workspace === "") {
    throw new UsageError(`Invalid workspace: expected a directory path`);
  }
  if (!Array.isArray(artifacts)) {
    throw new UsageError(`Invalid artifacts: expected an array of authorArtifact() results`);
  }
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new UsageError(`Invalid options of writeArtifacts: expected an object`);
  }
  const dirs: ReadonlySet<string> = new Set(Object.values(ArtifactKind));
  for (const [i, a] of artifacts.entries()) {
    // Checked before anything is written: each must land inside its kind's folder.
    const ok = a !== null && typeof a === "object" && dirs.has(a.dir) &&
      typeof a.file === "string" && /^[A-Za-z0-9_.]+__[A-Za-z0-9_.]+\.json$/.test(a.file) &&
      !a.file.includes("..") && a.body !== null && typeof a.body === "object";
    if (!ok) {
      throw new UsageError(
        `Invalid artifacts[${i}]: expected an authorArtifact() result { dir, file, body }`,
      );
    }
  }
  const pretty = options.pretty !== false;
  for (const a of artifacts) {
    const dir = `${workspace.replace(/\/+$/, "")}/protocol_snapshot/artifacts/${a.dir}`;
    await Deno.mkdir(dir, { recursive: true });
    const text = pretty ? `${JSON.stringify(a.body, null, 2)}\n` : JSON.stringify(a.body);
    await Deno.writeTextFile(`${dir}/${a.file}`, text);
  }
}
