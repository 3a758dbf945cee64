// A capability the application provides: what its state handle allows, and when.
import assert from "node:assert/strict";
import {
  createCapabilityRegistry,
  loadSnapshot,
  openStore,
  replayTrace,
  runWorkflow,
  type SideEffectCall,
  type StateStore,
  type StateTxn,
  type StoreRef,
  traceText,
} from "../../mod.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const ADA = { member: { name: "Ada", email: "ada@example.org" } };
const JOURNAL = "capability_side_effects::CS_APPENDONLY_JSONL_V0";

/** The club registration with the journal's CS replaced by `run`, on a fresh workspace. */
async function withJournal(
  run: (call: SideEffectCall) => Promise<{ status: string; result: Record<string, never> }>,
  target: { store: StateStore } | { dataRoot: string },
  workspace?: string,
) {
  return await runWorkflow({
    workspace: workspace ?? (await tempWorkspace()).workspace,
    workflow: WF,
    payload: ADA,
    traceFiles: false,
    capabilities: { sideEffects: { [JOURNAL]: { storeFormat: "jsonl", run } } },
    ...target,
  });
}

Deno.test("a custom CS's state handle refuses use after its step ended; nothing late is committed", async () => {
  let kept: { state: StateTxn; store: StoreRef } | null = null;
  await using store = await openStore({ kvUrl: ":memory:" });
  const r = await withJournal((call) => {
    kept = { state: call.state, store: call.store! };
    return Promise.resolve({ status: "SUCCESS", result: {} });
  }, { store });
  assert.equal(r.classification, "COMPLETED");
  const { state, store: journal } = kept!;
  assert.throws(
    () => state.set(journal, "late", 1),
    /^Error: capability_side_effects::CS_APPENDONLY_JSONL_V0 used the state after its step append_member_event ended: /,
  );
  await assert.rejects(state.get(journal, "late"), /used the state after/);
  // Only the registry's write: the journal's custom CS wrote nothing while it ran.
  const effects = r.records.filter((x) => x.type === "effect") as unknown as { step: string }[];
  assert.deepEqual([...new Set(effects.map((e) => e.step))], ["register_member"]);
});

Deno.test("a custom CS writing a store its step does not declare faults the run: nothing is applied", async () => {
  const { workspace, dataRoot } = await tempWorkspace();
  const r = await withJournal(
    (call) => {
      call.state.set({ path: "evil/other.json", format: "json" }, "k", 1);
      return Promise.resolve({ status: "SUCCESS", result: {} });
    },
    { dataRoot },
    workspace,
  );
  assert.equal(r.classification, "FAULTED");
  const fault = r.records.find((x) => x.type === "fault") as unknown as { error: string };
  assert.match(
    fault.error,
    /^Error: capability_side_effects::CS_APPENDONLY_JSONL_V0 wrote store "evil\/other\.json", but step append_member_event declares only "club\/events\/member_events\.jsonl"/,
  );
  await assert.rejects(Deno.stat(`${dataRoot}/evil`), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(`${dataRoot}/club/members.json`), Deno.errors.NotFound);
});

Deno.test("a custom CS that starts a child run records only its own writes; the child records its own", async () => {
  await using store = await openStore({ kvUrl: ":memory:" });
  let calls = 0;
  const r = await withJournal(async (call) => {
    // The root's journal step starts the kid's run; the kid's own journal step appends.
    if (calls++ > 0) {
      await call.state.append(call.store!, (seq) => ({ seq, kid: true }));
      return { status: "SUCCESS", result: {} };
    }
    const kid = await call.runChild(WF, {
      member: { name: "Kid", email: "kid@example.org" },
    }, "kid");
    await call.state.append(call.store!, (seq) => ({ seq, child: kid.status }));
    return { status: "SUCCESS", result: {} };
  }, { store });
  assert.equal(r.classification, "COMPLETED");
  const effects = r.records.filter((x) => x.type === "effect") as unknown as {
    run: string;
    step: string;
    mutation: string;
    store: string;
  }[];
  const journal = effects.filter((e) => e.store === "club/events/member_events.jsonl");
  // The kid's append (sequence 1) is the child's; the parent's own append (2) is the parent's.
  assert.deepEqual(
    journal.map((e) => [e.run === "root" ? "root" : "child", e.mutation]),
    [["child", "append"], ["root", "append"]],
  );
  const keys = effects.map((e) => `${e.run}:${(e as unknown as { key: string }).key}`);
  assert.equal(new Set(keys).size, keys.length, `no effect recorded twice: ${keys.join(" ")}`);
});

Deno.test("a child run a custom CS does not await still ends within its step; one started later is refused", async () => {
  const { workspace } = await tempWorkspace();
  let calls = 0;
  let runChild: SideEffectCall["runChild"] | null = null;
  const custom = {
    sideEffects: {
      [JOURNAL]: {
        storeFormat: "jsonl" as const,
        run: (call: SideEffectCall) => {
          if (calls++ === 0) {
            // Started, not awaited: the step still ends only when the kid's run has.
            void call.runChild(WF, { member: { name: "Kid", email: "kid@example.org" } }, "kid");
            runChild = call.runChild;
          }
          return Promise.resolve({ status: "SUCCESS", result: {} });
        },
      },
    },
  };
  await using store = await openStore({ kvUrl: ":memory:" });
  const r = await runWorkflow({
    workspace,
    workflow: WF,
    payload: ADA,
    store,
    traceFiles: false,
    capabilities: custom,
  });
  assert.equal(r.classification, "COMPLETED");
  // The kid's records all come before the root's journal step record.
  const rootStep = r.records.findIndex((x) =>
    x.type === "step" && x.run === "root" && x.step === "append_member_event"
  );
  const kidLast = r.records.findLastIndex((x) => x.run !== "root");
  assert.ok(kidLast > 0 && kidLast < rootStep, `kid ${kidLast} before root step ${rootStep}`);
  await assert.rejects(
    runChild!(WF, { member: { name: "Late", email: "late@example.org" } }, "late"),
    /started a child run after its step append_member_event ended/,
  );
  const replay = await replayTrace(
    traceText(r.lines),
    await loadSnapshot(workspace),
    createCapabilityRegistry(custom),
  );
  assert.equal(replay.identical, true);
});
