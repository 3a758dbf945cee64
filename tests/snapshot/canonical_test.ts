// deno-lint-ignore-file no-explicit-any -- values JSON cannot hold are what is tested
/**
 * `canonicalJson` (exported by mod.ts) given a value JSON cannot hold: a UsageError saying
 * why, never the stack overflow of its recursion (found by the second fuzz campaign).
 */
import assert from "node:assert/strict";
import { canonicalJson } from "../../snapshot/canonical.ts";
import { UsageError } from "../../errors.ts";

Deno.test("canonicalJson(): a cyclic or absurdly deep value is a UsageError, not a RangeError", () => {
  const cyclic: any = { a: [1] };
  cyclic.a.push(cyclic);
  let deep: any = null;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  for (const [what, value] of [["cyclic", cyclic], ["200,000 deep", deep]]) {
    assert.throws(() => canonicalJson(value), (e) => {
      assert.ok(e instanceof UsageError, `${what}: ${e}`);
      assert.equal(e.code, "USAGE");
      assert.equal(
        e.message,
        "Cannot encode canonical JSON: the value is cyclic or nested too deeply",
      );
      return true;
    });
  }
  // Plain values are unchanged: sorted keys, undefined members dropped.
  assert.equal(
    canonicalJson({ b: [1, { d: undefined, c: "x" }], a: null }),
    '{"a":null,"b":[1,{"c":"x"}]}',
  );
});
