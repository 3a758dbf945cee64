/**
 * Sealing: a hash chain proves order, not origin. The last line of a `pgs.trace/2` body is a
 * `seal` record whose `prev` is the chain head (the hash of the result line) and whose
 * `signature` is an Ed25519 signature, by the data root's signing key, of a Merkle root over
 * the chain heads of the traces committed together (one trace: the root is its own leaf).
 * `path` leads from this trace's head to that root, so every trace verifies on its own,
 * offline, with the public key (`pgs-runtime public-key`), while a group commit of many
 * runs costs one signature.
 *
 * Hashes: leaf = sha256(0x00 ‖ head), node = sha256(0x01 ‖ left ‖ right) (RFC 6962 style,
 * so a leaf can never pass for a node); message = UTF-8 of `pgs.trace/2 seal:<root hex>`.
 *
 * @module
 */
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalJson } from "../snapshot/canonical.ts";
import { StorageError } from "../errors.ts";
import type { TraceSigner } from "../storage/store.ts";
import type { SealRecord } from "./record.ts";

export type { TraceSigner };

/** One step of a Merkle path: the sibling's side and hash. */
export type MerkleStep = ["L" | "R", string];

/** What a seal says besides its chain fields. */
export interface SealFields {
  /** Signing key id, or null (unsealed). */
  readonly key_id: string | null;
  /** Merkle path from the head to the signed root. */
  readonly path: readonly MerkleStep[];
  /** Signature hex, or null (unsealed). */
  readonly signature: string | null;
}

/** The key id of a public key. */
export function keyIdOf(publicKey: Uint8Array): string {
  return bytesToHex(sha256(publicKey)).slice(0, 16);
}

function hash(prefix: number, ...parts: string[]): string {
  const bytes = parts.map(hexToBytes);
  const buf = new Uint8Array(1 + bytes.reduce((n, b) => n + b.length, 0));
  buf[0] = prefix;
  let at = 1;
  for (const b of bytes) {
    buf.set(b, at);
    at += b.length;
  }
  return bytesToHex(sha256(buf));
}

/** The Merkle leaf of a chain head. */
export function merkleLeaf(head: string): string {
  return hash(0, head);
}

/** The Merkle root a head and its path lead to. */
export function merkleRoot(head: string, path: readonly MerkleStep[]): string {
  let h = merkleLeaf(head);
  for (const [side, sibling] of path) h = side === "L" ? hash(1, sibling, h) : hash(1, h, sibling);
  return h;
}

/** The bytes a seal signs. */
export function sealMessage(root: string): Uint8Array {
  return utf8ToBytes(`pgs.trace/2 seal:${root}`);
}

/**
 * Seals the chain heads of traces committed together: one Merkle tree, one signature; the
 * seal of each head carries its path. Without a signer the seals say so (`null`).
 */
export async function sealHeads(
  heads: readonly string[],
  signer: TraceSigner | null,
): Promise<SealFields[]> {
  if (!signer) return heads.map(() => ({ key_id: null, path: [], signature: null }));
  const paths: MerkleStep[][] = heads.map(() => []);
  // Each level: members (indexes of heads under it) and hash. An odd last node is promoted.
  let level = heads.map((h, i) => ({ hash: merkleLeaf(h), members: [i] }));
  while (level.length > 1) {
    const next: typeof level = [];
    for (let i = 0; i < level.length; i += 2) {
      const l = level[i];
      const r = level[i + 1];
      if (!r) {
        next.push(l);
        continue;
      }
      for (const m of l.members) paths[m].push(["R", r.hash]);
      for (const m of r.members) paths[m].push(["L", l.hash]);
      next.push({ hash: hash(1, l.hash, r.hash), members: [...l.members, ...r.members] });
    }
    level = next;
  }
  const signature = level.length === 0 ? null : bytesToHex(await sign(signer, level[0].hash));
  return paths.map((path) => ({ key_id: signer.keyId, path, signature }));
}

/**
 * The signature of a Merkle root. A signer that fails or returns what is not an Ed25519
 * signature stops the commit (nothing is applied): a sealed trace must verify.
 */
