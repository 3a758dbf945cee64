/**
 * The PNG stack (engines, WASM, font) loads only when a picture is drawn: no static import
 * path leads to it from the library or the command line, so `import` of `mod.ts` and runs
 * with `--no-png` never load ~5.5 MB of assets. Checked on the module graph `deno info`
 * reports: what `deno run` loads before any code runs. (`trace/png.ts` loads the engines with
 * a literal dynamic import, which bundle and compile still carry.)
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const PNG_STACK = /trace\/png_engine\.ts$|trace\/_assets\/|@resvg\/|@hpcc-js\/|harfbuzzjs/;

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** Module specifiers reachable from `entry` through static imports only. */
async function staticGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(out.success, `deno info ${entry}`);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: InfoModule[];
    redirects: Record<string, string>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    const next = stack.pop()!;
    const id = info.redirects[next] ?? next;
    if (seen.has(id)) continue;
    seen.add(id); // npm packages are listed by specifier only ("npm:@resvg/…")
    for (const dep of bySpecifier.get(id)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) stack.push(dep.code.specifier);
    }
  }
  return [...seen];
}

for (const entry of ["mod.ts", "cli.ts", "trace/mod.ts"]) {
  Deno.test(`nothing of the PNG stack is statically imported from ${entry}`, async () => {
    const graph = await staticGraph(entry);
    assert.ok(graph.some((s) => s.endsWith("/trace/png.ts")), "the light renderer module is");
    assert.deepEqual(graph.filter((s) => PNG_STACK.test(s)), []);
  });
}
