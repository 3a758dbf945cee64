/**
 * The seal of an artifact. `content_hash` covers only the Markdown `content`, but the
 * runtime executes `frontmatter`; the two are tied here: the frontmatter must equal the
 * `## Machine` block of the hashed content, except for the `fqdn_id` the PGS compiler adds
 * to a workflow node, which must equal the resolution of the node's declared `code`.
 *
 * A YAML block (fence info `yaml`, `yml` or none; every real PGS artifact) is parsed with
 * the YAML library, loaded on first use; a `json` block (what `authorArtifact` writes) is
 * parsed as JSON. Comparison walks both values in lockstep with keys in sorted order, so the
 * first difference is the same whatever the files' key order, and the walk never visits
 * more than the frontmatter holds (a YAML alias cannot make it expensive).
 *
 * @module
 */
import { nodeCodeFqdn } from "./resolve.ts";

/** Where and why an artifact is not sealed. */
export interface SealProblem {
  /** JSON path in the artifact file (`$.content` or a path under `$.frontmatter`). */
  readonly jsonPath: string;
  /** What differs, without the file name. */
  readonly message: string;
}

/** A fenced `## Machine` block found in `content`. */
interface MachineBlock {
  readonly lang: string;
  readonly text: string;
}

const HEADING_RE = /^ {0,3}##[ \t]+Machine[ \t]*#*[ \t]*$/;
const FENCE_RE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The `## Machine` block of `content`: null when there is no such heading, a SealProblem
 * when there are several, or when the heading is not followed by a fenced block.
 * Headings inside fenced blocks are not headings.
 */
function findMachineBlock(content: string): MachineBlock | SealProblem | null {
  const lines = content.split(/\r?\n/);
  let fence: string | null = null;
  let found: MachineBlock | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const f = FENCE_RE.exec(line);
    if (fence !== null) {
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length && f[2] === "") fence = null;
      continue;
    }
    if (f) {
      fence = f[1];
      continue;
    }
    if (!HEADING_RE.test(line)) continue;
    if (found) {
      return { jsonPath: "$.content", message: `content has more than one "## Machine" block` };
    }
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === "") j++;
    const open = j < lines.length ? FENCE_RE.exec(lines[j]) : null;
    if (!open) {
      return {
        jsonPath: "$.content",
        message: `the "## Machine" heading of content is not followed by a fenced block`,
      };
    }
    const body: string[] = [];
    let k = j + 1;
    for (; k < lines.length; k++) {
      const close = FENCE_RE.exec(lines[k]);
      if (
        close && close[1][0] === open[1][0] && close[1].length >= open[1].length &&
        close[2] === ""
      ) break;
      body.push(lines[k]);
    }
    if (k === lines.length) {
      return { jsonPath: "$.content", message: `the "## Machine" block of content is not closed` };
    }
    found = { lang: open[2].toLowerCase(), text: body.join("\n") };
    i = k;
  }
  return found;
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

/**
 * Checks that `frontmatter` is what the `## Machine` block of `content` says. `kind` and
 * `namespace` decide the one allowed addition (`fqdn_id` on workflow nodes). Returns null
 * when sealed.
 */
export async function checkSeal(
  content: string,
  frontmatter: Record<string, unknown>,
  kind: string,
  namespace: string,
): Promise<SealProblem | null> {
  const block = findMachineBlock(content);
  if (block === null) {
    return isEmptyObject(frontmatter) ? null : {
      jsonPath: "$.content",
      message: `content has no "## Machine" block, but the frontmatter is not empty ` +
        `(nothing the content_hash covers says what it executes)`,
    };
  }
  if ("message" in block) return block;
  let declared: unknown;
  if (block.lang === "json") {
    try {
      declared = JSON.parse(block.text);
    } catch (e) {
      return {
        jsonPath: "$.content",
        message: `the "## Machine" JSON block does not parse: ${firstLine(e)}`,
      };
    }
  } else if (block.lang === "yaml" || block.lang === "yml" || block.lang === "") {
    const { parseYaml } = await import("./_yaml.ts");
    try {
      declared = parseYaml(block.text);
    } catch (e) {
      return {
        jsonPath: "$.content",
        message: `the "## Machine" YAML block does not parse: ${firstLine(e)}`,
      };
    }
  } else {
    return {
      jsonPath: "$.content",
      message: `the "## Machine" block is fenced as "${
        block.lang.slice(0, 40)
      }", expected yaml or json`,
    };
  }
  const exempt = (segs: readonly Seg[], value: unknown, declaredParent: unknown) =>
    kind === "WF" && isCompilerFqdn(segs, value, declaredParent, namespace);
  // Fast path first, building no paths: nearly every artifact is sealed.
  const comparable = kind === "WF"
    ? withoutCompilerFqdns(frontmatter, declared, exempt)
    : frontmatter;
  if (sameJson(comparable, declared)) return null;
  const path = firstDifference(frontmatter, declared, [], exempt);
  if (path === null) return null;
  return {
    jsonPath: jsonPath(["frontmatter", ...path]),
    message: `frontmatter differs from the "## Machine" block of its hashed content`,
  };
}

