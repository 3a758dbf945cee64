/**
 * The module graph `deno info` reports for an entry: what `deno run` loads before any code
 * runs (the static closure), and every import edge, dynamic ones included (literal dynamic
 * imports are in the graph, which is why bundle and compile carry them).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** One import: `from` imports `to`, statically or with a literal dynamic import. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly dynamic: boolean;
}

/** The static closure of an entry and all edges of its full graph. */
export interface ImportGraph {
  /** Specifiers loaded before the entry's code runs (npm packages as `npm:` specifiers). */
  readonly staticClosure: ReadonlySet<string>;
  /** Every edge of the full graph. */
  readonly edges: readonly ImportEdge[];
}

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** The graph of `entry`, a path relative to the repository root. */
export async function importGraph(entry: string): Promise<ImportGraph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: InfoModule[];
    redirects: Record<string, string>;
  };
  const id = (s: string) => info.redirects[s] ?? s;
  const edges: ImportEdge[] = [];
  for (const m of info.modules) {
    for (const d of m.dependencies ?? []) {
      if (d.code) {
        edges.push({ from: m.specifier, to: id(d.code.specifier), dynamic: !!d.isDynamic });
      }
    }
  }
  const staticClosure = new Set<string>();
  const todo = info.roots.map(id);
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (staticClosure.has(s)) continue;
    staticClosure.add(s);
    for (const e of edges) if (e.from === s && !e.dynamic) todo.push(e.to);
  }
  return { staticClosure, edges };
}

/** The edges leading to modules matching `target`, as `from → to (static|dynamic)` lines. */
export function edgesInto(graph: ImportGraph, target: RegExp): string[] {
  const name = (s: string) => s.replace(ROOT.href, "");
  return graph.edges
    .filter((e) => target.test(e.to) && !target.test(e.from))
    .map((e) => `${name(e.from)} → ${name(e.to)} (${e.dynamic ? "dynamic" : "static"})`)
    .sort();
}
