import assert from "node:assert/strict";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { HDKey } from "@scure/bip32";
import { entropyToMnemonic, mnemonicToSeedSync } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { CtViolation } from "../../../actors/capability.ts";
import { fixedCtx, runCt } from "./_fixtures.ts";

const FQDN = "blockchain::CT_PURE_DERIVE_WALLET_KEYPAIRS_V0";
const H = 0x80000000;
const BASE = {
  entropy_bits: 128,
  root_path_indices: [H + 44, H + 66, H],
  eoa_child_indices: [0, 0],
  utxo_child_indices: [1, 0],
  passphrase: "",
  curve: "secp256k1",
};

/** Independent derivation with @scure/bip39 + @scure/bip32 + @noble. */
function expected(entropy: Uint8Array, curve: "secp256k1" | "secp256r1" = "secp256k1") {
  const master = HDKey.fromMasterSeed(mnemonicToSeedSync(entropyToMnemonic(entropy, wordlist), ""));
  const side = (path: string) => {
    const key = master.derive(path).privateKey!;
    const pub = (curve === "secp256k1" ? secp256k1 : p256).getPublicKey(key, false);
    return {
      hex: bytesToHex(pub),
      address: `0x${bytesToHex(keccak_256(pub.subarray(1)).subarray(12))}`,
    };
  };
  const eoa = side("m/44'/66'/0'/0/0");
  const utxo = side("m/44'/66'/0'/1/0");
  return {
    eoa_public_key_hex: eoa.hex,
    eoa_address: eoa.address,
    eoa_derivation_path: "m/44'/66'/0'/0/0",
    utxo_public_key_hex: utxo.hex,
    utxo_address: utxo.address,
    utxo_derivation_path: "m/44'/66'/0'/1/0",
    master_fingerprint: bytesToHex(ripemd160(sha256(master.publicKey!)).subarray(0, 4)),
  };
}

const ENTROPY = Uint8Array.from({ length: 16 }, (_, i) => i);

Deno.test("CT_PURE_DERIVE_WALLET_KEYPAIRS_V0 matches an independent BIP39/BIP32 derivation", () => {
  const out = runCt(FQDN, { ...BASE, entropy_bytes: `0X${bytesToHex(ENTROPY).toUpperCase()}` });
  assert.deepEqual(out, expected(ENTROPY));
  assert.equal(out.eoa_address, "0xa147513d04407900191387efaae250f6b5d8b73e");
  assert.equal(out.master_fingerprint, "05d027a5");
});

Deno.test("CT_PURE_DERIVE_WALLET_KEYPAIRS_V0 on secp256r1 uses the same scalars", () => {
  const out = runCt(FQDN, { ...BASE, curve: "secp256r1", entropy_bytes: bytesToHex(ENTROPY) });
  assert.deepEqual(out, expected(ENTROPY, "secp256r1"));
});

Deno.test("CT_PURE_DERIVE_WALLET_KEYPAIRS_V0 without entropy_bytes is deterministic under a fixed ctx", () => {
  const a = runCt(FQDN, BASE, fixedCtx());
  assert.deepEqual(a, runCt(FQDN, BASE, fixedCtx()));
  assert.deepEqual(a, expected(fixedCtx().secretBytes(16)));
  assert.notDeepEqual(a, runCt(FQDN, BASE, fixedCtx("another-step")));
});

Deno.test("CT_PURE_DERIVE_WALLET_KEYPAIRS_V0 rejects bad strengths, indices, nulls and lengths", () => {
  const bad = [
    { ...BASE, entropy_bits: 100 },
    { ...BASE, entropy_bits: true },
    { ...BASE, root_path_indices: [-1] },
    { ...BASE, eoa_child_indices: [2 ** 32] },
    { ...BASE, utxo_child_indices: "1/0" },
    { ...BASE, entropy_bytes: "00".repeat(20) },
    { ...BASE, passphrase: null },
    { ...BASE, curve: null },
  ];
  for (const inputs of bad) {
    assert.throws(() => runCt(FQDN, inputs), CtViolation, JSON.stringify(inputs));
  }
});
