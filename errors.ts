/**
 * Refusals: errors thrown before a run starts (bad flags, bad payloads, bad snapshots,
 * damaged traces, unusable storage). Outcomes of a run are never exceptions.
 *
 * @module
 */

/** Closed set of error codes; the CLI maps each to an exit code. */
export const ErrorCode = {
  USAGE: "USAGE",
  PAYLOAD: "PAYLOAD",
  WORKFLOW_NAME: "WORKFLOW_NAME",
  TRACE_ID: "TRACE_ID",
  SNAPSHOT: "SNAPSHOT",
  HASH_MISMATCH: "HASH_MISMATCH",
  /** The executed frontmatter differs from the `## Machine` block its content_hash covers. */
  SEAL: "SEAL",
  SCHEMA: "SCHEMA",
  COMPILE: "COMPILE",
  TRACE: "TRACE",
  STORAGE: "STORAGE",
  /** Storage failed while a run committed: nothing of the run was applied (CLI exit 4). */
  COMMIT: "COMMIT",
  /** The caller's `signal` aborted a run before it committed: nothing of it was applied. */
  ABORTED: "ABORTED",
} as const;
/** One of {@link ErrorCode}. */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/** Base class of every refusal the runtime throws on purpose. */
export class PgsError extends Error {
  /** Machine-readable code; tests assert this, not the prose. */
  readonly code: ErrorCode;
  /** Creates a refusal with a code and a one-line message. */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = "PgsError";
  }
}

/** Bad flag, payload, workflow name or trace id (CLI exit 2). */
export class UsageError extends PgsError {
  /** Creates a usage error. */
  constructor(message: string, code: ErrorCode = ErrorCode.USAGE, options?: ErrorOptions) {
    super(code, message, options);
    this.name = "UsageError";
  }
}

/** A snapshot artifact is missing, tampered or malformed (CLI exit 3). */
export class SnapshotError extends PgsError {
  /** Artifact file the problem is in, relative to the workspace when known. */
  readonly file?: string;
  /** JSON path inside the file, when known. */
  readonly jsonPath?: string;
  /** Creates a snapshot error naming the file and JSON path. */
  constructor(
    message: string,
    opts: { code?: ErrorCode; file?: string; jsonPath?: string; cause?: unknown } = {},
  ) {
    super(opts.code ?? ErrorCode.SNAPSHOT, message, { cause: opts.cause });
    this.file = opts.file;
    this.jsonPath = opts.jsonPath;
    this.name = "SnapshotError";
  }
}

/** One compile-time closure problem. */
export interface CompileProblem {
  /** Artifact file the problem is in. */
  file: string;
  /** JSON path of the offending value. */
  jsonPath: string;
  /** What is wrong and what was expected. */
  message: string;
}

/** The workflow does not compile; lists every problem found (CLI exit 3). */
export class CompileError extends PgsError {
  /** Every problem found, in a stable order. */
  readonly problems: readonly CompileProblem[];
  /** Creates a compile error from a non-empty list of problems. */
  constructor(workflow: string, problems: CompileProblem[]) {
    super(
      ErrorCode.COMPILE,
      `Cannot compile workflow "${workflow}": ${problems.length} problem(s); first: ${
        problems[0]?.file
      } ${problems[0]?.jsonPath}: ${problems[0]?.message}`,
    );
    this.problems = problems;
    this.name = "CompileError";
  }
}

/** A trace file is unreadable, damaged or tampered. */
export class TraceError extends PgsError {
  /** Creates a trace error. */
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.TRACE, message, options);
    this.name = "TraceError";
  }
}

/**
 * The data root or KV endpoint cannot be used (STORAGE, CLI exit 2), or failed while a run
 * committed (COMMIT, CLI exit 4: nothing of the run was applied).
 */
export class StorageError extends PgsError {
  /** Creates a storage error. */
  constructor(
    message: string,
    options?: ErrorOptions & { readonly code?: typeof ErrorCode.STORAGE | typeof ErrorCode.COMMIT },
  ) {
    super(options?.code ?? ErrorCode.STORAGE, message, options);
    this.name = "StorageError";
  }
}

/**
 * The refusal of a run the caller's `signal` aborted before its commit (code ABORTED; the
 * signal's reason is the cause).
 */
export function abortedRun(signal: AbortSignal): PgsError {
  const reason = signal.reason;
  const why = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
  return new PgsError(
    ErrorCode.ABORTED,
    `Run aborted by its signal${why ? ` (${why})` : ""}: nothing of it was applied`,
    { cause: reason },
  );
}

/**
 * `text` on one line: each line break written as `\n`, so a path holding a newline (quoted
 * by an OS error message) neither breaks an error line nor cuts off what follows it.
 */
export function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, "\\n");
}

/**
 * A value as a message quotes it: a JSON string (a newline or control character in it cannot
 * break the one-line error), cut to `max` characters.
 */
export function quoted(value: unknown, max = 60): string {
  let text: string;
  try {
    text = String(value);
  } catch {
    text = `(${typeof value})`;
  }
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
