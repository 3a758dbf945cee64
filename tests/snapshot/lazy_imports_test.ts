/**
 * The YAML library (seal of YAML `## Machine` blocks) and the linear-time pattern engine
 * cost start-up time (measured in docs/GENERATIONS.md), so neither may be in the static
 * import graph of the CLI or the library: each is reached only through one literal
 * dynamic import of its owner module.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface InfoModule {
  specifier: string;
  dependencies?: Array<{ code?: { specifier: string }; isDynamic?: boolean }>;
}

async function staticGraph(entry: string): Promise<{ all: Set<string>; dynamic: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const modules = new Map<string, InfoModule>(
    (info.modules as InfoModule[]).map((m) => [m.specifier, m]),
  );
  const all = new Set<string>();
  const dynamic: string[] = [];
  const todo = [...(info.roots as string[])];
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (all.has(s)) continue;
    all.add(s);
    for (const d of modules.get(s)?.dependencies ?? []) {
      if (!d.code) continue;
      if (d.isDynamic) dynamic.push(`${s.slice(s.lastIndexOf("/") + 1)} → ${d.code.specifier}`);
      else todo.push(d.code.specifier);
    }
  }
  return { all, dynamic };
}

for (const entry of ["cli.ts", "mod.ts"]) {
  Deno.test(`${entry}: js-yaml and re2js load only through their owners' dynamic imports`, async () => {
    const { all, dynamic } = await staticGraph(entry);
    const npm = [...all].filter((s) => /js-yaml|re2js/.test(s));
    assert.deepEqual(npm, [], "statically imported");
    assert.ok(dynamic.includes(`seal.ts → file://${ROOT}snapshot/_yaml.ts`), dynamic.join("\n"));
    assert.ok(
      dynamic.includes(`_pattern.ts → file://${ROOT}actors/ct/_re2.ts`),
      dynamic.join("\n"),
    );
  });
}
