/**
 * snapshot/store_formats.ts: a store file used in two formats by two workflows (each
 * consistent on its own) is a `check` problem naming both artifacts; the real generations
 * have none.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { main } from "../../cli.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import type { CcNode, CompiledWorkflow, ExecutionGraph } from "../../snapshot/graph.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { StoreFormats } from "../../snapshot/store_formats.ts";

const V02 = fileURLToPath(new URL("../../../shared/pgs_generations/e425bf9", import.meta.url));
const options = { ...createCapabilityRegistry().compileOptions, prepare: undefined };

/** `compiled` with every CS step on `path` switched to `format` (as another generation might). */
function withFormat(compiled: CompiledWorkflow, path: string, format: "json" | "jsonl") {
  const graphs = new Map<string, ExecutionGraph>();
  for (const [k, g] of compiled.graphs) {
    const nodes = Object.fromEntries(
      Object.entries(g.nodes).map(([key, n]) => {
        if (n.type !== "CC") return [key, n];
        const cc = n as CcNode;
        const steps = cc.cc.steps.map((s) =>
          s.store?.path === path ? { ...s, store: { path, format } } : s
        );
        return [key, { ...cc, cc: { ...cc.cc, steps } }];
      }),
    );
    graphs.set(k, { ...g, nodes });
  }
  return { ...compiled, root: graphs.get(compiled.root.workflow)!, graphs };
}

Deno.test("StoreFormats: a store used as a log by one workflow and a key map by another is named once", async () => {
  const snapshot = await loadSnapshot(V02);
  const register = await compileWorkflow(
    snapshot,
    "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0",
    options,
  );
  const verify = await compileWorkflow(snapshot, "blockchain::WF_VERIFY_ACTOR_V0", options);
  const registry = "blockchain/identity/registry/actors.json";
  const formats = new StoreFormats();
  assert.deepEqual(formats.add(register), []);
  const problems = formats.add(withFormat(verify, registry, "json"));
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(
    problems[0].message,
    new RegExp(
      `^store "${registry}" is used as "json" by step \\w+ \\(capability_side_effects::CS_\\w+\\) ` +
        `but as "jsonl" by step \\w+ of protocol_snapshot/artifacts/capability_contracts/` +
        `blockchain__CC_\\w+\\.json: one store file has one format$`,
    ),
  );
  assert.match(problems[0].file, /^protocol_snapshot\/artifacts\/capability_contracts\//);
  // Reported once, not again for the next workflow using the same pair.
  assert.deepEqual(formats.add(withFormat(verify, registry, "json")), []);
});

Deno.test("check: the real generations use each store in one format", async () => {
  for (
    const ws of [
      V02,
      V02.replace("e425bf9", "420bbe3"),
      V02.replace(/pgs_generations\/.*/, "pgs_workspace"),
    ]
  ) {
    const out: string[] = [];
    const code = await main(["check", "--workspace", ws], {
      out: (l) => out.push(l),
      err: () => {},
    });
    assert.equal(code, 0, out.filter((l) => !l.startsWith("ok")).join("\n"));
    assert.match(out.at(-1)!, /^\d+ workflow\(s\), 0 problem\(s\)$/);
  }
});
