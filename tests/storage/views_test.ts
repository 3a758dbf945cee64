// Rendering of "json" views: the PGS layout (json.dump indent=2) without re-parsing values.
import assert from "node:assert/strict";
import { prettyJson, renderJsonView } from "../../storage/views.ts";

Deno.test("renderJsonView() renders an empty map as {}", () => {
  assert.equal(renderJsonView([]), "{}");
});

Deno.test("renderJsonView() matches JSON.stringify(…, null, 2) for a sorted object", () => {
  const value = {
    a: { list: [1, { x: null }, [], {}], s: "t" },
    b: [],
    c: 'quote " bracket [ { , : } ]',
    d: -1.5e-7,
  };
  const entries = Object.entries(value).map(([k, v]) => [k, JSON.stringify(v)] as const);
  assert.equal(renderJsonView(entries), JSON.stringify(value, null, 2));
});

Deno.test("prettyJson() keeps member order and number spelling as stored", () => {
  assert.equal(prettyJson('{"10":1,"2":2.50}'), '{\n  "10": 1,\n  "2": 2.50\n}');
  assert.equal(prettyJson('"a\\\\"'), '"a\\\\"');
  assert.equal(prettyJson('["\\"",{}]', "  "), '[\n    "\\"",\n    {}\n  ]');
});
