/**
 * Writes a generated workspace for the size benches (f): one workflow of `nodes` nodes (an IN
 * node, a chain of CC nodes, an EXIT), each CC node with its own CC artifact holding one CT
 * step (`CT_PURE_GENERATE_ID_V0` over the previous node's id), so compile reads and checks
 * one artifact per node and a run visits every node. Content hashes are sha256(content).
 *
 * @module
 */
import { type ArtifactKindName, authorArtifact } from "../snapshot/author.ts";
import { UsageError } from "../errors.ts";

type Json = Record<string, unknown>;

/** Namespace of generated artifacts. */
export const GEN_NS = "gen";
/** FQDN of the generated workflow. */
export const GEN_WF = `${GEN_NS}::WF_CHAIN_V0`;
const CT_ID = "capability_transforms::CT_PURE_GENERATE_ID_V0";

function artifact(_dir: string, type: string, fqdn: string, frontmatter: Json, extra: Json = {}) {
  return authorArtifact(type as ArtifactKindName, fqdn, frontmatter, {
    summary: "Generated for benchmarks.",
    extra,
    layer: "BENCH",
    pretty: false,
  });
}

function ccCode(i: number): string {
  return `CC_STEP_${String(i).padStart(5, "0")}_V0`;
}

/** The artifacts of a chain workflow with `nodes` nodes (≥ 3: IN, CCs, EXIT). */
export function chainArtifacts(nodes: number): ReturnType<typeof artifact>[] {
  if (!Number.isInteger(nodes) || nodes < 3) {
    throw new UsageError(`Invalid nodes ${nodes}: expected an integer ≥ 3`);
  }
  const ccs = nodes - 2;
  const inputs = {
    data: { type: "any", required: true },
    prefix: { type: "string", required: true },
  };
  const out: ReturnType<typeof artifact>[] = [
    artifact("capability_transforms", "CT", CT_ID, {
      ct_code: "CT_PURE_GENERATE_ID_V0",
      core: { inputs, outputs: { id: { type: "string", required: true } } },
    }, {
      ct_ir: {
        ct_code: "CT_PURE_GENERATE_ID_V0",
        ct_fqdn: CT_ID,
        ct_composition_version: "V0",
        inputs,
        atom_stream: [{
          atom: CT_ID,
          args: { data: "$.inputs.data", prefix: "$.inputs.prefix" },
          out: "__atom_result__",
        }],
        outputs: { id: { from: "__atom_result__" } },
      },
    }),
    artifact("runtime_bindings", "RB", `${GEN_NS}::RB_CHAIN_V0`, { core: { bindings: {} } }),
    artifact("intents", "IN", `${GEN_NS}::IN_CHAIN_STARTED_V0`, {
      core: {
        workflow: "WF_CHAIN_V0",
        inputs: { seed: { type: "string", required: true } },
      },
    }),
  ];
  const wfNodes: Record<string, Json> = {
    IN_CHAIN_STARTED_V0: {
      type: "IN",
      fqdn_id: `${GEN_NS}::IN_CHAIN_STARTED_V0`,
      next: { ACK: ccCode(1), NACK: "EXIT_DONE" },
    },
  };
  for (let i = 1; i <= ccs; i++) {
    const code = ccCode(i);
    out.push(artifact("capability_contracts", "CC", `${GEN_NS}::${code}`, {
      core: {
        inputs: { previous: { type: "string", required: true } },
        result_status_contract: {
          allowed: ["SUCCESS", "VIOLATION"],
          on_input_failure: "VIOLATION",
        },
        pipeline: [{
          step: "derive",
          transform: CT_ID,
          op: "GENERATE_ID",
          inputs: { prefix: "N", data: { previous: "$.inputs.previous", node: i } },
          outputs: { id: "$.capability_result.id" },
          on_result: { SUCCESS: "exit", VIOLATION: "exit" },
        }],
      },
    }));
    wfNodes[code] = {
      type: "CC",
      fqdn_id: `${GEN_NS}::${code}`,
      inputs: { previous: i === 1 ? "$.payload.seed" : `$.results.${ccCode(i - 1)}.id` },
      next: { SUCCESS: i === ccs ? "EXIT_DONE" : ccCode(i + 1), VIOLATION: "EXIT_DONE" },
    };
  }
  wfNodes.EXIT_DONE = { type: "EXIT", reason: "EXITED" };
  out.push(artifact("workflows", "WF", GEN_WF, {
    wf_code: "WF_CHAIN_V0",
    runtime_binding: `${GEN_NS}::RB_CHAIN_V0`,
    core: {
      summary: `Chain of ${ccs} CC nodes`,
      start_node: "IN_CHAIN_STARTED_V0",
      nodes: wfNodes,
    },
  }));
  return out;
}

/** Writes a workspace holding the chain workflow of `nodes` nodes under `dir`; returns `dir`. */
export async function writeChainWorkspace(dir: string, nodes: number): Promise<string> {
  const made = new Set<string>();
  for (const a of chainArtifacts(nodes)) {
    const folder = `${dir}/protocol_snapshot/artifacts/${a.dir}`;
    if (!made.has(folder)) {
      await Deno.mkdir(folder, { recursive: true });
      made.add(folder);
    }
    await Deno.writeTextFile(`${folder}/${a.file}`, JSON.stringify(a.body));
  }
  return dir;
}
