/**
 * A minimal KV Connect server (protocol version 2 of denokv's `proto/kv-connect.md`) for
 * tests: metadata exchange with bearer-token auth, then `snapshot_read` and `atomic_write`
 * over protobuf (`com.deno.kv.datapath`), on an in-memory ordered map with versionstamps
 * and atomic checks. Deno's own remote KV client talks to it, so `--kv http://127.0.0.1:N`
 * runs the real remote code path of the runtime without the denokv binary (which cannot be
 * installed here). Not implemented: enqueue, watch, expiry. Loopback only.
 *
 * It refuses what a denokv server refuses ({@link KV_CONNECT_LIMITS}): a request over a
 * limit gets HTTP 400 with a one-line reason and changes nothing, so the runtime's commit
 * planning (storage/_commit.ts `REMOTE_LIMITS`) is tested against a server that can say no.
 * The Deno client checks most of these limits itself before sending (with 100 checks, not
 * 10, and counting a set's key twice); requests built by hand reach the server unchecked.
 */

/**
 * The per-request limits of a KV Connect server (denokv's `limits.rs`, the values Deno KV
 * documents): sizes are of the encoded key and of the value bytes as sent.
 */
export const KV_CONNECT_LIMITS = {
  /** Largest key a mutation may write. */
  maxWriteKeyBytes: 2048,
  /** Largest key a check or a read range may name (a range end may carry one more byte). */
  maxReadKeyBytes: 2049,
  /** Largest value. */
  maxValueBytes: 65536,
  /** Checks per atomic write. */
  maxChecks: 10,
  /** Mutations (plus enqueues) per atomic write. */
  maxMutations: 1000,
  /** Σ check keys + Σ mutation keys + Σ values of one atomic write. */
  maxTotalMutationBytes: 819200,
  /** Ranges per snapshot read. */
  maxReadRanges: 10,
  /** Σ of the ranges' entry limits per snapshot read. */
  maxReadEntries: 1000,
} as const;

/** What one accepted atomic write carried, in the units the limits count. */
export interface WriteStat {
  /** Checks. */
  readonly checks: number;
  /** Mutations. */
  readonly mutations: number;
  /** Σ check keys + Σ mutation keys + Σ values. */
  readonly bytes: number;
  /** Largest mutation key. */
  readonly maxKey: number;
  /** Largest value. */
  readonly maxValue: number;
}

/** A running server. */
export interface KvConnectServer {
  /** `http://127.0.0.1:<port>`: the URL to give `--kv` / `Deno.openKv`. */
  readonly url: string;
  /** Requests served per path, for assertions. */
  readonly requests: Map<string, number>;
  /** Every atomic write applied, in order. */
  readonly writes: WriteStat[];
  /** The reason of every request refused for a limit, in order. */
  readonly refused: string[];
  /** The keys (encoded) of the checks that failed, one list per atomic write refused by a check. */
  readonly conflicts: Uint8Array[][];
  /** Whether the database holds `key` (encoded bytes). */
  has(key: Uint8Array): boolean;
  /** Stops listening and waits for open requests to finish. */
  close(): Promise<void>;
}

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
  encoding: number;
  versionstamp: Uint8Array;
}

const DATABASE_ID = "00000000-0000-4000-8000-00000000c0de";
const DATA_TOKEN = "data-path-token";

/** The one-line reasons of a refusal (HTTP 400), as a denokv server words them in spirit. */
const REFUSAL = {
  keyTooLong: "a key exceeds the key size limit",
  valueTooLong: "a value exceeds the value size limit",
  tooManyChecks: "too many checks in the atomic write",
  tooManyMutations: "too many mutations in the atomic write",
  writeTooLarge: "the total size of the atomic write is too large",
  tooManyRanges: "too many read ranges in the snapshot read",
  readTooLarge: "the read ranges together ask for too many entries",
  badLimit: "a read range limit is invalid",
} as const;

