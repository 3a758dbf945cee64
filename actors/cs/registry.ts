/**
 * CS_REGISTRY_V0: symbolic key → address bindings with tombstones.
 *
 * State layout (one logical store, view format "jsonl"):
 * - log: the PGS registry lines, byte-compatible in shape with the Python runtime:
 *   binding `{key, address, target_cs?, target_ref?, ...value}` and tombstone
 *   `{key, address, tombstone: true}`; the last line per key wins.
 * - key map (index, never rendered): `key → binding line` for active keys,
 *   `"\u0000addr:" + address → key`, and `"\u0000meta" → {v: 1, active}`, so every op is
 *   O(1). A store whose log is non-empty but has no index (imported from a Python data
 *   root) is answered by replaying the log on each op ("scan mode"); its writes only
 *   append, so it never holds a half-built index.
 *
 * Decisions (capabilities.md §4.1, §8.7):
 * - Addresses are derived, not random: `ADDR_` + first 32 hex of
 *   sha256(canonicalJson([store path, key, sequence number of the binding line])).
 *   A deregistered key registered again gets a fresh address (a new line number).
 * - `key` must be a non-empty string of at most 256 code points (declared
 *   `max_key_length`) not starting with U+0000 (reserved for the index); else VIOLATION.
 *   The reference accepted any JSON value.
 * - `value` (object) is merged into the binding line, but its `key`, `address` and
 *   `tombstone` fields are dropped: in the reference they could corrupt the load rule.
 *   Other inputs (e.g. the snapshot's `metadata`) are ignored, as in the reference.
 * - REGISTER on an active key → ALREADY_EXISTS with no write (no extra fields).
 * - RESOLVE/EXISTS/DEREGISTER take a key or an address; a key match wins over an address
 *   match. A missing or non-string `key_or_address` → VIOLATION (the reference: only a
 *   missing one). DEREGISTER of an inactive key → NOT_FOUND (the reference, not the
 *   doc's "idempotent SUCCESS").
 * - Unknown op → BACKEND_ERROR "No backend handler for op: X" (case-insensitive names).
 * - Document mode: a store whose format is "json" is a key → value document written by
 *   another kind (CS_MUTABLE_JSON_V0). The compiler gives a registry step such a store only
 *   for RESOLVE, EXISTS and COUNT ({@link REGISTRY_DOCUMENT_READS}; v0.2/v0.4
 *   CC_CHECK_WALLET_EXISTS_V0 on the wallet document): a key of the document is an active
 *   binding without targets (RESOLVE → SUCCESS `{target_cs: "", target_ref: ""}`, absent →
 *   NOT_FOUND). The document has no addresses, so only keys match. REGISTER and DEREGISTER
 *   never write into a document: BACKEND_ERROR.
 *
 * @module
 */
import { canonicalJson, sha256Hex } from "../../snapshot/canonical.ts";
import type { StateTxn, StoreRef } from "../../storage/store.ts";
import type { JsonObject, SideEffectCall, SideEffectFn, SideEffectResult } from "../capability.ts";
import { CsStatus } from "./constants.ts";
import { result, storeKind, violation } from "./_kind.ts";
import { codePointLength, copy, input, isObject } from "./_values.ts";

const META_KEY = "\u0000meta";
const ADDRESS_PREFIX = "\u0000addr:";
const MAX_KEY_LENGTH = 256;
const PROTECTED_FIELDS = new Set(["key", "address", "tombstone"]);

/** The ops that can answer from a key → value JSON document (document mode). */
export const REGISTRY_DOCUMENT_READS: ReadonlySet<string> = new Set(["RESOLVE", "EXISTS", "COUNT"]);

/**
 * The derived address of the binding line numbered `sequence` (1-based) for `key`.
 *
 * @example deriveRegistryAddress("reg.jsonl", "k", 1) // "ADDR_" + 32 hex digits
 */
export function deriveRegistryAddress(storePath: string, key: string, sequence: number): string {
  return `ADDR_${sha256Hex(canonicalJson([storePath, key, sequence])).slice(0, 32)}`;
}

