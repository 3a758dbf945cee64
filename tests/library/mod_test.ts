/** The library API (`mod.ts`): its surface, runWorkflow and the building blocks it wraps. */
import assert from "node:assert/strict";
import * as lib from "../../mod.ts";
import {
  CompileError,
  compileWorkflow,
  createCapabilityRegistry,
  ErrorCode,
  examineTrace,
  loadSnapshot,
  openStore,
  replayTrace,
  runBatch,
  runWorkflow,
  SnapshotError,
  traceText,
  UsageError,
  verifyTrace,
  workflowMachine,
} from "../../mod.ts";
import { createActor, toPromise } from "xstate";
import { seedSigningKey } from "../_support/signing.ts";
import { editArtifact, EXAMPLE_WORKSPACE, tempWorkspace } from "../_support/workspace.ts";
import { tempDir } from "../_support/tmp.ts";
import { snapshotDir } from "../_support/cli.ts";
import type { Store } from "../../storage/store.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const ADA = { member: { name: "Ada", email: "ada@example.org" } };
const FIXED = { seed: "0a0b", startedAt: "2026-01-01T00:00:00.000Z" };

Deno.test("mod.ts exports exactly the documented runtime values", () => {
  assert.deepEqual(Object.keys(lib).sort(), [
    "ArtifactKind",
    "CompileError",
    "CtViolation",
    "DEFAULT_BUDGET",
    "DiagnosisClass",
    "ErrorCode",
    "PgsError",
    "RunClassification",
    "SnapshotError",
    "StorageError",
    "TraceError",
    "UsageError",
    "authorArtifact",
    "canonicalJson",
    "compileWorkflow",
    "createCapabilityRegistry",
    "createWorkflowInput",
    "examineTrace",
    "formatExamine",
    "loadSnapshot",
    "openStore",
    "replayTrace",
    "runBatch",
    "runWorkflow",
    "sha256Hex",
    "traceText",
    "verifyTrace",
    "workflowMachine",
    "writeArtifacts",
  ]);
});

Deno.test("runWorkflow() runs twice on one data root: SUCCESS then ALREADY_EXISTS, files, views", async () => {
  const { workspace, dataRoot } = await tempWorkspace();
  const r1 = await runWorkflow({
    workspace,
    workflow: WF,
    payload: ADA,
    dataRoot,
    ...FIXED,
    traceId: "T_lib_1",
  });
  const r2 = await runWorkflow({
    workspace,
    workflow: WF,
    payload: ADA,
    dataRoot,
    ...FIXED,
    traceId: "T_lib_2",
  });
  for (const r of [r1, r2]) {
    assert.equal(r.classification, "COMPLETED");
    assert.equal(r.exitNode, "EXIT_DONE");
    assert.equal(r.workflow, WF);
    assert.match(r.snapshotDigest, /^[0-9a-f]{64}$/);
    const base = `${workspace}/traces/${r.traceId}/${r.traceId}`;
    assert.deepEqual(r.files, {
      jsonl: `${base}.jsonl`,
      md: `${base}.md`,
      png: `${base}.png`,
      warnings: [],
      pending: false,
    });
    assert.equal(await Deno.readTextFile(`${base}.jsonl`), traceText(r.lines));
    assert.deepEqual(verifyTrace(await Deno.readTextFile(`${base}.jsonl`)).problems, []);
    assert.ok((await Deno.stat(`${base}.png`)).size > 1000);
  }
  const register = (r: typeof r1) =>
    r.records.find((x) => x.type === "step" && x.step === "register_member") as { status: string };
  assert.equal(register(r1).status, "SUCCESS");
  assert.equal(register(r2).status, "ALREADY_EXISTS");
  const journal = (await Deno.readTextFile(`${dataRoot}/club/events/member_events.jsonl`))
    .trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    journal.map((e) => [e.sequence_number, e.record.event_code]),
    [[1, "EV_MEMBER_JOINED_V0"], [2, "EV_MEMBER_SEEN_AGAIN_V0"]],
  );

  const report = await examineTrace(traceText(r2.lines));
  assert.equal(report.intact, true);
  assert.deepEqual(report.path.map((p) => p.node), [
    "IN_MEMBER_APPLIED_V0",
    "CC_DERIVE_MEMBER_ID_V0",
    "CC_REGISTER_MEMBER_V0",
    "JOURNAL_SEEN_AGAIN",
    "EXIT_DONE",
  ]);
  const replay = await replayTrace(
    traceText(r2.lines),
    await loadSnapshot(workspace),
    createCapabilityRegistry(),
  );
  // Every line of the body is compared; the seal (the last line) is examine's to check.
  assert.deepEqual(replay, { identical: true, records: r2.lines.length - 1, divergence: null });
});

