/**
 * Compiles a workflow and everything it reaches into execution graphs, checking the
 * closure of SPEC §3 before anything runs. Every problem is collected; the compile is
 * refused with all of them at once.
 *
 * @module
 */
import { CompileError, type CompileProblem, ErrorCode, UsageError } from "../errors.ts";
import type { StoreRef, ViewFormat } from "../storage/store.ts";
import {
  type Binding,
  type BindingProblem,
  compileBinding,
  compileCondition,
  loadPathParser,
} from "./bindings.ts";
import { canonicalJson, sha256Hex } from "./canonical.ts";
import {
  type Admission,
  type CompiledContract,
  type CompiledEvaluation,
  type CompiledStep,
  type CompiledWorkflow,
  type ExecutionGraph,
  type GraphNode,
  isWorkflowInvoking,
  type Route,
} from "./graph.ts";
import {
  type Artifact,
  type FrontmatterOf,
  getTyped,
  type Snapshot,
  type TypedArtifact,
} from "./load.ts";
import { type ArtifactKind, isSafeFqdn, nodeCodeFqdn, parseFqdn } from "./resolve.ts";
import {
  domainStructureLoader,
  type DomainStructures,
  isJournalPath,
  resolveEntityWithoutStructure,
  settleStoreFormats,
  type StoreUse,
} from "./stores.ts";

/** What the compiler needs to know about the bound implementations. */
export interface CompileOptions {
  /** Bound CT atom FQDNs. */
  readonly transforms: ReadonlySet<string>;
  /** Bound CS FQDN → view format of its store (null: the kind has no store). */
  readonly sideEffects: ReadonlyMap<string, ViewFormat | null>;
  /**
   * CS FQDN → the (upper-case) ops of that kind that can answer from a key → value JSON
   * document written by another kind (stores.ts). Absent: no kind can.
   */
  readonly documentReads?: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Called once, after a compile found no problem, with every CT atom the closure runs, so
   * that implementations needing a lazily loaded engine have it before anything executes.
   */
  readonly prepare?: (atoms: ReadonlySet<string>) => Promise<void>;
}

const WF_REF_RE = /^[A-Za-z0-9_.]+::WF_[A-Za-z0-9_]+$/;
const DATA_ROOT = "{{module_data_root}}";
const NODE_KEY_RE = /^(?!__)[A-Za-z0-9_-]+$/;

/**
 * Compiles `workflow` and every sub-workflow its steps name literally into execution
 * graphs plus a snapshot digest, checking the closure first: every reference resolves,
 * every CT atom and CS kind has an implementation in `options`, every binding parses.
 * Nothing runs.
 *
 * @example
 * ```ts
 * import { compileWorkflow, loadSnapshot } from "./mod.ts";
 * import { createCapabilityRegistry } from "../actors/mod.ts";
 * import assert from "node:assert/strict";
 * const snapshot = await loadSnapshot(new URL("../examples/workspace", import.meta.url).pathname);
 * const registry = createCapabilityRegistry();
 * const compiled = await compileWorkflow(snapshot, "club::WF_REGISTER_MEMBER_V0", registry.compileOptions);
 * assert.equal(compiled.root.start, "IN_MEMBER_APPLIED_V0");
 * assert.equal(compiled.digest.length, 64);
 * ```
 * @param options What is bound: `createCapabilityRegistry(...).compileOptions`.
 * @throws {UsageError} WORKFLOW_NAME when the name is malformed or no such workflow exists;
 *   USAGE when `snapshot` or `options` is not what it should be.
 * @throws {SnapshotError} when an artifact is malformed or tampered.
 * @throws {CompileError} listing every closure problem.
 */
