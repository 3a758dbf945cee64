/**
 * The data root's signing key in tests: runs on different data roots give byte-identical
 * bodies only when the roots share the key (the header names its id).
 */

const KEY = ["pgs", "sk", "ed25519"];

/**
 * Gives the twin data root the original's signing key when the run created it: the key is
 * made when the first run starts, so it belongs to the prior state the twin must share.
 */
export async function shareSigningKey(dataRoot: string, twin: string): Promise<void> {
  const key = KEY;
  let seed: Uint8Array | null = null;
  try {
    const kv = await Deno.openKv(`${dataRoot}/.pgs/state.kv`);
    seed = (await kv.get<Uint8Array>(key)).value;
    kv.close();
  } catch {
    return;
  }
  if (seed === null) return;
  await Deno.mkdir(`${twin}/.pgs`, { recursive: true });
  const kv = await Deno.openKv(`${twin}/.pgs/state.kv`);
  if ((await kv.get(key)).value === null) await kv.set(key, seed);
  kv.close();
}

/** Gives `dataRoot` a fixed signing key (before its first run), so data roots can be compared. */
export async function seedSigningKey(dataRoot: string, byte = 7): Promise<void> {
  await Deno.mkdir(`${dataRoot}/.pgs`, { recursive: true });
  const kv = await Deno.openKv(`${dataRoot}/.pgs/state.kv`);
  await kv.set(KEY, new Uint8Array(32).fill(byte));
  kv.close();
}