Deno.test("runWorkflow() is deterministic: same seed, clock, id and prior state give the same body", async () => {
  const bodies: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { workspace, dataRoot } = await tempWorkspace();
    // The signing key is prior state: the header names it.
    await seedSigningKey(dataRoot);
    const r = await runWorkflow({
      workspace,
      workflow: WF,
      payload: ADA,
      dataRoot,
      ...FIXED,
      traceId: "T_same",
    });
    bodies.push(await Deno.readTextFile(r.files!.jsonl));
  }
  assert.equal(bodies[0], bodies[1]);
});

Deno.test("runWorkflow() with a caller's store leaves it open; traceFiles: false writes no files", async () => {
  const { workspace } = await tempWorkspace();
  const store = await openStore({ kvUrl: ":memory:" });
  try {
    const r = await runWorkflow({
      workspace,
      workflow: WF,
      payload: ADA,
      store,
      traceFiles: false,
      traceId: "T_m1",
    });
    assert.equal(r.files, null);
    assert.deepEqual(await store.readTrace("T_m1"), r.lines);
    const again = await runWorkflow({
      workspace,
      workflow: WF,
      payload: ADA,
      store,
      traceFiles: false,
    });
    assert.equal(again.classification, "COMPLETED");
    assert.equal(
      (again.records.find((x) => x.type === "step" && x.step === "register_member") as {
        status: string;
      }).status,
      "ALREADY_EXISTS",
    );
    await assert.rejects(Deno.stat(`${workspace}/traces`), Deno.errors.NotFound);
  } finally {
    await store.close();
  }
});

Deno.test("runWorkflow() reports outcomes as results: a NACK is REJECTED, not thrown", async () => {
  const { workspace } = await tempWorkspace();
  const r = await runWorkflow({
    workspace,
    workflow: WF,
    payload: { member: { name: "Ada", email: "nope" } },
    kvUrl: ":memory:",
    traceFiles: false,
  });
  assert.equal(r.classification, "REJECTED");
  assert.equal(r.status, "NACK");
  assert.equal(r.exitNode, "EXIT_REJECTED");
});

Deno.test("runWorkflow() refuses bad options with a UsageError naming the field", async () => {
  const { workspace, dataRoot } = await tempWorkspace();
  const store = await openStore({ kvUrl: ":memory:" });
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [
      { dataRoot: undefined },
      ErrorCode.USAGE,
      /^Invalid options: one of "dataRoot", "kvUrl" or "store" is required$/,
    ],
    [{ store }, ErrorCode.USAGE, /^Invalid options: "store" excludes "dataRoot" and "kvUrl"$/],
    [
      { dataRoot: undefined, store: {} },
      ErrorCode.USAGE,
      /^Invalid options: "store" must be an open store \(from openStore\)$/,
    ],
    [
      { kvUrl: ":memory:" }, // with the base options' dataRoot
      ErrorCode.USAGE,
      /":memory:" cannot be combined/,
    ],
    [
      { dataRoot: "" },
      ErrorCode.USAGE,
      /^Invalid options: "dataRoot" must be a non-empty string when given$/,
    ],
    [
      { workspace: "" },
      ErrorCode.USAGE,
      /^Invalid options: "workspace" must be a non-empty string$/,
    ],
    [{ payload: [] }, ErrorCode.PAYLOAD, /^Invalid payload: expected a JSON object$/],
    [{ workflow: "club/WF" }, ErrorCode.WORKFLOW_NAME, /^Invalid workflow "club\/WF"/],
    [
      { workflow: "club::WF_NOPE_V0" },
      ErrorCode.WORKFLOW_NAME,
      /^Unknown workflow "club::WF_NOPE_V0"/,
    ],
    [{ traceId: "a b" }, ErrorCode.TRACE_ID, /^Invalid traceId "a b"/],
    [{ budget: 0 }, ErrorCode.USAGE, /budget/],
  ];
  try {
    for (const [patch, code, message] of cases) {
      const options = {
        workspace,
        workflow: WF,
        payload: ADA,
        dataRoot,
        traceFiles: false,
        ...patch,
      };
      await assert.rejects(runWorkflow(options as lib.RunWorkflowOptions), (e) => {
        assert.ok(e instanceof UsageError, `${JSON.stringify(patch)}: ${e}`);
        assert.equal(e.code, code, JSON.stringify(patch));
        assert.match(e.message, message);
        return true;
      });
    }
  } finally {
    await store.close();
  }
});

