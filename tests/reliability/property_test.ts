// Guarantee 6 (property-based, fast-check, bounded runs): random payloads against every
// real intent and workflow, and random mutations of real artifacts, end in a refusal of
// the documented class or a classified run — never any other exception.
import assert from "node:assert/strict";
import fc from "fast-check";
import { validateIntent } from "../../actors/admission.ts";
import { executeWorkflow, type RunResult } from "../../actors/execute_workflow.ts";
import { createCapabilityRegistry } from "../../actors/capability_registry.ts";
import { CompileError, SnapshotError, UsageError } from "../../errors.ts";
import { compileWorkflow } from "../../snapshot/compile.ts";
import type { CompiledWorkflow } from "../../snapshot/graph.ts";
import { loadSnapshot } from "../../snapshot/load.ts";
import { resealArtifact } from "../../snapshot/author.ts";
import type { FieldSpec } from "../../snapshot/schema.ts";
import { openMemoryStore } from "../../storage/memory_store.ts";
import { verifyTrace } from "../../trace/jsonl.ts";
import { EXAMPLE_WORKSPACE, SHARED_WORKSPACE, tempWorkspace } from "../_support/workspace.ts";
import { WF_BATCH, writeFixtureWorkspace } from "../testdata/reliability/fixture_workspace.ts";
import { tempDir } from "../_support/tmp.ts";

const CLASSIFICATION = /^(COMPLETED|REJECTED|FAILED|FAULTED|ENDED_[A-Z0-9_]+)$/;
const SEED = Number(Deno.env.get("PGS_PROPERTY_SEED") ?? 424242);
const registry = createCapabilityRegistry();

/** A JSON value of the spec's type most of the time, anything else sometimes. */
function valueOf(spec: FieldSpec, depth = 0): fc.Arbitrary<unknown> {
  const types = spec.type === undefined
    ? ["any"]
    : Array.isArray(spec.type)
    ? spec.type
    : [spec.type];
  const typed = types.map((t): fc.Arbitrary<unknown> => {
    switch (t) {
      case "string":
        if (spec.format === "email") return fc.emailAddress();
        if (spec.format === "date-time") {
          return fc.constantFrom("2026-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "now");
        }
        if (spec.format === "hex") {
          return fc.string({ unit: fc.constantFrom(..."0123456789abcdefx"), maxLength: 66 }).map((
            h,
          ) => `${spec.prefix ?? ""}${h}`);
        }
        return fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom("", " ", "A_dc6e2a7ae93b8bae", "SUCCESS"),
        );
      case "integer":
        return fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom(0, 1, 2 ** 53, -1));
      case "number":
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      case "array":
        return fc.array(
          spec.items && depth < 3 ? valueOf(spec.items, depth + 1) : fc.jsonValue({ maxDepth: 2 }),
          { maxLength: 3 },
        );
      case "object": {
        const fields = spec.fields ?? spec.properties;
        return fields && depth < 3
          ? objectOf(fields, depth + 1)
          : fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), {
            maxKeys: 3,
          });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  });
  const good = spec.enum && spec.enum.length > 0
    ? fc.constantFrom(...spec.enum)
    : fc.oneof(...typed);
  return fc.oneof({ weight: 8, arbitrary: good }, {
    weight: 1,
    arbitrary: fc.jsonValue({ maxDepth: 2 }),
  });
}

/** An object shaped like `fields`: each field present (usually well-typed) or absent. */
function objectOf(
  fields: Record<string, FieldSpec>,
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(fields).map(([k, s]) =>
    fc.option(valueOf(s, depth).map((v) => [k, v] as const), { freq: 6, nil: undefined })
  );
  return fc.tuple(
    fc.tuple(...entries),
    fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  )
    .map(([present, extra]) => ({
      ...extra,
      ...Object.fromEntries(
        present.filter((e) => e !== undefined) as Array<readonly [string, unknown]>,
      ),
    }));
}

async function realWorkflows(): Promise<Map<string, CompiledWorkflow>> {
  const snapshot = await loadSnapshot(SHARED_WORKSPACE);
  const out = new Map<string, CompiledWorkflow>();
  for (const wf of await snapshot.listWorkflows()) {
    out.set(wf, await compileWorkflow(snapshot, wf, registry.compileOptions));
  }
  return out;
}

/** The IN specs of a workflow's root graph (the intent its payload must satisfy). */
function rootIntent(c: CompiledWorkflow): Record<string, FieldSpec> {
  for (const n of Object.values(c.root.nodes)) {
    if (n.type === "IN" && n.intent) return n.intent.inputs;
  }
  return {};
}

