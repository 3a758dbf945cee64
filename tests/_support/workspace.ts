// deno-lint-ignore-file no-explicit-any -- trace records and artifacts are untyped JSON here
/** Test helpers: temp copies of the example and the real (read-only) workspace. */
import { fileURLToPath as fromFileUrl } from "node:url";
import { resealArtifact } from "../../snapshot/author.ts";
import { tempDir } from "./tmp.ts";

/** The real PGS workspace beside the project (read-only). */
export const SHARED_WORKSPACE = fromFileUrl(
  new URL("../../../shared/pgs_workspace", import.meta.url),
);
/** The example workspace the project authors. */
export const EXAMPLE_WORKSPACE = fromFileUrl(new URL("../../examples/workspace", import.meta.url));

/** Copies a directory tree. */
export async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** A temp dir holding a writable copy of a workspace plus an empty data root. */
export async function tempWorkspace(
  source: string = EXAMPLE_WORKSPACE,
): Promise<{ dir: string; workspace: string; dataRoot: string }> {
  const dir = await tempDir("pgs-test-");
  const workspace = `${dir}/workspace`;
  await copyDir(
    `${source}/protocol_snapshot/artifacts`,
    `${workspace}/protocol_snapshot/artifacts`,
  );
  for (const extra of ["seeds", "payloads"]) {
    try {
      await copyDir(`${source}/${extra}`, `${workspace}/${extra}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  await Deno.mkdir(`${dir}/data`);
  return { dir, workspace, dataRoot: `${dir}/data` };
}

/**
 * Reads, edits and rewrites one artifact's JSON. An edit of the frontmatter is made the
 * way its author would make it: the `## Machine` block and `content_hash` follow
 * (resealArtifact), so the loader's seal check passes and what is tested is the edit itself.
 * An edit that leaves the frontmatter alone (content, hash, type…) is written as is.
 */
export async function editArtifact(
  workspace: string,
  rel: string,
  edit: (a: Record<string, any>) => void,
): Promise<void> {
  const path = `${workspace}/protocol_snapshot/artifacts/${rel}`;
  const a = JSON.parse(await Deno.readTextFile(path));
  const before = JSON.stringify(a.frontmatter);
  edit(a);
  const resealed = JSON.stringify(a.frontmatter) === before ? a : resealArtifact(a);
  await Deno.writeTextFile(path, JSON.stringify(resealed, null, 2));
}