Deno.test("runWorkflow() refuses a tampered artifact before running (SnapshotError HASH_MISMATCH)", async () => {
  const { workspace, dataRoot } = await tempWorkspace();
  await editArtifact(workspace, "workflows/club__WF_REGISTER_MEMBER_V0.json", (a) => {
    a.content += " ";
  });
  await assert.rejects(runWorkflow({ workspace, workflow: WF, payload: ADA, dataRoot }), (e) => {
    assert.ok(e instanceof SnapshotError);
    assert.equal(e.code, ErrorCode.HASH_MISMATCH);
    assert.equal(e.file, "protocol_snapshot/artifacts/workflows/club__WF_REGISTER_MEMBER_V0.json");
    return true;
  });
  await assert.rejects(Deno.stat(`${dataRoot}/.pgs`), Deno.errors.NotFound);
});

Deno.test("compileWorkflow() lists a CT atom with no bound implementation (CompileError)", async () => {
  const { workspace } = await tempWorkspace();
  const registry = createCapabilityRegistry();
  const without = { ...registry.compileOptions, transforms: new Set<string>() };
  await assert.rejects(compileWorkflow(await loadSnapshot(workspace), WF, without), (e) => {
    assert.ok(e instanceof CompileError);
    assert.deepEqual(e.problems, [{
      file:
        "protocol_snapshot/artifacts/capability_transforms/capability_transforms__CT_PURE_GENERATE_ID_V0.json",
      jsonPath: "$.ct_ir.atom_stream[0].atom",
      message:
        `CT atom "capability_transforms::CT_PURE_GENERATE_ID_V0" has no bound implementation`,
    }]);
    return true;
  });
});

Deno.test("workflowMachine() is the cached XState machine of the root or a reachable graph", async () => {
  const { workspace } = await tempWorkspace();
  const compiled = await compileWorkflow(
    await loadSnapshot(workspace),
    WF,
    createCapabilityRegistry().compileOptions,
  );
  const machine = await workflowMachine(compiled);
  assert.equal(machine, await workflowMachine(compiled, { workflow: WF }));
  assert.equal(machine.id, WF);
  assert.equal(machine.config.initial, "IN_MEMBER_APPLIED_V0");
  assert.deepEqual(Object.keys(machine.config.states ?? {}), [
    ...Object.keys(compiled.root.nodes),
    "__no_transition",
    "__halted",
  ]);
  const register = machine.config.states!.CC_REGISTER_MEMBER_V0 as {
    onDone: Array<{ guard?: { params: { is: string } }; target: string }>;
  };
  assert.equal(
    register.onDone.find((t) => t.guard?.params.is === "ALREADY_EXISTS")?.target,
    "JOURNAL_SEEN_AGAIN",
  );
  await assert.rejects(workflowMachine(compiled, { workflow: "club::WF_OTHER_V0" }), (e) => {
    assert.ok(e instanceof UsageError);
    assert.equal(e.code, ErrorCode.WORKFLOW_NAME);
    assert.equal(e.message, `Unknown workflow "club::WF_OTHER_V0": expected one of ${WF}`);
    return true;
  });
});

Deno.test("workflowMachine() + createWorkflowInput() run under XState's own createActor", async () => {
  const compiled = await compileWorkflow(
    await loadSnapshot(EXAMPLE_WORKSPACE),
    WF,
    createCapabilityRegistry().compileOptions,
  );
  const machine = await workflowMachine(compiled);
  // The IN node refuses the payload before any CS step needs state.
  const input = lib.createWorkflowInput(compiled, { member: { name: "Ada", email: "nope" } }, {
    seed: FIXED.seed,
    startedAt: FIXED.startedAt,
  });
  const outcome = await toPromise(createActor(machine, { input }).start()) as lib.GraphOutcome;
  assert.equal(outcome.classification, "REJECTED");
  assert.equal(outcome.exitNode, "EXIT_REJECTED");
  assert.equal(outcome.status, "NACK");
  // A CS step without a state transaction faults, pointing at what the library exports.
  const accepted = lib.createWorkflowInput(compiled, ADA, FIXED);
  const fault = await toPromise(
    createActor(machine, { input: accepted }).start(),
  ) as lib.GraphOutcome;
  assert.equal(fault.classification, "FAULTED");
  assert.equal(
    (fault.error as Error).message,
    "TypeError: capability_side_effects::CS_REGISTRY_V0 needs a state transaction: run the " +
      "workflow with runWorkflow(), give createWorkflowInput() a state transaction, or provide " +
      "an actor for it",
  );
  const named = [...(fault.error as Error).message.matchAll(/(\w+)\(\)/g)].map((m) => m[1]);
  assert.deepEqual(named.filter((f) => !(f in lib)), [], "every function named is exported");
});

