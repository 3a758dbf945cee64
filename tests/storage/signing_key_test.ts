/**
 * storage/signing_key.ts: the data root's seal key is made once, kept in the database,
 * the same for every handle; its WebCrypto signatures are the Ed25519 signatures the
 * audited @noble/curves implementation makes (deterministic, so byte-identical traces).
 */
import assert from "node:assert/strict";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { openKvStore } from "../../storage/kv_store.ts";
import { seedSigningKey } from "../_support/signing.ts";
import { tempDir } from "../_support/tmp.ts";

Deno.test("signer(): made on first use, then the same key for every handle of the data root", async () => {
  const dataRoot = await tempDir();
  try {
    const a = await openKvStore({ dataRoot });
    assert.equal(await a.signer({ create: false }), null);
    const made = await a.signer();
    await a.close();
    const b = await openKvStore({ dataRoot });
    const again = await b.signer({ create: false });
    await b.close();
    assert.ok(made && again);
    assert.deepEqual(again.publicKey, made.publicKey);
    assert.equal(again.keyId, made.keyId);
    assert.equal(made.keyId, bytesToHex(sha256(made.publicKey)).slice(0, 16));
  } finally {
    await Deno.remove(dataRoot, { recursive: true });
  }
});

Deno.test("signer(): WebCrypto signatures equal @noble/curves' Ed25519 for the same seed", async () => {
  const dataRoot = await tempDir();
  try {
    await seedSigningKey(dataRoot, 7);
    const store = await openKvStore({ dataRoot });
    const signer = (await store.signer({ create: false }))!;
    await store.close();
    const seed = new Uint8Array(32).fill(7);
    assert.deepEqual(signer.publicKey, ed25519.getPublicKey(seed));
    for (const text of ["", "pgs.trace/2 seal:abc", "x".repeat(10_000)]) {
      const message = new TextEncoder().encode(text);
      const signature = await signer.sign(message);
      assert.deepEqual(signature, ed25519.sign(message, seed));
      assert.ok(ed25519.verify(signature, message, signer.publicKey));
    }
  } finally {
    await Deno.remove(dataRoot, { recursive: true });
  }
});

Deno.test("signer(): a malformed stored key is refused, never used", async () => {
  const dataRoot = await tempDir();
  try {
    await Deno.mkdir(`${dataRoot}/.pgs`);
    const kv = await Deno.openKv(`${dataRoot}/.pgs/state.kv`);
    await kv.set(["pgs", "sk", "ed25519"], new Uint8Array(31));
    kv.close();
    const store = await openKvStore({ dataRoot });
    await assert.rejects(store.signer(), /signing key: it is malformed/);
    await store.close();
  } finally {
    await Deno.remove(dataRoot, { recursive: true });
  }
});
