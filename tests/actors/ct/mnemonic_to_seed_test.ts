import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { mnemonicToSeed } from "../../../actors/ct/mnemonic_to_seed.ts";
import { fixedCtx, runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_MNEMONIC_TO_SEED_V0";
const ABOUT = `${"abandon ".repeat(11)}about`;
const SEED =
  "0x5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4";

Deno.test("CT_PURE_MNEMONIC_TO_SEED_V0 matches the BIP39 'abandon … about' seed", () => {
  assert.deepEqual(runCt(FQDN, { mnemonic: ABOUT }), { seed_bytes: SEED });
  // Decision: the phrase is lower-cased first (bip_utils behaviour).
  assert.deepEqual(runCt(FQDN, { mnemonic: ABOUT.toUpperCase() }), { seed_bytes: SEED });
});

Deno.test("CT_PURE_MNEMONIC_TO_SEED_V0 direct call honours a passphrase (Trezor vector)", () => {
  assert.deepEqual(mnemonicToSeed({ mnemonic: ABOUT, passphrase: "TREZOR" }, fixedCtx()), {
    seed_bytes:
      "0xc55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
  });
});

Deno.test("CT_PURE_MNEMONIC_TO_SEED_V0 rejects bad checksums, words and types", () => {
  for (
    const m of [
      `${"abandon ".repeat(12)}`.trim(),
      `${"abandon ".repeat(11)}abou`,
      ABOUT.replace(" ", "  "),
      12,
    ]
  ) {
    assert.throws(() => runCt(FQDN, { mnemonic: m }), CtViolation, String(m));
  }
});