function assertClassified(r: RunResult, what: string): void {
  assert.match(r.classification, CLASSIFICATION, what);
  assert.deepEqual(verifyTrace(r.lines.map((l) => `${l}\n`).join("")).problems, [], what);
}

/** Runs with a wall-clock bound so that a hang fails the property instead of CI. */
async function boundedRun(
  c: CompiledWorkflow,
  payload: unknown,
  store: Awaited<ReturnType<typeof openMemoryStore>>,
) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`run of ${c.root.workflow} did not end within 10 s`)),
      10_000,
    );
  });
  try {
    return await Promise.race([
      executeWorkflow(c, payload, {
        store,
        capabilities: registry.capabilities,
        seed: "00",
        startedAt: "2026-01-01T00:00:00.000Z",
        budget: 5_000,
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("property: validateIntent never throws on random payloads, for every IN of the 29 real workflows", async () => {
  const workflows = await realWorkflows();
  assert.equal(workflows.size, 29);
  let intents = 0;
  let tried = 0;
  for (const c of workflows.values()) {
    for (const g of c.graphs.values()) {
      for (const n of Object.values(g.nodes)) {
        if (n.type !== "IN" || !n.intent) continue;
        intents++;
        const spec = n.intent.inputs;
        fc.assert(
          fc.property(
            fc.oneof(objectOf(spec), fc.dictionary(fc.string(), fc.jsonValue())),
            (payload) => {
              tried++;
              const reasons = validateIntent(payload, spec);
              assert.ok(Array.isArray(reasons) && reasons.every((r) => typeof r === "string"));
            },
          ),
          { numRuns: 150, seed: SEED },
        );
      }
    }
  }
  assert.ok(intents >= 27, `IN nodes checked: ${intents}`);
  console.log(`property/intents: ${intents} IN nodes, ${tried} payloads, none threw`);
});

Deno.test("property: random payloads run every real workflow to a classification (non-objects: UsageError)", async () => {
  const workflows = await realWorkflows();
  const counts: Record<string, number> = {};
  const faulted: string[] = [];
  let runs = 0;
  for (const [wf, c] of workflows) {
    const store = await openMemoryStore();
    try {
      const spec = rootIntent(c);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 6, arbitrary: objectOf(spec) },
            { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
          ),
          async (payload) => {
            if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
              await assert.rejects(() => boundedRun(c, payload, store), UsageError);
              counts.UsageError = (counts.UsageError ?? 0) + 1;
              return;
            }
            const r = await boundedRun(c, payload, store);
            runs++;
            assertClassified(r, wf);
            const cls = r.classification.startsWith("ENDED_") ? "ENDED_*" : r.classification;
            counts[cls] = (counts[cls] ?? 0) + 1;
            if (r.classification === "FAULTED") {
              const f = r.records.find((x) => x.type === "fault") as unknown as {
                node: string;
                error: string;
              };
              faulted.push(`${wf} ${f.node}: ${f.error.slice(0, 120)}`);
            }
          },
        ),
        { numRuns: 40, seed: SEED },
      );
    } finally {
      await store.close();
    }
  }
  console.log(
    `property/workflows: ${runs} runs on ${workflows.size} workflows: ${JSON.stringify(counts)}`,
  );
  if (faulted.length) {
    console.log(
      `FAULTED (capabilities throwing on bad input):\n  ${[...new Set(faulted)].join("\n  ")}`,
    );
  }
});

// ---- random mutations of real artifacts ----------------------------------------------

type Json = unknown;
type Path = Array<string | number>;

function paths(v: Json, base: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([...base, i]), paths(x, [...base, i], out)));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) out.push([...base, k]), paths(x, [...base, k], out);
  }
  return out;
}

function parentOf(
  root: Json,
  p: Path,
): { parent: Record<string | number, Json>; key: string | number } {
  let cur = root as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  return { parent: cur, key: p[p.length - 1] };
}

const OPS = [
  "deleteKey",
  "changeType",
  "renameNode",
  "changeNext",
  "garbleBinding",
  "envelope",
] as const;
const JUNK = [
  "[?(@",
  "..",
  "*",
  "]",
  "'",
  "$",
  "()",
  " ",
  "{{",
  "}}",
  "__proto__",
  "constructor",
  "\u0000",
  "😀",
  "-1",
];

interface Plan {
  file: number;
  op: typeof OPS[number];
  pick: number;
  pick2: number;
  value: Json;
  junk: number;
  text: string;
}

