/**
 * capability_transforms::CT_PURE_GENERATE_ID_V0: deterministic id
 * `prefix + "_" + sha256(python_canonical_json(data))[0:16]`.
 *
 * Decision: the artifact says Keccak-256; the reference code and all four vectors use
 * SHA-256, so SHA-256 it is (capabilities.md §8.2). A non-object `data` is hashed as
 * `{"value": data}`. The JSON.parse `1.0` → `1` limitation of `_python_json.ts` applies.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { pyIsDict, pyTypeName } from "./_python.ts";
import { pythonJsonDumps } from "./_python_json.ts";

const ATOM = "CT_PURE_GENERATE_ID_V0";

/** `{id}`; e.g. prefix "A" and the seed actor record give `A_dc6e2a7ae93b8bae`. */
export function generateId(args: JsonObject, _ctx: TransformContext): JsonObject {
  const prefix = requireKey(args, "prefix", ATOM);
  const data = requireKey(args, "data", ATOM);
  if (typeof prefix !== "string") violation(ATOM, `prefix must be str, got ${pyTypeName(prefix)}`);
  const canonical = pyIsDict(data) ? data : { value: data };
  const digest = bytesToHex(sha256(utf8ToBytes(pythonJsonDumps(canonical))));
  return { id: `${prefix}_${digest.slice(0, 16)}` };
}