export async function compileWorkflow(
  snapshot: Snapshot,
  workflow: string,
  options: CompileOptions,
): Promise<CompiledWorkflow> {
  if (snapshot === null || typeof snapshot !== "object" || typeof snapshot.get !== "function") {
    throw new UsageError("Invalid snapshot: expected the result of loadSnapshot()");
  }
  if (
    options === null || typeof options !== "object" || !(options.transforms instanceof Set) ||
    !(options.sideEffects instanceof Map)
  ) {
    throw new UsageError("Invalid options: expected createCapabilityRegistry(...).compileOptions");
  }
  parseFqdn(workflow);
  await loadPathParser();
  if (!(await snapshot.get("WF", workflow))) {
    throw new UsageError(
      `Unknown workflow "${workflow}": no file protocol_snapshot/artifacts/workflows/` +
        `${workflow.replace("::", "__")}.json`,
      ErrorCode.WORKFLOW_NAME,
    );
  }
  const problems: CompileProblem[] = [];
  const reached = new Map<string, Artifact["executable"]>();
  const graphs = new Map<string, ExecutionGraph>();
  const closure: Closure = {
    problems,
    reached,
    uses: [],
    atoms: new Set(),
    domainStructures: domainStructureLoader(snapshot),
    childRefs: new Map(),
  };
  const queue = [workflow];
  while (queue.length > 0) {
    const wf = queue.shift()!;
    if (graphs.has(wf)) continue;
    const graph = await compileGraph(snapshot, wf, options, closure);
    if (!graph) continue;
    graphs.set(wf, graph);
    queue.push(...graph.children.filter((c) => !graphs.has(c)));
  }
  settleStoreFormats(closure.uses, options.documentReads ?? new Map(), problems);
  if (problems.length > 0) {
    const seen = new Set<string>();
    throw new CompileError(
      workflow,
      problems.filter((p) => {
        const id = `${p.file}\0${p.jsonPath}\0${p.message}`;
        return !seen.has(id) && seen.add(id) !== undefined;
      }),
    );
  }
  await options.prepare?.(closure.atoms);
  const parts = Object.fromEntries([...reached.entries()].sort(([a], [b]) => a < b ? -1 : 1));
  return { root: graphs.get(workflow)!, graphs, digest: sha256Hex(canonicalJson(parts)) };
}

/** What the graphs of one compiled closure share. */
interface Closure {
  readonly problems: CompileProblem[];
  readonly reached: Map<string, Artifact["executable"]>;
  /** Persistent store uses of every CS step, for the one-format-per-path check. */
  readonly uses: StoreUse[];
  /** CT atoms the closure runs (for `prepare`). */
  readonly atoms: Set<string>;
  readonly domainStructures: (domain: string) => Promise<DomainStructures>;
  /** Where each child workflow was first named: a missing one is that step's problem. */
  readonly childRefs: Map<string, { file: string; at: string }>;
}

