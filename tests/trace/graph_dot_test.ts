import assert from "node:assert/strict";
import { ErrorCode, TraceError, UsageError } from "../../errors.ts";
import { buildDot, dotString, type GraphView, htmlText } from "../../trace/graph_dot.ts";
import {
  GOVERN_ACTION,
  GOVERN_HAPPY,
  GOVERN_UNAUTHORIZED,
  governTrace,
  loadGraphView,
} from "../testdata/trace/fixtures.ts";
import { SMALL_GRAPH, smallTrace } from "../testdata/trace/small_trace.ts";

interface DotEdge {
  from: string;
  to: string;
  outcomes: string[];
  taken: boolean;
}

/** Reads back the edge statements buildDot writes (one per line). */
function edges(dot: string): DotEdge[] {
  const out: DotEdge[] = [];
  for (const line of dot.split("\n")) {
    const m = /^ {2}"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)" \[label="((?:[^"\\]|\\.)*)"(.*)\];$/
      .exec(line);
    if (!m) continue;
    const label = m[3].replace(/ ×\d+$/, "");
    out.push({ from: m[1], to: m[2], outcomes: label.split("\\n"), taken: m[4].includes("taken") });
  }
  return out;
}

/** Node statements: key → attribute text. */
function nodes(dot: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of dot.split("\n")) {
    const m = /^ {2}"((?:[^"\\]|\\.)*)" \[(shape=.*)\];$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

const govern = loadGraphView(GOVERN_ACTION);

Deno.test("loadGraphView() reads the 18-node workflow with its 30 outcome edges", () => {
  assert.equal(govern.nodes.length, 18);
  assert.equal(govern.edges.length, 30);
  assert.equal(govern.start, "IN_AGENT_ACTION_REQUESTED_V0");
});

Deno.test("buildDot() declares every node once with a shape per type", () => {
  const dot = buildDot(govern, governTrace(govern, GOVERN_HAPPY));
  const declared = nodes(dot);
  assert.deepEqual([...declared.keys()].sort(), govern.nodes.map((n) => n.key).sort());
  for (const node of govern.nodes) {
    const shape = { IN: "shape=cds", CC: "shape=box", EXIT: "shape=doubleoctagon" }[node.type];
    assert.ok(declared.get(node.key)!.startsWith(shape), `${node.key}: ${shape}`);
  }
});

Deno.test("buildDot() draws every declared outcome edge", () => {
  const dot = buildDot(govern, governTrace(govern, GOVERN_HAPPY));
  const drawn = edges(dot).flatMap((e) => e.outcomes.map((o) => `${e.from} -${o}-> ${e.to}`));
  const declared = govern.edges.map((e) => `${e.from} -${e.outcome}-> ${e.to}`);
  assert.deepEqual(drawn.sort(), declared.sort());
});