/** Starts the server on 127.0.0.1 (a free port) accepting `token` at metadata exchange. */
export function startKvConnectServer(token: string): KvConnectServer {
  const entries = new Map<string, Entry>();
  const requests = new Map<string, number>();
  const writes: WriteStat[] = [];
  const refused: string[] = [];
  const conflicts: Uint8Array[][] = [];
  const refuse = (reason: string) => {
    refused.push(reason);
    return new Response(reason, { status: 400 });
  };
  let version = 0n;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const auth = req.headers.get("authorization");
    if (req.method !== "POST") return new Response("POST only", { status: 405 });
    if (path === "/") {
      if (auth !== `Bearer ${token}`) return new Response("invalid access token", { status: 401 });
      const body = await req.text();
      const versions: number[] = body ? JSON.parse(body).supportedVersions ?? [1] : [1];
      if (!versions.includes(2)) {
        return new Response("protocol version 2 required", { status: 400 });
      }
      return Response.json({
        version: 2,
        databaseId: DATABASE_ID,
        endpoints: [{ url: "/v2", consistency: "strong" }],
        token: DATA_TOKEN,
        expiresAt: "2999-01-01T00:00:00Z",
      });
    }
    if (auth !== `Bearer ${DATA_TOKEN}`) {
      return new Response("invalid data path token", { status: 401 });
    }
    const input = new Uint8Array(await req.arrayBuffer());
    const proto = (bytes: Uint8Array<ArrayBuffer>) =>
      new Response(bytes, { headers: { "content-type": "application/x-protobuf" } });
    if (path === "/v2/snapshot_read") {
      const ranges = fields(input).filter((f) => f.no === 1).map((f) => readRange(f.bytes!));
      const why = readRefusal(ranges);
      if (why) return refuse(why);
      const out: Uint8Array[] = ranges.map((r) =>
        lenField(1, concat(...rangeEntries(entries, r).map(encodeEntry)))
      );
      out.push(varintField(4, 1n), varintField(8, 1n)); // strongly consistent, SR_SUCCESS
      return proto(concat(...out));
    }
    if (path === "/v2/atomic_write") {
      const parts = fields(input);
      const size = writeSize(parts);
      if (typeof size === "string") return refuse(size);
      const failed: number[] = [];
      const failedKeys: Uint8Array[] = [];
      parts.filter((f) => f.no === 1).forEach((f, i) => {
        const c = fields(f.bytes!);
        const key = bytesOf(c, 1);
        const expected = bytesOf(c, 2);
        const current = entries.get(hex(key))?.versionstamp ?? new Uint8Array();
        if (hex(current) !== hex(expected)) {
          failed.push(i);
          failedKeys.push(key);
        }
      });
      if (failed.length > 0) {
        conflicts.push(failedKeys);
        return proto(concat(varintField(1, 2n), ...failed.map((i) => varintField(4, BigInt(i)))));
      }
      const stamp = new Uint8Array(10);
      new DataView(stamp.buffer).setBigUint64(0, ++version);
      for (const f of parts.filter((f) => f.no === 2)) {
        applyMutation(entries, fields(f.bytes!), stamp);
      }
      writes.push(size);
      return proto(concat(varintField(1, 1n), lenField(2, stamp)));
    }
    return new Response(`unknown path ${path}`, { status: 404 });
  });
  const port = (server.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    writes,
    refused,
    conflicts,
    has: (key) => entries.has(hex(key)),
    close: () => server.shutdown(),
  };
}

/** One hand-built atomic write: encoded keys and raw byte values, as a client sends them. */
export interface RawAtomicWrite {
  /** Keys that must not exist (checks with an empty versionstamp). */
  readonly absent?: readonly Uint8Array[];
  /** Keys to set, with their bytes (encoding VE_BYTES). */
  readonly sets?: ReadonlyArray<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
}

/** The bytes of a Deno KV key made of string parts (tag 0x02, NUL escaped, NUL ended). */
export function encodeKey(...parts: string[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    out.push(0x02);
    for (const b of new TextEncoder().encode(part)) out.push(...(b === 0 ? [0, 0xff] : [b]));
    out.push(0);
  }
  return new Uint8Array(out);
}

/**
 * Sends `write` straight to a KV Connect server, past every check a client makes: the
 * metadata exchange with `token`, then one `atomic_write`. Returns the HTTP status and body.
 */
export async function postAtomicWrite(
  url: string,
  token: string,
  write: RawAtomicWrite,
): Promise<{ status: number; body: string }> {
  const meta = await fetch(`${url}/`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ supportedVersions: [2] }),
  });
  if (!meta.ok) return { status: meta.status, body: await meta.text() };
  const { endpoints, token: dataToken } = await meta.json();
  const body = concat(
    ...(write.absent ?? []).map((key) => lenField(1, lenField(1, key))),
    ...(write.sets ?? []).map(({ key, value }) =>
      lenField(
        2,
        concat(
          lenField(1, key),
          lenField(2, concat(lenField(1, value), varintField(2, 3n))),
          varintField(3, 1n),
        ),
      )
    ),
  );
  const res = await fetch(new URL(`${endpoints[0].url}/atomic_write`, url), {
    method: "POST",
    headers: { authorization: `Bearer ${dataToken}`, "content-type": "application/x-protobuf" },
    body,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, body: res.ok ? hex(bytes) : new TextDecoder().decode(bytes) };
}

/** Why a snapshot read is refused, or null. */
function readRefusal(ranges: Range[]): string | null {
  const L = KV_CONNECT_LIMITS;
  if (ranges.length > L.maxReadRanges) return REFUSAL.tooManyRanges;
  let entries = 0;
  for (const r of ranges) {
    if (r.limit < 1) return REFUSAL.badLimit;
    if (r.start.length > L.maxReadKeyBytes || r.end.length > L.maxReadKeyBytes) {
      return REFUSAL.keyTooLong;
    }
    entries += r.limit;
  }
  return entries > L.maxReadEntries ? REFUSAL.readTooLarge : null;
}

