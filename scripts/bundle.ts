/**
 * Builds `dist/pgs-runtime.js`: the command line as one self-contained JavaScript file.
 * `deno bundle` inlines every npm package, the Graphviz and resvg WASM and the TTF font
 * (imported as bytes), so the file runs wherever Deno 2 runs, from any directory, with no
 * network, no npm cache and no config file:
 *
 * ```sh
 * deno run --unstable-kv --allow-read=WS,DATA --allow-write=DATA,WS/traces \
 *   pgs-runtime.js run --wf club::WF_REGISTER_MEMBER_V0 --payload p.json --workspace WS --data-root DATA
 * ```
 *
 * The build fails when the output still imports anything but `node:` built-ins (only the
 * long-running process switch to the native hash, `node:crypto`, remains, loaded lazily).
 * Usage: `deno task bundle [out.js]` (default `dist/pgs-runtime.js`).
 *
 * @module
 */
import meta from "../deno.json" with { type: "json" };

const root = new URL("../", import.meta.url);
const out = Deno.args[0] ?? "dist/pgs-runtime.js";

const bundle = await new Deno.Command(Deno.execPath(), {
  // `--platform browser` picks the packages' ES module builds (xstate's and jsonpath-plus's
  // default builds are CommonJS or import node: modules, whose compatibility layer costs
  // ~20 ms of start-up); Deno's own APIs are used as globals either way. Minified, the file
  // parses faster.
  args: [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "--format",
    "esm",
    "--minify",
    "--output",
    out,
    "cli.ts",
  ],
  cwd: root,
  env: { NO_COLOR: "1" },
  stdout: "inherit",
  stderr: "piped",
}).output();
const stderr = new TextDecoder().decode(bundle.stderr);
// esbuild reports @noble/hashes' side-effect-free bare import; it is expected and harmless.
const noise = /ignored-bare-import|Ignoring this import because|^\s+at .*noble\/hashes|^\s*$/;
const shown = stderr.split("\n").filter((l) => !noise.test(l));
if (shown.length > 0) console.error(shown.join("\n"));
if (!bundle.success) Deno.exit(bundle.code || 1);

const path = new URL(out, root);
const code = await Deno.readTextFile(path);
// A bundled package's doc comments may show `import … from "pkg"` examples or JSDoc
// `{import('./x.js').T}` types: not imports.
const inComment = (m: RegExpMatchArray) =>
  /^\s*(\*|\/\/)/.test(code.slice(code.lastIndexOf("\n", m.index!) + 1, m.index! + 1));
const imports = [
  ...code.matchAll(/(?:^|[;\s])(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']/gm),
]
  .filter((m) => !inComment(m))
  .map((m) => m[1])
  .concat(
    [...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].filter((m) => !inComment(m))
      .map((m) => m[1]),
  );
const foreign = [...new Set(imports.filter((s) => !s.startsWith("node:")))];
if (foreign.length > 0) {
  console.error(`error: ${out} is not self-contained; it still imports: ${foreign.join(", ")}`);
  Deno.exit(1);
}
const banner = `// pgs-runtime ${meta.version}, bundled from cli.ts by scripts/bundle.ts.\n` +
  `// Run: deno run --unstable-kv --allow-read=<workspace>,<data-root> ` +
  `--allow-write=<data-root>,<workspace>/traces ${out.split("/").pop()} run ...\n`;
await Deno.writeTextFile(path, banner + code);
console.log(`${out}: ${((await Deno.stat(path)).size / 2 ** 20).toFixed(2)} MiB, self-contained`);
