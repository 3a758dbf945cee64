/**
 * Values that must never reach a trace: strings found under a CC's `suppress_trace_fields`.
 *
 * @module
 */
import { REDACTED_PREFIX } from "../trace/recorder.ts";

/**
 * Adds every string found under a suppressed field name, at any depth of `value`, to the
 * run's secrets (redacted wherever they appear in the trace). Already-redacted values
 * (replay of a redacted trace) are not secrets.
 */
export function collectSecrets(
  value: unknown,
  fields: ReadonlySet<string> | readonly string[],
  into: Set<string>,
): void {
  const names = fields instanceof Set ? fields : new Set(fields as readonly string[]);
  if (names.size === 0) return;
  const take = (v: unknown): void => {
    if (typeof v === "string") {
      if (v.length > 0 && !v.startsWith(REDACTED_PREFIX)) into.add(v);
    } else if (Array.isArray(v)) v.forEach(take);
    else if (v && typeof v === "object") Object.values(v).forEach(take);
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) names.has(k) ? take(x) : walk(x);
    }
  };
  walk(value);
}
