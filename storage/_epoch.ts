/**
 * The commit epoch: serialisable runs with more store checks than one KV commit allows.
 *
 * A run commits with a check on the meta version of every store it read or wrote, and all
 * of them must travel in the commit that makes the run visible (its only commit, or the
 * publish commit of a staged one). A KV Connect server allows 10 checks per atomic write,
 * so a run that touches ten stores or more cannot carry them. On such a database the store
 * keeps an epoch: every commit that writes a store also rewrites the epoch key, blindly
 * (no check, so writers never conflict on it). A run whose checks do not fit validates its
 * reads instead, right before its commit:
 *
 * 1. it reads the epoch's version stamp, then every store meta it read (the first nine in
 *    the epoch's snapshot, the rest after); a stamp that moved since the run read the store
 *    means a commit changed that store: conflict, the body re-runs on fresh reads;
 * 2. its commit checks only the epoch (and that its trace ids are new): a commit that wrote
 *    any store after step 1 rewrote the epoch, so this commit is refused and re-run.
 *
 * No commit changed a store the run read between its reads and its commit, so the run is
 * serialisable at its commit exactly as with per-store checks. Runs whose checks fit keep
 * them and conflict only with writers of their own stores; they still conflict with an
 * epoch-validated run that wrote a store they read, since that run bumps those stores'
 * metas. An unrelated writer can refuse an epoch-validated run only between steps 1 and 2
 * (two or three round trips), never for the length of the run's execution.
 *
 * The epoch is kept only where the check limit needs it (KV Connect, 10 checks): a local
 * database allows 100, and its commits carry no epoch write. Every process on one database
 * must agree; they do, since the limits follow from how the database is reached.
 *
 * @module
 */
import type { Check, CommitPlan, Op } from "./_commit.ts";
import type { ReadEnv } from "./_reads.ts";
import { epochKey } from "./keys.ts";

/** Keys per `getMany` (Deno KV's limit, and a KV Connect server's ranges per read). */
const GET_MANY = 10;

/** The epoch write every store-writing commit carries (the value is never read). */
export const EPOCH_WRITE: Op = { key: epochKey(), value: new Uint8Array([1]) };

/**
 * The plan as an epoch-validated commit: its store checks replaced by one on the epoch
 * (version stamp still to be read by {@link validateEpoch}; sized already).
 */
export function epochPlan(plan: CommitPlan): CommitPlan {
  return {
    ...plan,
    checks: [{ key: epochKey(), versionstamp: null }, ...plan.checks.slice(plan.stores)],
    stores: 0,
  };
}

/**
 * Validates a plan's store reads against the epoch (step 1 above).
 *
 * @param plan The plan with its per-store checks (as `buildPlan` made it).
 * @returns The checks to commit with instead (epoch at the stamp read, then the plan's
 *   other checks), or null when a store the run read has changed: a conflict.
 */
export async function validateEpoch(env: ReadEnv, plan: CommitPlan): Promise<Check[] | null> {
  const stores = plan.checks.slice(0, plan.stores);
  const keys = [epochKey(), ...stores.map((c) => c.key)];
  let epoch: string | null = null;
  for (let i = 0; i < keys.length; i += GET_MANY) {
    const batch = keys.slice(i, i + GET_MANY);
    const entries = await env.read("validate a run's reads", () => env.kv.getMany(batch));
    for (let j = 0; j < entries.length; j++) {
      const at = i + j;
      if (at === 0) epoch = entries[j].versionstamp;
      else if (entries[j].versionstamp !== stores[at - 1].versionstamp) return null;
    }
  }
  return [{ key: epochKey(), versionstamp: epoch }, ...plan.checks.slice(plan.stores)];
}
