/**
 * The static CT registry: every atom of the protocol snapshot, keyed by the atom FQDN
 * exactly as `ct_ir.atom_stream[0].atom` spells it (the Python `handler_ref` is ignored).
 *
 * The atoms built on the elliptic-curve, BIP32/39 and Keccak libraries are loaded only when
 * a compiled workflow reaches them (`BUILTIN_TRANSFORM_PREPARE`, run by the compiler's
 * `prepare`): a run that never signs never pays for loading the crypto. Their imports are
 * literal, so bundles and compiled binaries still carry them.
 *
 * @module
 */
import type { TransformFn } from "../capability.ts";
import { assembleRecord } from "./assemble_record.ts";
import { checkQuotaAvailable } from "./check_quota_available.ts";
import { checkTrainingStatus } from "./check_training_status.ts";
import { collatzStep } from "./collatz_step.ts";
import { compareEqual } from "./compare_equal.ts";
import { deriveBalances } from "./derive_balances.ts";
import { deriveSlotEpoch } from "./derive_slot_epoch.ts";
import { evaluateInactivity } from "./evaluate_inactivity.ts";
import { execEmit } from "./exec_emit.ts";
import { extract } from "./extract.ts";
import { extractPredecessorHash } from "./extract_predecessor_hash.ts";
import { extractWalletTxFields } from "./extract_wallet_tx_fields.ts";
import { filterRecords } from "./filter_records.ts";
import { generateEntropy } from "./generate_entropy.ts";
import { generateId } from "./generate_id.ts";
import { incrementWalletNonce } from "./increment_wallet_nonce.ts";
import { lookup } from "./lookup.ts";
import { mapResultToHttp } from "./map_result_to_http.ts";
import { passthrough } from "./passthrough.ts";
import { selectProposer } from "./select_proposer.ts";
import { terminationCheck } from "./termination_check.ts";
import { validateParameterRules } from "./validate_parameter_rules.ts";
import { validateRecordStructure } from "./validate_record_structure.ts";
import { loadPatternEngine } from "./_pattern.ts";
import { validateSetMembership } from "./validate_set_membership.ts";

/** An atom whose module is imported when first prepared; calling it before is a bug. */
type LazyTransform = TransformFn & { load(): Promise<void> };

function lazy(name: string, load: () => Promise<TransformFn>): LazyTransform {
  let fn: TransformFn | null = null;
  const run = ((args, ctx) => {
    if (!fn) throw new Error(`CT atom ${name} is not loaded: prepare it (compile the workflow)`);
    return fn(args, ctx);
  }) as LazyTransform;
  run.load = async () => {
    fn ??= await load();
  };
  return run;
}

