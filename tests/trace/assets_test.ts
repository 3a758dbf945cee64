import assert from "node:assert/strict";
import { assetJson, ASSETS } from "../../scripts/gen_assets.ts";

Deno.test("trace/_assets/ holds exactly the bytes of the pinned npm packages (regenerate: scripts/gen_assets.ts)", async () => {
  for (const a of ASSETS) {
    const committed = await Deno.readTextFile(
      new URL(`../../trace/_assets/${a.file}`, import.meta.url),
    );
    assert.equal(committed, assetJson(a), `${a.file} is stale`);
  }
});
