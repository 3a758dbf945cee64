import assert from "node:assert/strict";
import type { CompiledWorkflow, ExecutionGraph } from "../../snapshot/graph.ts";
import { writeTraceFiles } from "../../trace/files.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import { golden } from "../testdata/golden/mod.ts";
import { tempDir } from "../_support/tmp.ts";

Deno.test("writeTraceFiles() keeps the .jsonl and .md and reports a warning when the PNG cannot render", async () => {
  const { lines, records, traceId, text } = golden("completed");
  // An edge to a node that does not exist makes the renderer refuse the graph.
  const graph = {
    workflow: "demo::WF_REGISTER_V0",
    file: "f",
    start: "IN",
    nodes: { IN: { type: "IN", key: "IN", intent: null, next: { ACK: "MISSING" } } },
    admission: null,
    children: [],
  } as unknown as ExecutionGraph;
  const compiled = { root: graph, graphs: new Map(), digest: "0".repeat(64) } as CompiledWorkflow;
  const ws = await tempDir();
  const files = await writeTraceFiles({
    workspace: ws,
    compiled,
    traceId,
    lines,
    records,
    timings: [],
  });
  assert.equal(files.png, null);
  assert.equal(files.warnings.length, 1);
  assert.match(files.warnings[0], /^PNG_RENDER_FAILED: /);
  assert.equal(files.jsonl, `${ws}/traces/${traceId}/${traceId}.jsonl`);
  assert.equal(await Deno.readTextFile(files.jsonl), text, "the body is written as committed");
  assert.deepEqual(verifyTrace(await Deno.readTextFile(files.jsonl)).problems, []);
  assert.match(await Deno.readTextFile(files.md), /## Rendering warnings\n\n- PNG_RENDER_FAILED: /);
});
