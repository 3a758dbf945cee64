import assert from "node:assert/strict";
import { LOCAL_LIMITS, type Op, packCommits } from "../../storage/_commit.ts";

const op = (cc: number, i: number): Op => ({ key: ["t", cc, i], value: new Uint8Array([1]) });

Deno.test("packCommits() splits a too-large run between CCs, not inside one, when a CC fits a commit", () => {
  const ccs = [0, 1, 2].map((cc) => Array.from({ length: 400 }, (_, i) => op(cc, i)));
  const commits = packCommits({
    checks: [{ key: ["m"], versionstamp: null }],
    head: [{ key: ["m"], value: new Uint8Array([2]) }],
    effects: ccs.flat(),
    boundaries: [400, 800, 1200],
    traceBodies: [],
    traces: [],
  }, LOCAL_LIMITS);
  assert.equal(commits.length, 2);
  const ccsOf = (
    c: { ops: Op[] },
  ) => [...new Set(c.ops.filter((o) => o.key[0] === "t").map((o) => o.key[1]))];
  assert.deepEqual(ccsOf(commits[0]), [0, 1], "commit 1: head + CC 0 + CC 1 whole");
  assert.deepEqual(ccsOf(commits[1]), [2], "commit 2: CC 2 whole");
  assert.equal(commits[1].ops.length, 400);
});

Deno.test("packCommits() still cuts a single CC larger than one commit", () => {
  const effects = Array.from({ length: 1500 }, (_, i) => op(0, i));
  const commits = packCommits({
    checks: [],
    head: [],
    effects,
    boundaries: [1500],
    traceBodies: [],
    traces: [],
  }, LOCAL_LIMITS);
  assert.equal(commits.length, 2);
  assert.equal(commits.reduce((n, c) => n + c.ops.length, 0), 1500);
});
