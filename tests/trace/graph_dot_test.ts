import assert from "node:assert/strict";
import { ErrorCode, TraceError, UsageError } from "../../errors.ts";
import { buildDot, dotString, type GraphView, htmlText } from "../../trace/graph_dot.ts";
import { collectPaths } from "../../trace/run_path.ts";
import {
  golden,
  goldenGraph,
  GOVERN_ACTION,
  GOVERN_PATHS,
  sharedGraph,
  WF,
  withRevisits,
} from "../testdata/golden/mod.ts";

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

const govern = sharedGraph(GOVERN_ACTION);
const register = goldenGraph(WF.register);
const completed = () => golden("completed").records;

Deno.test("the 18-node workflow has 30 outcome edges; the golden runs took the expected paths", () => {
  assert.equal(govern.nodes.length, 18);
  assert.equal(govern.edges.length, 30);
  assert.equal(govern.start, "IN_AGENT_ACTION_REQUESTED_V0");
  for (const [name, path] of Object.entries(GOVERN_PATHS)) {
    const { root } = collectPaths(golden(name as keyof typeof GOVERN_PATHS).records);
    assert.deepEqual(root.visits.map((v) => [v.node, v.outcome]), path, name);
  }
});

Deno.test("buildDot() declares every node once with a shape per type", () => {
  const dot = buildDot(govern, golden("govern_authorized").records);
  const declared = nodes(dot);
  assert.deepEqual([...declared.keys()].sort(), govern.nodes.map((n) => n.key).sort());
  for (const node of govern.nodes) {
    const shape = { IN: "shape=cds", CC: "shape=box", EXIT: "shape=doubleoctagon" }[node.type];
    assert.ok(declared.get(node.key)!.startsWith(shape), `${node.key}: ${shape}`);
  }
});

Deno.test("buildDot() draws every declared outcome edge", () => {
  const dot = buildDot(govern, golden("govern_authorized").records);
  const drawn = edges(dot).flatMap((e) => e.outcomes.map((o) => `${e.from} -${o}-> ${e.to}`));
  const declared = govern.edges.map((e) => `${e.from} -${e.outcome}-> ${e.to}`);
  assert.deepEqual(drawn.sort(), declared.sort());
});

for (const [name, path] of Object.entries(GOVERN_PATHS)) {
  const records = () => golden(name as keyof typeof GOVERN_PATHS).records;

  Deno.test(`buildDot() highlights exactly the taken edges (${name})`, () => {
    const taken = edges(buildDot(govern, records())).filter((e) => e.taken);
    const expected = path.slice(0, -1).map(([node, outcome], i) =>
      `${node} -${outcome}-> ${path[i + 1][0]}`
    );
    assert.deepEqual(
      taken.map((e) => `${e.from} -${e.outcomes.join(",")}-> ${e.to}`).sort(),
      expected.sort(),
    );
    for (const edge of taken) assert.equal(edge.outcomes.length, 1);
  });

  Deno.test(`buildDot() fills and labels exactly the visited nodes (${name})`, () => {
    const declared = nodes(buildDot(govern, records()));
    const visited = new Map(path.map(([node, outcome], i) => [node, `#${i + 1} ${outcome}`]));
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
  assert.deepEqual(edges(buildDot(register, completed())), [
    { from: "IN_REQ", to: "CC_REGISTER", outcomes: ["ACK"], taken: true },
    { from: "IN_REQ", to: "EXIT_REJECTED", outcomes: ["NACK"], taken: false },
    { from: "CC_REGISTER", to: "EXIT_OK", outcomes: ["SUCCESS"], taken: true },
    { from: "CC_REGISTER", to: "EXIT_OK", outcomes: ["ALREADY_EXISTS"], taken: false },
    {
      from: "CC_REGISTER",
      to: "EXIT_FAILED",
      outcomes: ["VIOLATION", "BACKEND_ERROR", "NOT_FOUND"],
      taken: false,
    },
  ]);
});

Deno.test("buildDot() notes child runs and the emit of the reached exit", () => {
  const declared = nodes(buildDot(register, completed()));
  assert.match(
    declared.get("CC_REGISTER")!,
    /label="CC_REGISTER\\nCC_REGISTER_V0\\n#2 SUCCESS · 1 child run\(s\)"/,
  );
  assert.match(declared.get("EXIT_OK")!, /label="EXIT_OK\\n#3 COMPLETED\\nemit EV_REGISTERED_V0"/);
});

Deno.test("buildDot() puts workflow, classification and trace id in the title", () => {
  const dot = buildDot(register, completed());
  assert.ok(dot.includes(">demo::WF_REGISTER_V0</FONT>"));
  assert.ok(
    dot.includes(">COMPLETED · status SUCCESS · exit EXIT_OK · reason COMPLETED</FONT>"),
  );
  assert.ok(dot.includes(">trace T_golden_completed · blue"));
});

Deno.test("buildDot() ignores child-run nodes when highlighting the root path", () => {
  // The child run visits CC_SEND; a root graph that also had such a node must not light it.
  const graph: GraphView = {
    ...register,
    nodes: [...register.nodes, { key: "CC_SEND", type: "CC" }],
  };
  assert.doesNotMatch(nodes(buildDot(graph, completed())).get("CC_SEND")!, /fillcolor/);
});

Deno.test("buildDot() summarises a node visited many times", () => {
  // Edited in: the compiler refuses cycles, so no real run enters a node three times.
  const lookup = goldenGraph(WF.lookup);
  const graph: GraphView = {
    ...lookup,
    edges: [...lookup.edges, { from: "CC_LOOKUP", outcome: "AGAIN", to: "CC_LOOKUP" }],
  };
  const records = withRevisits(golden("ended").records, "CC_LOOKUP", 3);
  const dot = buildDot(graph, records);
  assert.match(nodes(dot).get("CC_LOOKUP")!, /#2…#4 \(3 visits\): AGAIN ×2, NOT_FOUND ×1/);
  assert.deepEqual(edges(dot).find((e) => e.to === "CC_LOOKUP" && e.from === "CC_LOOKUP"), {
    from: "CC_LOOKUP",
    to: "CC_LOOKUP",
    outcomes: ["AGAIN"],
    taken: true,
  });
  assert.ok(dot.includes(`label="AGAIN ×2"`));
});

Deno.test("buildDot() is deterministic", () => {
  const records = golden("govern_authorized").records;
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
  const records = completed();
  const bad: Array<[string, unknown]> = [
    ["graph must be an object", null],
    ["graph.workflow", { ...register, workflow: 1 }],
    ["graph.nodes[0].key", { ...register, nodes: [{ key: "", type: "CC" }] }],
    ["graph.nodes[0].type", { ...register, nodes: [{ key: "A", type: "XX" }] }],
    ["graph.nodes[1].key", {
      ...register,
      nodes: [register.nodes[0], register.nodes[0]],
    }],
    ["graph.start", { ...register, start: "NOPE" }],
    ["graph.edges[0]", { ...register, edges: [{ from: "IN_REQ", outcome: "X", to: "NO" }] }],
  ];
  for (const [field, graph] of bad) {
    assert.throws(
      () => buildDot(graph as GraphView, records),
      (e) => e instanceof UsageError && e.code === ErrorCode.USAGE && e.message.includes(field),
      field,
    );
  }
  assert.throws(() => buildDot(register, []), TraceError);
});