async function compileGraph(
  snapshot: Snapshot,
  workflow: string,
  options: CompileOptions,
  closure: Closure,
): Promise<ExecutionGraph | null> {
  const { problems, reached } = closure;
  const get = async <K extends ArtifactKind>(
    kind: K,
    fqdn: unknown,
    file: string,
    at: string,
  ): Promise<TypedArtifact<K> | null> => {
    if (typeof fqdn !== "string" || !isSafeFqdn(fqdn)) {
      problems.push({ file, jsonPath: at, message: `${kind} reference "${fqdn}" is not ns::CODE` });
      return null;
    }
    const a = await getTyped(snapshot, kind, fqdn);
    if (!a) {
      problems.push({
        file,
        jsonPath: at,
        message: `${kind} "${fqdn}" does not resolve to an artifact`,
      });
      return null;
    }
    reached.set(`${kind}:${fqdn}`, a.executable);
    return a;
  };
  const named = closure.childRefs.get(workflow);
  const wf = await get("WF", workflow, named?.file ?? "(command line)", named?.at ?? "--wf");
  if (!wf) return null;
  const file = wf.file;
  const core = wf.frontmatter.core;
  const namespace = parseFqdn(workflow).namespace;
  const rb = await get("RB", wf.frontmatter.runtime_binding, file, "$.frontmatter.runtime_binding");
  const structureRef = rb?.frontmatter.core.storage_structure;
  const structure = structureRef
    ? await get("STRUCTURE", structureRef, rb!.file, "$.frontmatter.core.storage_structure")
    : null;
  const entityStores = structure?.frontmatter.core.entity_stores ?? {};
  const bindings = rb?.frontmatter.core.bindings ?? {};
  const children = new Set<string>();
  const nodes: Record<string, GraphNode> = {};
  const nodeKeys = Object.keys(core.nodes);
  // Once per graph, not per node: a 10,000-node workflow must compile in linear time.
  const ccKeys: ReadonlySet<string> = new Set(nodeKeys.filter((k) => core.nodes[k].type === "CC"));
  if (!core.nodes[core.start_node]) {
    problems.push({
      file,
      jsonPath: "$.frontmatter.core.start_node",
      message: `start_node "${core.start_node}" is not a node`,
    });
  } else if (core.nodes[core.start_node].type === "EXIT") {
    problems.push({
      file,
      jsonPath: "$.frontmatter.core.start_node",
      message: `start_node "${core.start_node}" is an EXIT node; expected an IN or CC node`,
    });
  }
  for (const [key, node] of Object.entries(core.nodes)) {
    const at = `$.frontmatter.core.nodes.${key}`;
    if (!NODE_KEY_RE.test(key)) {
      problems.push({
        file,
        jsonPath: at,
        message: `node key "${key}" must match [A-Za-z0-9_-]+ and not start with "__"`,
      });
    }
    if (node.type !== "EXIT") {
      for (const [outcome, target] of Object.entries(node.next)) {
        if (!core.nodes[target]) {
          problems.push({
            file,
            jsonPath: `${at}.next.${outcome}`,
            message: `next target "${target}" is not a node (nodes: ${nodeKeys.join(", ")})`,
          });
        }
      }
    }
    if (node.type === "EXIT") {
      nodes[key] = { type: "EXIT", key, reason: node.reason ?? null, emit: node.emit ?? null };
    } else if (node.type === "IN") {
      const ref = nodeRef(node, namespace, at);
      // A node with neither field (the name-service workflows) declares no intent to check.
      const intent = ref ? await get("IN", ref.fqdn, file, ref.at) : null;
      nodes[key] = {
        type: "IN",
        key,
        intent: intent
          ? { fqdn: intent.fqdn, file: intent.file, inputs: intent.frontmatter.core.inputs ?? {} }
          : null,
        next: node.next,
      };
    } else {
      const bp: BindingProblem[] = [];
      const inputs = compileBinding(node.inputs ?? {}, ["payload", "results"], bp, `${at}.inputs`);
      checkResultRefs(inputs, ccKeys, "CC node", bp, `${at}.inputs`);
      collect(problems, file, bp);
      const ref = nodeRef(node, namespace, at);
      if (!ref) {
        problems.push({
          file,
          jsonPath: at,
          message: `CC node "${key}" has neither fqdn_id nor code: expected the CC it runs`,
        });
        continue;
      }
      const artifact = await get("CC", ref.fqdn, file, ref.at);
      if (!artifact) continue;
      const cc = await compileContract(artifact, {
        get,
        options,
        problems,
        bindings,
        rbFile: rb?.file ?? file,
        // A named but unresolved structure is its own problem: no domain fallback then.
        structure: structureRef ? entityStores : null,
        domain: namespace,
        domainStructures: closure.domainStructures,
        uses: closure.uses,
        atoms: closure.atoms,
        children,
        childRefs: closure.childRefs,
      });
      if (cc) nodes[key] = { type: "CC", key, cc, inputs, next: node.next };
    }
  }
  const cycle = findCycle(core.start_node, core.nodes);
  if (cycle) {
    problems.push({
      file,
      jsonPath: "$.frontmatter.core.nodes",
      message: `graph has a cycle ${cycle.join(" → ")}; iteration belongs in CS_WORKFLOW_LOOP_V0`,
    });
  }
  return {
    workflow,
    file,
    start: core.start_node,
    nodes,
    admission: compileAdmission(core.admission, {
      journals: journalsOf(structureRef ? entityStores : null, bindings, options, nodes),
      problems,
      file,
      source: structureRef
        ? `storage structure ${structure?.file ?? structureRef}, the policy paths of runtime ` +
          `binding ${rb?.file} and the steps of the workflow declare`
        : rb
        ? `runtime binding ${rb.file} (no storage_structure) and the steps of the workflow declare`
        : "no runtime binding and no step of the workflow declares",
    }),
    children: [...children].sort(),
  };
}

