/**
 * The data root's trace signing key: an Ed25519 key created on first use and kept in the
 * state database itself (`[ROOT, "sk", "ed25519"]`, the 32-byte secret seed), never written
 * to a trace or a file. Traces name it by key id; auditors get its public key from
 * `pgs-runtime public-key`. Every process on the data root (or the KV Connect database)
 * uses the same key: its creation is one atomic "set if absent".
 *
 * @module
 */
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

// RFC 8410 PKCS #8 wrapping of a 32-byte Ed25519 private key (the seed).
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04];

/**
 * The signer of a seed, on the platform's WebCrypto Ed25519: a native signature takes
 * ~35 µs where a JavaScript one takes ~250 µs (and ~20 ms to warm up in a new process).
 * Ed25519 signatures are deterministic, so either gives the same bytes.
 */
async function signerOf(seed: Uint8Array): Promise<TraceSigner> {
  const der = Uint8Array.from([...PKCS8_PREFIX, 0x22, 0x04, 0x20, ...seed]);
  const key = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
  const { x } = await crypto.subtle.exportKey("jwk", key);
  const publicKey = Uint8Array.fromBase64(x!, { alphabet: "base64url" });
  return {
    keyId: bytesToHex(sha256(publicKey)).slice(0, 16),
    publicKey,
    sign: async (message) =>
      new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, message as BufferSource)),
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
      return await signerOf(entry.value);
    }
    if (!create) return null;
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const res = await env.read(
      "create signing key",
      () =>
        env.kv.atomic().check({ key: signingKeyKey(), versionstamp: null })
          .set(signingKeyKey(), seed).commit(),
    );
    if (res.ok) return await signerOf(seed);
    // Another process created it first: use theirs.
  }
  throw new StorageError("Cannot create the data root's signing key: it keeps changing");
}