interface Entry extends JsonObject {
  key: string;
  address: string;
}

interface Meta {
  v: 1;
  active: number;
}

/** Read access to the active bindings plus how to keep the index up to date. */
interface Registry {
  readonly indexed: boolean;
  readonly active: number;
  byKey(key: string): Promise<Entry | undefined>;
  byAddress(address: string): Promise<Entry | undefined>;
}

async function openRegistry(txn: StateTxn, store: StoreRef): Promise<Registry> {
  if (store.format === "json") return await openDocument(txn, store);
  let meta = await txn.get(store, META_KEY) as Meta | undefined;
  if (meta === undefined) {
    const log = await txn.log(store);
    if (log.length > 0) meta = await indexImported(txn, store, log);
  }
  const byKey = async (key: string) => {
    const entry = await txn.get(store, key);
    return isEntry(entry) ? entry : undefined;
  };
  return {
    indexed: true,
    active: meta?.active ?? 0,
    byKey,
    async byAddress(address) {
      const key = await txn.get(store, ADDRESS_PREFIX + address);
      return typeof key === "string" ? await byKey(key) : undefined;
    },
  };
}

/** A key → value document read as a registry of bindings without targets or addresses. */
async function openDocument(txn: StateTxn, store: StoreRef): Promise<Registry> {
  return {
    indexed: false,
    active: (await txn.entries(store)).length,
    async byKey(key) {
      return (await txn.get(store, key)) === undefined ? undefined : { key, address: "" };
    },
    byAddress: () => Promise.resolve(undefined),
  };
}

/** Answer of an op that would write into a document store. */
function documentWrite(op: string, store: StoreRef): SideEffectResult {
  return result(CsStatus.BACKEND_ERROR, {
    message: `Cannot ${op} in "${store.path}": it is a key → value document written by ` +
      `another kind, not a registry log`,
  });
}

/**
 * A registry imported from a PGS data root has its log and (from the import) its active
 * keys, but no address index or meta. The first op builds them, once, in its own
 * transaction (index keys are private, so no effect is reported); every op after that is
 * O(1) instead of a replay of the whole log.
 */
async function indexImported(txn: StateTxn, store: StoreRef, log: unknown[]): Promise<Meta> {
  const scanned = scanRegistry(log);
  // The storage import already folds registry lines into the key map; fill in only what
  // is missing (a log that reached KV another way).
  const present = new Set((await txn.entries(store)).map(([k]) => k));
  for (const entry of scanned.entries) {
    if (!present.has(entry.key)) txn.set(store, entry.key, entry);
  }
  for (const [address, entry] of scanned.addresses) {
    txn.set(store, ADDRESS_PREFIX + address, entry.key);
  }
  const meta: Meta = { v: 1, active: scanned.active };
  txn.set(store, META_KEY, meta);
  return meta;
}

/** Replays the reference's load rule: skip lines without a key, tombstones pop, last wins. */
function scanRegistry(
  log: unknown[],
): Registry & { addresses: Map<string, Entry>; entries: Entry[] } {
  const active = new Map<string, Entry>();
  for (const line of log) {
    if (!isObject(line) || typeof line.key !== "string") continue;
    if (line.tombstone === true) active.delete(line.key);
    else active.set(line.key, line as Entry);
  }
  const addresses = new Map<string, Entry>();
  for (const entry of active.values()) {
    if (typeof entry.address === "string" && !addresses.has(entry.address)) {
      addresses.set(entry.address, entry);
    }
  }
  return {
    indexed: false,
    addresses,
    entries: [...active.values()],
    active: active.size,
    byKey: (key) => Promise.resolve(active.get(key)),
    byAddress: (address) => Promise.resolve(addresses.get(address)),
  };
}

function isEntry(value: unknown): value is Entry {
  return isObject(value) && typeof value.key === "string";
}

async function find(registry: Registry, keyOrAddress: string): Promise<Entry | undefined> {
  if (keyOrAddress.startsWith("\u0000")) return undefined;
  return await registry.byKey(keyOrAddress) ?? await registry.byAddress(keyOrAddress);
}

