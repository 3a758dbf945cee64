import assert from "node:assert/strict";
import { ErrorCode, TraceError, UsageError } from "../../errors.ts";
import { renderMarkdown } from "../../trace/markdown.ts";
import type { TraceRecord, UnchainedRecord } from "../../trace/record.ts";
import { chain, header } from "../testdata/trace/fixtures.ts";
import {
  CHILD_RUN,
  SMALL_TIMINGS,
  SMALL_WF,
  smallRecords,
  smallTrace,
} from "../testdata/trace/small_trace.ts";

const ID = "T_20250101T000000Z_0123456789abcdef";

/** Lines of the section that starts with `## title`, up to the next section. */
function section(md: string, title: string): string[] {
  const lines = md.split("\n");
  const start = lines.indexOf(`## ${title}`);
  assert.ok(start >= 0, `section ${title} missing`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== "");
}

Deno.test("renderMarkdown() titles the summary with workflow and trace id", () => {
  const md = renderMarkdown(smallTrace());
  assert.equal(md.split("\n")[0], `# ${SMALL_WF} — trace ${ID}`);
  assert.ok(md.endsWith("\n"));
});

Deno.test("renderMarkdown() states the result with classification, exit, reason, emit", () => {
  const md = renderMarkdown(smallTrace());
  const lines = md.split("\n");
  assert.equal(lines[2], "**Result: COMPLETED** (status `SUCCESS`)");
  assert.equal(lines[4], "| Classification | Status | Exit node | Reason | Emit |");
  assert.equal(lines[6], "| COMPLETED | `SUCCESS` | `EXIT_OK` | `COMPLETED` | `EV_DONE_V0` |");
});

Deno.test("renderMarkdown() lists the header facts", () => {
  const run = section(renderMarkdown(smallTrace()), "Run");
  assert.deepEqual(run, [
    "| Field | Value |",
    "| --- | --- |",
    `| Trace id | \`${ID}\` |`,
    `| Workflow | \`${SMALL_WF}\` |`,
    `| Snapshot digest | \`${"ab".repeat(32)}\` |`,
    `| Seed | \`${"5eed".repeat(16)}\` |`,
    "| Started at | `2025-01-01T00:00:00.000Z` |",
    "| Runtime version | `0.1.0` |",
    "| Semantics version | `1` |",
    "| Step budget | 1000 |",
    "| Schema | `pgs.trace/2` |",
    "| Records | 22 |",
  ]);
});

Deno.test("renderMarkdown() renders the path with durations and nests the child run", () => {
  const path = section(renderMarkdown(smallTrace(), { timings: SMALL_TIMINGS }), "Path");
  assert.deepEqual(path, [
    "| # | Node | Type | Outcome | Duration (ms) |",
    "| ---: | --- | --- | --- | ---: |",
    "| 1 | `IN_START` | IN | `ACK` → `CC_SPAWN` | 0.25 |",
    "| 2 | `CC_SPAWN` | CC | `SUCCESS` → `EXIT_OK` | 12.50 |",
    `| 2.1 | ↳ child run \`${CHILD_RUN}\`: step \`call_child\`, \`demo::WF_CHILD_V0\` | run | ` +
    "COMPLETED (`SUCCESS`) | - |",
    "| 2.1.1 | ↳ `IN_CHILD` | IN | `ACK` → `CC_WORK` | 0.10 |",
    "| 2.1.2 | ↳ `CC_WORK` | CC | `SUCCESS` → `EXIT_DONE` | 3.00 |",
    "| 2.1.3 | ↳ `EXIT_DONE` | EXIT | `COMPLETED` | 0.00 |",
    "| 3 | `EXIT_OK` | EXIT | `COMPLETED` | 0.01 |",
    "Root run node time: 12.76 ms.",
  ]);
});

Deno.test("renderMarkdown() shows '-' durations without timings", () => {
  const path = section(renderMarkdown(smallTrace()), "Path");
  assert.equal(path[2], "| 1 | `IN_START` | IN | `ACK` → `CC_SPAWN` | - |");
  assert.equal(path[8], "| 3 | `EXIT_OK` | EXIT | `COMPLETED` | - |");
  assert.equal(path.length, 9);
});

Deno.test("renderMarkdown() matches repeated visits to timings in order", () => {
  const records = chain([
    header("d::WF_LOOP"),
    { type: "node", run: "root", node: "CC_A", node_type: "CC" },
    { type: "transition", run: "root", from: "CC_A", outcome: "AGAIN", to: "CC_A" },
    { type: "node", run: "root", node: "CC_A", node_type: "CC" },
    { type: "transition", run: "root", from: "CC_A", outcome: "DONE", to: null },
  ]);
  const path = section(
    renderMarkdown(records, {
      timings: [
        { run: "root", node: "CC_A", outcome: "AGAIN", ms: 1 },
        { run: "root", node: "CC_A", outcome: "DONE", ms: 2 },
      ],
    }),
    "Path",
  );
  assert.deepEqual(path.slice(2), [
    "| 1 | `CC_A` | CC | `AGAIN` → `CC_A` | 1.00 |",
    "| 2 | `CC_A` | CC | `DONE` (no edge) | 2.00 |",
    "Root run node time: 3.00 ms.",
  ]);
});