interface ContractScope {
  get: <K extends ArtifactKind>(
    kind: K,
    fqdn: unknown,
    file: string,
    at: string,
  ) => Promise<TypedArtifact<K> | null>;
  options: CompileOptions;
  problems: CompileProblem[];
  bindings: Record<string, { policy?: Record<string, unknown>; config?: Record<string, unknown> }>;
  rbFile: string;
  /** Entity stores of the binding's storage structure; null when it names none. */
  structure: Record<string, { path: string }> | null;
  /** The workflow's domain (namespace), whose STRUCTUREs serve a binding without one. */
  domain: string;
  domainStructures: (domain: string) => Promise<DomainStructures>;
  uses: StoreUse[];
  atoms: Set<string>;
  children: Set<string>;
  childRefs: Closure["childRefs"];
}

async function compileContract(
  artifact: TypedArtifact<"CC">,
  s: ContractScope,
): Promise<CompiledContract | null> {
  const file = artifact.file;
  const core = artifact.frontmatter.core;
  const stepIndex = new Map(core.pipeline.map((st, i) => [st.step, i]));
  const firstIndex = new Map<string, number>();
  for (const [i, st] of core.pipeline.entries()) {
    if (!firstIndex.has(st.step)) firstIndex.set(st.step, i);
  }
  const evaluationNames = new Set(Object.keys(core.evaluation ?? {}));
  const steps: CompiledStep[] = [];
  const before = s.problems.length;
  for (const [i, st] of core.pipeline.entries()) {
    const at = `$.frontmatter.core.pipeline[${i}]`;
    const first = firstIndex.get(st.step)!;
    if (first !== i) {
      // A jump to the name, or `$.results.<name>`, could mean either step.
      s.problems.push({
        file,
        jsonPath: `${at}.step`,
        message: `step name "${st.step}" is also the name of pipeline[${first}]; step names ` +
          `must be unique`,
      });
    }
    const bp: BindingProblem[] = [];
    const inputs = compileBinding(st.inputs ?? {}, ["inputs", "results"], bp, `${at}.inputs`);
    checkResultRefs(inputs, new Set(stepIndex.keys()), "pipeline step", bp, `${at}.inputs`);
    const outputs = Object.entries(st.outputs ?? {}).map(([name, v]) =>
      [
        name,
        // "$.<field>" (v0.2 style) reads a raw result field, so any root is allowed here.
        compileBinding(v, ["*"], bp, `${at}.outputs.${name}`),
      ] as const
    );
    collect(s.problems, file, bp);
    const onResult: Record<string, Route> = {};
    for (const [status, target] of Object.entries(st.on_result)) {
      if (target === "continue" || target === "exit") onResult[status] = { kind: target };
      else if (stepIndex.has(target)) {
        onResult[status] = { kind: "step", index: stepIndex.get(target)!, name: target };
      } else if (evaluationNames.has(target)) {
        onResult[status] = { kind: "evaluation", name: target };
      } else {
        s.problems.push({
          file,
          jsonPath: `${at}.on_result.${status}`,
          message: `on_result value "${target}" is not continue, exit, a step name or an ` +
            `evaluation key`,
        });
      }
    }
    const common = {
      name: st.step,
      op: st.op ?? null,
      inputs,
      outputs,
      onResult,
      onCtResult: {
        success: st.on_ct_result?.on_success ?? "SUCCESS",
        failure: st.on_ct_result?.on_failure ?? "VIOLATION",
      },
    };
    if (st.transform !== undefined && st.side_effect === undefined) {
      const ct = await s.get("CT", st.transform, file, `${at}.transform`);
      if (!ct?.ctIr) continue;
      const ctProblem = checkCtIr(ct.ctIr, s.options.transforms);
      if (ctProblem) {
        s.problems.push({ file: ct.file, jsonPath: ctProblem.at, message: ctProblem.message });
        continue;
      }
      s.atoms.add(String(ct.ctIr.atom_stream[0].atom));
      steps.push({
        ...common,
        kind: "CT",
        capability: ct.fqdn,
        ctIr: ct.ctIr,
        store: null,
        policy: {},
      });
    } else if (st.side_effect !== undefined && st.transform === undefined) {
      const cs = await s.get("CS", st.side_effect, file, `${at}.side_effect`);
      if (!cs) continue;
      if (!s.options.sideEffects.has(cs.fqdn)) {
        s.problems.push({
          file: cs.file,
          jsonPath: "$.cs_ir",
          message: `CS kind "${cs.fqdn}" has no bound implementation`,
        });
        continue;
      }
      const binding = s.bindings[cs.fqdn];
      const policy = stripDataRoot(policyOf(binding)) as Record<string, unknown>;
      const format = s.options.sideEffects.get(cs.fqdn) ?? null;
      const store = await resolveStore(st.store, policy, format, s, file, at);
      for (const [ref, path] of literalWorkflowRefs(st.inputs ?? {}, cs.fqdn, `${at}.inputs`)) {
        s.children.add(ref);
        if (!s.childRefs.has(ref)) s.childRefs.set(ref, { file, at: path });
      }
      const step = { ...common, kind: "CS" as const, capability: cs.fqdn, store, policy };
      if (store) {
        s.uses.push({ step, capability: cs.fqdn, op: String(st.op ?? "").toUpperCase(), file, at });
      }
      steps.push(step);
    } else {
      s.problems.push({
        file,
        jsonPath: at,
        message: `step "${st.step}" must have exactly one of transform or side_effect`,
      });
    }
  }
  const evaluations: Record<string, CompiledEvaluation> = {};
  for (const [name, ev] of Object.entries(core.evaluation ?? {})) {
    const bp: BindingProblem[] = [];
    const condition = compileCondition(
      ev.condition,
      ["*"],
      bp,
      `$.frontmatter.core.evaluation.${name}`,
    );
    collect(s.problems, file, bp);
    if (condition) evaluations[name] = { condition, onTrue: ev.on_true, onFalse: ev.on_false };
  }
  if (s.problems.length > before) return null;
  return {
    fqdn: artifact.fqdn,
    file,
    requiredInputs: Object.entries(core.inputs ?? {}).filter(([, v]) => v.required).map(([k]) => k),
    onInputFailure: core.result_status_contract?.on_input_failure ?? "VIOLATION",
    steps,
    evaluations,
    suppress: core.suppress_trace_fields ?? [],
  };
}

