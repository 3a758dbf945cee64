/**
 * `examine`, `replay` and `public-key`: the auditor's commands. `examine` and `replay` read
 * a trace file and, given a data root or KV URL, the body committed there (the store is
 * opened to read: nothing is created or written); `public-key` prints the key the traces of
 * a data root are sealed with.
 *
 * @module
 */
import { type Flags, optional, required } from "./cli_args.ts";
import { type CliIo, ExitCode } from "./cli_io.ts";
import { oneLine, quoted, StorageError, TraceError, UsageError } from "./errors.ts";
import { validateKvUrl } from "./storage/kv_url.ts";
import { checkRegularFile, FileTooLarge } from "./regular_file.ts";
import { type KvStore, openKvStore } from "./storage/mod.ts";
import { parsePublicKey, publicKeyPem } from "./trace/mod.ts";

/** Runs `examine`; 0 when the trace is intact, 5 when not. */
export async function examineCommand(file: string, flags: Flags, io: CliIo): Promise<number> {
  storeFlags(flags);
  const text = await readTraceFile(file);
  const keyFile = optional(flags, "public-key");
  const publicKey = keyFile === undefined ? undefined : await readPublicKey(keyFile);
  const { examineTrace, formatExamine } = await import("./trace/mod.ts");
  const report = await withStore(flags, async (store) => {
    const traceId = headerTraceId(text);
    const stored = store && traceId ? await store.readTrace(traceId) : store ? null : undefined;
    const key = publicKey ?? (await store?.signer({ create: false }))?.publicKey;
    return await examineTrace(text, { stored, publicKey: key });
  });
  io.out(flags.json === true ? JSON.stringify(report) : formatExamine(report));
  return report.intact ? 0 : ExitCode.TRACE_DAMAGED;
}

/** Runs `replay`; 0 when identical, 5 when it diverged or the file is not the store's copy. */
export async function replayCommand(file: string, flags: Flags, io: CliIo): Promise<number> {
  const workspace = required(flags, "workspace", "dir");
  const { dataRoot, kvUrl } = storeFlags(flags);
  const text = await readTraceFile(file);
  if (dataRoot || kvUrl) {
    const stored = await withStore(flags, async (store) => {
      const traceId = headerTraceId(text);
      return traceId ? await store!.readTrace(traceId) : null;
    });
    const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
    const n = Math.max(lines.length, stored?.length ?? 0);
    for (let i = 0; i < n; i++) {
      if (stored === null || lines[i] !== stored[i]) {
        throw new TraceError(
          `Cannot replay ${quoted(file, 200)}: ` +
            (stored === null
              ? "no trace with its id is committed in the given state store"
              : `line ${i + 1} differs from the body committed in the store (the file is not ` +
                `what the run committed)`),
        );
      }
    }
  }
  const [{ createCapabilityRegistry, replayTrace }, { loadSnapshot }] = await Promise.all([
    import("./actors/mod.ts"),
    import("./snapshot/mod.ts"),
  ]);
  const snapshot = await loadSnapshot(workspace);
  const report = await replayTrace(text, snapshot, createCapabilityRegistry()).catch((e) => {
    // Name the file: "Cannot replay a damaged trace: …" → "Cannot replay "<file>": a damaged …".
    if (!(e instanceof TraceError)) throw e;
    const rest = e.message.replace(/^Cannot replay:? ?/, "");
    throw new TraceError(`Cannot replay ${quoted(file, 200)}: ${rest}`, { cause: e });
  });
  if (flags.json === true) io.out(JSON.stringify(report));
  else if (report.identical) io.out(`identical (${report.records} records)`);
  else {
    const d = report.divergence!;
    io.out(`diverged at line ${d.line}`);
    io.out(`  recorded: ${d.recorded ?? "(missing)"}`);
    io.out(`  replayed: ${d.replayed ?? "(missing)"}`);
  }
  return report.identical ? 0 : ExitCode.TRACE_DAMAGED;
}