/** Applies a mutation to a parsed artifact; returns a one-line description. */
function mutate(a: Record<string, Json>, plan: Plan): string {
  const fm = a.frontmatter as Record<string, Json>;
  const all = paths(fm);
  if (plan.op === "envelope") {
    const keys = ["content_hash", "artifact_type", "fqdn_id", "frontmatter", "content", "ct_ir"];
    const k = keys[plan.pick % keys.length];
    if (plan.pick2 % 2 === 0) delete a[k];
    else a[k] = plan.value;
    return `envelope ${k}`;
  }
  if (plan.op === "deleteKey" && all.length) {
    const p = all[plan.pick % all.length];
    const { parent, key } = parentOf(fm, p);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
    return `delete ${p.join(".")}`;
  }
  if (plan.op === "changeType" && all.length) {
    const p = all[plan.pick % all.length];
    const { parent, key } = parentOf(fm, p);
    parent[key] = plan.value;
    return `set ${p.join(".")} = ${JSON.stringify(plan.value)}`;
  }
  const nodes = ((fm.core as Record<string, Json> | undefined)?.nodes ?? null) as
    | Record<string, Record<string, Json>>
    | null;
  if (plan.op === "renameNode" && nodes && typeof nodes === "object") {
    const keys = Object.keys(nodes);
    const from = keys[plan.pick % keys.length];
    const to = plan.text || "X";
    nodes[to] = nodes[from];
    delete nodes[from];
    return `rename node ${from} → ${JSON.stringify(to)}`;
  }
  if (plan.op === "changeNext" && nodes && typeof nodes === "object") {
    const keys = Object.keys(nodes);
    const withNext = keys.filter((k) => nodes[k]?.next && typeof nodes[k].next === "object");
    if (withNext.length) {
      const n = withNext[plan.pick % withNext.length];
      const next = nodes[n].next as Record<string, Json>;
      const outcomes = Object.keys(next);
      const target = plan.pick2 % 3 === 0 ? plan.text : keys[plan.pick2 % keys.length];
      const outcome = outcomes.length && plan.pick2 % 5 !== 0
        ? outcomes[plan.pick2 % outcomes.length]
        : plan.text || "NEW";
      next[outcome] = target;
      return `next ${n}.${outcome} → ${JSON.stringify(target)}`;
    }
  }
  // garbleBinding (and the fallback of the ops above when the artifact has no nodes)
  const strings = all.filter((p) => {
    const { parent, key } = parentOf(fm, p);
    return typeof parent[key] === "string";
  });
  const bindings = strings.filter((p) => {
    const { parent, key } = parentOf(fm, p);
    return /^(\$|\{\{)/.test(parent[key] as string);
  });
  const pool = bindings.length ? bindings : strings;
  if (!pool.length) return "no-op";
  const p = pool[plan.pick % pool.length];
  const { parent, key } = parentOf(fm, p);
  const s = parent[key] as string;
  const at = plan.pick2 % (s.length + 1);
  parent[key] = s.slice(0, at) + JUNK[plan.junk % JUNK.length] + plan.text + s.slice(at);
  return `garble ${p.join(".")} = ${JSON.stringify(parent[key])}`;
}

/** Workspace-relative artifact files of a compiled workflow's closure. */
async function closureFiles(workspace: string, c: CompiledWorkflow): Promise<string[]> {
  const files = new Set<string>();
  const rel = (kindDir: string, fqdn: string) =>
    `protocol_snapshot/artifacts/${kindDir}/${fqdn.replace("::", "__")}.json`;
  for (const g of c.graphs.values()) {
    files.add(g.file);
    const wf = JSON.parse(await Deno.readTextFile(`${workspace}/${g.file}`));
    const rb = rel("runtime_bindings", wf.frontmatter.runtime_binding);
    files.add(rb);
    const st =
      JSON.parse(await Deno.readTextFile(`${workspace}/${rb}`)).frontmatter.core.storage_structure;
    if (st) files.add(rel("structures", st));
    for (const n of Object.values(g.nodes)) {
      if (n.type === "IN" && n.intent) files.add(n.intent.file);
      if (n.type !== "CC") continue;
      files.add(n.cc.file);
      for (const s of n.cc.steps) {
        files.add(
          rel(s.kind === "CT" ? "capability_transforms" : "capability_side_effects", s.capability),
        );
      }
    }
  }
  return [...files].sort();
}

async function mutationProperty(
  source: string,
  wf: string,
  payloadOf: (ws: string) => Promise<unknown>,
  numRuns: number,
) {
  const t = await tempWorkspace(source);
  const outcomes: Record<string, number> = {};
  try {
    const payload = await payloadOf(t.workspace);
    const base = await compileWorkflow(
      await loadSnapshot(t.workspace),
      wf,
      registry.compileOptions,
    );
    const files = await closureFiles(t.workspace, base);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          file: fc.nat(),
          op: fc.constantFrom(...OPS),
          pick: fc.nat(),
          pick2: fc.nat(),
          value: fc.constantFrom<Json>(null, 0, -1, 1.5, "", "x", true, [], {}, ["a"], { a: 1 }),
          junk: fc.nat(),
          text: fc.string({ maxLength: 8 }),
        }),
        async (plan: Plan) => {
          const file = files[plan.file % files.length];
          const path = `${t.workspace}/${file}`;
          const original = await Deno.readTextFile(path);
          const a = JSON.parse(original);
          const what = `${file}: ${mutate(a, plan)}`;
          // Three in four frontmatter mutations are made as an author would make them (the
          // Machine block and hash follow), so compile and run checks are what they exercise;
          // the others are refused by the seal.
          const resealed = plan.op !== "envelope" && plan.pick2 % 4 !== 0;
          await Deno.writeTextFile(path, JSON.stringify(resealed ? resealArtifact(a) : a));
          try {
            let compiled: CompiledWorkflow;
            try {
              compiled = await compileWorkflow(
                await loadSnapshot(t.workspace),
                wf,
                registry.compileOptions,
              );
            } catch (e) {
              if (e instanceof SnapshotError) {
                assert.ok(
                  e.file?.startsWith("protocol_snapshot/artifacts/"),
                  `${what}: file named: ${e.message}`,
                );
                assert.ok(e.jsonPath?.startsWith("$"), `${what}: JSON path named: ${e.message}`);
                assert.ok(!e.message.includes("\n"), `${what}: one line`);
                outcomes.SnapshotError = (outcomes.SnapshotError ?? 0) + 1;
                return;
              }
              if (e instanceof CompileError) {
                assert.ok(e.problems.length > 0, what);
                for (const p of e.problems) {
                  assert.ok(
                    p.file.length > 0 && p.jsonPath.length > 0,
                    `${what}: ${JSON.stringify(p)}`,
                  );
                }
                outcomes.CompileError = (outcomes.CompileError ?? 0) + 1;
                return;
              }
              throw new Error(
                `${what}: compile threw ${e instanceof Error ? `${e.name}: ${e.message}` : e}`,
              );
            }
            const store = await openMemoryStore();
            try {
              const r = await boundedRun(compiled, payload, store).catch((e) => {
                throw new Error(
                  `${what}: run threw ${e instanceof Error ? `${e.name}: ${e.message}` : e}`,
                );
              });
              assertClassified(r, what);
              const cls = r.classification.startsWith("ENDED_") ? "ENDED_*" : r.classification;
              outcomes[`ran:${cls}`] = (outcomes[`ran:${cls}`] ?? 0) + 1;
            } finally {
              await store.close();
            }
          } finally {
            await Deno.writeTextFile(path, original);
          }
        },
      ),
      { numRuns, seed: SEED },
    );
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
  return outcomes;
}

