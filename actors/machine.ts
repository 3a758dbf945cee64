/**
 * ExecutionGraph → XState v5 machine. One state per node, one `pgs.outcome.<STATUS>`
 * transition per declared outcome, EXIT nodes final. Pure: the node behaviour comes in
 * through the machine input (`env.visit`), so the same machine serves every run.
 *
 * @module
 */
import { assign, fromPromise, raise, setup } from "xstate";
import type { ExecutionGraph } from "../snapshot/graph.ts";
import type { JsonObject } from "./capability.ts";

/** Prefix of outcome events. */
export const OUTCOME_EVENT_PREFIX = "pgs.outcome.";
/** Final state entered when an outcome has no `next` entry. */
export const NO_TRANSITION_STATE = "__no_transition";
/** Final state entered when a node actor fails (fault or budget). */
export const HALTED_STATE = "__halted";

/** What a node visit returns. */
export interface NodeOutcome {
  /** Outcome status (selects the transition). */
  readonly status: string;
  /** CC output surface, stored under `$.results.<NODE>`. */
  readonly surface?: JsonObject;
}

/** The behaviour a run plugs into the machine. */
export interface MachineEnv {
  /** Runs the IN or CC node `key` and returns its outcome. */
  visit(
    key: string,
    payload: JsonObject,
    results: Record<string, JsonObject>,
  ): Promise<NodeOutcome>;
}

/** Machine context. */
export interface MachineContext {
  /** The run payload. */
  payload: JsonObject;
  /** CC surfaces by node key. */
  results: Record<string, JsonObject>;
  /** Last outcome. */
  status: string | null;
  /** Node the last outcome came from. */
  lastNode: string | null;
  /** Error that halted the run. */
  error: unknown;
  /** Behaviour of this run. */
  env: MachineEnv;
}

/** Machine input. */
export interface MachineInput {
  /** The run payload. */
  payload: JsonObject;
  /** Behaviour of this run. */
  env: MachineEnv;
}

/** Builds the XState machine of a compiled workflow graph. */
export function createWorkflowMachine(graph: ExecutionGraph) {
  const states: Record<string, unknown> = {};
  for (const node of Object.values(graph.nodes)) {
    if (node.type === "EXIT") {
      states[node.key] = { type: "final" };
      continue;
    }
    const on: Record<string, unknown> = {};
    for (const [outcome, target] of Object.entries(node.next)) {
      on[`${OUTCOME_EVENT_PREFIX}${outcome}`] = { target };
    }
    on["*"] = { target: NO_TRANSITION_STATE };
    states[node.key] = {
      invoke: {
        src: "node",
        input: ({ context }: { context: MachineContext }) => ({ key: node.key, context }),
        onDone: { actions: ["record", "emitOutcome"] },
        onError: { target: HALTED_STATE, actions: "halt" },
      },
      on,
    };
  }
  states[NO_TRANSITION_STATE] = { type: "final" };
  states[HALTED_STATE] = { type: "final" };
  return setup({
    types: {} as { context: MachineContext; input: MachineInput },
    actors: {
      node: fromPromise<NodeOutcome, { key: string; context: MachineContext }>(
        async ({ input }) => {
          // Yield once so XState finishes recording the transition into this state
          // before the node emits its own records.
          await undefined;
          const c = input.context;
          return await c.env.visit(input.key, c.payload, c.results);
        },
      ),
    },
    actions: {
      record: assign(({ context, event }) => {
        const out = (event as unknown as { output: NodeOutcome }).output;
        const key = (event as unknown as { type: string }).type.split(".").pop()!;
        // The results object belongs to this run alone: updating it in place keeps a long
        // run linear (copying it at every node made it quadratic).
        if (out.surface) context.results[key] = out.surface;
        return { status: out.status, lastNode: key, results: context.results };
      }),
      emitOutcome: raise(({ event }) => ({
        type: `${OUTCOME_EVENT_PREFIX}${
          (event as unknown as { output: NodeOutcome }).output.status
        }`,
      })),
      halt: assign({ error: ({ event }) => (event as unknown as { error: unknown }).error }),
    },
  }).createMachine({
    id: "wf",
    initial: graph.start,
    context: ({ input }) => ({
      payload: input.payload,
      env: input.env,
      results: {},
      status: null,
      lastNode: null,
      error: null,
    }),
    // deno-lint-ignore no-explicit-any
    states: states as any,
  });
}