async function resolveStore(
  entity: string | undefined,
  policy: Record<string, unknown>,
  format: ViewFormat | null,
  s: ContractScope,
  file: string,
  at: string,
): Promise<StoreRef | null> {
  if (format === null) return null;
  let path: string | null = null;
  const policyPath = typeof policy.path === "string" ? policy.path : null;
  if (entity !== undefined && s.structure) {
    const declared = s.structure[entity];
    if (!declared) {
      s.problems.push({
        file,
        jsonPath: `${at}.store`,
        message: `store "${entity}" is not an entity store of the runtime binding's storage ` +
          `structure (${Object.keys(s.structure).join(", ") || "none declared"})`,
      });
      return null;
    }
    path = declared.path;
  } else if (entity !== undefined) {
    const r = resolveEntityWithoutStructure(
      entity,
      s.domain,
      await s.domainStructures(s.domain),
      policyPath,
      s.rbFile,
    );
    if ("problem" in r) {
      s.problems.push({ file, jsonPath: `${at}.store`, message: r.problem });
      return null;
    }
    // The structure that gave the path is executable data of this run: into the digest.
    await s.get("STRUCTURE", r.structure, file, `${at}.store`);
    path = r.path;
  } else path = policyPath;
  if (path === null) return null;
  if (!isSafeRelativePath(path)) {
    s.problems.push({
      file: s.rbFile,
      jsonPath: "$.frontmatter.core.bindings",
      message: `store path "${path}" must be relative to the data root, without ".." segments`,
    });
    return null;
  }
  return { path, format };
}

/**
 * What the CT-IR executor supports: one atom step (no `loop`), bound to an implementation,
 * whose outputs all read the symbol it produces. Anything else is a compile problem rather
 * than a fault in the middle of a run.
 */
