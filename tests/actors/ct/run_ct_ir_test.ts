import assert from "node:assert/strict";
import { ErrorCode, SnapshotError, UsageError } from "../../../errors.ts";
import { CtViolation, type JsonObject, type TransformFn } from "../../../actors/capability.ts";
import { runCtIr } from "../../../actors/ct/mod.ts";
import { ctIrOf, fixedCtx } from "./_fixtures.ts";

const ATOM = "test::CT_ECHO_V0";

/** A one-atom CT-IR like the compiler emits, with the given args and outputs. */
function ctIr(args: JsonObject, outputs: string[]): JsonObject {
  return {
    ct_fqdn: ATOM,
    atom_stream: [{
      atom: ATOM,
      handler_ref: { module: "does.not.exist", callable: "execute" },
      out: "__atom_result__",
      args,
    }],
    outputs: Object.fromEntries(outputs.map((o) => [o, { from: "__atom_result__" }])),
  };
}

const seen: JsonObject[] = [];
const echo: TransformFn = (args) => {
  seen.push(args);
  return args.ret as JsonObject;
};
const map = { [ATOM]: echo };

Deno.test("runCtIr() binds $.inputs paths, absent inputs as null, literals as is", () => {
  seen.length = 0;
  const ir = ctIr({
    a: "$.inputs.a",
    deep: "$.inputs.o.k",
    gone: "$.inputs.nope",
    lit: 7,
    ret: "$.inputs.ret",
  }, []);
  runCtIr(ir, { a: 1, o: { k: "v" }, ret: { x: 1 } }, fixedCtx(), map);
  assert.deepEqual(seen[0], { a: 1, deep: "v", gone: null, lit: 7, ret: { x: 1 } });
});

Deno.test("runCtIr() runtime mode unwraps a one-key result; conformance mode does not", () => {
  const ir = ctIr({ ret: "$.inputs.ret" }, ["value"]);
  const inputs = { ret: { a: 1 } };
  assert.deepEqual(runCtIr(ir, inputs, fixedCtx(), map, "runtime"), { value: 1 });
  assert.deepEqual(runCtIr(ir, inputs, fixedCtx(), map, "conformance"), { value: { a: 1 } });
});

Deno.test("runCtIr() output adaptation: same-named field, else the whole value", () => {
  const ir = ctIr({ ret: "$.inputs.ret" }, ["value"]);
  assert.deepEqual(runCtIr(ir, { ret: { value: 7, b: 2 } }, fixedCtx(), map), { value: 7 });
  assert.deepEqual(runCtIr(ir, { ret: { a: 1, b: 2 } }, fixedCtx(), map), {
    value: { a: 1, b: 2 },
  });
  assert.deepEqual(runCtIr(ir, { ret: [1] }, fixedCtx(), map), { value: [1] });
});

Deno.test("runCtIr() drops extra atom fields (LOOKUP's result_status)", () => {
  const out = runCtIr(
    ctIrOf("capability_transforms::CT_PURE_LOOKUP_V0"),
    { key: "k", map: { k: [1] } },
    fixedCtx(),
  );
  assert.deepEqual(out, { result: [1] });
});

Deno.test("runCtIr() treats a null atom result as a declared failure", () => {
  const ir = ctIr({ ret: "$.inputs.ret" }, ["value"]);
  assert.throws(() => runCtIr(ir, { ret: null }, fixedCtx(), map), CtViolation);
});

Deno.test("runCtIr() lets non-declared atom errors through as bugs", () => {
  const boom: TransformFn = () => {
    throw new RangeError("bug");
  };
  assert.throws(() => runCtIr(ctIr({}, []), {}, fixedCtx(), { [ATOM]: boom }), RangeError);
});

Deno.test("runCtIr() looks atoms up by FQDN in the given map, never by handler_ref", () => {
  // ctIr() carries a handler_ref to a module that does not exist: only the map matters.
  assert.deepEqual(runCtIr(ctIr({ ret: { r: 1 } }, ["r"]), {}, fixedCtx(), map), { r: 1 });
  assert.throws(() => runCtIr(ctIr({}, []), {}, fixedCtx()), {
    name: "SnapshotError",
    code: ErrorCode.SNAPSHOT,
    jsonPath: "ct_ir.atom_stream[0].atom",
  });
});

Deno.test("runCtIr() chains atom steps through $.results.<var> and $.<var>", () => {
  const ir: JsonObject = {
    ct_fqdn: "test::CT_TWO_STEPS_V0",
    atom_stream: [
      { atom: ATOM, out: "first", args: { ret: "$.inputs.ret" } },
      {
        atom: ATOM,
        out: "second",
        args: { ret: { v: 2 }, a: "$.results.first.x", b: "$.first.x" },
      },
    ],
    outputs: { x: { from: "first" }, v: { from: "second" } },
  };
  seen.length = 0;
  assert.deepEqual(runCtIr(ir, { ret: { x: 5 } }, fixedCtx(), map), { x: 5, v: 2 });
  assert.deepEqual(seen[1], { ret: { v: 2 }, a: 5, b: 5 });
});

Deno.test("runCtIr() refuses malformed CT-IR, loop steps and unknown output symbols", () => {
  const bad: JsonObject[] = [
    { atom_stream: [], outputs: {} },
    { atom_stream: [{ atom: ATOM, out: "o", loop: {} }], outputs: {} },
    { atom_stream: [{ atom: ATOM, out: "o", args: {} }], outputs: { r: { from: "zz" } } },
    { atom_stream: [{ atom: ATOM, args: {} }], outputs: {} },
    { atom_stream: [{ atom: ATOM, out: "o" }] },
  ];
  for (const ir of bad) {
    assert.throws(
      () => runCtIr(ir, { ret: {} }, fixedCtx(), { [ATOM]: () => ({}) }),
      SnapshotError,
    );
  }
});

Deno.test("runCtIr() refuses non-object inputs and an unknown mode", () => {
  const ir = ctIr({}, []);
  assert.throws(() => runCtIr(ir, [] as unknown as JsonObject, fixedCtx(), map), UsageError);
  assert.throws(
    () => runCtIr(ir, {}, fixedCtx(), map, "strict" as unknown as "runtime"),
    UsageError,
  );
});
