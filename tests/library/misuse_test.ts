// deno-lint-ignore-file no-explicit-any -- misuse means passing what the types forbid
/**
 * The library misused (found by the misuse campaign): every exported function given wrong
 * types, shapes or options answers with a PgsError whose code and message name the
 * argument; promise-returning functions reject (never throw synchronously), and nothing is
 * created or written before the refusal.
 */
import assert from "node:assert/strict";
import * as lib from "../../mod.ts";
import { EXAMPLE_WORKSPACE } from "../_support/workspace.ts";
import { tempDir } from "../_support/tmp.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const ADA = { member: { name: "Ada", email: "ada@example.org" } };
const BASE = {
  workspace: EXAMPLE_WORKSPACE,
  workflow: WF,
  payload: ADA,
  kvUrl: ":memory:",
  traceFiles: false,
};
const { payload: _payload, ...BATCH } = BASE;

type ErrorClass = new (...args: any[]) => lib.PgsError;

/** `fn()` must return a promise (no synchronous throw) that rejects with `cls`, `code`, `message`. */
async function rejects(
  what: string,
  fn: () => unknown,
  cls: ErrorClass,
  code: string,
  message: RegExp,
): Promise<void> {
  let p: unknown;
  try {
    p = fn();
  } catch (e) {
    assert.fail(`${what}: threw synchronously: ${e}`);
  }
  assert.ok(p instanceof Promise, `${what}: expected a promise`);
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof cls, `${what}: ${e instanceof Error ? e.stack : e}`);
    assert.equal((e as lib.PgsError).code, code, what);
    assert.match((e as Error).message, message, what);
    return true;
  });
}

/** `fn()` must throw `cls` with `code` and `message` (a synchronous function). */
function throws(what: string, fn: () => unknown, cls: ErrorClass, code: string, message: RegExp) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof cls, `${what}: ${e instanceof Error ? e.stack : e}`);
    assert.equal((e as lib.PgsError).code, code, what);
    assert.match((e as Error).message, message, what);
    return true;
  });
}

Deno.test("runWorkflow(): a kvUrl that is not a URL is refused, and no database file appears", async () => {
  const name = `pgs-misuse-kv-${crypto.randomUUID()}`;
  await rejects(
    "kvUrl",
    () => lib.runWorkflow({ ...BASE, kvUrl: name }),
    lib.UsageError,
    "USAGE",
    /^Invalid kvUrl "pgs-misuse-kv-[^"]+": expected an http:\/\/ or https:\/\/ KV Connect URL or ":memory:"$/,
  );
  await rejects(
    "kvUrl ftp",
    () => lib.runBatch({ ...BATCH, payloads: [ADA], kvUrl: "ftp://kv.example" }),
    lib.UsageError,
    "USAGE",
    /^Invalid kvUrl "ftp:\/\/kv\.example"/,
  );
  // Deno.openKv would have made a SQLite database of that name in the working directory.
  await assert.rejects(Deno.lstat(name), Deno.errors.NotFound);
});

Deno.test("runWorkflow(): wrong option types name the option (USAGE), before anything runs", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ signer: 5 }, /^Invalid options: "signer" must be null or \{ keyId/],
    [{ signer: {} }, /"signer" must be null or/],
    [{ signer: { keyId: "0123456789abcdef", publicKey: new Uint8Array(32), sign: 5 } }, /"signer"/],
    [{ traceFiles: "no" }, /^Invalid options: "traceFiles" must be true or false when given$/],
    [{ png: 0 }, /^Invalid options: "png" must be true or false when given$/],
    [{ healPendingFiles: "yes" }, /"healPendingFiles" must be true or false/],
    [{ traceCommands: "x" }, /^Invalid options: "traceCommands" must be a function when given$/],
    [{ labels: 5 }, /^Invalid options: "labels" must be an object when given$/],
    [{ capabilities: null }, /^Invalid capabilities: expected \{ transforms\?, sideEffects\? \}$/],
    [{ capabilities: [] }, /^Invalid capabilities: expected/],
    [{ capabilities: { transform: {} } }, /^Invalid capabilities: unknown key "transform"/],
    [{ capabilities: { transforms: [] } }, /^Invalid capabilities\.transforms: expected an object/],
    [{ capabilities: { sideEffects: null } }, /^Invalid capabilities\.sideEffects: expected/],
    [{ kvUrl: undefined, store: { transact() {} } }, /"store" must be an open store/],
  ];
  for (const [patch, message] of cases) {
    await rejects(
      JSON.stringify(patch),
      () => lib.runWorkflow({ ...BASE, ...patch } as any),
      lib.UsageError,
      "USAGE",
      message,
    );
  }
});