function checkCtIr(
  ir: { atom_stream: Array<Record<string, unknown>>; outputs: Record<string, { from: string }> },
  transforms: ReadonlySet<string>,
): { at: string; message: string } | null {
  if (ir.atom_stream.length !== 1) {
    return {
      at: "$.ct_ir.atom_stream",
      message: `only single-atom CT-IR is supported (found ${ir.atom_stream.length} steps)`,
    };
  }
  const step = ir.atom_stream[0];
  if ("loop" in step) {
    return { at: "$.ct_ir.atom_stream[0].loop", message: "CT-IR loop steps are not supported" };
  }
  if (!transforms.has(String(step.atom))) {
    return {
      at: "$.ct_ir.atom_stream[0].atom",
      message: `CT atom "${step.atom}" has no bound implementation`,
    };
  }
  for (const [name, o] of Object.entries(ir.outputs)) {
    if (o.from !== step.out) {
      return {
        at: `$.ct_ir.outputs.${name}.from`,
        message:
          `output ${name} reads symbol "${o.from}", but the atom step produces "${step.out}"`,
      };
    }
  }
  return null;
}

/** Flags `$.results.<name>` paths whose head is not one of `names` (a typo would be null). */
function checkResultRefs(
  b: Binding,
  names: ReadonlySet<string>,
  what: string,
  problems: BindingProblem[],
  at: string,
): void {
  if (b.k === "path" && b.root === "results" && !names.has(String(b.segs[0]))) {
    problems.push({
      at,
      message: `binding path "${b.text}" names ${what} "${b.segs[0]}", which does not exist ` +
        `(${[...names].join(", ") || "none"})`,
    });
  } else if (b.k === "arith") checkResultRefs(b.path, names, what, problems, at);
  else if (b.k === "obj") {
    b.entries.forEach(([k, v]) => checkResultRefs(v, names, what, problems, `${at}.${k}`));
  } else if (b.k === "arr") {
    b.items.forEach((v, i) => checkResultRefs(v, names, what, problems, `${at}[${i}]`));
  }
}

/** True for a "/"-separated relative path whose segments are plain names. */
export function isSafeRelativePath(path: string): boolean {
  return path.length > 0 && !path.startsWith("/") &&
    path.split("/").every((seg) => /^[A-Za-z0-9_.-]+$/.test(seg) && seg !== "." && seg !== "..");
}

/**
 * A binding's settings: `policy`, and the name service's `config`, read per key (policy
 * first), so a binding that has both loses neither's `path`.
 */
function policyOf(
  binding: { policy?: Record<string, unknown>; config?: Record<string, unknown> } | undefined,
): Record<string, unknown> {
  return { ...binding?.config, ...binding?.policy };
}

function stripDataRoot(value: unknown): unknown {
  if (typeof value === "string") {
    return value.startsWith(`${DATA_ROOT}/`) ? value.slice(DATA_ROOT.length + 1) : value;
  }
  if (Array.isArray(value)) return value.map(stripDataRoot);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripDataRoot(v)]));
  }
  return value;
}

