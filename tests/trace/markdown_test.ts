/**
 * `renderMarkdown()` on golden traces (real runs, tests/testdata/golden/); the shapes no real
 * run produces (a node entered twice, odd node keys, a missing result) are golden records
 * edited.
 */
import assert from "node:assert/strict";
import { ErrorCode, TraceError, UsageError } from "../../errors.ts";
import { renderMarkdown } from "../../trace/markdown.ts";
import type { TraceRecord } from "../../trace/record.ts";
import { COMPLETED_TIMINGS, golden, withRevisits } from "../testdata/golden/mod.ts";

const ID = "T_golden_completed";
const NOTIFY_RUN = "root/CC_REGISTER/notify/0";

const completed = () => golden("completed").records;

/** Lines of the section that starts with `## title`, up to the next section. */
function section(md: string, title: string): string[] {
  const lines = md.split("\n");
  const start = lines.indexOf(`## ${title}`);
  assert.ok(start >= 0, `section ${title} missing`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== "");
}

Deno.test("renderMarkdown() titles the summary with workflow and trace id", () => {
  const md = renderMarkdown(completed());
  assert.equal(md.split("\n")[0], `# demo::WF_REGISTER_V0 — trace ${ID}`);
  assert.ok(md.endsWith("\n"));
});

Deno.test("renderMarkdown() states the result with classification, exit, reason, emit", () => {
  const lines = renderMarkdown(completed()).split("\n");
  assert.equal(lines[2], "**Result: COMPLETED** (status `SUCCESS`)");
  assert.equal(lines[4], "| Classification | Status | Exit node | Reason | Emit |");
  assert.equal(
    lines[6],
    "| COMPLETED | `SUCCESS` | `EXIT_OK` | `COMPLETED` | `EV_REGISTERED_V0` |",
  );
  // Execution is not effect: the repeated registration completes with status ALREADY_EXISTS.
  assert.equal(
    renderMarkdown(golden("completed_warning").records).split("\n")[2],
    "**Result: COMPLETED** (status `ALREADY_EXISTS`)",
  );
});

Deno.test("renderMarkdown() lists the header facts", () => {
  const records = completed();
  const header = records[0] as { snapshot_digest: string };
  assert.deepEqual(section(renderMarkdown(records), "Run"), [
    "| Field | Value |",
    "| --- | --- |",
    `| Trace id | \`${ID}\` |`,
    "| Workflow | `demo::WF_REGISTER_V0` |",
    `| Snapshot digest | \`${header.snapshot_digest}\` |`,
    `| Seed | \`${"5eed".repeat(16)}\` |`,
    "| Started at | `2025-01-01T00:00:00.000Z` |",
    "| Runtime version | `0.1.0` |",
    "| Semantics version | `1` |",
    "| Step budget | 100000 |",
    "| Schema | `pgs.trace/2` |",
    "| Records | 24 |",
  ]);
});

Deno.test("renderMarkdown() renders the path with durations and nests the child run", () => {
  const path = section(renderMarkdown(completed(), { timings: COMPLETED_TIMINGS }), "Path");
  assert.deepEqual(path, [
    "| # | Node | Type | Outcome | Duration (ms) |",
    "| ---: | --- | --- | --- | ---: |",
    "| 1 | `IN_REQ` | IN | `ACK` → `CC_REGISTER` | 0.25 |",
    "| 2 | `CC_REGISTER` | CC | `SUCCESS` → `EXIT_OK` | 12.50 |",
    `| 2.1 | ↳ child run \`${NOTIFY_RUN}\`: step \`notify\`, \`demo::WF_NOTIFY_V0\` | run | ` +
    "COMPLETED (`SUCCESS`) | - |",
    "| 2.1.1 | ↳ `IN_NOTIFY` | IN | `ACK` → `CC_SEND` | 0.10 |",
    "| 2.1.2 | ↳ `CC_SEND` | CC | `SUCCESS` → `EXIT_SENT` | 3.00 |",
    "| 2.1.3 | ↳ `EXIT_SENT` | EXIT | `COMPLETED` | 0.00 |",
    "| 3 | `EXIT_OK` | EXIT | `COMPLETED` | 0.01 |",
    "Root run node time: 12.76 ms.",
  ]);
});