Deno.test("runBatch(): wrong prefix or callbacks are refused; a sparse payload list fails only its holes", async () => {
  const batch = { ...BATCH, payloads: [ADA] };
  for (const v of [null, 5, "", []]) {
    await rejects(
      `traceIdPrefix ${JSON.stringify(v)}`,
      () => lib.runBatch({ ...batch, traceIdPrefix: v } as any),
      lib.UsageError,
      "TRACE_ID",
      /^Invalid options: "traceIdPrefix" must be a non-empty string when given$/,
    );
  }
  for (const f of ["onItem", "onProgress", "onPngProgress"]) {
    await rejects(
      f,
      () => lib.runBatch({ ...batch, [f]: 5 } as any),
      lib.UsageError,
      "USAGE",
      new RegExp(`^Invalid options: "${f}" must be a function when given$`),
    );
  }
  const sparse: any[] = [];
  sparse[2] = ADA; // holes at 0 and 1
  const r = await lib.runBatch({ ...BATCH, payloads: sparse, seed: "01" });
  assert.deepEqual(r.items.map((i) => [i.index, i.ok]), [[0, false], [1, false], [2, true]]);
  assert.deepEqual(r.classifications, { ERROR: 2, COMPLETED: 1 });
});

Deno.test("the machine API: wrong compiled, payload or options are UsageErrors, not TypeErrors", async () => {
  const compiled = await lib.compileWorkflow(
    await lib.loadSnapshot(EXAMPLE_WORKSPACE),
    WF,
    lib.createCapabilityRegistry().compileOptions,
  );
  await rejects(
    "workflowMachine options null",
    () => lib.workflowMachine(compiled, null as any),
    lib.UsageError,
    "USAGE",
    /^Invalid options of workflowMachine: expected an object$/,
  );
  const input = (c: unknown, p: unknown, o?: unknown) => () =>
    lib.createWorkflowInput(c as any, p as any, o as any);
  throws("compiled", input({}, ADA), lib.UsageError, "USAGE", /^Invalid compiled/);
  throws("payload", input(compiled, []), lib.UsageError, "PAYLOAD", /^Invalid payload/);
  throws(
    "payload fn",
    input(compiled, { f: () => 1 }),
    lib.UsageError,
    "PAYLOAD",
    /\$\.f is a function/,
  );
  // What is wrong, in English: "is undefined", "an Error", "a Date" (was "is a undefined").
  for (
    const [value, why] of [
      [undefined, "is undefined"],
      [new Error("x"), "is an Error"],
      [new ArrayBuffer(1), "is an ArrayBuffer"],
      [new Date(0), "is a Date"],
      [new Uint8Array(1), "is a Uint8Array"],
      [10n, "is a bigint"],
    ] as const
  ) {
    const what = `payload $.member.x ${why}`;
    const bad = { member: { ...ADA.member, x: value } };
    const message = new RegExp(
      `^Invalid payload: expected plain JSON, but \\$\\.member\\.x ${why}$`,
    );
    throws(what, input(compiled, bad), lib.UsageError, "PAYLOAD", message);
    await rejects(
      what,
      () => lib.runWorkflow({ ...BASE, payload: bad }),
      lib.UsageError,
      "PAYLOAD",
      message,
    );
  }
  throws(
    "options",
    input(compiled, ADA, null),
    lib.UsageError,
    "USAGE",
    /^Invalid options of createWorkflowInput/,
  );
  throws(
    "budget",
    input(compiled, ADA, { budget: -1 }),
    lib.UsageError,
    "USAGE",
    /^Invalid budget "-1"/,
  );
  throws("state", input(compiled, ADA, { state: 5 }), lib.UsageError, "USAGE", /^Invalid state/);
  throws(
    "capabilities",
    () => lib.createCapabilityRegistry([] as any),
    lib.UsageError,
    "USAGE",
    /^Invalid capabilities/,
  );
});