Deno.test("openStore(): await using closes it; its public key verifies the seals of its runs", async () => {
  const { workspace, dataRoot } = await tempWorkspace();
  let text = "";
  let key: Uint8Array | null = null;
  {
    await using store = await openStore({ dataRoot });
    assert.equal(await store.publicKey(), null, "no key before the first sealed run");
    const r = await runWorkflow({ workspace, workflow: WF, payload: ADA, store, traceId: "T_u" });
    assert.deepEqual(await store.listTraces(), ["T_u"]);
    key = await store.publicKey();
    text = traceText(r.lines);
  }
  assert.equal(key?.length, 32);
  // Disposed: the database is released, so a read-only open of the same root works.
  await using again = await openStore({ dataRoot, readOnly: true });
  assert.deepEqual(await again.readTrace("T_u"), text.trimEnd().split("\n"));
  const report = await examineTrace(text, {
    publicKey: key!,
    stored: await again.readTrace("T_u"),
  });
  assert.equal(report.intact, true);
  assert.equal(report.signature, "verified");
  const other = new Uint8Array(32).fill(7);
  assert.notEqual((await examineTrace(text, { publicKey: other })).signature, "verified");
});

Deno.test("runBatch(): one result per payload in order, a bad payload fails only its item", async () => {
  const { workspace } = await tempWorkspace();
  const seen: number[] = [];
  const r = await runBatch({
    workspace,
    workflow: WF,
    payloads: [ADA, [] as never, { member: { name: "Bo", email: "nope" } }],
    kvUrl: ":memory:",
    traceFiles: false,
    traceIdPrefix: "B",
    ...FIXED,
    onItem: (item) => void seen.push(item.index),
  });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(r.items.map((i) => i.ok ? i.result.classification : "ERROR"), [
    "COMPLETED",
    "ERROR",
    "REJECTED",
  ]);
  assert.deepEqual(r.classifications, { COMPLETED: 1, ERROR: 1, REJECTED: 1 });
  const bad = r.items[1];
  assert.ok(!bad.ok && bad.error instanceof UsageError && bad.error.code === ErrorCode.PAYLOAD);
  assert.equal(r.traceIdPrefix, "B");
});

Deno.test("without --unstable-kv, opening a store names the flag", async () => {
  const dir = await tempDir("pgs-nokv-");
  try {
    const config = JSON.parse(
      await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
    );
    delete config.unstable;
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports: config.imports }));
    const mod = new URL("../../mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { openStore } from "${mod}";\n` +
        `await openStore({ kvUrl: ":memory:" }).catch((e) => console.log(e.name, e.message));\n`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", `${dir}/deno.json`, "--allow-read", `${dir}/main.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(
      new TextDecoder().decode(out.stdout).trim(),
      "StorageError Cannot open store: Deno KV is not enabled; run Deno with --unstable-kv " +
        `(or add "unstable": ["kv"] to deno.json)`,
      new TextDecoder().decode(out.stderr),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compileWorkflow()/replayTrace() refuse wrong arguments with a UsageError, not a TypeError", async () => {
  const snapshot = await loadSnapshot(EXAMPLE_WORKSPACE);
  const registry = createCapabilityRegistry();
  const refusals: Array<() => Promise<unknown>> = [
    () => compileWorkflow(null as never, WF, registry.compileOptions),
    () => compileWorkflow(snapshot, WF, undefined as never),
    () => replayTrace(5 as never, snapshot, registry),
    () => replayTrace("", null as never, registry),
    () => replayTrace("", snapshot, null as never),
  ];
  for (const call of refusals) await assert.rejects(call(), UsageError);
});

Deno.test("a store opened readOnly refuses runs before anything runs, and writes nothing", async () => {
  const { workspace, dataRoot } = await tempWorkspace();
  await runWorkflow({ workspace, workflow: WF, payload: ADA, dataRoot, traceId: "T_first" });
  const db = `${dataRoot}/.pgs/state.kv`;
  const before = {
    db: await Deno.readFile(db),
    data: await snapshotDir(dataRoot),
    ws: await snapshotDir(workspace),
  };
  {
    await using ro = await openStore({ dataRoot, readOnly: true });
    assert.equal(ro.readOnly, true);
    const refused = (e: unknown) =>
      e instanceof UsageError && e.code === ErrorCode.USAGE &&
      /"store" was opened with readOnly: true/.test(e.message);
    const eve = { member: { name: "Eve", email: "eve@example.org" } };
    await assert.rejects(
      runWorkflow({ workspace, workflow: WF, payload: eve, store: ro, traceId: "T_ro" }),
      refused,
    );
    await assert.rejects(
      runBatch({ workspace, workflow: WF, payloads: [eve], store: ro }),
      refused,
    );
    // The store itself refuses a commit too (a caller going around runWorkflow).
    await assert.rejects(
      (ro as unknown as Store).transact(() => Promise.resolve({ value: 1, trace: null })),
      (e) => e instanceof lib.StorageError && /readOnly/.test(e.message),
    );
    assert.deepEqual(await ro.listTraces(), ["T_first"]);
  }
  assert.deepEqual(await Deno.readFile(db), before.db, "the database is byte-identical");
  assert.deepEqual(await snapshotDir(dataRoot), before.data);
  assert.deepEqual(await snapshotDir(workspace), before.ws);
});

