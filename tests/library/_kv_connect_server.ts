/**
 * A minimal KV Connect server (protocol version 2 of denokv's `proto/kv-connect.md`) for
 * tests: metadata exchange with bearer-token auth, then `snapshot_read` and `atomic_write`
 * over protobuf (`com.deno.kv.datapath`), on an in-memory ordered map with versionstamps
 * and atomic checks. Deno's own remote KV client talks to it, so `--kv http://127.0.0.1:N`
 * runs the real remote code path of the runtime without the denokv binary (which cannot be
 * installed here). Not implemented: enqueue, watch, expiry. Loopback only.
 */

/** A running server. */
export interface KvConnectServer {
  /** `http://127.0.0.1:<port>`: the URL to give `--kv` / `Deno.openKv`. */
  readonly url: string;
  /** Requests served per path, for assertions. */
  readonly requests: Map<string, number>;
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

/** Starts the server on 127.0.0.1 (a free port) accepting `token` at metadata exchange. */
export function startKvConnectServer(token: string): KvConnectServer {
  const entries = new Map<string, Entry>();
  const requests = new Map<string, number>();
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
      const out: Uint8Array[] = ranges.map((r) =>
        lenField(1, concat(...rangeEntries(entries, r).map(encodeEntry)))
      );
      out.push(varintField(4, 1n), varintField(8, 1n)); // strongly consistent, SR_SUCCESS
      return proto(concat(...out));
    }
    if (path === "/v2/atomic_write") {
      const parts = fields(input);
      const failed: number[] = [];
      parts.filter((f) => f.no === 1).forEach((f, i) => {
        const c = fields(f.bytes!);
        const key = bytesOf(c, 1);
        const expected = bytesOf(c, 2);
        const current = entries.get(hex(key))?.versionstamp ?? new Uint8Array();
        if (hex(current) !== hex(expected)) failed.push(i);
      });
      if (failed.length > 0) {
        return proto(concat(varintField(1, 2n), ...failed.map((i) => varintField(4, BigInt(i)))));
      }
      const stamp = new Uint8Array(10);
      new DataView(stamp.buffer).setBigUint64(0, ++version);
      for (const f of parts.filter((f) => f.no === 2)) {
        applyMutation(entries, fields(f.bytes!), stamp);
      }
      return proto(concat(varintField(1, 1n), lenField(2, stamp)));
    }
    return new Response(`unknown path ${path}`, { status: 404 });
  });
  const port = (server.addr as Deno.NetAddr).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => server.shutdown() };
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
