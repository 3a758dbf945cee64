/**
 * Maps artifact FQDNs to files inside `protocol_snapshot/artifacts/` after validating
 * both name parts, so that nothing outside the snapshot is ever opened.
 *
 * @module
 */
import { ErrorCode, quoted, UsageError } from "../errors.ts";

const PART_RE = /^[A-Za-z0-9_.]+$/;

/** Artifact kind directory names under `protocol_snapshot/artifacts/`. */
export const ArtifactKind = {
  WF: "workflows",
  CC: "capability_contracts",
  CT: "capability_transforms",
  CS: "capability_side_effects",
  RB: "runtime_bindings",
  IN: "intents",
  STRUCTURE: "structures",
} as const;
/** One of the artifact kinds the runtime reads. */
export type ArtifactKind = keyof typeof ArtifactKind;

/** A validated `<namespace>::<CODE>` name. */
export interface Fqdn {
  /** Namespace, e.g. `blockchain`. */
  readonly namespace: string;
  /** Artifact code, e.g. `WF_REGISTER_ACTOR_UNVERIFIED_V0`. */
  readonly code: string;
  /** `namespace::code`. */
  readonly id: string;
}

/** Longest accepted `ns::CODE`, so that `<ns>__<CODE>.json` fits a 255-byte file name. */
export const MAX_FQDN_LENGTH = 200;

/** True when both parts of `ns::CODE` are safe names (no "..", no path separators). */
export function isSafeFqdn(text: string): boolean {
  if (text.length > MAX_FQDN_LENGTH) return false;
  const parts = text.split("::");
  return parts.length === 2 && parts.every((p) => PART_RE.test(p) && !p.includes(".."));
}

/**
 * Parses and validates `<domain>::<CODE>`.
 *
 * @throws {UsageError} WORKFLOW_NAME when a part is empty or not `[A-Za-z0-9_.]+`.
 */
export function parseFqdn(text: string, what = "workflow"): Fqdn {
  if (typeof text !== "string" || !isSafeFqdn(text)) {
    throw new UsageError(
      `Invalid ${what} ${quoted(text, 80)}: ` +
        `expected <domain>::<CODE> with each part matching [A-Za-z0-9_.]+, at most ` +
        `${MAX_FQDN_LENGTH} characters`,
      ErrorCode.WORKFLOW_NAME,
    );
  }
  const [namespace, code] = text.split("::");
  return { namespace, code, id: text };
}

/**
 * The artifact a workflow node's declared `code` names: `ns::CODE` as written, else the
 * workflow's namespace + `::` + code. The PGS compiler writes this as the node's `fqdn_id`;
 * a node that has only its `code` is resolved the same way.
 */
export function nodeCodeFqdn(code: string, namespace: string): string {
  return code.includes("::") ? code : `${namespace}::${code}`;
}

/** Snapshot-relative file of an artifact: `artifacts/<kind dir>/<ns>__<CODE>.json`. */
export function artifactFile(kind: ArtifactKind, fqdn: Fqdn): string {
  return `artifacts/${ArtifactKind[kind]}/${fqdn.namespace}__${fqdn.code}.json`;
}

/**
 * The FQDNs of the artifacts of one kind in the snapshot at `root`, sorted (files named
 * `<ns>__<CODE>.json` with a safe FQDN, whatever their file type). A kind folder a generation does not have lists
 * nothing.
 *
 * @throws the read error, and NotFound for the workflows' folder (a snapshot has workflows).
 */
export async function listArtifactNames(root: string, kind: ArtifactKind): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(`${root}/artifacts/${ArtifactKind[kind]}`)) {
      const m = /^(.+)__(.+)\.json$/.exec(e.name);
      // Whatever its type: a FIFO, folder or link under an artifact's name is that artifact,
      // and loading it says what is wrong with it (skipping it would hide a workflow).
      if (m && isSafeFqdn(`${m[1]}::${m[2]}`)) out.push(`${m[1]}::${m[2]}`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound) || kind === "WF") throw e;
  }
  return out.sort();
}
