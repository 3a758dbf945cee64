/**
 * The golden traces under tests/testdata/golden/ are what the engine writes for their runs,
 * byte for byte: a change of the format, the engine, a capability, the shared workspace or the
 * version in deno.json (the header records it) shows up here as a diff. After an intended
 * change, rewrite them and review the diff:
 *
 * ```sh
 * PGS_UPDATE_GOLDEN=1 deno test --allow-all tests/trace/golden_test.ts
 * ```
 */
import assert from "node:assert/strict";
import { generateGolden } from "../testdata/golden/generate.ts";
import { GOLDEN_DIR, GOLDEN_NAMES } from "../testdata/golden/mod.ts";
import { tempDir } from "../_support/tmp.ts";

async function jsonlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".jsonl")) out.push(e.name);
  }
  return out.sort();
}

Deno.test("the committed golden traces are byte-identical to fresh runs", async () => {
  const update = Deno.env.get("PGS_UPDATE_GOLDEN") === "1";
  const dir = await tempDir("pgs-golden-test-");
  try {
    const written = await generateGolden(dir);
    assert.deepEqual(written, GOLDEN_NAMES.map((n) => `${n}.jsonl`).sort());
    if (update) {
      for (const old of await jsonlFiles(GOLDEN_DIR)) await Deno.remove(`${GOLDEN_DIR}/${old}`);
      for (const f of written) await Deno.copyFile(`${dir}/${f}`, `${GOLDEN_DIR}/${f}`);
    }
    assert.deepEqual(await jsonlFiles(GOLDEN_DIR), written, "no golden file is missing or extra");
    const differ: string[] = [];
    for (const f of written) {
      const fresh = await Deno.readTextFile(`${dir}/${f}`);
      const committed = await Deno.readTextFile(`${GOLDEN_DIR}/${f}`);
      if (fresh !== committed) {
        const a = committed.split("\n");
        const b = fresh.split("\n");
        const line = a.findIndex((l, i) => l !== b[i]);
        differ.push(`${f} line ${line + 1}:\n  committed ${a[line]}\n  fresh     ${b[line]}`);
      }
    }
    assert.deepEqual(
      differ,
      [],
      "golden traces differ from fresh runs; if intended, rerun with PGS_UPDATE_GOLDEN=1",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
