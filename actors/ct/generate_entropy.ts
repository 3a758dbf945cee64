/**
 * capability_transforms::CT_PURE_GENERATE_ENTROPY_V0: random entropy of 128–256 bits.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { hex0x } from "./_hex.ts";
import { pyIsInt, pyNum, pyTypeName } from "./_python.ts";

const ATOM = "CT_PURE_GENERATE_ENTROPY_V0";
const ALLOWED_BITS = [128, 160, 192, 224, 256];

/**
 * `{entropy_bytes}`. The reference reads the OS CSPRNG; here the bytes come from the run's
 * secret stream (`ctx.secretBytes`): key material must never be derivable from a trace, and
 * replay serves the recorded result of a step that drew it.
 */
export function generateEntropy(args: JsonObject, ctx: TransformContext): JsonObject {
  const bits = requireKey(args, "entropy_bits", ATOM);
  if (!pyIsInt(bits)) violation(ATOM, `entropy_bits must be int, got ${pyTypeName(bits)}`);
  // A bool is an int to Python but True/False is never an allowed strength.
  const n = typeof bits === "boolean" ? -1 : pyNum(bits);
  if (!ALLOWED_BITS.includes(n)) {
    violation(ATOM, `entropy_bits must be one of ${ALLOWED_BITS.join(", ")}, got ${String(bits)}`);
  }
  return { entropy_bytes: hex0x(ctx.secretBytes(n / 8)) };
}