Deno.test("renderMarkdown() lists admissions of every run", () => {
  assert.deepEqual(section(renderMarkdown(smallTrace()), "Admission"), [
    "- workflow: **ADMITTED**",
    "- IN `IN_START`: **ACK**",
    `- IN \`IN_CHILD\` (run \`${CHILD_RUN}\`): **ACK**`,
  ]);
});

Deno.test("renderMarkdown() lists every NACK reason", () => {
  const records = chain([
    header("d::WF_X"),
    { type: "node", run: "root", node: "IN_X", node_type: "IN" },
    {
      type: "admission",
      run: "root",
      kind: "IN",
      node: "IN_X",
      outcome: "NACK",
      reasons: ["$.name: required", "$.age: expected integer"],
    },
    { type: "transition", run: "root", from: "IN_X", outcome: "NACK", to: "EXIT_REJECTED" },
    { type: "node", run: "root", node: "EXIT_REJECTED", node_type: "EXIT" },
    {
      type: "result",
      run: "root",
      workflow: "d::WF_X",
      status: "NACK",
      classification: "REJECTED",
      exit_node: "EXIT_REJECTED",
      reason: "EXITED",
      emit: null,
      results: {},
    },
  ]);
  const md = renderMarkdown(records);
  assert.deepEqual(section(md, "Admission"), [
    "- IN `IN_X`: **NACK**",
    "  - $.name: required",
    "  - $.age: expected integer",
  ]);
  assert.ok(md.includes("| REJECTED | `NACK` | `EXIT_REJECTED` | `EXITED` | - |"));
  assert.deepEqual(section(md, "Path").slice(2), [
    "| 1 | `IN_X` | IN | `NACK` → `EXIT_REJECTED` | - |",
    "| 2 | `EXIT_REJECTED` | EXIT | `EXITED` | - |",
  ]);
});

Deno.test("renderMarkdown() tabulates steps and effects with visit numbers", () => {
  const md = renderMarkdown(smallTrace());
  assert.deepEqual(section(md, "Steps").slice(2), [
    "| 2 | `CC_SPAWN` | `make_id` | CT | `GENERATE_ID` | - | SUCCESS | continue |",
    "| 2 | `CC_SPAWN` | `store` | CS | `demo::CS_REGISTRY_V0` | `REGISTER` | SUCCESS | continue |",
    "| 2 | `CC_SPAWN` | `call_child` | CS | `demo::CS_INVOKE_WORKFLOW_V0` | `INVOKE` | SUCCESS | " +
    "continue |",
  ]);
  assert.deepEqual(section(md, "Effects"), [
    "| # | Node | Step | Store | Mutation | Key | Operation | Result |",
    "| ---: | --- | --- | --- | --- | --- | --- | --- |",
    "| 2 | `CC_SPAWN` | `store` | `demo/registry` | set | `X1` | REGISTER | SUCCESS |",
  ]);
});

Deno.test("renderMarkdown() shows the evaluation block a step routed to", () => {
  const records = chain([
    header("d::WF_E"),
    { type: "node", run: "root", node: "CC_A", node_type: "CC" },
    {
      type: "step",
      run: "root",
      node: "CC_A",
      step: "cmp",
      kind: "CT",
      capability: "COMPARE_EQUAL",
      op: null,
      inputs: {},
      outputs: {},
      result: {},
      status: "SUCCESS",
      route: "check_equal",
      evaluation: {
        name: "check_equal",
        condition: "$.equal == true",
        value: false,
        status: "VIOLATION",
      },
    },
  ]);
  assert.equal(
    section(renderMarkdown(records), "Steps")[2],
    "| 1 | `CC_A` | `cmp` | CT | `COMPARE_EQUAL` | - | SUCCESS | " +
      "check_equal (`check_equal`: `$.equal == true` = false → VIOLATION) |",
  );
});

Deno.test("renderMarkdown() shows warnings with pipes escaped and 'None.' for no faults", () => {
  const md = renderMarkdown(smallTrace());
  assert.deepEqual(section(md, "Warnings"), [
    "| Seq | Run | Code | Node | Step | Message |",
    "| ---: | --- | --- | --- | --- | --- |",
    "| 18 | `root` | `OUTPUT_PATH_MISSING` | `CC_SPAWN` | `call_child` | " +
    "output $.capability_result.ref \\| missing |",
  ]);
  assert.deepEqual(section(md, "Faults"), ["None."]);
});