Deno.test("renderMarkdown() shows '-' durations without timings", () => {
  const path = section(renderMarkdown(completed()), "Path");
  assert.equal(path[2], "| 1 | `IN_REQ` | IN | `ACK` → `CC_REGISTER` | - |");
  assert.equal(path[8], "| 3 | `EXIT_OK` | EXIT | `COMPLETED` | - |");
  assert.equal(path.length, 9);
});

Deno.test("renderMarkdown() matches repeated visits to timings in order", () => {
  // A node entered twice (edited in: the compiler refuses cycles, so no real run does this).
  const records = withRevisits(golden("ended").records, "CC_LOOKUP", 2);
  const path = section(
    renderMarkdown(records, {
      timings: [
        { run: "root", node: "IN_Q", outcome: "ACK", ms: 0.5 },
        { run: "root", node: "CC_LOOKUP", outcome: "AGAIN", ms: 1 },
        { run: "root", node: "CC_LOOKUP", outcome: "NOT_FOUND", ms: 2 },
        { run: "root", node: "EXIT_NOT_FOUND", outcome: "NOT_FOUND", ms: 0 },
      ],
    }),
    "Path",
  );
  assert.deepEqual(path.slice(2), [
    "| 1 | `IN_Q` | IN | `ACK` → `CC_LOOKUP` | 0.50 |",
    "| 2 | `CC_LOOKUP` | CC | `AGAIN` → `CC_LOOKUP` | 1.00 |",
    "| 3 | `CC_LOOKUP` | CC | `NOT_FOUND` → `EXIT_NOT_FOUND` | 2.00 |",
    "| 4 | `EXIT_NOT_FOUND` | EXIT | `NOT_FOUND` | 0.00 |",
    "Root run node time: 3.50 ms.",
  ]);
});

Deno.test("renderMarkdown() marks an outcome without an edge", () => {
  const path = section(renderMarkdown(golden("no_transition").records), "Path");
  assert.deepEqual(path.slice(2), [
    "| 1 | `IN_CHECK` | IN | `ACK` → `CC_CHECK` | - |",
    "| 2 | `CC_CHECK` | CC | `MAYBE` (no edge) | - |",
  ]);
});

Deno.test("renderMarkdown() lists admissions of every run", () => {
  assert.deepEqual(section(renderMarkdown(completed()), "Admission"), [
    "- workflow: **ADMITTED**",
    "- IN `IN_REQ`: **ACK**",
    `- IN \`IN_NOTIFY\` (run \`${NOTIFY_RUN}\`): **ACK**`,
  ]);
});

Deno.test("renderMarkdown() lists every NACK reason", () => {
  const md = renderMarkdown(golden("nack").records);
  assert.deepEqual(section(md, "Admission"), [
    "- workflow: **ADMITTED**",
    "- IN `IN_REQ`: **NACK**",
    '  - $.email: "not-an-email" is not an email address',
    "  - $.amount: -1 is below the minimum 0",
  ]);
  assert.ok(md.includes("| REJECTED | `NACK` | `EXIT_REJECTED` | `REJECTED` | - |"));
  assert.deepEqual(section(md, "Path").slice(2), [
    "| 1 | `IN_REQ` | IN | `NACK` → `EXIT_REJECTED` | - |",
    "| 2 | `EXIT_REJECTED` | EXIT | `REJECTED` | - |",
  ]);
});

Deno.test("renderMarkdown() lists the reasons of a workflow admission denial", () => {
  assert.deepEqual(section(renderMarkdown(golden("admission_denied").records), "Admission"), [
    "- workflow: **ADMISSION_DENIED**",
    '  - required event EV_ACTOR_REGISTERED_V0 not found for actor_id="A1"',
    '  - ADMISSION_BINDING_MISSING_FIELD: payload field "wallet" (bound for EV_WALLET_V0)',
  ]);
});

