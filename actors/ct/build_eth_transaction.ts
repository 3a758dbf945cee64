/**
 * blockchain::CT_PURE_BUILD_ETH_TRANSACTION_V0: unsigned EIP-1559 transaction bytes
 * `0x02 ‖ rlp([chain_id, nonce, max_priority_fee, max_fee, gas_limit, to, value, data,
 * access_list])`.
 *
 * @module
 */
import type { JsonObject, TransformContext } from "../capability.ts";
import { requireKey, violation } from "./_guard.ts";
import { hex0x, hexArg } from "./_hex.ts";
import { pyToInt, pyTypeName } from "./_python.ts";
import { rlpEncode } from "./_rlp.ts";

const ATOM = "CT_PURE_BUILD_ETH_TRANSACTION_V0";

/**
 * Python `int(v)`. Numbers arriving as JSON numbers above 2^53 have already lost precision
 * in JSON.parse; amounts should travel as decimal strings (as the vectors do).
 */
function int(v: unknown, field: string): bigint {
  const n = pyToInt(v);
  if (n === null) {
    violation(ATOM, `${field} is not an integer: ${JSON.stringify(v) ?? pyTypeName(v)}`);
  }
  return n;
}

/** Optional input: the default applies when it is missing or null. */
function opt(args: JsonObject, key: string, fallback: unknown): unknown {
  return args[key] ?? fallback;
}

/** `{unsigned_tx_bytes: "0x02…"}`; defaults: 1 gwei tip, 20 gwei max fee, 21000 gas. */
export function buildEthTransaction(args: JsonObject, _ctx: TransformContext): JsonObject {
  for (const key of ["chain_id", "nonce", "to", "value"]) {
    if (requireKey(args, key, ATOM) === null) violation(ATOM, `input '${key}' must not be None`);
  }
  const chainId = int(args.chain_id, "chain_id");
  const nonce = int(args.nonce, "nonce");
  const maxPriority = int(
    opt(args, "max_priority_fee_per_gas", "1000000000"),
    "max_priority_fee_per_gas",
  );
  const maxFee = int(opt(args, "max_fee_per_gas", "20000000000"), "max_fee_per_gas");
  const gasLimit = int(opt(args, "gas_limit", 21000), "gas_limit");
  const to = args.to;
  const value = int(args.value, "value");
  const data = opt(args, "data", "0x");
  const accessList = opt(args, "access_list", []);
  if (typeof to !== "string") violation(ATOM, `to must be str, got ${pyTypeName(to)}`);
  const toBytes = hexArg(to, "to", ATOM, { upperPrefix: true });
  if (toBytes.length !== 20) {
    violation(ATOM, `'to' address must be 20 bytes, got ${toBytes.length}`);
  }
  if (typeof data !== "string") violation(ATOM, `data must be str, got ${pyTypeName(data)}`);
  const dataBytes = hexArg(data, "data", ATOM, { upperPrefix: true });
  const fields = [
    chainId,
    nonce,
    maxPriority,
    maxFee,
    gasLimit,
    toBytes,
    value,
    dataBytes,
    accessList,
  ];
  const rlp = rlpEncode(fields, ATOM);
  const tx = new Uint8Array(rlp.length + 1);
  tx[0] = 0x02;
  tx.set(rlp, 1);
  return { unsigned_tx_bytes: hex0x(tx) };
}
