/**
 * Shapes of the artifact parts the runtime executes, as zod schemas. Anything the runtime
 * does not read is allowed through unchanged (documentation fields, future additions).
 *
 * @module
 */
import { z } from "zod";

const nextMap = z.record(z.string(), z.string());

const inNode = z.object({
  type: z.literal("IN"),
  code: z.string().optional(),
  fqdn_id: z.string().optional(),
  next: nextMap,
});
const ccNode = z.object({
  type: z.literal("CC"),
  code: z.string().optional(),
  // The compiler adds it; a node with only its `code` is resolved from that (compile.ts).
  fqdn_id: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  next: nextMap,
});
const exitNode = z.object({
  type: z.literal("EXIT"),
  reason: z.string().optional(),
  emit: z.string().optional(),
});

/** A workflow's `frontmatter`. */
export const workflowFrontmatter = z.object({
  runtime_binding: z.string(),
  core: z.object({
    start_node: z.string(),
    nodes: z.record(z.string(), z.discriminatedUnion("type", [inNode, ccNode, exitNode])),
    admission: z.object({
      requires: z.array(z.string()).optional(),
      forbids: z.array(z.string()).optional(),
      bindings: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    }).optional(),
  }),
});

/** One CC pipeline step. */
export const pipelineStep = z.object({
  step: z.string().min(1),
  transform: z.string().optional(),
  side_effect: z.string().optional(),
  op: z.string().nullable().optional(),
  store: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).nullable().optional(),
  on_result: z.record(z.string(), z.string()),
  on_ct_result: z.object({ on_success: z.string().optional(), on_failure: z.string().optional() })
    .optional(),
});

/** A capability contract's `frontmatter`. */
export const contractFrontmatter = z.object({
  core: z.object({
    inputs: z.record(
      z.string(),
      z.object({ type: z.unknown().optional(), required: z.boolean().optional() }),
    ).optional(),
    pipeline: z.array(pipelineStep).min(1),
    result_status_contract: z.object({
      allowed: z.array(z.string()).optional(),
      on_input_failure: z.string().optional(),
    }).optional(),
    evaluation: z.record(
      z.string(),
      z.object({ condition: z.string(), on_true: z.string(), on_false: z.string() }),
    ).optional(),
    suppress_trace_fields: z.array(z.string()).optional(),
  }),
});

/** A CT's compiled IR. */
export const ctIr = z.object({
  ct_fqdn: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  // Loose: a construct the executor does not support (`loop`) must reach the compiler's
  // check instead of being stripped here.
  atom_stream: z.array(z.looseObject({
    atom: z.string(),
    args: z.record(z.string(), z.unknown()),
    out: z.string(),
  })).min(1),
  outputs: z.record(z.string(), z.object({ from: z.string() })),
});

/** A binding's policy (or config): a `path`, when given, is the store's path (a string). */
const bindingPolicy = z.looseObject({ path: z.string().optional() });

/** A runtime binding's `frontmatter`. */
export const bindingFrontmatter = z.object({
  core: z.object({
    storage_structure: z.string().optional(),
    bindings: z.record(
      z.string(),
      z.object({
        policy: bindingPolicy.optional(),
        config: bindingPolicy.optional(),
      }),
    ),
  }),
});

/** Recursive IN field spec. */
export interface FieldSpec {
  /** JSON type name or list of names. */
  type?: string | string[];
  /** Whether the field must be present; or (JSON-Schema style) the required property names. */
  required?: boolean | string[];
  /** Allowed values. */
  enum?: unknown[];
  /** email, hex or date-time. */
  format?: string;
  /** Required prefix for hex. */
  prefix?: string;
  /** Lower bound for numbers. */
  minimum?: number;
  /** Array item spec. */
  items?: FieldSpec;
  /** Minimum array length. */
  minItems?: number;
  /** Nested object fields. */
  fields?: Record<string, FieldSpec>;
  /** Nested object fields, JSON-Schema style (with `required` as a list). */
  properties?: Record<string, FieldSpec>;
  /** Annotation only. */
  default?: unknown;
}

const fieldSpec: z.ZodType<FieldSpec> = z.lazy(() =>
  z.object({
    type: z.union([z.string(), z.array(z.string())]).optional(),
    required: z.union([z.boolean(), z.array(z.string())]).optional(),
    enum: z.array(z.unknown()).optional(),
    format: z.string().optional(),
    prefix: z.string().optional(),
    minimum: z.number().optional(),
    items: fieldSpec.optional(),
    minItems: z.number().int().optional(),
    fields: z.record(z.string(), fieldSpec).optional(),
    properties: z.record(z.string(), fieldSpec).optional(),
    default: z.unknown().optional(),
  })
);

/** An intent's `frontmatter`. */
export const intentFrontmatter = z.object({
  core: z.object({ inputs: z.record(z.string(), fieldSpec).optional() }),
});

/** A storage structure's `frontmatter`. */
export const structureFrontmatter = z.object({
  core: z.object({
    entity_stores: z.record(z.string(), z.object({ path: z.string() })),
  }),
});

/** The common artifact envelope. */
export const envelope = z.object({
  artifact_code: z.string(),
  artifact_type: z.string(),
  fqdn_id: z.string(),
  content: z.string(),
  content_hash: z.string().regex(/^[0-9a-f]{64}$/),
  frontmatter: z.record(z.string(), z.unknown()),
  ct_ir: z.unknown().optional(),
  cs_ir: z.unknown().optional(),
});

/** Artifact type expected in each kind directory, and the schema of its frontmatter. */
export const KIND_SCHEMAS = {
  WF: { type: "WF", frontmatter: workflowFrontmatter },
  CC: { type: "CC", frontmatter: contractFrontmatter },
  CT: { type: "CT", frontmatter: z.record(z.string(), z.unknown()) },
  CS: { type: "CS", frontmatter: z.record(z.string(), z.unknown()) },
  RB: { type: "RB", frontmatter: bindingFrontmatter },
  IN: { type: "IN", frontmatter: intentFrontmatter },
  STRUCTURE: { type: "STRUCTURE", frontmatter: structureFrontmatter },
} as const;
