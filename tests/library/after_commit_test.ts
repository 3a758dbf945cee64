// deno-lint-ignore-file no-explicit-any -- a store wrapped to fail after the commit
/**
 * A committed run is never reported as refused: what fails after the commit (marking the
 * trace files written, rendering the summary, flushing views) is a warning on a resolved
 * result, and the run's trace is in the store.
 */
import assert from "node:assert/strict";
import { openStore, runBatch, runWorkflow, type StateStore } from "../../mod.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const ADA = { member: { name: "Ada", email: "ada@example.org" } };

/** `store` with `traceFilesWritten` failing (a KV write refused after the run's commit). */
function failingBookkeeping(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === "traceFilesWritten") return () => Promise.reject(new Error("disk full"));
      const v = (target as any)[key];
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

Deno.test("runWorkflow(): a failure after the commit is a warning; the run resolves COMPLETED", async () => {
  const t = await tempWorkspace();
  const store = await openStore({ dataRoot: t.dataRoot });
  try {
    const r = await runWorkflow({
      workspace: t.workspace,
      workflow: WF,
      payload: ADA,
      store: failingBookkeeping(store),
      traceId: "T_after",
      png: false,
    });
    assert.equal(r.classification, "COMPLETED");
    assert.ok(
      r.warnings.some((w) => /^AFTER_COMMIT_FAILED: disk full \(the run is committed/.test(w)),
      JSON.stringify(r.warnings),
    );
    assert.deepEqual(await store.readTrace("T_after"), r.lines);
    assert.ok((await Deno.stat(`${t.workspace}/traces/T_after/T_after.jsonl`)).isFile);
  } finally {
    await store.close();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("runWorkflow(): a summary that cannot be rendered leaves its files pending, not the run refused", async () => {
  const t = await tempWorkspace();
  try {
    const r = await runWorkflow({
      workspace: t.workspace,
      workflow: WF,
      payload: ADA,
      dataRoot: t.dataRoot,
      traceId: "T_md",
      png: false,
      traceCommands: () => {
        throw new Error("no commands today");
      },
    });
    assert.equal(r.classification, "COMPLETED");
    assert.equal(r.files?.pending, true);
    assert.ok(
      r.warnings.some((w) =>
        w.startsWith("TRACE_FILES_PENDING") && w.includes("no commands today")
      ),
      JSON.stringify(r.warnings),
    );
    assert.ok((await Deno.stat(`${t.workspace}/traces/T_md/T_md.jsonl`)).isFile);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("runBatch(): a failure after a group commit is a warning; every run is reported", async () => {
  const t = await tempWorkspace();
  const store = await openStore({ dataRoot: t.dataRoot });
  try {
    const r = await runBatch({
      workspace: t.workspace,
      workflow: WF,
      payloads: [ADA, { member: { name: "Bo", email: "bo@example.org" } }],
      store: failingBookkeeping(store),
      traceIdPrefix: "B_after",
      png: false,
    });
    assert.deepEqual(r.classifications, { COMPLETED: 2 });
    assert.ok(r.warnings.some((w) => w.startsWith("AFTER_COMMIT_FAILED: disk full")));
    assert.ok(await store.readTrace("B_after-000002"));
  } finally {
    await store.close();
    await Deno.remove(t.dir, { recursive: true });
  }
});