/** The literal workflow names in a workflow-invoking CS step's inputs, with their JSON paths. */
function literalWorkflowRefs(value: unknown, cs: string, at: string): Array<[string, string]> {
  if (!isWorkflowInvoking(cs)) return [];
  if (typeof value === "string") return WF_REF_RE.test(value) ? [[value, at]] : [];
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => literalWorkflowRefs(v, cs, `${at}[${i}]`));
  }
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) =>
      literalWorkflowRefs(
        v,
        cs,
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`,
      )
    );
  }
  return [];
}

/**
 * The journals WF admission searches (stores.ts), each declaration form on its own: the
 * `.jsonl` entity stores of the binding's storage structure (declaration order), then,
 * sorted, the `.jsonl` policy paths of the binding's jsonl-format CS kinds and the `.jsonl`
 * jsonl-format stores the workflow's own steps resolved. A generation may name a structure
 * in the binding while its events still go to a policy path, or resolve a step's entity
 * through the domain's structures: a journal one form declares is never dropped because
 * another form is present.
 */
function journalsOf(
  structure: Record<string, { path: string }> | null,
  bindings: ContractScope["bindings"],
  options: CompileOptions,
  nodes: Readonly<Record<string, GraphNode>>,
): StoreRef[] {
  const declared = Object.values(structure ?? {})
    .map((e) => e.path)
    .filter((path) => isJournalPath(path) && isSafeRelativePath(path));
  const others = new Set<string>();
  for (const [cs, b] of Object.entries(bindings)) {
    const path = stripDataRoot(policyOf(b).path);
    if (
      options.sideEffects.get(cs) === "jsonl" && typeof path === "string" && isJournalPath(path) &&
      isSafeRelativePath(path)
    ) others.add(path);
  }
  for (const node of Object.values(nodes)) {
    if (node.type !== "CC") continue;
    for (const step of node.cc.steps) {
      // resolveStore already refused unsafe paths.
      if (step.store?.format === "jsonl" && isJournalPath(step.store.path)) {
        others.add(step.store.path);
      }
    }
  }
  const paths = [...new Set([...declared, ...[...others].sort()])];
  return paths.map((path) => ({ path, format: "jsonl" as const }));
}

function compileAdmission(
  admission: FrontmatterOf<"WF">["core"]["admission"],
  ctx: { journals: StoreRef[]; problems: CompileProblem[]; file: string; source: string },
): Admission | null {
  if (!admission) return null;
  const requires = admission.requires ?? [];
  const forbids = admission.forbids ?? [];
  if (requires.length === 0 && forbids.length === 0) return null;
  if (ctx.journals.length === 0) {
    const gates = [
      requires.length > 0 ? `requires ${requires.join(", ")} (the gate could never open)` : "",
      forbids.length > 0 ? `forbids ${forbids.join(", ")} (the gate could never close)` : "",
    ].filter(Boolean).join(" and ");
    ctx.problems.push({
      file: ctx.file,
      jsonPath: "$.frontmatter.core.admission",
      message: `admission ${gates}, but no journal can hold events: ${ctx.source} no .jsonl ` +
        `store`,
    });
  }
  return {
    requires,
    forbids,
    bindings: admission.bindings ?? {},
    eventStores: ctx.journals,
  };
}

/**
 * The artifact a workflow node names and where: its `fqdn_id` or, without one, its `code`
 * resolved as the compiler would (nodeCodeFqdn). Null when it declares neither.
 */
function nodeRef(
  node: { fqdn_id?: string; code?: string },
  namespace: string,
  at: string,
): { fqdn: string; at: string } | null {
  if (node.fqdn_id !== undefined) return { fqdn: node.fqdn_id, at: `${at}.fqdn_id` };
  if (node.code !== undefined && node.code !== "") {
    return { fqdn: nodeCodeFqdn(node.code, namespace), at: `${at}.code` };
  }
  return null;
}

/**
 * A cycle reachable from `start`, as the node keys along it, or null. Iterative
 * depth-first search, so a 10,000-node workflow cannot overflow the stack.
 */
function findCycle(
  start: string,
  nodes: FrontmatterOf<"WF">["core"]["nodes"],
): string[] | null {
  const state = new Map<string, "open" | "done">();
  const targets = (key: string): string[] => {
    const node = nodes[key];
    return !node || node.type === "EXIT" ? [] : Object.values(node.next);
  };
  if (!nodes[start]) return null;
  const path: string[] = [start];
  const iters: number[] = [0];
  state.set(start, "open");
  while (path.length > 0) {
    const key = path[path.length - 1];
    const next = targets(key);
    const i = iters[iters.length - 1]++;
    if (i >= next.length) {
      state.set(key, "done");
      path.pop();
      iters.pop();
      continue;
    }
    const t = next[i];
    if (!nodes[t] || state.get(t) === "done") continue;
    if (state.get(t) === "open") return [...path.slice(path.indexOf(t)), t];
    state.set(t, "open");
    path.push(t);
    iters.push(0);
  }
  return null;
}

function collect(problems: CompileProblem[], file: string, bp: BindingProblem[]): void {
  for (const p of bp) problems.push({ file, jsonPath: p.at, message: p.message });
}