/**
 * The size of an atomic write (checks: field 1, mutations: field 2, enqueues: field 3) in
 * the units the limits count, or why it is refused. Counts are checked before sizes, as
 * denokv does.
 */
function writeSize(parts: Field[]): WriteStat | string {
  const L = KV_CONNECT_LIMITS;
  const checks = parts.filter((f) => f.no === 1).map((f) => fields(f.bytes!));
  const mutations = parts.filter((f) => f.no === 2).map((f) => fields(f.bytes!));
  const enqueues = parts.filter((f) => f.no === 3).length;
  if (checks.length > L.maxChecks) return REFUSAL.tooManyChecks;
  if (mutations.length + enqueues > L.maxMutations) return REFUSAL.tooManyMutations;
  let bytes = 0;
  for (const c of checks) {
    const key = bytesOf(c, 1).length;
    if (key > L.maxReadKeyBytes) return REFUSAL.keyTooLong;
    bytes += key;
  }
  let maxKey = 0;
  let maxValue = 0;
  for (const m of mutations) {
    const key = bytesOf(m, 1).length;
    if (key > L.maxWriteKeyBytes) return REFUSAL.keyTooLong;
    const value = bytesOf(fields(bytesOf(m, 2)), 1).length;
    if (value > L.maxValueBytes) return REFUSAL.valueTooLong;
    bytes += key + value;
    maxKey = Math.max(maxKey, key);
    maxValue = Math.max(maxValue, value);
  }
  if (bytes > L.maxTotalMutationBytes) return REFUSAL.writeTooLarge;
  return { checks: checks.length, mutations: mutations.length, bytes, maxKey, maxValue };
}

function applyMutation(entries: Map<string, Entry>, m: Field[], stamp: Uint8Array): void {
  const key = bytesOf(m, 1);
  const type = Number(m.find((f) => f.no === 3)?.value ?? 0n);
  const valueFields = fields(bytesOf(m, 2));
  const value = bytesOf(valueFields, 1);
  const encoding = Number(valueFields.find((f) => f.no === 2)?.value ?? 0n);
  const id = hex(key);
  if (type === 2) {
    entries.delete(id);
    return;
  }
  if (type === 1) {
    entries.set(id, { key, value, encoding, versionstamp: stamp });
    return;
  }
  // M_SUM / M_MAX / M_MIN on little-endian u64 (Deno.KvU64).
  const old = entries.get(id);
  const a = old ? new DataView(old.value.buffer, old.value.byteOffset).getBigUint64(0, true) : null;
  const b = new DataView(value.buffer, value.byteOffset).getBigUint64(0, true);
  const r = a === null
    ? b
    : type === 3
    ? (a + b) % 2n ** 64n
    : type === 4
    ? (a > b ? a : b)
    : (a < b ? a : b);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, r, true);
  entries.set(id, { key, value: out, encoding: 2, versionstamp: stamp });
}

interface Range {
  start: Uint8Array;
  end: Uint8Array;
  limit: number;
  reverse: boolean;
}

function readRange(bytes: Uint8Array): Range {
  const f = fields(bytes);
  return {
    start: bytesOf(f, 1),
    end: bytesOf(f, 2),
    limit: Number(f.find((x) => x.no === 3)?.value ?? 0n),
    reverse: (f.find((x) => x.no === 4)?.value ?? 0n) !== 0n,
  };
}

function rangeEntries(entries: Map<string, Entry>, r: Range): Entry[] {
  const lo = hex(r.start);
  const hi = hex(r.end);
  const hits = [...entries.entries()].filter(([k]) => k >= lo && k < hi).sort((
    [a],
    [b],
  ) => (a < b ? -1 : 1))
    .map(([, e]) => e);
  if (r.reverse) hits.reverse();
  return r.limit > 0 ? hits.slice(0, r.limit) : hits;
}

function encodeEntry(e: Entry): Uint8Array {
  return lenField(
    1,
    concat(
      lenField(1, e.key),
      lenField(2, e.value),
      varintField(3, BigInt(e.encoding)),
      lenField(4, e.versionstamp),
    ),
  );
}

// --- protobuf wire format: just varints and length-delimited fields ---

interface Field {
  no: number;
  value?: bigint;
  bytes?: Uint8Array;
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n;; shift += 7n) {
      const b = buf[at++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (at < buf.length) {
    const tag = Number(varint());
    const no = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, value: varint() });
    else if (wire === 2) {
      const n = Number(varint());
      out.push({ no, bytes: buf.subarray(at, at + n) });
      at += n;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

function bytesOf(f: Field[], no: number): Uint8Array {
  return f.find((x) => x.no === no)?.bytes ?? new Uint8Array();
}

function varint(v: bigint): Uint8Array {
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return new Uint8Array(out);
}

function varintField(no: number, v: bigint): Uint8Array {
  return concat(varint(BigInt(no << 3)), varint(v));
}

function lenField(no: number, bytes: Uint8Array): Uint8Array {
  return concat(varint(BigInt((no << 3) | 2)), varint(BigInt(bytes.length)), bytes);
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