Deno.test("trace functions: wrong text, lines, options or report are PgsErrors naming them", async () => {
  const run = await lib.runWorkflow({ ...BASE, seed: "01" });
  const text = lib.traceText(run.lines);
  throws(
    "verifyTrace",
    () => lib.verifyTrace(5 as any),
    lib.TraceError,
    "TRACE",
    /expected the \.jsonl text/,
  );
  throws(
    "traceText",
    () => lib.traceText("x" as any),
    lib.TraceError,
    "TRACE",
    /expected the lines/,
  );
  throws(
    "traceText numbers",
    () => lib.traceText([1, 2] as any),
    lib.TraceError,
    "TRACE",
    /expected the lines/,
  );
  throws(
    "formatExamine",
    () => lib.formatExamine({} as any),
    lib.TraceError,
    "TRACE",
    /examineTrace\(\)/,
  );
  const examine = (o: unknown) => () => lib.examineTrace(text, o as any);
  await rejects("options null", examine(null), lib.UsageError, "USAGE", /^Invalid examine options/);
  await rejects("stored 5", examine({ stored: 5 }), lib.UsageError, "USAGE", /"stored"/);
  await rejects("stored [1]", examine({ stored: [1] }), lib.UsageError, "USAGE", /"stored"/);
  await rejects(
    "publicKey hex",
    examine({ publicKey: "ab".repeat(32) }),
    lib.UsageError,
    "USAGE",
    /"publicKey"/,
  );
  await rejects(
    "publicKey short",
    examine({ publicKey: new Uint8Array(3) }),
    lib.UsageError,
    "USAGE",
    /32-byte/,
  );
  assert.equal((await lib.examineTrace(text, { stored: null })).intact, false);
});