Deno.test("renderMarkdown() tabulates steps and effects with visit numbers, child runs included", () => {
  const md = renderMarkdown(completed());
  assert.deepEqual(section(md, "Steps").slice(2), [
    "| 2 | `CC_REGISTER` | `make_id` | CT | `capability_transforms::CT_PURE_GENERATE_ID_V0` | " +
    "`GENERATE_ID` | SUCCESS | continue |",
    "| 2 | `CC_REGISTER` | `store` | CS | `capability_side_effects::CS_REGISTRY_V0` | " +
    "`REGISTER` | SUCCESS | continue |",
    "| 2 | `CC_REGISTER` | `notify` | CS | `capability_side_effects::CS_WORKFLOW_GATEWAY_V0` | " +
    "`EXECUTE` | SUCCESS | newly_registered (`newly_registered`: " +
    "`$.results.store.address != null` = true → SUCCESS) |",
    "| 2.1.2 | `CC_SEND` | `send` | CS | `capability_side_effects::CS_APPENDONLY_JSONL_V0` | " +
    "`APPEND` | SUCCESS | exit |",
  ]);
  assert.deepEqual(section(md, "Effects"), [
    "| # | Node | Step | Store | Mutation | Key | Operation | Result |",
    "| ---: | --- | --- | --- | --- | --- | --- | --- |",
    "| 2 | `CC_REGISTER` | `store` | `demo/registry.json` | append | `1` | REGISTER | SUCCESS |",
    "| 2 | `CC_REGISTER` | `store` | `demo/registry.json` | set | `U_a937a8f2b8c2a987` | " +
    "REGISTER | SUCCESS |",
    "| 2.1.2 | `CC_SEND` | `send` | `demo/outbox.jsonl` | append | `1` | APPEND | SUCCESS |",
  ]);
});

Deno.test("renderMarkdown() shows the evaluation block a step routed to", () => {
  const steps = section(renderMarkdown(golden("completed_warning").records), "Steps");
  assert.equal(
    steps[4],
    "| 2 | `CC_REGISTER` | `notify` | CS | `capability_side_effects::CS_WORKFLOW_GATEWAY_V0` | " +
      "`EXECUTE` | SUCCESS | newly_registered (`newly_registered`: " +
      "`$.results.store.address != null` = false → ALREADY_EXISTS) |",
  );
});

Deno.test("renderMarkdown() shows warnings with pipes escaped and 'None.' for no faults", () => {
  const md = renderMarkdown(golden("completed_warning").records);
  assert.deepEqual(section(md, "Warnings"), [
    "| Seq | Run | Code | Node | Step | Message |",
    "| ---: | --- | --- | --- | --- | --- |",
    "| 7 | `root` | `OUTPUT_PATH_MISSING` | `CC_REGISTER` | `store` | " +
    "output address = $.capability_result.address: the capability did not produce it; null |",
  ]);
  assert.deepEqual(section(md, "Faults"), ["None."]);
  // A message with a pipe (edited in) must not break the table.
  const piped = golden("completed_warning").records.map((r) =>
    r.type === "warning" ? { ...r, message: "output a | b missing" } : r
  );
  assert.equal(
    section(renderMarkdown(piped), "Warnings")[2],
    "| 7 | `root` | `OUTPUT_PATH_MISSING` | `CC_REGISTER` | `store` | output a \\| b missing |",
  );
});

Deno.test("renderMarkdown() shows faults and marks the faulted visit", () => {
  const md = renderMarkdown(golden("fault").records);
  assert.deepEqual(section(md, "Faults"), [
    "| Seq | Run | Node | Step | Error |",
    "| ---: | --- | --- | --- | --- |",
    "| 6 | `root` | `CC_SIGN` | `sign` | TypeError: digest must be 32 bytes, got null " +
    "(key redacted:sha256:5dba98efda9a1e1b) |",
  ]);
  assert.equal(section(md, "Path")[3], "| 2 | `CC_SIGN` | CC | `FAULT` | - |");
  assert.ok(md.includes("| FAULTED | `FAULT` | - | `FAULT` | - |"));
  assert.deepEqual(section(md, "Effects"), ["No state changes."]);
  assert.ok(!md.includes("0xdeadbeef"), "the suppressed key stays redacted");
  // An error text with markup and a line break (edited in) stays one escaped cell.
  const odd = golden("fault").records.map((r) =>
    r.type === "fault" ? { ...r, error: "StorageError: <disk> full\nretry later" } : r
  );
  assert.equal(
    section(renderMarkdown(odd), "Faults")[2],
    "| 6 | `root` | `CC_SIGN` | `sign` | StorageError: &lt;disk&gt; full retry later |",
  );
});

