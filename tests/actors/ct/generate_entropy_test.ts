import assert from "node:assert/strict";
import { bytesToHex } from "@noble/hashes/utils.js";
import { CtViolation } from "../../../actors/capability.ts";
import { fixedCtx, runCt } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_GENERATE_ENTROPY_V0";

Deno.test("CT_PURE_GENERATE_ENTROPY_V0 draws bits/8 bytes from the run's seeded stream", () => {
  for (const bits of [128, 160, 192, 224, 256]) {
    const out = runCt(FQDN, { entropy_bits: bits }, fixedCtx());
    assert.equal(out.entropy_bytes, `0x${bytesToHex(fixedCtx().secretBytes(bits / 8))}`);
  }
});

Deno.test("CT_PURE_GENERATE_ENTROPY_V0 is deterministic under a fixed context", () => {
  const a = runCt(FQDN, { entropy_bits: 256 }, fixedCtx());
  const b = runCt(FQDN, { entropy_bits: 256 }, fixedCtx());
  const other = runCt(FQDN, { entropy_bits: 256 }, fixedCtx("another-step"));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, other);
  assert.match(a.entropy_bytes as string, /^0x[0-9a-f]{64}$/);
});

Deno.test("CT_PURE_GENERATE_ENTROPY_V0 rejects strengths outside 128..256 step 32", () => {
  for (const bits of [100, 512, true, "128", null, 128.5]) {
    assert.throws(() => runCt(FQDN, { entropy_bits: bits }), CtViolation, String(bits));
  }
});