Deno.test("authoring: a bad kind, an fqdn that would leave its folder, or a non-artifact is refused before writing", async () => {
  throws(
    "kind",
    () => lib.authorArtifact("workflow" as any, "a::B", {}),
    lib.UsageError,
    "USAGE",
    /^Invalid kind "workflow": expected one of WF, CC/,
  );
  throws(
    "fqdn",
    () => lib.authorArtifact("WF", 5 as any, {}),
    lib.UsageError,
    "WORKFLOW_NAME",
    /^Invalid fqdn "5"/,
  );
  throws(
    "traversal",
    () => lib.authorArtifact("WF", "../../../tmp/x::Y", {}),
    lib.UsageError,
    "WORKFLOW_NAME",
    /^Invalid fqdn/,
  );
  throws(
    "frontmatter",
    () => lib.authorArtifact("WF", "a::B", null as any),
    lib.UsageError,
    "USAGE",
    /^Invalid frontmatter of a::B/,
  );
  throws(
    "bigint",
    () => lib.authorArtifact("WF", "a::B", { n: 1n }),
    lib.UsageError,
    "USAGE",
    /not JSON/,
  );
  throws(
    "options",
    () => lib.authorArtifact("WF", "a::B", {}, null as any),
    lib.UsageError,
    "USAGE",
    /^Invalid options of authorArtifact/,
  );
  throws(
    "layer",
    () => lib.authorArtifact("WF", "a::B", {}, { layer: 5 as any }),
    lib.UsageError,
    "USAGE",
    /options\.layer/,
  );
  const ws = await tempDir("pgs-author-");
  try {
    const good = lib.authorArtifact("WF", "a::WF_B_V0", { artifact_type: "WF" });
    const bad: [unknown, unknown, RegExp][] = [
      [ws, 5, /^Invalid artifacts: expected an array/],
      [5, [good], /^Invalid workspace/],
      [ws, [good, {}], /^Invalid artifacts\[1\]/],
      [ws, [good, { ...good, file: "../../x__y.json" }], /^Invalid artifacts\[1\]/],
      [ws, [good, { ...good, dir: "../.." }], /^Invalid artifacts\[1\]/],
    ];
    for (const [w, a, message] of bad) {
      await rejects(
        String(a),
        () => lib.writeArtifacts(w as any, a as any),
        lib.UsageError,
        "USAGE",
        message,
      );
    }
    assert.deepEqual(await Array.fromAsync(Deno.readDir(ws)), [], "nothing written");
    await lib.writeArtifacts(ws, [good]);
    assert.ok(
      (await Deno.stat(`${ws}/protocol_snapshot/artifacts/workflows/a__WF_B_V0.json`)).isFile,
    );
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
  throws("canonicalJson", () => lib.canonicalJson({ n: 1n }), lib.UsageError, "USAGE", /BigInt/);
  throws(
    "sha256Hex",
    () => lib.sha256Hex(5 as any),
    lib.UsageError,
    "USAGE",
    /string or a Uint8Array/,
  );
});

Deno.test("openStore(): a kvUrl that is not a URL, a non-boolean readOnly, a dangling link as data root", async () => {
  const name = `pgs-misuse-store-${crypto.randomUUID()}`;
  await rejects(
    "openStore kvUrl",
    () => lib.openStore({ kvUrl: name }),
    lib.UsageError,
    "USAGE",
    /^Invalid kvUrl "pgs-misuse-store-[^"]+": expected an http:\/\/ or https:\/\/ KV Connect URL or ":memory:"$/,
  );
  await assert.rejects(Deno.lstat(name), Deno.errors.NotFound);
  await rejects(
    "openStore readOnly",
    () => lib.openStore({ kvUrl: ":memory:", readOnly: "yes" as never }),
    lib.UsageError,
    "USAGE",
    /^Invalid options: "readOnly" must be a boolean when given$/,
  );
  await rejects(
    "openStore nothing",
    () => lib.openStore({}),
    lib.UsageError,
    "USAGE",
    /^Invalid options: one of "dataRoot" or "kvUrl" is required$/,
  );
  await rejects(
    "openStore misspelt",
    () => lib.openStore({ dataroot: "./data" } as never),
    lib.UsageError,
    "USAGE",
    /^Invalid options: unknown option "dataroot" \(expected dataRoot, kvUrl, readOnly\)$/,
  );
  await assert.rejects(Deno.lstat("./data"), Deno.errors.NotFound);
  const dir = await tempDir();
  try {
    await Deno.symlink(`${dir}/missing`, `${dir}/root`);
    await rejects(
      "openStore dangling data root",
      () => lib.openStore({ dataRoot: `${dir}/root` }),
      lib.StorageError,
      "STORAGE",
      /^Cannot use data root ".*\/root": it is a symbolic link to a path that does not exist$/,
    );
    await assert.rejects(Deno.lstat(`${dir}/missing`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runWorkflow()/runBatch(): a misspelt or foreign option is refused by name, before anything runs", async () => {
  await rejects(
    "traceFile",
    () => lib.runWorkflow({ ...BASE, traceFile: false } as never),
    lib.UsageError,
    "USAGE",
    /^Invalid options: unknown option "traceFile" \(expected workspace, workflow, .*, signal, payload, traceId\)$/,
  );
  await rejects(
    "payload in a batch",
    () => lib.runBatch({ ...BATCH, payloads: [ADA], payload: ADA } as never),
    lib.UsageError,
    "USAGE",
    /^Invalid options: unknown option "payload" \(expected .*payloads, traceIdPrefix, onItem, onProgress, onPngProgress, keepItems\)$/,
  );
});

Deno.test("a custom CT's result is adapted as docs/LIBRARY.md says; an async CT faults, naming why", async () => {
  const CT = "capability_transforms::CT_PURE_GENERATE_ID_V0"; // declares one output, `id`
  const run = (ct: lib.TransformFn) =>
    lib.runWorkflow({ ...BASE, capabilities: { transforms: { [CT]: ct } }, seed: "01" });
  const memberId = async (ct: lib.TransformFn) => {
    const r = await run(ct);
    const step = r.records.find((x) => x.type === "step" && x.step === "derive_member_id");
    return step?.type === "step" ? (step.outputs as { member_id: unknown }).member_id : undefined;
  };
  assert.equal(await memberId(() => ({ id: "M_1", other: 2 })), "M_1", "the field named `id`");
  assert.equal(await memberId(() => ({ whatever: "M_2" })), "M_2", "a one-field object's value");
  assert.deepEqual(await memberId(() => ({ a: "M_3", b: 4 })), { a: "M_3", b: 4 }, "whole");
  assert.equal(await memberId(() => "M_4" as any), "M_4", "a string, whole");
  for (
    const [ct, why] of [
      [(() => Promise.resolve({ id: "M_5" })) as any, "$.id is a Promise"],
      [() => ({ id: new Date(0) }), "$.id is a Date"],
      [() => ({ id: [undefined] }), "$.id[0] is undefined"],
    ] as const
  ) {
    const r = await run(ct);
    assert.equal(r.classification, "FAULTED", why);
    const fault = r.records.find((x) => x.type === "fault");
    assert.equal(
      fault?.type === "fault" ? fault.error : undefined,
      `TypeError: ${CT} returned a result that is not plain JSON: ${why}`,
    );
  }
  const none = await run(() => null as any);
  const step = none.records.find((x) => x.type === "step" && x.step === "derive_member_id");
  assert.equal(step?.type === "step" ? step.status : undefined, "VIOLATION", "null is declared");
});
