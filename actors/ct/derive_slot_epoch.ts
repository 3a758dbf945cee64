/**
 * blockchain::CT_PURE_DERIVE_SLOT_EPOCH_V0: round, intra-epoch index, epoch and start time
 * of a global slot number.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { violation } from "./_guard.ts";
import { daysFromCivil, formatUtcSeconds } from "./_iso_datetime.ts";
import { pyIsInt, pyNum, pyTruthy } from "./_python.ts";

const ATOM = "CT_PURE_DERIVE_SLOT_EPOCH_V0";
const BASE_SECONDS = daysFromCivil(2026, 1, 1) * 86400;
const SLOT_SECONDS = 30;
/** 10000-01-01T00:00:00Z: Python's `datetime` stops at year 9999 (OverflowError). */
const MAX_SECONDS = daysFromCivil(10000, 1, 1) * 86400;

/**
 * `{round_number, slot_index, epoch_number, timestamp}`; `slots_per_epoch` defaults to 32
 * when null or 0 (Python `or`), and `timestamp` to 2026-01-01T00:00:00Z + 30 s per slot. No
 * clock is read.
 */
export function deriveSlotEpoch(args: JsonObject, _ctx: TransformContext): JsonObject {
  const slot = args.slot_number ?? null;
  let timestamp = args.slot_start_ts ?? null;
  const spe = pyTruthy(args.slots_per_epoch) ? args.slots_per_epoch : 32;
  if (slot === null) violation(ATOM, "missing required input 'slot_number'");
  if (!pyIsInt(slot) || pyNum(slot) < 0) {
    violation(ATOM, `slot_number must be a non-negative integer, got ${JSON.stringify(slot)}`);
  }
  if (!pyIsInt(spe) || pyNum(spe) < 1) {
    violation(ATOM, `slots_per_epoch must be a positive integer, got ${JSON.stringify(spe)}`);
  }
  const n = pyNum(slot);
  const perEpoch = pyNum(spe);
  if (timestamp === null) {
    const seconds = BASE_SECONDS + n * SLOT_SECONDS;
    if (seconds >= MAX_SECONDS) violation(ATOM, `slot_number ${n} is past year 9999`);
    timestamp = formatUtcSeconds(seconds);
  }
  return {
    round_number: slot,
    slot_index: n % perEpoch,
    epoch_number: Math.floor(n / perEpoch),
    timestamp,
  };
}