Deno.test("property: random mutations of real artifacts are refused (file + JSON path) or run to a classification", async () => {
  const outcomes = await mutationProperty(
    SHARED_WORKSPACE,
    "blockchain::WF_REGISTER_ACTOR_UNVERIFIED_V0",
    async (ws) =>
      JSON.parse(await Deno.readTextFile(`${ws}/seeds/register_actor_unverified_payload.json`)),
    500,
  );
  console.log(`property/mutations (register actor): ${JSON.stringify(outcomes)}`);
});

Deno.test("property: random mutations of the example workspace are refused or run to a classification", async () => {
  const outcomes = await mutationProperty(
    EXAMPLE_WORKSPACE,
    "club::WF_REGISTER_MEMBER_V0",
    async (ws) => JSON.parse(await Deno.readTextFile(`${ws}/payloads/ada.json`)),
    300,
  );
  console.log(`property/mutations (club): ${JSON.stringify(outcomes)}`);
});

Deno.test("property: random mutations of a looping workflow (CS_WORKFLOW_LOOP_V0) are refused or run to a classification", async () => {
  const dir = await tempDir("pgs-rel-src-");
  try {
    await writeFixtureWorkspace(dir);
    const outcomes = await mutationProperty(
      dir,
      WF_BATCH,
      () => Promise.resolve({ items: [{ name: "a" }, { name: "b" }, { name: "a" }] }),
      300,
    );
    console.log(`property/mutations (loop): ${JSON.stringify(outcomes)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
