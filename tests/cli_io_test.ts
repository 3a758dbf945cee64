/** cli_io.ts: exit codes of refusals and outcomes, error reporting, shell words. */
import assert from "node:assert/strict";
import { ExitCode, exitCodeOf, exitCodeOfError, reportError, shellWord } from "../cli_io.ts";
import {
  CompileError,
  ErrorCode,
  SnapshotError,
  StorageError,
  TraceError,
  UsageError,
} from "../errors.ts";

Deno.test("exitCodeOfError(): refusals 2/3/5; a failed commit (nothing applied) and bugs 4", () => {
  assert.equal(exitCodeOfError(new UsageError("x")), ExitCode.USAGE);
  assert.equal(exitCodeOfError(new UsageError("x", ErrorCode.PAYLOAD)), ExitCode.USAGE);
  assert.equal(exitCodeOfError(new StorageError("unusable data root")), ExitCode.USAGE);
  assert.equal(exitCodeOfError(new SnapshotError("x", { file: "f" })), ExitCode.SNAPSHOT);
  assert.equal(
    exitCodeOfError(new CompileError("a::WF_B", [{ file: "f", jsonPath: "$", message: "m" }])),
    ExitCode.SNAPSHOT,
  );
  assert.equal(exitCodeOfError(new TraceError("x")), ExitCode.TRACE_DAMAGED);
  assert.equal(
    exitCodeOfError(new StorageError("lost the endpoint", { code: ErrorCode.COMMIT })),
    ExitCode.FAILED,
  );
  assert.equal(exitCodeOfError(new TypeError("bug")), ExitCode.FAILED);
});

Deno.test("exitCodeOf(): a run's classification decides its exit code", () => {
  assert.equal(exitCodeOf("COMPLETED"), 0);
  assert.equal(exitCodeOf("REJECTED"), 1);
  assert.equal(exitCodeOf("ENDED_NOT_FOUND"), 1);
  assert.equal(exitCodeOf("FAILED"), 4);
  assert.equal(exitCodeOf("FAULTED"), 4);
});

Deno.test("reportError(): one line on stderr; with --json also one JSON object on stdout", () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) };
  // A line break in a refusal's message (a path may hold one) is escaped, not cut off with
  // everything after it.
  const code = reportError(new UsageError('Invalid --seed "x"\nsecond line'), io, true);
  assert.equal(code, 2);
  assert.deepEqual(err, ['error[USAGE]: Invalid --seed "x"\\nsecond line']);
  assert.deepEqual(out.map((l) => JSON.parse(l)), [
    { error: { code: "USAGE", message: 'Invalid --seed "x"\\nsecond line' } },
  ]);
});

Deno.test("shellWord(): quotes only what a shell would split or expand", () => {
  assert.equal(shellWord("/tmp/a-b_c.jsonl"), "/tmp/a-b_c.jsonl");
  assert.equal(shellWord("/tmp/a b"), "'/tmp/a b'");
  assert.equal(shellWord("it's"), "'it'\\''s'");
  assert.equal(shellWord("$HOME"), "'$HOME'");
});