for (
  const [name, path] of [["happy", GOVERN_HAPPY], ["unauthorized", GOVERN_UNAUTHORIZED]] as const
) {
  Deno.test(`buildDot() highlights exactly the taken edges (${name} path)`, () => {
    const dot = buildDot(govern, governTrace(govern, path));
    const taken = edges(dot).filter((e) => e.taken);
    const expected = path.slice(0, -1).map(([node, , outcome], i) =>
      `${node} -${outcome}-> ${path[i + 1][0]}`
    );
    assert.deepEqual(
      taken.map((e) => `${e.from} -${e.outcomes.join(",")}-> ${e.to}`).sort(),
      expected.sort(),
    );
    for (const edge of taken) assert.equal(edge.outcomes.length, 1);
  });

  Deno.test(`buildDot() fills and labels exactly the visited nodes (${name} path)`, () => {
    const dot = buildDot(govern, governTrace(govern, path));
    const declared = nodes(dot);
    const visited = new Map(path.map(([node, , outcome], i) => [node, `#${i + 1} ${outcome}`]));
    for (const [key, attrs] of declared) {
      if (visited.has(key)) {
        assert.match(attrs, /fillcolor="#/);
        assert.match(attrs, /group="path"/);
        assert.ok(attrs.includes(`\\n${visited.get(key)}`), `${key} labelled ${visited.get(key)}`);
      } else {
        assert.doesNotMatch(attrs, /fillcolor|#\d/);
      }
    }
  });
}

Deno.test("buildDot() groups untaken outcomes sharing source and target", () => {
  const dot = buildDot(SMALL_GRAPH, smallTrace());
  assert.deepEqual(edges(dot), [
    { from: "IN_START", to: "CC_SPAWN", outcomes: ["ACK"], taken: true },
    { from: "IN_START", to: "EXIT_REJECTED", outcomes: ["NACK"], taken: false },
    { from: "CC_SPAWN", to: "EXIT_OK", outcomes: ["SUCCESS"], taken: true },
    { from: "CC_SPAWN", to: "EXIT_ERROR", outcomes: ["VIOLATION", "BACKEND_ERROR"], taken: false },
  ]);
});

Deno.test("buildDot() notes child runs and the emit of the reached exit", () => {
  const dot = buildDot(SMALL_GRAPH, smallTrace());
  const declared = nodes(dot);
  assert.match(
    declared.get("CC_SPAWN")!,
    /label="CC_SPAWN\\nCC_SPAWN_CHILD_V0\\n#2 SUCCESS · 1 child run\(s\)"/,
  );
  assert.match(declared.get("EXIT_OK")!, /label="EXIT_OK\\n#3 COMPLETED\\nemit EV_DONE_V0"/);
});

Deno.test("buildDot() puts workflow, classification and trace id in the title", () => {
  const dot = buildDot(SMALL_GRAPH, smallTrace());
  assert.ok(dot.includes(">demo::WF_PARENT_V0</FONT>"));
  assert.ok(
    dot.includes(">COMPLETED · status SUCCESS · exit EXIT_OK · reason COMPLETED</FONT>"),
  );
  assert.ok(dot.includes(">trace T_20250101T000000Z_0123456789abcdef · blue"));
});

Deno.test("buildDot() ignores child-run nodes when highlighting the root path", () => {
  const graph: GraphView = {
    ...SMALL_GRAPH,
    nodes: [...SMALL_GRAPH.nodes, { key: "CC_WORK", type: "CC" }],
  };
  assert.doesNotMatch(nodes(buildDot(graph, smallTrace())).get("CC_WORK")!, /fillcolor/);
});

Deno.test("buildDot() summarises a node visited many times", () => {
  const graph: GraphView = {
    workflow: "d::WF_LOOP",
    start: "CC_A",
    nodes: [{ key: "CC_A", type: "CC" }, { key: "EXIT", type: "EXIT" }],
    edges: [{ from: "CC_A", outcome: "AGAIN", to: "CC_A" }, {
      from: "CC_A",
      outcome: "DONE",
      to: "EXIT",
    }],
  };
  const records = governTrace(graph, [
    ["CC_A", "CC", "AGAIN"],
    ["CC_A", "CC", "AGAIN"],
    ["CC_A", "CC", "DONE"],
    ["EXIT", "EXIT", "COMPLETED"],
  ]);
  const dot = buildDot(graph, records);
  assert.match(nodes(dot).get("CC_A")!, /#1…#3 \(3 visits\): AGAIN ×2, DONE ×1/);
  assert.deepEqual(edges(dot).find((e) => e.to === "CC_A"), {
    from: "CC_A",
    to: "CC_A",
    outcomes: ["AGAIN"],
    taken: true,
  });
  assert.ok(dot.includes(`label="AGAIN ×2"`));
});

Deno.test("buildDot() is deterministic", () => {
  const records = governTrace(govern, GOVERN_HAPPY);
  assert.equal(
    buildDot(govern, records),
    buildDot(structuredClone(govern), structuredClone(records)),
  );
});

Deno.test("dotString() keeps quotes, backslashes and escapes literal", () => {
  assert.equal(dotString('a"b'), '"a\\"b"');
  assert.equal(dotString("\\N"), '"\\\\N"');
  assert.equal(dotString("x\ny"), '"x\\ny"');
  assert.equal(dotString("t\u0001z"), '"t z"');
  assert.equal(htmlText(`<b>&"`), "&lt;b&gt;&amp;&quot;");
});

Deno.test("buildDot() refuses a malformed graph", () => {
  const records = smallTrace();
  const bad: Array<[string, unknown]> = [
    ["graph must be an object", null],
    ["graph.workflow", { ...SMALL_GRAPH, workflow: 1 }],
    ["graph.nodes[0].key", { ...SMALL_GRAPH, nodes: [{ key: "", type: "CC" }] }],
    ["graph.nodes[0].type", { ...SMALL_GRAPH, nodes: [{ key: "A", type: "XX" }] }],
    ["graph.nodes[1].key", {
      ...SMALL_GRAPH,
      nodes: [SMALL_GRAPH.nodes[0], SMALL_GRAPH.nodes[0]],
    }],
    ["graph.start", { ...SMALL_GRAPH, start: "NOPE" }],
    ["graph.edges[0]", { ...SMALL_GRAPH, edges: [{ from: "IN_START", outcome: "X", to: "NO" }] }],
  ];
  for (const [field, graph] of bad) {
    assert.throws(
      () => buildDot(graph as GraphView, records),
      (e) => e instanceof UsageError && e.code === ErrorCode.USAGE && e.message.includes(field),
      field,
    );
  }
  assert.throws(() => buildDot(SMALL_GRAPH, []), TraceError);
});
