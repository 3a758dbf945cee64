/**
 * Commits the import of an existing PGS store file on its own, before the run that opened
 * the store continues: data in as many commits as KV limits need, each checking that the
 * store still has no meta, then the meta last. Until the meta lands no other process sees a
 * half-imported store (it imports too, writing identical bytes); once it lands, a late
 * importer's commit fails its check and stops, so it never overwrites newer writes.
 *
 * @module
 */
import { encodeJson, type StoreMeta } from "./_codec.ts";
import type { Op } from "./_commit.ts";
import { EPOCH_WRITE } from "./_epoch.ts";
import { blobOps } from "./_plan.ts";
import type { TxnEnv } from "./_txn.ts";
import { keyBytes, logKey, logPartKey, mapKey, mapPartKey, storeMetaKey } from "./keys.ts";
import type { StoreRef } from "./store.ts";

/** An imported file's content (from import.ts). */
export interface ImportedContent {
  /** Log records in order (JSON bytes). */
  readonly log: readonly Uint8Array[];
  /** Key map (JSON bytes). */
  readonly map: ReadonlyMap<string, Uint8Array>;
}

const MAX_OPS = 800;
const MAX_BYTES = 600 * 1024;

/** Writes `imported` as store `ref` unless another process finished importing it first. */
export async function commitImport(
  env: TxnEnv,
  ref: StoreRef,
  imported: ImportedContent,
): Promise<void> {
  const path = ref.path;
  const ops: Op[] = [];
  imported.log.forEach((bytes, i) =>
    blobOps(ops, bytes, logKey(path, i + 1), (p) => logPartKey(path, i + 1, p), 0)
  );
  let split = 0;
  for (const [key, bytes] of imported.map) {
    if (blobOps(ops, bytes, mapKey(path, key), (p) => mapPartKey(path, key, p), 0) > 0) split++;
  }
  const absent = { key: storeMetaKey(path), versionstamp: null };
  const commit = (batch: Op[], last?: Op) =>
    env.read(`import "${path}"`, () => {
      const op = env.kv.atomic().check(absent);
      for (const o of batch) op.set(o.key, o.value!);
      if (last) op.set(last.key, last.value!);
      return op.commit();
    });
  let batch: Op[] = [];
  let bytes = 0;
  for (const o of ops) {
    const size = keyBytes(o.key) + (o.value?.length ?? 0);
    if (batch.length > 0 && (batch.length >= MAX_OPS || bytes + size > MAX_BYTES)) {
      // Another process completed the import: its data is the same file's; stop here.
      if (!(await commit(batch)).ok) return;
      batch = [];
      bytes = 0;
    }
    batch.push(o);
    bytes += size;
  }
  const meta: StoreMeta = {
    format: ref.format,
    version: 1,
    logLength: imported.log.length,
    splitKeys: split,
  };
  // The meta makes the store visible: a run that saw it absent must conflict, and one
  // validated against the commit epoch only does when the epoch moves too.
  if (env.epoch) batch.push(EPOCH_WRITE);
  await commit(batch, { key: storeMetaKey(path), value: encodeJson(meta, "store meta") });
}
