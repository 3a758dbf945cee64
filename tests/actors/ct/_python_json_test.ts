import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { pyFloatRepr, pythonJsonDumps } from "../../../actors/ct/_python_json.ts";

// Expected strings were produced by CPython 3.11:
// json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True) and repr(float).

Deno.test("pythonJsonDumps() sorts keys, is compact and escapes non-ASCII as \\uxxxx", () => {
  assert.equal(pythonJsonDumps({ b: 1, a: "é" }), '{"a":"\\u00e9","b":1}');
  assert.equal(
    pythonJsonDumps({
      x: '\u2028\x7f\x00\x1f"\\\n\t\b\f\r',
      "\u{1F680}": [1, 2.5, null, true, false],
    }),
    '{"x":"\\u2028\\u007f\\u0000\\u001f\\"\\\\\\n\\t\\b\\f\\r","\\ud83d\\ude80":[1,2.5,null,true,false]}',
  );
});

Deno.test("pythonJsonDumps() orders keys by code point, not UTF-16 unit", () => {
  assert.equal(
    pythonJsonDumps(["日本", { "é": 1, e: 2, "\u{1F600}": 3, "\ue000": 4 }]),
    '["\\u65e5\\u672c",{"e":2,"\\u00e9":1,"\\ue000":4,"\\ud83d\\ude00":3}]',
  );
});

Deno.test("pythonJsonDumps() writes numbers as Python does", () => {
  assert.equal(pythonJsonDumps({ n: 1e-7, m: 123.456 }), '{"m":123.456,"n":1e-07}');
  assert.equal(
    pythonJsonDumps([1e21, -0, 12n ** 30n, NaN, -Infinity]),
    `[1000000000000000000000,0,${12n ** 30n},NaN,-Infinity]`,
  );
});

Deno.test("pythonJsonDumps() limitation: JSON.parse('1.0') is written as the int 1", () => {
  // Python would write {"value":1.0}; the parsed value no longer says it was a float.
  assert.equal(pythonJsonDumps(JSON.parse('{"value":1.0}')), '{"value":1}');
});

Deno.test("pythonJsonDumps() refuses values JSON cannot carry", () => {
  assert.throws(() => pythonJsonDumps({ a: undefined }), CtViolation);
  assert.throws(() => pythonJsonDumps(new Uint8Array(1)), CtViolation);
});

Deno.test("pyFloatRepr() matches CPython repr()", () => {
  const cases: Array<[number, string]> = [
    [0.1, "0.1"],
    [1e-5, "1e-05"],
    [1e-4, "0.0001"],
    [1.234e-7, "1.234e-07"],
    [1e16 / 3, "3333333333333333.5"],
    [1e17 / 3, "3.3333333333333332e+16"],
    [5e-324, "5e-324"],
    [-2.25, "-2.25"],
    [12345678901234.56, "12345678901234.56"],
    [1.0, "1.0"],
    [-0, "-0.0"],
    [1e16, "1e+16"],
  ];
  for (const [n, s] of cases) assert.equal(pyFloatRepr(n), s, String(n));
});
