// deno-lint-ignore-file no-explicit-any -- hostile payloads are what the types forbid
/**
 * Payload values a JavaScript caller can build that JSON cannot hold, found by the second fuzz
 * campaign: a sparse array, a getter or a Proxy trap that throws. Each is a PAYLOAD refusal
 * naming the JSON path, before anything is created, never a TypeError from inside the run or
 * the caller's exception escaping unexplained.
 */
import assert from "node:assert/strict";
import { PgsError, runBatch, runWorkflow, UsageError } from "../../mod.ts";
import { EXAMPLE_WORKSPACE } from "../_support/workspace.ts";
import { tempDir } from "../_support/tmp.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const member = { name: "Ada", email: "ada@example.org" };
const boom = () => {
  throw new Error("getter boom");
};

const cases: Array<[string, () => Record<string, unknown>, string]> = [
  ["a sparse array", () => ({ member, tags: [1, , 3] }), "$.tags[1] is a hole of a sparse array"],
  [
    "a getter that throws",
    () => Object.defineProperty({ member }, "x", { get: boom, enumerable: true }),
    "$.x cannot be read (getter boom)",
  ],
  [
    "a Proxy whose ownKeys trap throws",
    () => ({ member, p: new Proxy({}, { ownKeys: boom }) }),
    "$.p cannot be read (getter boom)",
  ],
];

Deno.test("runWorkflow(): a sparse array, a throwing getter or Proxy in the payload is a PAYLOAD refusal naming its path", async () => {
  const dir = await tempDir();
  for (const [what, payload, reason] of cases) {
    const err = await runWorkflow({
      workspace: EXAMPLE_WORKSPACE,
      workflow: WF,
      payload: payload(),
      dataRoot: `${dir}/data`,
      traceFiles: false,
    }).then(() => null, (e) => e);
    assert.ok(err instanceof UsageError, `${what}: ${err?.stack ?? err}`);
    assert.equal(err.code, "PAYLOAD", what);
    assert.equal(err.message, `Invalid payload: expected plain JSON, but ${reason}`, what);
    assert.deepEqual(
      await Array.fromAsync(Deno.readDir(dir)),
      [],
      `${what}: no data root created`,
    );
  }
});

Deno.test("runBatch(): such a payload fails only its own item, with the same reason", async () => {
  const result = await runBatch({
    workspace: EXAMPLE_WORKSPACE,
    workflow: WF,
    payloads: [...cases.map(([, payload]) => payload()), { member }],
    kvUrl: ":memory:",
    traceFiles: false,
  });
  const items = result.items as any[];
  assert.equal(items.length, cases.length + 1);
  for (const [i, [what, , reason]] of cases.entries()) {
    assert.ok(items[i].error instanceof PgsError, `${what}: ${items[i].error}`);
    assert.equal(items[i].error.code, "PAYLOAD", what);
    assert.match(
      items[i].error.message,
      new RegExp(`but ${reason.replace(/[$.[\]()]/g, "\\$&")}$`),
    );
  }
  assert.equal(items[cases.length].result.classification, "COMPLETED");
});

Deno.test("runWorkflow(): objects shared along many paths are checked once, and refused when they would write too much", async () => {
  const refusal = (payload: Record<string, unknown>) =>
    runWorkflow({
      workspace: EXAMPLE_WORKSPACE,
      workflow: WF,
      payload,
      kvUrl: ":memory:",
      traceFiles: false,
    }).then(() => null, (e) => e);
  // 2^40 paths to one leaf: written out, far more than any store holds. It used to take
  // hours to check (every path walked); now the first check sees it.
  let doubling: unknown = { x: 1 };
  for (let i = 0; i < 40; i++) doubling = { a: doubling, b: doubling };
  const big = await refusal({ member, doubling });
  assert.ok(big instanceof UsageError, String(big));
  assert.equal(big.code, "PAYLOAD");
  assert.match(
    big.message,
    /^Invalid payload: expected plain JSON, but \$\.doubling(\.[ab])+ makes the value more than 10000000 JSON values as written/,
  );
  // A shared subtree is as deep as each place it sits: fine at one, too deep at another.
  let deep: unknown = 1;
  for (let i = 0; i < 60; i++) deep = [deep];
  const tooDeep = await refusal({ member, shallow: deep, nested: [[[[[[deep]]]]]] });
  assert.equal(
    tooDeep?.message,
    "Invalid payload: expected plain JSON, but $.nested[0][0][0][0][0][0] is nested deeper than 64 levels",
  );
  // Sharing itself is fine: the run records each place's copy.
  const tags = ["a", "b"];
  const ok = await runWorkflow({
    workspace: EXAMPLE_WORKSPACE,
    workflow: WF,
    payload: { member, extra: { tags, again: tags, deep: [[[deep]]] } },
    kvUrl: ":memory:",
    traceFiles: false,
  });
  assert.equal(ok.classification, "COMPLETED");
});
