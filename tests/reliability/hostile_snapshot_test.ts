// Guarantee 4: a hostile or broken snapshot is refused at load/compile (exit 3) with the
// problem named (file + JSON path), before anything runs: no state, no trace.
import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { executeWorkflow } from "../../actors/execute_workflow.ts";
import { CompileError, SnapshotError } from "../../errors.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { resealArtifact } from "../../snapshot/author.ts";
import { openMemoryStore } from "../../storage/memory_store.ts";
import {
  artifact,
  type ArtifactFile,
  fixtureArtifacts,
  tempFixture,
  transformArtifact,
  WF_BATCH,
  WF_EXPLODE,
  WF_ITEM,
  writeArtifact,
} from "../testdata/reliability/fixture_workspace.ts";
import { loadPathParser } from "../../snapshot/bindings.ts";

// The compiler loads the path parser; these tests call the binding compiler directly.
await loadPathParser();

type Fixture = Awaited<ReturnType<typeof tempFixture>>;
// deno-lint-ignore no-explicit-any
type Fm = Record<string, any>;

const WF_FILE = "protocol_snapshot/artifacts/workflows/rel__WF_ITEM_V0.json";
const CC_FILE = "protocol_snapshot/artifacts/capability_contracts/rel__CC_REGISTER_ITEM_V0.json";

function find(code: string): ArtifactFile {
  return fixtureArtifacts().find((a) => a.file.endsWith(`__${code}.json`))!;
}

/** Rewrites one fixture artifact with an edited frontmatter and a correct content hash. */
async function rewrite(t: Fixture, code: string, edit: (fm: Fm) => void): Promise<void> {
  const a = find(code);
  const fm = structuredClone(a.body.frontmatter) as Fm;
  edit(fm);
  const b = a.body;
  const fresh = artifact(a.dir, String(b.artifact_type), String(b.fqdn_id), fm, {
    ...(b.ct_ir ? { ct_ir: b.ct_ir } : {}),
    ...(b.cs_ir ? { cs_ir: b.cs_ir } : {}),
  });
  await writeArtifact(t.workspace, fresh);
}

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

/** Runs `wf` through the CLI; asserts exit 3, the error code, and that nothing ran. */
async function refused(t: Fixture, wf: string, code: string): Promise<string[]> {
  await Deno.writeTextFile(
    `${t.dir}/p.json`,
    JSON.stringify({ name: "n", items: [{ name: "n" }] }),
  );
  const err: string[] = [];
  const out: string[] = [];
  const exit = await main([
    "run",
    "--wf",
    wf,
    "--payload",
    `${t.dir}/p.json`,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
    "--no-png",
  ], { out: (l) => out.push(l), err: (l) => err.push(l) });
  assert.equal(exit, 3, err.join("\n"));
  assert.ok(err[0].startsWith(`error[${code}]: `), err[0]);
  assert.deepEqual(out, []);
  assert.deepEqual(await tree(t.dataRoot), [], "nothing ran: the data root is untouched");
  assert.deepEqual(await tree(t.workspace), ["protocol_snapshot"], "no trace written");
  return err;
}

