/** Trace edits as a forger makes them: the hash chain recomputed over edited records. */
import { canonicalJson, sha256Hex } from "../../snapshot/canonical.ts";
import { GENESIS_PREV } from "../../trace/record.ts";

/**
 * The canonical lines of `records` with every `seq` and `prev` recomputed from the first
 * line, so the chain is whole whatever was edited (a seal among them is re-chained too).
 */
export function rechain(records: readonly object[]): string[] {
  const lines: string[] = [];
  let prev = GENESIS_PREV;
  for (const [seq, r] of records.entries()) {
    const line = canonicalJson({ ...r, seq, prev });
    lines.push(line);
    prev = sha256Hex(line);
  }
  return lines;
}
