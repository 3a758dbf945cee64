import assert from "node:assert/strict";

/**
 * SPEC §5: only actors/run_context.ts reads the wall clock or OS entropy. The storage
 * retry backoff may use Math.random for jitter (it never reaches a trace or state), and
 * the signing key is drawn once per data root.
 */
const ALLOWED: Record<string, RegExp[]> = {
  "actors/run_context.ts": [/./],
  "storage/_retry.ts": [/Math\.random/],
  // The data root's signing key is made once from OS entropy; only its id and signatures
  // enter traces.
  "storage/signing_key.ts": [/crypto\.getRandomValues/],
  // The batch progress line's rate and ETA go to stderr only.
  "cli_progress.ts": [/performance\.now/],
};
const BANNED = [
  /\bDate\.now\s*\(/,
  /\bnew Date\s*\(\s*\)/,
  /\bMath\.random\s*\(/,
  /crypto\.randomUUID\s*\(/,
  /crypto\.getRandomValues\s*\(/,
  /\bperformance\.now\s*\(/,
];

async function sources(dir: string, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    const p = dir === "." ? e.name : `${dir}/${e.name}`;
    if (
      e.isDirectory &&
      !["tests", "bench", "examples", "dist", "node_modules", ".git", "docs", "scripts"].includes(p)
    ) {
      await sources(p, out);
    } else if (e.isFile && p.endsWith(".ts") && !p.endsWith("_test.ts")) out.push(p);
  }
  return out;
}

Deno.test("no source file but actors/run_context.ts reads the wall clock or OS entropy", async () => {
  const root = new URL("..", import.meta.url).pathname;
  const prev = Deno.cwd();
  Deno.chdir(root);
  try {
    const files = await sources(".");
    assert.ok(
      files.includes("actors/machine.ts") && files.includes("cli.ts"),
      "scan sees the sources",
    );
    const hits: string[] = [];
    for (const f of files) {
      const lines = (await Deno.readTextFile(f)).split("\n");
      lines.forEach((line, i) => {
        if (line.trim().startsWith("//") || line.trim().startsWith("*")) return;
        for (const re of BANNED) {
          if (re.test(line) && !(ALLOWED[f] ?? []).some((a) => a.test(line))) {
            hits.push(`${f}:${i + 1}: ${line.trim()}`);
          }
        }
      });
    }
    assert.deepEqual(hits, []);
  } finally {
    Deno.chdir(prev);
  }
});
