import assert from "node:assert/strict";
import { adaRunArgs, cli, readRecords } from "../_support/cli.ts";
import { tempWorkspace } from "../_support/workspace.ts";

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.slice(0, 8)], sig, "PNG signature");
  assert.equal(new TextDecoder().decode(bytes.slice(12, 16)), "IHDR");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

Deno.test("run writes .jsonl, .md and a .png whose highlighted path differs between two paths", async () => {
  const t = await tempWorkspace();
  const args = [
    ...adaRunArgs(t),
    "--json",
  ];
  const first = await cli(...args);
  const second = await cli(...args);
  assert.equal(first.code, 0);
  assert.equal(second.code, 0);
  const pngs = [];
  for (const r of [first, second]) {
    assert.deepEqual(r.json.warnings, []);
    const png = await Deno.readFile(r.json.files.png);
    const { width, height } = pngSize(png);
    assert.ok(width >= 200 && width <= 2000, `width ${width}`);
    assert.ok(height >= 200 && height <= 4000, `height ${height}`);
    pngs.push(png);
    const md = await Deno.readTextFile(r.json.files.md);
    assert.match(md, /\*\*Result: COMPLETED\*\*/);
    assert.match(
      md,
      new RegExp(`cli\\.ts examine ${r.json.files.jsonl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    );
  }
  assert.notDeepEqual(pngs[0], pngs[1], "different paths draw different pictures");
  const recs = await readRecords(second.json.files.jsonl);
  assert.ok(recs.some((x) => x.type === "transition" && x.outcome === "ALREADY_EXISTS"));
});