/**
 * True for `core.nodes.<key>.fqdn_id` that the Machine block leaves out and whose value is
 * the resolution of the node's declared `code` (`ns::CODE` as written, else the
 * workflow's namespace + `::` + code): the one addition the PGS compiler makes.
 */
function isCompilerFqdn(
  segs: readonly Seg[],
  value: unknown,
  declaredNode: unknown,
  namespace: string,
): boolean {
  if (segs.length !== 4 || segs[0] !== "core" || segs[1] !== "nodes" || segs[3] !== "fqdn_id") {
    return false;
  }
  if (typeof declaredNode !== "object" || declaredNode === null) return false;
  const code = (declaredNode as Record<string, unknown>).code;
  if (typeof code !== "string" || code === "") return false;
  return value === nodeCodeFqdn(code, namespace);
}

/**
 * The workflow frontmatter without the node `fqdn_id`s `exempt` allows (a shallow copy
 * down to the nodes), for the allocation-free comparison.
 */
function withoutCompilerFqdns(
  frontmatter: Record<string, unknown>,
  declared: unknown,
  exempt: (segs: readonly Seg[], value: unknown, declaredParent: unknown) => boolean,
): unknown {
  const core = frontmatter.core;
  const declaredCore = isPlainObject(declared) ? declared.core : undefined;
  if (!isPlainObject(core) || !isPlainObject(declaredCore)) return frontmatter;
  const nodes = core.nodes;
  const declaredNodes = declaredCore.nodes;
  if (!isPlainObject(nodes) || !isPlainObject(declaredNodes)) return frontmatter;
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(nodes)) {
    const d = declaredNodes[key];
    if (
      isPlainObject(node) && Object.hasOwn(node, "fqdn_id") && isPlainObject(d) &&
      !Object.hasOwn(d, "fqdn_id") && exempt(["core", "nodes", key, "fqdn_id"], node.fqdn_id, d)
    ) {
      const { fqdn_id: _, ...rest } = node;
      out[key] = rest;
    } else out[key] = node;
  }
  return { ...frontmatter, core: { ...core, nodes: out } };
}

/** Deep equality of JSON-shaped values (plain objects, arrays, scalars). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !sameJson(a[k], b[k])) return false;
  return true;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A path segment: an object key, or an array index. */
type Seg = string | number;

/**
 * Path of the first place where `actual` (frontmatter) and `declared` (Machine block)
 * differ, or null. `extraAllowed(path, declaredParent)` may excuse a key present only in
 * `actual`.
 */
function firstDifference(
  actual: unknown,
  declared: unknown,
  path: Seg[],
  extraAllowed: (path: readonly Seg[], value: unknown, declaredParent: unknown) => boolean,
): Seg[] | null {
  if (Array.isArray(actual)) {
    if (!Array.isArray(declared)) return path;
    const n = Math.min(actual.length, declared.length);
    for (let i = 0; i < n; i++) {
      const d = firstDifference(actual[i], declared[i], [...path, i], extraAllowed);
      if (d) return d;
    }
    return actual.length === declared.length ? null : [...path, n];
  }
  if (isPlainObject(actual)) {
    if (!isPlainObject(declared)) return path;
    const keys = [...new Set([...Object.keys(actual), ...Object.keys(declared)])].sort();
    for (const k of keys) {
      const inActual = Object.hasOwn(actual, k);
      const inDeclared = Object.hasOwn(declared, k);
      if (inActual && !inDeclared && extraAllowed([...path, k], actual[k], declared)) continue;
      if (inActual !== inDeclared) return [...path, k];
      const d = firstDifference(actual[k], declared[k], [...path, k], extraAllowed);
      if (d) return d;
    }
    return null;
  }
  // JSON scalars; anything else YAML can build (dates, binary, sets) differs from them.
  return actual === declared ? null : path;
}

/** `$.a.b[0]["x-y"]` for path segments. */
function jsonPath(segs: readonly Seg[]): string {
  return "$" +
    segs.map((s) =>
      typeof s === "number" ? `[${s}]` : IDENT_RE.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`
    ).join("");
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 200);
}
