import assert from "node:assert/strict";
import type { CompiledWorkflow, ExecutionGraph } from "../../snapshot/graph.ts";
import { writeTraceFiles } from "../../trace/files.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import { chainRecords } from "../../trace/recorder.ts";
import { TRACE_SCHEMA } from "../../trace/record.ts";
import { sealLine } from "../../trace/seal.ts";

Deno.test("writeTraceFiles() keeps the .jsonl and .md and reports a warning when the PNG cannot render", async () => {
  const { records, lines, head } = chainRecords([
    {
      type: "header",
      run: "root",
      schema: TRACE_SCHEMA,
      key_id: null,
      trace_id: "T1",
      workflow: "x::WF_A",
      snapshot_digest: "0".repeat(64),
      payload: {},
      seed: "00",
      started_at: "2026-01-01T00:00:00.000Z",
      runtime_version: "0.1.0",
      semantics_version: "1",
      budget: 10,
    },
    {
      type: "result",
      run: "root",
      workflow: "x::WF_A",
      status: "SUCCESS",
      classification: "COMPLETED",
      exit_node: "EXIT",
      reason: "EXITED",
      emit: null,
      results: {},
    },
  ], { fields: new Set(), values: new Set() });
  lines.push(sealLine({ key_id: null, path: [], signature: null }, lines.length, head));
  // An edge to a node that does not exist makes the renderer refuse the graph.
  const graph = {
    workflow: "x::WF_A",
    file: "f",
    start: "IN",
    nodes: { IN: { type: "IN", key: "IN", intent: null, next: { ACK: "MISSING" } } },
    admission: null,
    children: [],
  } as unknown as ExecutionGraph;
  const compiled = { root: graph, graphs: new Map(), digest: "0".repeat(64) } as CompiledWorkflow;
  const ws = await Deno.makeTempDir();
  const files = await writeTraceFiles({
    workspace: ws,
    compiled,
    traceId: "T1",
    lines,
    records,
    timings: [],
  });
  assert.equal(files.png, null);
  assert.equal(files.warnings.length, 1);
  assert.match(files.warnings[0], /^PNG_RENDER_FAILED: /);
  assert.deepEqual(verifyTrace(await Deno.readTextFile(files.jsonl)).problems, []);
  assert.match(await Deno.readTextFile(files.md), /## Rendering warnings\n\n- PNG_RENDER_FAILED: /);
});