async function sign(signer: TraceSigner, root: string): Promise<Uint8Array> {
  let sig: unknown;
  try {
    sig = await signer.sign(sealMessage(root));
  } catch (e) {
    throw new StorageError(
      `Cannot seal the trace: signer ${signer.keyId} failed: ${
        e instanceof Error ? e.message : String(e)
      }`,
      { cause: e },
    );
  }
  if (!(sig instanceof Uint8Array) || sig.length !== 64) {
    throw new StorageError(
      `Cannot seal the trace: signer ${signer.keyId} returned ${
        sig instanceof Uint8Array ? `${sig.length} bytes` : sig === null ? "null" : typeof sig
      }, expected a 64-byte Ed25519 signature`,
    );
  }
  return sig;
}

/**
 * `signer`, checking each signature against its public key before it is committed: for a
 * signer the caller provides (an HSM, a KMS), whose mistakes would otherwise be sealed into
 * traces that never verify.
 */
export function verifyingSigner(signer: TraceSigner): TraceSigner {
  let key: Promise<CryptoKey> | null = null;
  return {
    keyId: signer.keyId,
    publicKey: signer.publicKey,
    async sign(message: Uint8Array): Promise<Uint8Array> {
      const sig = await signer.sign(message);
      // Not a signature at all: said as such by the sealer.
      if (!(sig instanceof Uint8Array) || sig.length !== 64) return sig;
      key ??= crypto.subtle.importKey(
        "raw",
        signer.publicKey as BufferSource,
        { name: "Ed25519" },
        false,
        ["verify"],
      );
      const ok = await crypto.subtle.verify(
        { name: "Ed25519" },
        await key,
        sig as BufferSource,
        message as BufferSource,
      ).catch(() => false);
      if (!ok) {
        throw new Error(
          `its signature does not verify with its public key (key id ${signer.keyId})`,
        );
      }
      return sig;
    },
  };
}

/** The canonical line of a seal record at `seq` chained to `head`. */
export function sealLine(fields: SealFields, seq: number, head: string): string {
  const record: SealRecord = {
    type: "seal",
    seq,
    prev: head,
    run: "root",
    alg: "Ed25519",
    key_id: fields.key_id,
    path: fields.path.map(([s, h]) => [s, h]),
    signature: fields.signature,
  };
  return canonicalJson(record);
}

/**
 * Why `seal` does not prove that `publicKey` sealed `head`, or null when it does.
 */
export async function verifySeal(
  seal: SealRecord,
  head: string,
  publicKey: Uint8Array,
): Promise<string | null> {
  if (seal.signature === null || seal.key_id === null) return "the trace is not sealed";
  if (seal.key_id !== keyIdOf(publicKey)) {
    return `sealed with key ${seal.key_id}, not with the given key ${keyIdOf(publicKey)}`;
  }
  const root = merkleRoot(head, seal.path as MerkleStep[]);
  let ok = false;
  try {
    const key = await crypto.subtle.importKey(
      "raw",
      publicKey as BufferSource,
      { name: "Ed25519" },
      false,
      ["verify"],
    );
    ok = await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      hexToBytes(seal.signature) as BufferSource,
      sealMessage(root) as BufferSource,
    );
  } catch {
    ok = false;
  }
  return ok ? null : "the signature does not verify: the body is not what was sealed";
}

const SPKI_PREFIX = "302a300506032b6570032100";

/** A public key as PEM (SubjectPublicKeyInfo), as `openssl` reads it. */
export function publicKeyPem(publicKey: Uint8Array): string {
  const der = hexToBytes(SPKI_PREFIX + bytesToHex(publicKey));
  const b64 = btoa(String.fromCharCode(...der));
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

/**
 * The raw Ed25519 public key in a PEM (SubjectPublicKeyInfo) text or 64 hex digits, or null
 * when the text is neither.
 */
export function parsePublicKey(text: string): Uint8Array | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return hexToBytes(t.toLowerCase());
  const m = /^-----BEGIN PUBLIC KEY-----\s+([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----$/.exec(
    t,
  );
  if (!m) return null;
  let der: string;
  try {
    der = atob(m[1].replace(/\s+/g, ""));
  } catch {
    return null;
  }
  const hex = [...der].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  return hex.length === 88 && hex.startsWith(SPKI_PREFIX) ? hexToBytes(hex.slice(24)) : null;
}
