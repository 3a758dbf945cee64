// A caller's AbortSignal: a run it aborts stops and commits nothing.
import assert from "node:assert/strict";
import { ErrorCode, openStore, PgsError, runBatch, runWorkflow } from "../../mod.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const JOURNAL = "capability_side_effects::CS_APPENDONLY_JSONL_V0";
const member = (name: string) => ({ member: { name, email: `${name.toLowerCase()}@example.org` } });

/** A journal CS that never settles from its `stuck`-th call on (a hung backend). */
function journal(stuck: number) {
  let calls = 0;
  return {
    sideEffects: {
      [JOURNAL]: {
        storeFormat: "jsonl" as const,
        run: () =>
          ++calls >= stuck
            ? new Promise<never>(() => {})
            : Promise.resolve({ status: "SUCCESS", result: {} }),
      },
    },
  };
}

const aborted = (e: unknown) =>
  e instanceof PgsError && e.code === ErrorCode.ABORTED &&
  /^Run aborted by its signal \(.*\): nothing of it was applied$/.test(e.message);

Deno.test("runWorkflow(): a signal that aborts a hung run rejects ABORTED and commits nothing", async () => {
  const { workspace, dataRoot } = await tempWorkspace();
  const hung = runWorkflow({
    workspace,
    workflow: WF,
    payload: member("Ada"),
    dataRoot,
    traceId: "T_hung",
    capabilities: journal(1),
    signal: AbortSignal.timeout(200),
  });
  await assert.rejects(hung, aborted);
  await using store = await openStore({ dataRoot });
  assert.deepEqual(await store.listTraces(), []);
  // The claimed trace folder is released: the id can be used again.
  await assert.rejects(Deno.stat(`${workspace}/traces/T_hung`), Deno.errors.NotFound);
  const again = await runWorkflow({
    workspace,
    workflow: WF,
    payload: member("Ada"),
    store,
    traceId: "T_hung",
    png: false,
  });
  assert.equal(again.classification, "COMPLETED");
});

Deno.test("runWorkflow(): an already aborted signal refuses the run; a bad one is a usage error", async () => {
  const { workspace } = await tempWorkspace();
  const base = {
    workspace,
    workflow: WF,
    payload: member("Ada"),
    kvUrl: ":memory:",
    traceFiles: false,
  };
  await assert.rejects(
    runWorkflow({ ...base, signal: AbortSignal.abort("no time") }),
    (e) => aborted(e) && /\(no time\)/.test((e as Error).message),
  );
  await assert.rejects(
    runWorkflow({ ...base, signal: {} as AbortSignal }),
    /^UsageError: Invalid options: "signal" must be an AbortSignal when given$/,
  );
});

Deno.test("runBatch(): runs finished before the abort commit; the others fail their items ABORTED", async () => {
  const { workspace } = await tempWorkspace();
  await using store = await openStore({ kvUrl: ":memory:" });
  const r = await runBatch({
    workspace,
    workflow: WF,
    payloads: [member("Ada"), member("Bob"), member("Cy")],
    store,
    traceFiles: false,
    traceIdPrefix: "B",
    capabilities: journal(2),
    signal: AbortSignal.timeout(200),
  });
  assert.deepEqual(r.items.map((i) => i.ok), [true, false, false]);
  for (const item of r.items.slice(1)) assert.ok(!item.ok && aborted(item.error));
  assert.deepEqual(await store.listTraces(), ["B-000001"]);
});

Deno.test("a CS gets the run's signal: the abort reaches the I/O it is waiting on", async () => {
  const { workspace } = await tempWorkspace();
  const controller = new AbortController();
  let seen: unknown = null;
  const run = runWorkflow({
    workspace,
    workflow: WF,
    payload: member("Ada"),
    kvUrl: ":memory:",
    traceFiles: false,
    signal: controller.signal,
    capabilities: {
      sideEffects: {
        [JOURNAL]: {
          storeFormat: "jsonl",
          // A backend call that only ends when it is told to.
          run: (call) =>
            new Promise((_, reject) => {
              call.signal!.addEventListener("abort", () => {
                seen = call.signal!.reason;
                reject(call.signal!.reason);
              });
              queueMicrotask(() => controller.abort("deadline"));
            }),
        },
      },
    },
  });
  await assert.rejects(run, (e) => aborted(e) && /\(deadline\)/.test((e as Error).message));
  assert.equal(seen, "deadline");
});

Deno.test("an abort stops the child runs too: none of their capabilities is called afterwards", async () => {
  const { workspace } = await tempWorkspace();
  const calls: string[] = [];
  let journals = 0;
  const run = runWorkflow({
    workspace,
    workflow: WF,
    payload: member("Ada"),
    kvUrl: ":memory:",
    traceFiles: false,
    signal: AbortSignal.timeout(100),
    capabilities: {
      sideEffects: {
        // The root's journal step starts a child run of the same workflow.
        [JOURNAL]: {
          storeFormat: "jsonl",
          run: async (call) => {
            if (journals++ === 0) {
              calls.push("root journal");
              await call.runChild(WF, member("Kid"), "kid").catch(() => undefined);
              calls.push("root journal after child");
            } else calls.push("kid journal");
            return { status: "SUCCESS", result: {} };
          },
        },
        // A slow registry: the abort comes while the kid waits on it.
        "capability_side_effects::CS_REGISTRY_V0": {
          storeFormat: "json",
          run: async (call) => {
            calls.push(`registry ${JSON.stringify(call.inputs).includes("Kid") ? "kid" : "root"}`);
            if (journals > 0) await new Promise((r) => setTimeout(r, 250));
            return { status: "SUCCESS", result: {} };
          },
        },
      },
    },
  });
  await assert.rejects(run, aborted);
  await new Promise((r) => setTimeout(r, 400)); // the kid's registry call has long settled
  assert.deepEqual(
    calls,
    ["registry root", "root journal", "registry root"].slice(0, 2).concat(
      calls.slice(2),
    ),
  );
  assert.ok(!calls.includes("kid journal"), calls.join(", "));
});

Deno.test("an aborted signal given at the start creates no data root", async () => {
  const { dir, workspace } = await tempWorkspace();
  const dataRoot = `${dir}/new-root`;
  await assert.rejects(
    runWorkflow({
      workspace,
      workflow: WF,
      payload: member("Ada"),
      dataRoot,
      signal: AbortSignal.abort(),
    }),
    aborted,
  );
  await assert.rejects(Deno.stat(dataRoot), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(`${workspace}/traces`), Deno.errors.NotFound);
});