function setActive(txn: StateTxn, store: StoreRef, active: number): void {
  txn.set(store, META_KEY, { v: 1, active } satisfies Meta);
}

function keyOrAddressInput(call: SideEffectCall): string | SideEffectResult {
  const value = input(call.inputs, "key_or_address");
  if (typeof value !== "string" || value === "") {
    return violation("Invalid key_or_address: expected a non-empty string");
  }
  return value;
}

async function register(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  if (store.format === "json") return documentWrite("REGISTER", store);
  const key = input(call.inputs, "key");
  if (
    typeof key !== "string" || key === "" || key.startsWith("\u0000") ||
    codePointLength(key) > MAX_KEY_LENGTH
  ) {
    return violation(
      `Invalid key: expected a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
    );
  }
  const value = input(call.inputs, "value");
  if (value !== null && !isObject(value)) {
    return violation("Invalid value: expected an object or null");
  }
  const registry = await openRegistry(call.state, store);
  if (await registry.byKey(key)) return result(CsStatus.ALREADY_EXISTS);

  let line: Entry | undefined;
  await call.state.append(store, (sequence) => {
    line = { key, address: deriveRegistryAddress(store.path, key, sequence) };
    for (const name of ["target_cs", "target_ref"]) {
      const target = input(call.inputs, name);
      if (target !== null) line[name] = copy(target);
    }
    for (const [name, field] of Object.entries(value ?? {})) {
      if (!PROTECTED_FIELDS.has(name)) line[name] = copy(field);
    }
    return line;
  });
  const entry = line as Entry;
  if (registry.indexed) {
    call.state.set(store, key, copy(entry));
    call.state.set(store, ADDRESS_PREFIX + entry.address, key);
    setActive(call.state, store, registry.active + 1);
  }
  return result(CsStatus.SUCCESS, { address: entry.address });
}

async function resolve(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const wanted = keyOrAddressInput(call);
  if (typeof wanted !== "string") return wanted;
  const entry = await find(await openRegistry(call.state, store), wanted);
  if (!entry) return result(CsStatus.NOT_FOUND);
  return result(CsStatus.SUCCESS, {
    target_cs: Object.hasOwn(entry, "target_cs") ? copy(entry.target_cs) : "",
    target_ref: Object.hasOwn(entry, "target_ref") ? copy(entry.target_ref) : "",
  });
}

async function exists(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const wanted = keyOrAddressInput(call);
  if (typeof wanted !== "string") return wanted;
  const entry = await find(await openRegistry(call.state, store), wanted);
  return result(CsStatus.SUCCESS, { exists: entry !== undefined });
}

async function count(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  const registry = await openRegistry(call.state, store);
  return result(CsStatus.SUCCESS, { count: registry.active });
}

async function deregister(call: SideEffectCall, store: StoreRef): Promise<SideEffectResult> {
  if (store.format === "json") return documentWrite("DEREGISTER", store);
  const wanted = keyOrAddressInput(call);
  if (typeof wanted !== "string") return wanted;
  const registry = await openRegistry(call.state, store);
  const entry = await find(registry, wanted);
  if (!entry) return result(CsStatus.NOT_FOUND);
  await call.state.append(store, () => ({
    key: entry.key,
    address: entry.address ?? null,
    tombstone: true,
  }));
  if (registry.indexed) {
    call.state.delete(store, entry.key);
    call.state.delete(store, ADDRESS_PREFIX + entry.address);
    setActive(call.state, store, registry.active - 1);
  }
  return result(CsStatus.SUCCESS);
}

/** CS_REGISTRY_V0: REGISTER, RESOLVE, EXISTS, DEREGISTER, COUNT. */
export const registrySideEffect: SideEffectFn = storeKind({
  code: "CS_REGISTRY_V0",
  ops: {
    REGISTER: register,
    RESOLVE: resolve,
    EXISTS: exists,
    DEREGISTER: deregister,
    COUNT: count,
  },
  caseInsensitive: true,
  unknownOp: (op) =>
    result(CsStatus.BACKEND_ERROR, { message: `No backend handler for op: ${op}` }),
});