async function withFixture(fn: (t: Fixture) => Promise<void>): Promise<void> {
  const t = await tempFixture();
  try {
    await fn(t);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
}

Deno.test("hostile snapshot: tampered content (hash mismatch) is refused, naming the file", async () => {
  await withFixture(async (t) => {
    const path = `${t.workspace}/${CC_FILE}`;
    const a = JSON.parse(await Deno.readTextFile(path));
    a.content = a.content.replace("register_item", "register_item_evil");
    await Deno.writeTextFile(path, JSON.stringify(a));
    const err = await refused(t, WF_ITEM, "HASH_MISMATCH");
    assert.equal(err.length, 1);
    assert.ok(err[0].includes(CC_FILE) && err[0].includes("content_hash"), err[0]);
    const snapshot = await loadSnapshot(t.workspace);
    const e = await compileWorkflow(snapshot, WF_ITEM, createCapabilityRegistry().compileOptions)
      .then(() => null, (e) => e);
    assert.ok(e instanceof SnapshotError);
    assert.equal(e.file, CC_FILE);
    assert.equal(e.jsonPath, "$.content_hash");
  });
});

Deno.test("hostile snapshot: malformed JSON, wrong type, wrong fqdn, bad schema are refused", async () => {
  const cases: Array<[string, (a: Fm) => string, string, string]> = [
    ["malformed JSON", (a) => JSON.stringify(a).slice(0, 200), "SNAPSHOT", "malformed JSON"],
    ["empty file", () => "", "SNAPSHOT", "malformed JSON"],
    ["JSON array", () => "[]", "SCHEMA", "$"],
    [
      "wrong artifact_type",
      (a) => JSON.stringify({ ...a, artifact_type: "CC" }),
      "SCHEMA",
      "$.artifact_type",
    ],
    [
      "another artifact's fqdn_id",
      (a) => JSON.stringify({ ...a, fqdn_id: "rel::WF_BATCH_V0" }),
      "SCHEMA",
      "$.fqdn_id",
    ],
    [
      "content_hash not hex",
      (a) => JSON.stringify({ ...a, content_hash: "x" }),
      "SCHEMA",
      "$.content_hash",
    ],
    // Schema cases are re-sealed (Machine block = the edited frontmatter), as an author
    // writing a bad artifact would, so the schema check is what refuses them.
    [
      "nodes is an array",
      (a) =>
        JSON.stringify(resealArtifact({
          ...a,
          frontmatter: { ...a.frontmatter, core: { ...a.frontmatter.core, nodes: [] } },
        })),
      "SCHEMA",
      "$.frontmatter.core.nodes",
    ],
    [
      "node of unknown type",
      (a) => {
        const b = structuredClone(a);
        b.frontmatter.core.nodes.EXIT_DONE.type = "EVAL";
        return JSON.stringify(resealArtifact(b));
      },
      "SCHEMA",
      "$.frontmatter.core.nodes.EXIT_DONE",
    ],
    [
      "frontmatter edited, content left alone",
      (a) => {
        const b = structuredClone(a);
        b.frontmatter.core.nodes.EXIT_DONE.type = "EVAL";
        return JSON.stringify(b);
      },
      "SEAL",
      "$.frontmatter.core.nodes.EXIT_DONE.type",
    ],
  ];
  for (const [name, make, code, path] of cases) {
    await withFixture(async (t) => {
      const file = `${t.workspace}/${WF_FILE}`;
      await Deno.writeTextFile(file, make(JSON.parse(await Deno.readTextFile(file))));
      const err = await refused(t, WF_ITEM, code);
      assert.equal(err.length, 1, name);
      assert.ok(err[0].includes(WF_FILE), `${name}: ${err[0]}`);
      assert.ok(err[0].includes(path), `${name}: ${err[0]}`);
    });
  }
});

Deno.test("hostile snapshot: graph and pipeline closure problems are all listed with file and path", async () => {
  const cases: Array<[string, string, (fm: Fm) => void, string, RegExp]> = [
    [
      "next to a missing node",
      "WF_ITEM_V0",
      (fm) => {
        fm.core.nodes.JOURNAL_JOINED.next.SUCCESS = "EXIT_NOWHERE";
      },
      "$.frontmatter.core.nodes.JOURNAL_JOINED.next.SUCCESS",
      /EXIT_NOWHERE.*is not a node/,
    ],
    [
      "missing start node",
      "WF_ITEM_V0",
      (fm) => {
        fm.core.start_node = "NOPE";
      },
      "$.frontmatter.core.start_node",
      /NOPE/,
    ],
    [
      "a cycle",
      "WF_ITEM_V0",
      (fm) => {
        fm.core.nodes.JOURNAL_JOINED.next.SUCCESS = "CC_REGISTER_ITEM_V0";
      },
      "$.frontmatter.core.nodes",
      /cycle .*CC_REGISTER_ITEM_V0/,
    ],
    [
      "a self-loop",
      "WF_ITEM_V0",
      (fm) => {
        fm.core.nodes.CC_DERIVE_ITEM_ID_V0.next.SUCCESS = "CC_DERIVE_ITEM_ID_V0";
      },
      "$.frontmatter.core.nodes",
      /cycle/,
    ],
    [
      "an unresolved CC",
      "WF_ITEM_V0",
      (fm) => {
        fm.core.nodes.JOURNAL_JOINED.fqdn_id = "rel::CC_NOT_THERE_V0";
      },
      "$.frontmatter.core.nodes.JOURNAL_JOINED.fqdn_id",
      /does not resolve/,
    ],
    [
      "an unresolved intent",
      "WF_ITEM_V0",
      (fm) => {
        fm.core.nodes.IN_ITEM_V0.fqdn_id = "rel::IN_NOT_THERE_V0";
      },
      "$.frontmatter.core.nodes.IN_ITEM_V0.fqdn_id",
      /does not resolve/,
    ],
    [
      "an unresolved runtime binding",
      "WF_ITEM_V0",
      (fm) => {
        fm.runtime_binding = "rel::RB_NOT_THERE_V0";
      },
      "$.frontmatter.runtime_binding",
      /does not resolve/,
    ],
    [
      "a traversal in a reference",
      "WF_ITEM_V0",
      (fm) => {
        fm.core.nodes.JOURNAL_JOINED.fqdn_id = "../../../etc::passwd";
      },
      "$.frontmatter.core.nodes.JOURNAL_JOINED.fqdn_id",
      /not ns::CODE/,
    ],
    [
      "an undeclared on_result value",
      "CC_REGISTER_ITEM_V0",
      (fm) => {
        fm.core.pipeline[0].on_result.SUCCESS = "jump_somewhere";
      },
      "$.frontmatter.core.pipeline[0].on_result.SUCCESS",
      /jump_somewhere/,
    ],
    [
      "a step with both transform and side_effect",
      "CC_REGISTER_ITEM_V0",
      (fm) => {
        fm.core.pipeline[0].transform = "capability_transforms::CT_PURE_GENERATE_ID_V0";
      },
      "$.frontmatter.core.pipeline[0]",
      /exactly one of transform or side_effect/,
    ],
    [
      "an undeclared store",
      "CC_REGISTER_ITEM_V0",
      (fm) => {
        fm.core.pipeline[0].store = "NOT_A_STORE";
      },
      "$.frontmatter.core.pipeline[0].store",
      /NOT_A_STORE/,
    ],
    [
      "a store path escaping the data root",
      "STRUCTURE_REL_STORAGE_V0",
      (fm) => {
        fm.core.entity_stores.ITEMS.path = "../../etc/items.json";
      },
      "$.frontmatter.core.bindings",
      /relative to the data root/,
    ],
    [
      "an absolute store path",
      "STRUCTURE_REL_STORAGE_V0",
      (fm) => {
        fm.core.entity_stores.ITEMS.path = "/etc/items.json";
      },
      "$.frontmatter.core.bindings",
      /relative to the data root/,
    ],
  ];
  for (const [name, code, edit, path, message] of cases) {
    await withFixture(async (t) => {
      await rewrite(t, code, edit);
      const err = await refused(t, WF_ITEM, "COMPILE");
      assert.ok(err.length >= 2, `${name}: the problems are listed`);
      const problem = err.slice(1).find((l) => l.includes(path));
      assert.ok(problem, `${name}: no problem at ${path}: ${err.join("\n")}`);
      assert.match(problem!, message, name);
      assert.match(problem!, /protocol_snapshot\/artifacts\/[a-z_]+\/rel__[A-Z_0-9]+\.json/, name);
    });
  }
});

Deno.test("hostile snapshot: several problems at once are all reported", async () => {
  await withFixture(async (t) => {
    await rewrite(t, "WF_ITEM_V0", (fm) => {
      fm.core.nodes.JOURNAL_JOINED.next.SUCCESS = "NOWHERE_1";
      fm.core.nodes.JOURNAL_SEEN_AGAIN.next.SUCCESS = "NOWHERE_2";
    });
    await rewrite(t, "CC_REGISTER_ITEM_V0", (fm) => {
      fm.core.pipeline[0].on_result.SUCCESS = "nowhere_3";
    });
    const err = await refused(t, WF_ITEM, "COMPILE");
    for (const n of ["NOWHERE_1", "NOWHERE_2", "nowhere_3"]) {
      assert.ok(err.some((l) => l.includes(n)), `${n} reported: ${err.join("\n")}`);
    }
  });
});

Deno.test("hostile snapshot: an unbound capability (valid CT / CS artifact, no implementation) is refused", async () => {
  await withFixture(async (t) => {
    const ghost = transformArtifact("capability_transforms::CT_GHOST_V0");
    await writeArtifact(t.workspace, ghost);
    await rewrite(t, "CC_DERIVE_ITEM_ID_V0", (fm) => {
      fm.core.pipeline[0].transform = "capability_transforms::CT_GHOST_V0";
    });
    const err = await refused(t, WF_ITEM, "COMPILE");
    assert.ok(
      err.some((l) =>
        l.includes("capability_transforms__CT_GHOST_V0.json $.ct_ir.atom_stream") &&
        l.includes("no bound implementation")
      ),
      err.join("\n"),
    );
  });
  await withFixture(async (t) => {
    // CS_REL_EXPLODE_V0 is a valid CS artifact that nothing implements by default.
    const err = await refused(t, WF_EXPLODE, "COMPILE");
    assert.ok(
      err.some((l) =>
        l.includes("CS_REL_EXPLODE_V0.json $.cs_ir") && l.includes("no bound implementation")
      ),
      err.join("\n"),
    );
  });
});

const HOSTILE_PATHS = [
  "$..[?(@.constructor)]",
  "$.payload[?(@.x)]",
  "$..*",
  "$.payload.*",
  "$.constructor.constructor",
  "$.__proto__.polluted",
  "$.payload[(@.length-1)]",
  "$.payload[?(@.x == (function(){ globalThis.__pgs_pwned = 1 })())]",
  "$.payload..name",
  "$.payload['na'+'me']",
  "$.payload[0:2]",
  "$.payload[-1:]",
  "$.payload[*]",
  "$.payload.`name",
  "$.payload.na me",
  "$",
  "$.",
  "{{$..* + 1}}",
  "{{ $.payload[?(@.x)] - 1 }}",
  "{{constructor}}",
];

Deno.test("hostile snapshot: JSONPath filters, scripts, wildcards, descent in CC node inputs are refused at compile", async () => {
  for (const path of HOSTILE_PATHS) {
    await withFixture(async (t) => {
      await rewrite(t, "WF_ITEM_V0", (fm) => {
        fm.core.nodes.CC_DERIVE_ITEM_ID_V0.inputs = { name: path };
      });
      const err = await refused(t, WF_ITEM, "COMPILE");
      const problem = err.find((l) =>
        l.includes("$.frontmatter.core.nodes.CC_DERIVE_ITEM_ID_V0.inputs.name")
      );
      assert.ok(problem, `${path}: ${err.join("\n")}`);
      assert.equal((globalThis as Record<string, unknown>).__pgs_pwned, undefined);
    });
  }
});

Deno.test("hostile snapshot: the same paths in step inputs and evaluation conditions are refused", async () => {
  for (const path of HOSTILE_PATHS) {
    await withFixture(async (t) => {
      await rewrite(t, "CC_REGISTER_ITEM_V0", (fm) => {
        fm.core.pipeline[0].inputs.key = path;
      });
      const err = await refused(t, WF_ITEM, "COMPILE");
      assert.ok(
        err.some((l) => l.includes("$.frontmatter.core.pipeline[0].inputs.key")),
        `${path}: ${err.join("\n")}`,
      );
    });
    if (path.startsWith("{{") || path === "$") continue; // not condition operands
    // Condition operands may start at any root (they read raw result fields), so a plain
    // member path such as $.constructor.constructor compiles; readPath only follows own
    // properties, so it resolves to "missing" (the output test below runs such paths).
    if (/^\$(\.[A-Za-z_]+)+$/.test(path)) continue;
    await withFixture(async (t) => {
      await rewrite(t, "CC_REGISTER_ITEM_V0", (fm) => {
        fm.core.evaluation = {
          check: { condition: `${path} == 1`, on_true: "SUCCESS", on_false: "VIOLATION" },
        };
        fm.core.pipeline[0].on_result.SUCCESS = "check";
      });
      const err = await refused(t, WF_ITEM, "COMPILE");
      assert.ok(
        err.some((l) => l.includes("$.frontmatter.core.evaluation.check")),
        `${path}: ${err.join("\n")}`,
      );
    });
  }
  assert.equal((globalThis as Record<string, unknown>).__pgs_pwned, undefined);
});

Deno.test("hostile snapshot: paths in step outputs never reach prototypes (refused, or null + warning)", async () => {
  for (const path of [...HOSTILE_PATHS, ...LENIENT_PATHS]) {
    const t = await tempFixture();
    try {
      await rewrite(t, "CC_DERIVE_ITEM_ID_V0", (fm) => {
        fm.core.pipeline[0].outputs = { item_id: "$.capability_result.id", probe: path };
      });
      const registry = createCapabilityRegistry();
      const compiled = await compileWorkflow(
        await loadSnapshot(t.workspace),
        WF_ITEM,
        registry.compileOptions,
      )
        .catch((e) => {
          assert.ok(e instanceof CompileError, `${path}: ${e}`);
          assert.ok(e.problems.some((p) => p.jsonPath.endsWith(".outputs.probe")), path);
          return null;
        });
      if (!compiled) continue;
      // Accepted (outputs may read any root of the raw result): it must resolve to plain
      // data or null, never to a function or a prototype.
      const store = await openMemoryStore();
      const r = await executeWorkflow(compiled, { name: "n" }, {
        store,
        capabilities: registry.capabilities,
        seed: "00",
        startedAt: "2026-01-01T00:00:00.000Z",
      });
      await store.close();
      assert.equal(r.classification, "COMPLETED", path);
      const step = r.records.find((x) =>
        x.type === "step" && x.step === "derive_item_id"
      ) as unknown as {
        outputs: Record<string, unknown>;
      };
      const probe = step.outputs.probe;
      // A literal stays the literal text; a path that reaches nothing is null + a warning.
      assert.ok(probe === null || probe === path, `${path} resolved to ${String(probe)}`);
      if (probe === null) {
        assert.ok(
          r.records.some((x) =>
            x.type === "warning" &&
            (x as unknown as { code: string }).code === "OUTPUT_PATH_MISSING"
          ),
        );
      }
    } finally {
      await Deno.remove(t.dir, { recursive: true });
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

/** Malformed paths the compiler accepts today (as a literal, or a shorter path). */
const LENIENT_PATHS = [
  "$['constructor']['constructor']",
  "$[?(@property === 'payload')]",
  "$['payload']['name']",
  "$.payload[",
  "$.payload.name]",
];

Deno.test("hostile snapshot: bracket-notation and unbalanced paths are never evaluated", async () => {
  // Today they compile to a literal string or to the plain member path; either way nothing
  // is evaluated and no prototype is reached (see the BUG test below for refusing them).
  for (const path of LENIENT_PATHS) {
    await withFixture(async (t) => {
      await rewrite(t, "WF_ITEM_V0", (fm) => {
        fm.core.nodes.CC_DERIVE_ITEM_ID_V0.inputs = { name: path };
      });
      const registry = createCapabilityRegistry();
      const compiled = await compileWorkflow(
        await loadSnapshot(t.workspace),
        WF_ITEM,
        registry.compileOptions,
      )
        .catch((e) => {
          assert.ok(e instanceof CompileError, `${path}: ${e}`);
          return null;
        });
      if (!compiled) return;
      const store = await openMemoryStore();
      const r = await executeWorkflow(compiled, { name: "n" }, {
        store,
        capabilities: registry.capabilities,
      });
      await store.close();
      const node = r.records.find((x) =>
        x.type === "node" && (x as unknown as { node_type: string }).node_type === "CC"
      ) as unknown as {
        inputs: { name: unknown };
      };
      const v = node.inputs.name;
      const plain = v === path || v === "n" || v === null || JSON.stringify(v) === '{"name":"n"}';
      assert.ok(plain, `${path} → ${JSON.stringify(v)}`);
      assert.ok(typeof node.inputs.name !== "function");
    });
  }
});

// Regression (was a bug, now fixed): binding strings in bracket notation (`$['a']['b']`) are not recognised as paths and
// silently become literal strings, and an unbalanced `$.payload[` or `$.payload.name]`
// compiles as `$.payload` / `$.payload.name` (JSONPath.toPathArray is lenient). SPEC §3.4
// asks to refuse a binding path that does not parse. snapshot/bindings.ts compileBinding():
// treat every string matching /^\$[.[]/ as a path; compilePath(): accept only
// /^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])+$/ instead of trusting toPathArray.
Deno.test({
  name: "hostile snapshot: bracket-notation and unbalanced binding paths are refused at compile",
  fn: async () => {
    for (const path of LENIENT_PATHS) {
      await withFixture(async (t) => {
        await rewrite(t, "WF_ITEM_V0", (fm) => {
          fm.core.nodes.CC_DERIVE_ITEM_ID_V0.inputs = { name: path };
        });
        const err = await refused(t, WF_ITEM, "COMPILE");
        assert.ok(err.some((l) => l.includes(".inputs.name")), `${path}: ${err.join("\n")}`);
      });
    }
  },
});

Deno.test("hostile snapshot: a `__proto__` binding key does not pollute prototypes", async () => {
  await withFixture(async (t) => {
    await rewrite(t, "WF_ITEM_V0", (fm) => {
      fm.core.nodes.CC_DERIVE_ITEM_ID_V0.inputs = JSON.parse(
        '{"name":"$.payload.name","__proto__":{"polluted":"$.payload.name"}}',
      );
    });
    await rewrite(t, "CC_DERIVE_ITEM_ID_V0", (fm) => {
      fm.core.pipeline[0].inputs = JSON.parse(
        '{"prefix":"I","data":{"name":"$.inputs.name"},"__proto__":{"polluted":"$.inputs.name"}}',
      );
    });
    const registry = createCapabilityRegistry();
    const result = await compileWorkflow(
      await loadSnapshot(t.workspace),
      WF_ITEM,
      registry.compileOptions,
    )
      .then(async (compiled) => {
        const store = await openMemoryStore();
        try {
          return await executeWorkflow(
            compiled,
            JSON.parse('{"name":"n","__proto__":{"polluted":1}}'),
            {
              store,
              capabilities: registry.capabilities,
              seed: "00",
              startedAt: "2026-01-01T00:00:00.000Z",
            },
          );
        } finally {
          await store.close();
        }
      }, (e) => {
        assert.ok(e instanceof CompileError || e instanceof SnapshotError, String(e));
        return null;
      });
    if (result) assert.equal(result.classification, "COMPLETED");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
  });
});

Deno.test("hostile snapshot: frontmatter edited without its content is refused by the seal (SEAL, file and first differing path)", async () => {
  // content_hash covers only the Markdown `content`; the seal ties the executed frontmatter
  // to the `## Machine` block of that content (snapshot/seal.ts).
  await withFixture(async (t) => {
    const path = `${t.workspace}/${WF_FILE}`;
    const a = JSON.parse(await Deno.readTextFile(path));
    a.frontmatter.core.nodes.EXIT_DONE.reason = "COMPLETED";
    await Deno.writeTextFile(path, JSON.stringify(a));
    const e = await compileWorkflow(
      await loadSnapshot(t.workspace),
      WF_BATCH,
      createCapabilityRegistry().compileOptions,
    ).then(() => null, (e) => e);
    assert.ok(e instanceof SnapshotError, String(e));
    assert.equal(e.code, "SEAL");
    assert.equal(e.file, WF_FILE);
    assert.equal(e.jsonPath, "$.frontmatter.core.nodes.EXIT_DONE.reason");
  });
});
