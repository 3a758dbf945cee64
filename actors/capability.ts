/**
 * The capability contract: what a CT (pure transform) and a CS (side effect) receive and
 * return. Implementations are bound statically by snapshot FQDN in the registry.
 *
 * @module
 */
import type { RunClassification } from "../semantics.ts";
import type { StateTxn, StoreRef } from "../storage/store.ts";

/** Plain JSON object passed to and returned from capabilities. */
export type JsonObject = Record<string, unknown>;

/**
 * What a transform may read besides its inputs. Both are deterministic: replay sees the
 * same values because they derive from the recorded clock and seed.
 */
export interface TransformContext {
  /** The run clock as an ISO-8601 UTC string (fixed for the run: `started_at`). */
  readonly now: string;
  /** `n` bytes from the run's seeded CSPRNG, on a stream scoped to this step visit. */
  randomBytes(n: number): Uint8Array;
  /**
   * `n` bytes for key material, from the run's SECRET seed, which is never written to a
   * trace (so a trace never lets anyone rebuild a generated key). Replay serves the results
   * of steps that drew from it.
   */
  secretBytes(n: number): Uint8Array;
}

/**
 * A CT atom: called with the atom's flattened args (names from `ct_ir.atom_stream[0].args`).
 * Returns the atom result object. Throws {@link CtViolation} for a declared failure
 * (status VIOLATION); any other exception is a fault.
 */
export type TransformFn = (args: JsonObject, ctx: TransformContext) => JsonObject;

/** A CT's declared failure; the step status becomes VIOLATION (or `on_ct_result.on_failure`). */
export class CtViolation extends Error {
  /** Creates a declared CT failure. */
  constructor(message: string) {
    super(message);
    this.name = "CtViolation";
  }
}

/** Result of running a child workflow from a CS (gateway, loop, concurrent). */
export interface ChildRunResult {
  /** Outcome status that led to the child's exit (e.g. SUCCESS, NACK). */
  readonly status: string;
  /** Child classification (COMPLETED, REJECTED, ENDED_*, FAILED, FAULTED). */
  readonly classification: RunClassification;
  /** Child output surface: the results of its CC nodes, by node key. */
  readonly results: JsonObject;
}

/** Everything a CS step receives. */
export interface SideEffectCall {
  /** Declared CS FQDN, e.g. `capability_side_effects::CS_REGISTRY_V0`. */
  readonly capability: string;
  /** The step's `op` (e.g. REGISTER). */
  readonly op: string;
  /** Resolved step inputs. */
  readonly inputs: JsonObject;
  /** The logical store this step works on, when the step or policy declares one. */
  readonly store: StoreRef | null;
  /** The RB policy for this CS (`{{module_data_root}}` already expanded). */
  readonly policy: JsonObject;
  /** The run's transactional state. */
  readonly state: StateTxn;
  /** Run clock, seeded entropy and id derivation. */
  readonly ctx: TransformContext;
  /** Runs a workflow as a child of this run (for the workflow-invoking CS kinds). */
  readonly runChild: (workflow: string, payload: JsonObject, label: string) => Promise<
    ChildRunResult
  >;
  /**
   * Aborts when the run is aborted (the caller's `signal` of `runWorkflow`/`runBatch`): hand
   * it to `fetch` or other I/O so a stopped run leaves nothing working on its behalf. Absent
   * when the caller gave none.
   */
  readonly signal?: AbortSignal;
}

/** What a CS returns: a routable status plus its raw result fields. */
export interface SideEffectResult {
  /** Routable status (SUCCESS, ALREADY_EXISTS, NOT_FOUND, VIOLATION, BACKEND_ERROR, ...). */
  readonly status: string;
  /** Raw result fields, read by `$.capability_result.*` output mappings. */
  readonly result: JsonObject;
}

/** A CS kind implementation. Throwing is a fault (the run ends FAULTED, nothing applied). */
export type SideEffectFn = (call: SideEffectCall) => Promise<SideEffectResult>;

/** The static capability set: FQDN → implementation. */
export interface CapabilitySet {
  /** CT atoms keyed by the atom FQDN (`ct_ir.atom_stream[0].atom`). */
  readonly transforms: Readonly<Record<string, TransformFn>>;
  /** CS kinds keyed by the CS FQDN. */
  readonly sideEffects: Readonly<Record<string, SideEffectFn>>;
}
