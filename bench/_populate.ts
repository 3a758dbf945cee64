/**
 * Grows the register demo's state to a given size before a scale bench (e): registry
 * entries and identity events written by the CS kinds themselves (so the layout, index and
 * metas are exactly what runs leave), or PGS files as the Python runtime leaves them (to be
 * imported on first open).
 *
 * @module
 */
import { appendOnlyJsonlSideEffect, registrySideEffect } from "../actors/cs/mod.ts";
import { createRunContext } from "../actors/run_context.ts";
import type { CompiledWorkflow } from "../snapshot/graph.ts";
import type { KvStore, StoreRef } from "../storage/mod.ts";
import { CLOCK, SEED } from "./_fixtures.ts";

/** The registry and event stores of the register workflow. */
export interface RegisterStores {
  /** Actor registry (KYC keys and actor ids). */
  readonly registry: StoreRef;
  /** Identity event log. */
  readonly events: StoreRef;
}

/** Finds the stores the register workflow's REGISTER and APPEND steps use. */
export function registerStores(compiled: CompiledWorkflow): RegisterStores {
  let registry: StoreRef | null = null;
  let events: StoreRef | null = null;
  for (const node of Object.values(compiled.root.nodes)) {
    if (node.type !== "CC") continue;
    for (const s of node.cc.steps) {
      if (s.op === "REGISTER" && s.store) registry ??= s.store;
      if (s.op === "APPEND" && s.store) events ??= s.store;
    }
  }
  if (!registry || !events) throw new Error("register workflow has no REGISTER/APPEND store");
  return { registry, events };
}

const noChildren = (): never => {
  throw new Error("no child workflows here");
};

/**
 * Registers `entries` registry entries (pairs: a KYC key and an actor id per actor) and one
 * identity event per actor, through the CS kinds, group-committed.
 */
export async function populateRegistry(
  store: KvStore,
  stores: RegisterStores,
  entries: number,
): Promise<void> {
  const actors = Math.ceil(entries / 2);
  const perBody = 50;
  const bodiesPerBatch = 20;
  const rc = createRunContext({ seed: SEED, startedAt: CLOCK });
  const call = (
    capability: string,
    op: string,
    store: StoreRef,
    inputs: Record<string, unknown>,
  ) => ({
    capability,
    op,
    inputs,
    store,
    policy: {},
    ctx: rc.transformContext("populate"),
    runChild: noChildren,
  });
  let next = 0;
  while (next < actors) {
    const bodies = [];
    for (let b = 0; b < bodiesPerBatch && next < actors; b++) {
      const from = next;
      const to = Math.min(actors, from + perBody);
      next = to;
      bodies.push(async (txn: Parameters<Parameters<KvStore["transact"]>[0]>[0]) => {
        for (let i = from; i < to; i++) {
          const actor = `A_POP${String(i).padStart(12, "0")}`;
          const kyc = `A_KEY_POP${String(i).padStart(12, "0")}`;
          const reg = { target_cs: "CS_APPENDONLY_JSONL_V0", target_ref: actor };
          for (const key of [kyc, actor]) {
            const r = await registrySideEffect({
              ...call("capability_side_effects::CS_REGISTRY_V0", "REGISTER", stores.registry, {
                key,
                ...reg,
              }),
              state: txn,
            });
            if (r.status !== "SUCCESS") throw new Error(`populate REGISTER ${key}: ${r.status}`);
          }
          await appendOnlyJsonlSideEffect({
            ...call("capability_side_effects::CS_APPENDONLY_JSONL_V0", "APPEND", stores.events, {
              actor_id: actor,
              stream_id: actor,
              record: { actor_id: actor, event_code: "EV_ACTOR_REGISTERED_UNVERIFIED_V0" },
            }),
            state: txn,
          });
        }
        return { value: null, trace: null };
      });
    }
    for (const o of await store.transactBatch(bodies)) if (!o.ok) throw o.error;
  }
}

/**
 * The same state as Python-runtime files (registry JSONL lines, event JSONL lines), keyed by
 * data-root path, for a store to import on first open.
 */
export function pythonFiles(stores: RegisterStores, entries: number): Record<string, string> {
  const actors = Math.ceil(entries / 2);
  const reg: string[] = [];
  const ev: string[] = [];
  for (let i = 0; i < actors; i++) {
    const actor = `A_POP${String(i).padStart(12, "0")}`;
    const kyc = `A_KEY_POP${String(i).padStart(12, "0")}`;
    for (const key of [kyc, actor]) {
      reg.push(JSON.stringify({
        key,
        address: `ADDR_${String(reg.length).padStart(32, "0")}`,
        target_cs: "CS_APPENDONLY_JSONL_V0",
        target_ref: actor,
      }));
    }
    ev.push(JSON.stringify({
      record_id: `2026-01-01T00:00:00_${String(i).padStart(6, "0")}`,
      sequence_number: i + 1,
      timestamp: "2026-01-01T00:00:00",
      actor_id: actor,
      stream_id: actor,
      record: { actor_id: actor, event_code: "EV_ACTOR_REGISTERED_UNVERIFIED_V0" },
    }));
  }
  return {
    [stores.registry.path]: reg.join("\n") + "\n",
    [stores.events.path]: ev.join("\n") + "\n",
  };
}