Deno.test("renderMarkdown() follows a fault into the child run it happened in", () => {
  const md = renderMarkdown(golden("child_fault").records);
  assert.deepEqual(section(md, "Faults").slice(2), [
    "| 19 | `root/CC_BATCH/each/item1` | `CC_NONCE` | `bump` | RangeError: nonce overflow |",
    "| 21 | `root` | `CC_NONCE` | `bump` | RangeError: nonce overflow |",
  ]);
});

Deno.test("renderMarkdown() says so when the root result is missing", () => {
  const records = completed().slice(0, -1);
  assert.equal(
    renderMarkdown(records).split("\n")[2],
    "**Result: missing** — the trace has no result record for the root run (incomplete).",
  );
});

Deno.test("renderMarkdown() prints examine and replay commands", () => {
  const defaults = section(renderMarkdown(completed()), "Examine and replay");
  const jsonl = `traces/${ID}/${ID}.jsonl`;
  assert.deepEqual(defaults, [
    "```sh",
    `pgs-runtime examine ${jsonl}`,
    `pgs-runtime replay ${jsonl} --workspace <workspace>`,
    "```",
  ]);
  const given = section(
    renderMarkdown(completed(), { tracePath: "/w s/t.jsonl", workspace: "/ws" }),
    "Examine and replay",
  );
  assert.deepEqual(given.slice(1, 3), [
    "pgs-runtime examine '/w s/t.jsonl'",
    "pgs-runtime replay '/w s/t.jsonl' --workspace /ws",
  ]);
  // The CLI passes the command lines that work for how it was started.
  const custom = section(
    renderMarkdown(completed(), {
      commands: { examine: "deno run -R cli.ts examine t.jsonl", replay: "x replay t.jsonl" },
    }),
    "Examine and replay",
  );
  assert.deepEqual(custom.slice(1, 3), ["deno run -R cli.ts examine t.jsonl", "x replay t.jsonl"]);
});

Deno.test("renderMarkdown() embeds the png only when given", () => {
  assert.ok(!renderMarkdown(completed()).includes("!["));
  const md = renderMarkdown(completed(), { pngPath: "T (1).png" });
  assert.equal(md.split("\n")[8], "![workflow graph with the executed path](T%20%281%29.png)");
});

Deno.test("renderMarkdown() prints the payload in a fence longer than its backtick runs", () => {
  const [header] = completed();
  const records = [{ ...header, payload: { q: "a```b" } }] as TraceRecord[];
  const payload = section(renderMarkdown(records), "Payload");
  assert.deepEqual(payload, ["````json", "{", '  "q": "a```b"', "}", "````"]);
});

Deno.test("renderMarkdown() fences code spans around backticks", () => {
  const [header, ...rest] = completed();
  const node = rest.find((r) => r.type === "node" && r.node_type === "CC")!;
  const path = section(
    renderMarkdown([header, { ...node, node: "CC_`odd`|key" }] as TraceRecord[]),
    "Path",
  );
  assert.equal(path[2], "| 1 | `` CC_`odd`\\|key `` | CC | - | - |");
});

Deno.test("renderMarkdown() is deterministic and does not mutate its input", () => {
  const records = completed();
  const copy = structuredClone(records);
  const a = renderMarkdown(records, { timings: COMPLETED_TIMINGS });
  const b = renderMarkdown(structuredClone(records), {
    timings: structuredClone(COMPLETED_TIMINGS),
  });
  assert.equal(a, b);
  assert.deepEqual(records, copy);
});

Deno.test("renderMarkdown() refuses records without a header", () => {
  for (const bad of [[], completed().slice(1)] as TraceRecord[][]) {
    assert.throws(
      () => renderMarkdown(bad),
      (e) => e instanceof TraceError && e.code === ErrorCode.TRACE,
    );
  }
  const [header] = completed();
  assert.throws(() => renderMarkdown([header, { ...header, seq: 1 }]), TraceError);
});

Deno.test("renderMarkdown() refuses malformed timings", () => {
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => renderMarkdown(completed(), { timings: "fast" as any }),
    (e) => e instanceof UsageError && e.code === ErrorCode.USAGE,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => renderMarkdown(completed(), { timings: [{ run: "root", node: "X" } as any] }),
    (e) => e instanceof UsageError && /timings\[0\]/.test(e.message),
  );
});
