/**
 * The data root's trace signing key: an Ed25519 key created on first use and kept in the
 * state database itself (`[ROOT, "sk", "ed25519"]`, the 32-byte secret seed), never written
 * to a trace or a file. Traces name it by key id; auditors get its public key from
 * `pgs-runtime public-key`. Every process on the data root (or the KV Connect database)
 * uses the same key: its creation is one atomic "set if absent".
 *
 * @module
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { StorageError } from "../errors.ts";
import { signingKeyKey } from "./keys.ts";
import type { TraceSigner } from "./store.ts";

/** What reading the key needs: the database and a retrying read. */
interface KeyEnv {
  readonly kv: Deno.Kv;
  read<R>(what: string, fn: () => Promise<R>): Promise<R>;
}

function signerOf(seed: Uint8Array): TraceSigner {
  const publicKey = ed25519.getPublicKey(seed);
  return {
    keyId: bytesToHex(sha256(publicKey)).slice(0, 16),
    publicKey,
    sign: (message) => ed25519.sign(message, seed),
  };
}

/**
 * The data root's signer; with `create`, the key is made when there is none yet (its seed
 * comes from the OS entropy source, once per data root).
 *
 * @throws {StorageError} STORAGE when the stored key is malformed or cannot be written.
 */
export async function loadSigner(env: KeyEnv, create: boolean): Promise<TraceSigner | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await env.read("read signing key", () => env.kv.get<Uint8Array>(signingKeyKey()));
    if (entry.value !== null) {
      if (!(entry.value instanceof Uint8Array) || entry.value.length !== 32) {
        throw new StorageError("Cannot use the data root's signing key: it is malformed");
      }
      return signerOf(entry.value);
    }
    if (!create) return null;
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const res = await env.read(
      "create signing key",
      () =>
        env.kv.atomic().check({ key: signingKeyKey(), versionstamp: null })
          .set(signingKeyKey(), seed).commit(),
    );
    if (res.ok) return signerOf(seed);
    // Another process created it first: use theirs.
  }
  throw new StorageError("Cannot create the data root's signing key: it keeps changing");
}