/** Runs `public-key`: prints the data root's signing key (made on first use) as PEM. */
export async function publicKeyCommand(flags: Flags, io: CliIo): Promise<number> {
  const { dataRoot, kvUrl } = storeFlags(flags);
  if (!dataRoot && !kvUrl) throw new UsageError("Missing --data-root <dir> (or --kv <url>)");
  // The key is made on first use, but only in a data root that holds state: a mistyped path
  // must not become a new data root with a key nobody's traces are sealed with.
  if (dataRoot && !kvUrl && !(await Deno.lstat(`${dataRoot}/.pgs/state.kv`).catch(() => null))) {
    throw new StorageError(
      `Cannot read the seal key of data root ${
        quoted(dataRoot, 200)
      }: it holds no state database (.pgs/state.kv)`,
    );
  }
  const store = await openKvStore({ dataRoot, kvUrl });
  try {
    const signer = (await store.signer())!;
    const pem = publicKeyPem(signer.publicKey);
    if (flags.json === true) {
      io.out(JSON.stringify({
        key_id: signer.keyId,
        alg: "Ed25519",
        public_key: [...signer.publicKey].map((b) => b.toString(16).padStart(2, "0")).join(""),
        pem,
      }));
    } else io.out(pem.trimEnd());
  } finally {
    await store.close();
  }
  return 0;
}

/** Runs `fn` with the named state database opened to read, or with null when none is named. */
async function withStore<T>(flags: Flags, fn: (store: KvStore | null) => Promise<T>): Promise<T> {
  const { dataRoot, kvUrl } = storeFlags(flags);
  if (!dataRoot && !kvUrl) return await fn(null);
  const store = await openKvStore({ dataRoot, kvUrl, readOnly: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `--data-root` and `--kv` (checked: Deno KV would take a mistyped URL for a file path). */
function storeFlags(flags: Flags): { dataRoot?: string; kvUrl?: string } {
  const kvUrl = optional(flags, "kv");
  if (kvUrl !== undefined) validateKvUrl(kvUrl, "--kv");
  return { dataRoot: optional(flags, "data-root"), kvUrl };
}

/** The trace id the first line of a body names, or null. */
function headerTraceId(text: string): string | null {
  const end = text.indexOf("\n");
  const m = /"trace_id":"([A-Za-z0-9_-]{1,128})"/.exec(end < 0 ? text : text.slice(0, end));
  return m ? m[1] : null;
}

/**
 * Largest trace file read. A trace is read whole, as one string; a file far beyond any run's
 * trace (a sparse 5 GB file) would otherwise be read into memory before failing.
 */
const MAX_TRACE_FILE_BYTES = 256 * 1024 * 1024;

async function readTraceFile(file: string): Promise<string> {
  try {
    await checkRegularFile(file, MAX_TRACE_FILE_BYTES);
    return await Deno.readTextFile(file);
  } catch (e) {
    // An unreadable path is a usage error (exit 2), not a damaged trace (exit 5).
    throw new UsageError(
      `Cannot read trace ${quoted(file, 200)}: ${e instanceof Error ? oneLine(e.message) : e}`,
    );
  }
}

async function readPublicKey(file: string): Promise<Uint8Array> {
  let text: string;
  try {
    // A PEM key is ~113 bytes: anything much larger is not one (and is not read whole).
    await checkRegularFile(file, 64 * 1024).catch((e) => {
      throw e instanceof FileTooLarge
        ? new Error(`${e.size} bytes is too large for a key file`)
        : e;
    });
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new UsageError(
      `Cannot read --public-key ${quoted(file, 200)}: ${
        e instanceof Error ? oneLine(e.message) : e
      }`,
    );
  }
  const key = parsePublicKey(text);
  if (!key) {
    throw new UsageError(
      `Invalid --public-key ${quoted(file, 200)}: expected an Ed25519 public key as PEM ` +
        `(as printed by public-key) or 64 hex digits`,
    );
  }
  return key;
}