Deno.test("a caller's signer that fails, returns no signature or signs with another key: the run is not applied", async () => {
  const { workspace } = await tempWorkspace();
  const pair = async () =>
    await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as CryptoKeyPair;
  const mine = await pair();
  const other = await pair();
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", mine.publicKey));
  const keyId = lib.sha256Hex(publicKey).slice(0, 16);
  const signWith = (k: CryptoKey) => async (m: Uint8Array) =>
    new Uint8Array(await crypto.subtle.sign("Ed25519", k, m as BufferSource));
  const good = { keyId, publicKey, sign: signWith(mine.privateKey) };
  await using store = await openStore({ kvUrl: ":memory:" });
  const run = (signer: lib.TraceSigner, traceId: string) =>
    runWorkflow({
      workspace,
      workflow: WF,
      payload: ADA,
      store,
      signer,
      traceId,
      traceFiles: false,
    });
  const notApplied = (why: RegExp) => (e: unknown) =>
    e instanceof lib.StorageError && e.code === ErrorCode.COMMIT &&
    /^Cannot commit the run, nothing of it was applied: Cannot seal the trace: /.test(e.message) &&
    why.test(e.message);
  await assert.rejects(
    run({ ...good, sign: () => Promise.resolve(new Uint8Array(3)) }, "T_short"),
    notApplied(/returned 3 bytes, expected a 64-byte Ed25519 signature/),
  );
  await assert.rejects(
    run({ ...good, sign: () => Promise.reject(new Error("HSM offline")) }, "T_down"),
    notApplied(/HSM offline/),
  );
  await assert.rejects(
    run({ ...good, sign: signWith(other.privateKey) }, "T_other"),
    notApplied(/does not verify with its public key/),
  );
  await assert.rejects(
    run({ ...good, keyId: "0123456789abcdef" }, "T_id"),
    (e) =>
      e instanceof UsageError && /"signer" key id 0123456789abcdef is not the id/.test(e.message),
  );
  assert.deepEqual(await store.listTraces(), [], "nothing committed");
  // In a batch, each run of the refused group fails its item the same way.
  const batch = await runBatch({
    workspace,
    workflow: WF,
    payloads: [ADA],
    store,
    traceFiles: false,
    signer: { ...good, sign: () => Promise.reject(new Error("HSM offline")) },
  });
  assert.equal(batch.items.length, 1);
  assert.ok(!batch.items[0].ok && notApplied(/HSM offline/)(batch.items[0].error));
  assert.deepEqual(await store.listTraces(), [], "nothing committed");
  const ok = await run(good, "T_good");
  const report = await examineTrace(traceText(ok.lines), { publicKey });
  assert.equal(report.signature, "verified");
});

Deno.test("runBatch(): each picture drawn after the runs is reported with its trace id and path", async () => {
  const { workspace } = await tempWorkspace();
  const pictures: { done: number; total: number; traceId: string; png: string | null }[] = [];
  const r = await runBatch({
    workspace,
    workflow: WF,
    payloads: [ADA, { member: { name: "Bo", email: "bo@example.org" } }],
    kvUrl: ":memory:",
    traceIdPrefix: "P",
    onPngProgress: (done, total, p) => pictures.push({ done, total, ...p }),
  });
  const ids = r.items.map((i) => (i.ok ? i.result.traceId : ""));
  assert.deepEqual(ids, ["P-000001", "P-000002"]);
  // In the items the picture is still to come.
  assert.deepEqual(r.items.map((i) => (i.ok ? i.files?.png : undefined)), [null, null]);
  assert.deepEqual(
    pictures,
    ids.map((id, k) => ({
      done: k + 1,
      total: 2,
      traceId: id,
      png: `${workspace}/traces/${id}/${id}.png`,
    })),
  );
  for (const p of pictures) assert.ok((await Deno.stat(p.png!)).size > 0);
});
