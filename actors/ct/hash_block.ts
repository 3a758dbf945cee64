/**
 * blockchain::CT_PURE_HASH_BLOCK_V0: content hash of a block, Keccak-256 over its
 * Python-canonical JSON (see `_python_json.ts` for the `1.0` limitation).
 *
 * @module
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey } from "./_guard.ts";
import { hex0x } from "./_hex.ts";
import { pythonJsonDumps } from "./_python_json.ts";

const ATOM = "CT_PURE_HASH_BLOCK_V0";

/** `{content_hash: "0x…"}`; any JSON value is hashed as is (no `{"value": …}` wrapping). */
export function hashBlock(args: JsonObject, _ctx: TransformContext): JsonObject {
  const block = requireKey(args, "block", ATOM);
  return { content_hash: hex0x(keccak_256(utf8ToBytes(pythonJsonDumps(block)))) };
}
