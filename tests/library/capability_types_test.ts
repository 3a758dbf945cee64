/**
 * Custom capabilities: what the type checker refuses (each `@ts-expect-error` below must
 * be an error, or `deno check` / `deno test` fails with "Unused '@ts-expect-error'
 * directive") and what `createCapabilityRegistry` refuses at run time for JavaScript
 * callers that have no type checker.
 */
import assert from "node:assert/strict";
import {
  createCapabilityRegistry,
  type CustomCapabilities,
  ErrorCode,
  runWorkflow,
  type SideEffectFn,
  type TransformFn,
  UsageError,
} from "../../mod.ts";

const okCt: TransformFn = (args, ctx) => ({
  echoed: args.x ?? null,
  at: ctx.now,
  r: ctx.randomBytes(1).length,
});
const okCs: SideEffectFn = async (call) => {
  if (call.store) call.state.set(call.store, "k", call.inputs);
  const child = call.op === "SPAWN" ? await call.runChild("a::WF_B_V0", {}, "c") : null;
  return { status: "SUCCESS", result: { child: child?.status ?? null } };
};

/** Never called: it only has to type-check (the directives assert the errors). */
function typeErrors(): void {
  const reg = createCapabilityRegistry;
  const str = () => "nope";
  // @ts-expect-error a CT returns a JSON object, not a string
  reg({ transforms: { "a::CT_X_V0": str } });
  const asyncCt = () => Promise.resolve({ ok: 1 });
  // @ts-expect-error a CT is synchronous: a Promise is not a JSON object (CTs are pure)
  reg({ transforms: { "a::CT_X_V0": asyncCt } });
  const stringArgs = (args: string) => ({ args });
  // @ts-expect-error a CT receives its args as an object
  reg({ transforms: { "a::CT_X_V0": stringArgs } });
  const threeArgs = (_a: object, _c: object, n: number) => ({ n });
  // @ts-expect-error a CT gets (args, ctx), no third required parameter
  reg({ transforms: { "a::CT_X_V0": threeArgs } });
  // @ts-expect-error the CT context has no wall clock, only the run clock `now`
  const clock: TransformFn = (_a, ctx) => ({ t: ctx.wallClock() });
  // @ts-expect-error transforms are keyed by FQDN, not listed
  reg({ transforms: [okCt] });
  // @ts-expect-error a CS is { run, storeFormat }, not a bare function
  reg({ sideEffects: { "a::CS_X_V0": okCs } });
  // @ts-expect-error storeFormat is required (null for a kind without a store)
  reg({ sideEffects: { "a::CS_X_V0": { run: okCs } } });
  // @ts-expect-error storeFormat is "json", "jsonl" or null
  reg({ sideEffects: { "a::CS_X_V0": { run: okCs, storeFormat: "xml" } } });
  const syncCs = () => ({ status: "SUCCESS", result: {} });
  // @ts-expect-error a CS returns a Promise
  reg({ sideEffects: { "a::CS_X_V0": { run: syncCs, storeFormat: null } } });
  const numeric = () => Promise.resolve({ status: 1, result: {} });
  // @ts-expect-error a CS status is a string
  reg({ sideEffects: { "a::CS_X_V0": { run: numeric, storeFormat: null } } });
  const noResult = () => Promise.resolve({ status: "SUCCESS" });
  // @ts-expect-error a CS result carries `result`
  reg({ sideEffects: { "a::CS_X_V0": { run: noResult, storeFormat: null } } });
  const rogue: SideEffectFn = (call) => {
    // @ts-expect-error state is reached only through the StateTxn API
    call.state.put("k");
    return Promise.resolve({ status: "SUCCESS", result: {} });
  };
  // @ts-expect-error unknown section (typo of `transforms`)
  const typo: CustomCapabilities = { transfroms: { "a::CT_X_V0": okCt } };
  const base = { workspace: "w", workflow: "a::WF_B_V0", dataRoot: "d" };
  // @ts-expect-error runWorkflow takes the same CustomCapabilities
  runWorkflow({ ...base, payload: {}, capabilities: { transforms: { x: 1 } } });
  // @ts-expect-error a payload is a JSON object
  runWorkflow({ ...base, payload: "[]" });
  void clock, rogue, typo;
}
void typeErrors;

Deno.test("createCapabilityRegistry() binds well-typed custom CTs and CSs beside the built-ins", () => {
  const registry = createCapabilityRegistry({
    transforms: { "a::CT_X_V0": okCt },
    sideEffects: {
      "a::CS_X_V0": { run: okCs, storeFormat: "json" },
      "a::CS_NONE_V0": { run: okCs, storeFormat: null },
    },
  });
  assert.equal(registry.capabilities.transforms["a::CT_X_V0"], okCt);
  assert.equal(registry.capabilities.sideEffects["a::CS_X_V0"], okCs);
  assert.equal(registry.compileOptions.transforms.has("a::CT_X_V0"), true);
  assert.equal(
    registry.compileOptions.transforms.has("capability_transforms::CT_PURE_GENERATE_ID_V0"),
    true,
  );
  assert.equal(registry.compileOptions.sideEffects.get("a::CS_X_V0"), "json");
  assert.equal(registry.compileOptions.sideEffects.get("a::CS_NONE_V0"), null);
  assert.equal(
    registry.compileOptions.sideEffects.get("capability_side_effects::CS_REGISTRY_V0"),
    "jsonl",
  );
});

Deno.test("createCapabilityRegistry() lets a custom CT override a built-in of the same FQDN", () => {
  const registry = createCapabilityRegistry({
    transforms: { "capability_transforms::CT_PURE_GENERATE_ID_V0": okCt },
  });
  assert.equal(
    registry.capabilities.transforms["capability_transforms::CT_PURE_GENERATE_ID_V0"],
    okCt,
  );
});

Deno.test("createCapabilityRegistry() refuses what JavaScript callers can get wrong, naming the field", () => {
  // deno-lint-ignore no-explicit-any
  const bad = (custom: any, message: RegExp) =>
    assert.throws(() => createCapabilityRegistry(custom), (e) => {
      assert.ok(e instanceof UsageError);
      assert.equal(e.code, ErrorCode.USAGE);
      assert.match(e.message, message);
      return true;
    });
  bad(null, /^Invalid capabilities: expected \{ transforms\?, sideEffects\? \}$/);
  bad(
    { transforms: { "CT_X_V0": okCt } },
    /^Invalid capabilities\.transforms key "CT_X_V0": expected <namespace>::<CODE>/,
  );
  bad({ transforms: { "a::../CT": okCt } }, /key "a::\.\.\/CT"/);
  bad(
    { transforms: { "a::CT_X_V0": "okCt" } },
    /^Invalid capabilities\.transforms\["a::CT_X_V0"\]: expected a function$/,
  );
  bad(
    { sideEffects: { "a::CS_X_V0": okCs } },
    /^Invalid capabilities\.sideEffects\["a::CS_X_V0"\]: expected \{ run: function, storeFormat \}$/,
  );
  bad(
    { sideEffects: { "a::CS_X_V0": { run: okCs, storeFormat: "xml" } } },
    /^Invalid capabilities\.sideEffects\["a::CS_X_V0"\]\.storeFormat "xml": expected "json", "jsonl" or null$/,
  );
  bad({ sideEffects: { "a::CS_X_V0": { run: okCs } } }, /storeFormat "undefined"/);
});