Deno.test("renderMarkdown() shows faults and marks the faulted visit", () => {
  const records = chain([
    header("d::WF_F"),
    { type: "node", run: "root", node: "CC_A", node_type: "CC" },
    {
      type: "fault",
      run: "root",
      node: "CC_A",
      step: "write",
      error: "StorageError: <disk> full\nretry later",
    },
    {
      type: "result",
      run: "root",
      workflow: "d::WF_F",
      status: "FAULT",
      classification: "FAULTED",
      exit_node: null,
      reason: null,
      emit: null,
      results: {},
    },
  ]);
  const md = renderMarkdown(records);
  assert.deepEqual(section(md, "Faults"), [
    "| Seq | Run | Node | Step | Error |",
    "| ---: | --- | --- | --- | --- |",
    "| 2 | `root` | `CC_A` | `write` | StorageError: &lt;disk&gt; full retry later |",
  ]);
  assert.equal(section(md, "Path")[2], "| 1 | `CC_A` | CC | `FAULT` | - |");
  assert.ok(md.includes("| FAULTED | `FAULT` | - | - | - |"));
  assert.deepEqual(section(md, "Warnings"), ["None."]);
  assert.deepEqual(section(md, "Effects"), ["No state changes."]);
});

Deno.test("renderMarkdown() says so when the root result is missing", () => {
  const records = smallTrace().slice(0, -1);
  assert.equal(
    renderMarkdown(records).split("\n")[2],
    "**Result: missing** — the trace has no result record for the root run (incomplete).",
  );
});

Deno.test("renderMarkdown() prints examine and replay commands", () => {
  const defaults = section(renderMarkdown(smallTrace()), "Examine and replay");
  const jsonl = `traces/${ID}/${ID}.jsonl`;
  assert.deepEqual(defaults, [
    "```sh",
    `deno run -A cli.ts examine ${jsonl}`,
    `deno run -A cli.ts replay ${jsonl} --workspace <workspace>`,
    "```",
  ]);
  const given = section(
    renderMarkdown(smallTrace(), { tracePath: "/w s/t.jsonl", workspace: "/ws" }),
    "Examine and replay",
  );
  assert.deepEqual(given.slice(1, 3), [
    "deno run -A cli.ts examine '/w s/t.jsonl'",
    "deno run -A cli.ts replay '/w s/t.jsonl' --workspace /ws",
  ]);
});

Deno.test("renderMarkdown() embeds the png only when given", () => {
  assert.ok(!renderMarkdown(smallTrace()).includes("!["));
  const md = renderMarkdown(smallTrace(), { pngPath: "T (1).png" });
  assert.equal(md.split("\n")[8], "![workflow graph with the executed path](T%20%281%29.png)");
});

Deno.test("renderMarkdown() prints the payload in a fence longer than its backtick runs", () => {
  const records = chain([header("d::WF_P", { q: "a```b" })]);
  const payload = section(renderMarkdown(records), "Payload");
  assert.deepEqual(payload, ["````json", "{", '  "q": "a```b"', "}", "````"]);
});

Deno.test("renderMarkdown() fences code spans around backticks", () => {
  const records = chain([
    header("d::WF_B"),
    { type: "node", run: "root", node: "CC_`odd`|key", node_type: "CC" },
  ]);
  const path = section(renderMarkdown(records), "Path");
  assert.equal(path[2], "| 1 | `` CC_`odd`\\|key `` | CC | - | - |");
});

Deno.test("renderMarkdown() is deterministic and does not mutate its input", () => {
  const records = smallTrace();
  const copy = structuredClone(records);
  const a = renderMarkdown(records, { timings: SMALL_TIMINGS });
  const b = renderMarkdown(structuredClone(records), { timings: structuredClone(SMALL_TIMINGS) });
  assert.equal(a, b);
  assert.deepEqual(records, copy);
});

Deno.test("renderMarkdown() refuses records without a header", () => {
  for (const bad of [[], chain(smallRecords().slice(1))] as TraceRecord[][]) {
    assert.throws(
      () => renderMarkdown(bad),
      (e) => e instanceof TraceError && e.code === ErrorCode.TRACE,
    );
  }
  const twoHeaders = chain([header("d::W"), header("d::W")] as UnchainedRecord[]);
  assert.throws(() => renderMarkdown(twoHeaders), TraceError);
});

Deno.test("renderMarkdown() refuses malformed timings", () => {
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => renderMarkdown(smallTrace(), { timings: "fast" as any }),
    (e) => e instanceof UsageError && e.code === ErrorCode.USAGE,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => renderMarkdown(smallTrace(), { timings: [{ run: "root", node: "X" } as any] }),
    (e) => e instanceof UsageError && /timings\[0\]/.test(e.message),
  );
});
