import assert from "node:assert/strict";
import { evaluateCondition, resolveBinding } from "../../actors/inputs.ts";
import { type BindingProblem, compileBinding, compileCondition } from "../../snapshot/bindings.ts";
import { loadPathParser } from "../../snapshot/bindings.ts";

// The compiler loads the path parser; these tests call the binding compiler directly.
await loadPathParser();

const NOW = "2026-01-01T00:00:00.000Z";

function compile(value: unknown, roots = ["payload", "results"]) {
  const problems: BindingProblem[] = [];
  const b = compileBinding(value, roots, problems, "$.x");
  return { b, problems };
}

Deno.test("compileBinding()/resolveBinding() resolve $.payload, $.results and literals recursively", () => {
  const { b, problems } = compile({
    name: "$.payload.member.name",
    id: "$.results.CC_A.id",
    list: ["$.payload.tags[1]", "plain", 7, null],
    nested: { flag: true, from: "$.payload.member.email" },
  });
  assert.deepEqual(problems, []);
  const scope = {
    payload: { member: { name: "Ada", email: "a@b.org" }, tags: ["x", "y"] },
    results: { CC_A: { id: "A_1" } },
  };
  assert.deepEqual(resolveBinding(b, scope, NOW), {
    name: "Ada",
    id: "A_1",
    list: ["y", "plain", 7, null],
    nested: { flag: true, from: "a@b.org" },
  });
});

Deno.test("resolveBinding() turns a missing path into null and reports it", () => {
  const { b } = compile({ a: "$.payload.nope.deeper", b: "$.results.CC_X.f" });
  const missing: string[] = [];
  assert.deepEqual(resolveBinding(b, { payload: {}, results: {} }, NOW, (p) => missing.push(p)), {
    a: null,
    b: null,
  });
  assert.deepEqual(missing, ["$.payload.nope.deeper", "$.results.CC_X.f"]);
});

Deno.test("templates: {{timestamp}} is the run clock; {{<path> + N}} / - N is integer arithmetic", () => {
  const { b, problems } = compile({
    at: "{{timestamp}}",
    next: "{{$.results.read.record.current_slot + 1}}",
    prev: "{{ $.results.read.record.current_slot - 2 }}",
    text: "{{$.results.read.record.label + 1}}",
  });
  assert.deepEqual(problems, []);
  const missing: string[] = [];
  const scope = { results: { read: { record: { current_slot: 41, label: "x" } } }, payload: {} };
  assert.deepEqual(resolveBinding(b, scope, NOW, (p) => missing.push(p)), {
    at: NOW,
    next: 42,
    prev: 39,
    text: null,
  });
  assert.equal(missing.length, 1);
  assert.match(missing[0], /not an integer: "x"/);
});

Deno.test("compileBinding() refuses unknown templates, roots and non-plain paths", () => {
  for (
    const [value, re] of [
      ["{{now}}", /template "{{now}}" is not/],
      ["$.inputs.x", /starts at "\$\.inputs", expected one of \$\.payload, \$\.results/],
      ["$..[?(@.constructor)]", /plain field names/],
      ["$['a']['b']", /plain field names/],
      ["$.payload[", /plain field names/],
      ["$.payload.*", /plain field names/],
    ] as const
  ) {
    const { problems } = compile(value);
    assert.equal(problems.length, 1, value);
    assert.match(problems[0].message, re);
    assert.equal(problems[0].at, "$.x");
  }
});

Deno.test("compileCondition()/evaluateCondition() compare paths and JSON literals", () => {
  const problems: BindingProblem[] = [];
  const cond = (text: string) => compileCondition(text, ["*"], problems, "$.e")!;
  const scope = {
    capability_result: { all_terminate: true, count: 3 },
    execution_result: { status: "SUCCESS" },
    inputs: { cap: 5 },
  };
  assert.equal(
    evaluateCondition(cond("$.capability_result.all_terminate == true"), scope, NOW),
    true,
  );
  assert.equal(evaluateCondition(cond('$.execution_result.status == "SUCCESS"'), scope, NOW), true);
  assert.equal(
    evaluateCondition(cond('$.execution_result.status != "SUCCESS"'), scope, NOW),
    false,
  );
  assert.equal(
    evaluateCondition(cond("$.capability_result.count < $.inputs.cap"), scope, NOW),
    true,
  );
  assert.equal(
    evaluateCondition(cond("$.capability_result.count >= $.inputs.cap"), scope, NOW),
    false,
  );
  assert.equal(
    evaluateCondition(cond("$.missing.value == null"), scope, NOW),
    false,
    "missing → false",
  );
  assert.deepEqual(problems, []);
  const bad: BindingProblem[] = [];
  assert.equal(compileCondition("not a condition", ["*"], bad, "$.e"), null);
  assert.match(bad[0].message, /is not "<operand> <op> <operand>"/);
});