/** Every built-in CT atom by FQDN (35: 24 shared, 2 ai_governance, 9 blockchain). */
export const BUILTIN_TRANSFORMS: Readonly<Record<string, TransformFn>> = Object.freeze({
  "capability_transforms::CT_EXEC_EMIT_V0": execEmit,
  "capability_transforms::CT_PURE_ASSEMBLE_RECORD_V0": assembleRecord,
  "capability_transforms::CT_PURE_CHECK_QUOTA_AVAILABLE_V0": checkQuotaAvailable,
  "capability_transforms::CT_PURE_CHECK_TRAINING_STATUS_V0": checkTrainingStatus,
  "capability_transforms::CT_PURE_COMPARE_EQUAL_V0": compareEqual,
  "capability_transforms::CT_PURE_DERIVE_CHILD_KEY_V0": lazy(
    "deriveChildKey",
    () => import("./derive_child_key.ts").then((m) => m.deriveChildKey),
  ),
  "capability_transforms::CT_PURE_DERIVE_MASTER_KEY_V0": lazy(
    "deriveMasterKey",
    () => import("./derive_master_key.ts").then((m) => m.deriveMasterKey),
  ),
  "capability_transforms::CT_PURE_ECDSA_SIGN_V0": lazy(
    "ecdsaSign",
    () => import("./ecdsa_sign.ts").then((m) => m.ecdsaSign),
  ),
  "capability_transforms::CT_PURE_ENTROPY_TO_MNEMONIC_V0": lazy(
    "entropyToMnemonic",
    () => import("./entropy_to_mnemonic.ts").then((m) => m.entropyToMnemonic),
  ),
  "capability_transforms::CT_PURE_EVALUATE_INACTIVITY_V0": evaluateInactivity,
  "capability_transforms::CT_PURE_EXTRACT_V0": extract,
  "capability_transforms::CT_PURE_FILTER_RECORDS_V0": filterRecords,
  "capability_transforms::CT_PURE_GENERATE_ENTROPY_V0": generateEntropy,
  "capability_transforms::CT_PURE_GENERATE_ID_V0": generateId,
  "capability_transforms::CT_PURE_KECCAK256_HASH_V0": lazy(
    "keccak256Hash",
    () => import("./keccak256_hash.ts").then((m) => m.keccak256Hash),
  ),
  "capability_transforms::CT_PURE_LOOKUP_V0": lookup,
  "capability_transforms::CT_PURE_MAP_RESULT_TO_HTTP_V0": mapResultToHttp,
  "capability_transforms::CT_PURE_MNEMONIC_TO_SEED_V0": lazy(
    "mnemonicToSeed",
    () => import("./mnemonic_to_seed.ts").then((m) => m.mnemonicToSeed),
  ),
  "capability_transforms::CT_PURE_PASSTHROUGH_V0": passthrough,
  "capability_transforms::CT_PURE_PRIVATE_KEY_TO_PUBLIC_V0": lazy(
    "privateKeyToPublic",
    () => import("./private_key_to_public.ts").then((m) => m.privateKeyToPublic),
  ),
  "capability_transforms::CT_PURE_PUBKEY_TO_ETH_ADDRESS_V0": lazy(
    "pubkeyToEthAddress",
    () => import("./pubkey_to_eth_address.ts").then((m) => m.pubkeyToEthAddress),
  ),
  "capability_transforms::CT_PURE_VALIDATE_PARAMETER_RULES_V0": validateParameterRules,
  "capability_transforms::CT_PURE_VALIDATE_RECORD_STRUCTURE_V0": validateRecordStructure,
  "capability_transforms::CT_PURE_VALIDATE_SET_MEMBERSHIP_V0": validateSetMembership,
  "ai_governance::CT_PURE_COLLATZ_STEP_V0": collatzStep,
  "ai_governance::CT_PURE_TERMINATION_CHECK_V0": terminationCheck,
  "blockchain::CT_PURE_BUILD_ETH_TRANSACTION_V0": lazy(
    "buildEthTransaction",
    () => import("./build_eth_transaction.ts").then((m) => m.buildEthTransaction),
  ),
  "blockchain::CT_PURE_DERIVE_BALANCES_V0": deriveBalances,
  "blockchain::CT_PURE_DERIVE_SLOT_EPOCH_V0": deriveSlotEpoch,
  "blockchain::CT_PURE_DERIVE_WALLET_KEYPAIRS_V0": lazy(
    "deriveWalletKeypairs",
    () => import("./derive_wallet_keypairs.ts").then((m) => m.deriveWalletKeypairs),
  ),
  "blockchain::CT_PURE_EXTRACT_PREDECESSOR_HASH_V0": extractPredecessorHash,
  "blockchain::CT_PURE_EXTRACT_WALLET_TX_FIELDS_V0": extractWalletTxFields,
  "blockchain::CT_PURE_HASH_BLOCK_V0": lazy(
    "hashBlock",
    () => import("./hash_block.ts").then((m) => m.hashBlock),
  ),
  "blockchain::CT_PURE_INCREMENT_WALLET_NONCE_V0": incrementWalletNonce,
  "blockchain::CT_PURE_SELECT_PROPOSER_V0": selectProposer,
});

/**
 * What a built-in atom needs loaded before it runs (lazily, so runs that never reach the
 * atom never pay for it): the lazy atoms' own modules, and the linear-time pattern engine of
 * _pattern.ts for CT_PURE_VALIDATE_RECORD_STRUCTURE_V0.
 */
export const BUILTIN_TRANSFORM_PREPARE: Readonly<Record<string, () => Promise<void>>> = Object
  .freeze({
    "capability_transforms::CT_PURE_VALIDATE_RECORD_STRUCTURE_V0": loadPatternEngine,
    ...Object.fromEntries(
      Object.entries(BUILTIN_TRANSFORMS).flatMap(([fqdn, fn]) =>
        "load" in fn ? [[fqdn, (fn as LazyTransform).load]] : []
      ),
    ),
  });

/** Loads every lazy built-in atom (for callers that run atoms without compiling a workflow). */
export async function loadBuiltinTransforms(): Promise<void> {
  for (const prepare of Object.values(BUILTIN_TRANSFORM_PREPARE)) await prepare();
}
