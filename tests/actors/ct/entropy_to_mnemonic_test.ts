import assert from "node:assert/strict";
import { CtViolation } from "../../../actors/capability.ts";
import { runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_ENTROPY_TO_MNEMONIC_V0";

Deno.test("CT_PURE_ENTROPY_TO_MNEMONIC_V0 matches the BIP39 reference vectors", () => {
  assert.deepEqual(runCt(FQDN, { entropy_bytes: "0x" + "00".repeat(16) }), {
    mnemonic: `${"abandon ".repeat(11)}about`,
  });
  // Trezor python-mnemonic vector for 7f × 16.
  assert.deepEqual(runCt(FQDN, { entropy_bytes: "7f".repeat(16) }), {
    mnemonic: "legal winner thank year wave sausage worth useful legal winner thank yellow",
  });
  assert.equal(
    (runCt(FQDN, { entropy_bytes: "ff".repeat(20) }).mnemonic as string).split(" ").length,
    15,
  );
});

Deno.test("CT_PURE_ENTROPY_TO_MNEMONIC_V0 rejects other lengths and an uppercase 0X", () => {
  for (const v of ["00".repeat(15), "00".repeat(33), "0X" + "00".repeat(16), null]) {
    assert.throws(() => runCt(FQDN, { entropy_bytes: v }), CtViolation, String(v));
  }
});
