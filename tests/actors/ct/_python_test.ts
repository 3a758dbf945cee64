import assert from "node:assert/strict";
import { callWithDeadline } from "../../_support/deadline.ts";
import {
  pyDeepCopy,
  pyEquals,
  pyIn,
  pyLen,
  pyParseFloat,
  pyParseInt,
  pyStrip,
  pyToInt,
  pyTruthy,
  pyTypeName,
} from "../../../actors/ct/_python.ts";

Deno.test("pyEquals() follows Python ==: 1 == 1.0 == True, structural, key order ignored", () => {
  assert.ok(pyEquals(1, true));
  assert.ok(pyEquals(0, false));
  assert.ok(pyEquals({ a: [1, { b: null }], c: "x" }, { c: "x", a: [true, { b: null }] }));
  assert.ok(!pyEquals("1", 1));
  assert.ok(!pyEquals(null, 0));
  assert.ok(!pyEquals([1], [1, 2]));
  assert.ok(!pyEquals({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(pyIn(["x", 2], 2));
});

Deno.test("pyParseInt() / pyParseFloat() match CPython int() / float() of a str", () => {
  // Expected values from CPython 3.11.
  const ints: Array<[string, bigint | null]> = [
    [" 12 ", 12n],
    ["+5", 5n],
    ["1_000", 1000n],
    ["007", 7n],
    ["\u3000 42\u3000", 42n],
    ["1__0", null],
    ["_1", null],
    ["0x10", null],
    ["1e3", null],
    ["12.0", null],
  ];
  for (const [s, v] of ints) assert.equal(pyParseInt(s), v, JSON.stringify(s));
  const floats: Array<[string, number | null]> = [
    ["1e3", 1000],
    ["1_000.5", 1000.5],
    [".5", 0.5],
    ["5.", 5],
    ["-Infinity", -Infinity],
    ["1e", null],
    ["1.2.3", null],
    ["0x1", null],
  ];
  for (const [s, v] of floats) assert.equal(pyParseFloat(s), v, JSON.stringify(s));
  assert.ok(Number.isNaN(pyParseFloat("nan")));
});

Deno.test("pyToInt() converts like int(): bools, truncated floats, strings", () => {
  assert.equal(pyToInt(true), 1n);
  assert.equal(pyToInt(12.7), 12n);
  assert.equal(pyToInt(-12.7), -12n);
  assert.equal(pyToInt(" 9 "), 9n);
  assert.equal(pyToInt(null), null);
  assert.equal(pyToInt([1]), null);
  assert.equal(pyToInt(Infinity), null);
});

Deno.test("pyTruthy(), pyTypeName(), pyLen() and pyDeepCopy()", () => {
  assert.deepEqual([0, "", [], {}, null, false].map(pyTruthy), [
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
  assert.deepEqual([NaN, "0", [0], { a: 0 }].map(pyTruthy), [true, true, true, true]);
  assert.deepEqual(
    [null, true, 1, 1.5, "s", [], {}].map(pyTypeName),
    ["NoneType", "bool", "int", "float", "str", "list", "dict"],
  );
  assert.equal(pyLen("a\u{1F680}é"), 3);
  const src = JSON.parse('{"__proto__": {"x": 1}, "b": [1, {"c": 2}]}');
  const copy = pyDeepCopy(src);
  assert.deepEqual(Object.keys(copy), ["__proto__", "b"]);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  copy.b[1].c = 3;
  assert.equal(src.b[1].c, 2);
});

Deno.test("pyStrip() strips Python whitespace from both ends only, in linear time", async () => {
  assert.equal(pyStrip(" \t\u3000a b\u00a0\n"), "a b");
  assert.equal(pyStrip("\u200b x \u200b"), "\u200b x \u200b"); // U+200B is not isspace()
  assert.equal(pyStrip("   "), "");
  assert.equal(pyStrip(""), "");
  // A 1 MB inner whitespace run: the former /^\s+|\s+$/g retried at every position of it.
  const inner = `x${" ".repeat(1_000_000)}x`;
  assert.equal(
    await callWithDeadline(new URL("../../../actors/ct/_python.ts", import.meta.url), "pyStrip", [
      ` ${inner} `,
    ]),
    inner,
  );
  assert.equal(
    await callWithDeadline(
      new URL("../../../actors/ct/_python.ts", import.meta.url),
      "pyParseInt",
      [inner],
    ),
    null,
  );
});
