/**
 * Authoring artifacts in the canonical PGS envelope: for projects that write their own
 * workspaces (examples, fixtures, generated benchmarks). `content` is the Markdown source
 * with the frontmatter in a `## Machine` block, and `content_hash` is its sha256, so the
 * loader verifies what was written.
 *
 * @module
 */
import { sha256Hex } from "./canonical.ts";
import { ArtifactKind } from "./resolve.ts";

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

/** Builds the envelope of artifact `fqdn` (`ns::CODE`) of `kind` with a correct content hash. */
export function authorArtifact(
  kind: ArtifactKindName,
  fqdn: string,
  frontmatter: Record<string, unknown>,
  options: AuthorOptions = {},
): AuthoredArtifact {
  const [namespace, code] = fqdn.split("::");
  const summary = options.summary ? `${options.summary}\n\n` : "";
  const machine = options.pretty === false
    ? JSON.stringify(frontmatter)
    : JSON.stringify(frontmatter, null, 2);
  const content = `# ${code}\n\n${summary}## Machine\n\n\`\`\`json\n${machine}\n\`\`\`\n`;
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

/** Writes artifacts under `<workspace>/protocol_snapshot/artifacts/`. */
export async function writeArtifacts(
  workspace: string,
  artifacts: readonly AuthoredArtifact[],
  pretty = true,
): Promise<void> {
  for (const a of artifacts) {
    const dir = `${workspace.replace(/\/+$/, "")}/protocol_snapshot/artifacts/${a.dir}`;
    await Deno.mkdir(dir, { recursive: true });
    const text = pretty ? `${JSON.stringify(a.body, null, 2)}\n` : JSON.stringify(a.body);
    await Deno.writeTextFile(`${dir}/${a.file}`, text);
  }
}
