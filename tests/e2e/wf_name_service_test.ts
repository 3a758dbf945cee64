/**
 * Real snapshot, platform name service: WF_REGISTER_NAME_V0 then WF_LOOKUP_NAME_V0.
 *
 * Artifact inconsistency: both workflows' CC nodes (`register`, `lookup`) declare no
 * `inputs`, so the CCs receive `{}` whatever the payload holds, and their required `name`
 * (and `resource_addresses`) are missing: on_input_failure VIOLATION → `exit` (no reason).
 * The Python runtimes do the same (a null step input returns on_input_failure). No payload
 * can register or find a name on this snapshot; the pair is asserted as it ends.
 */
import assert from "node:assert/strict";
import { assertRun, payloadOf, readJsonView, realWorkspace, runWf } from "./wf_support.ts";

const NS = "pgs_capabilities.registry.name_service.workflows";

Deno.test("name service: register then look up a name; both CCs get no inputs and end VIOLATION", async () => {
  const t = await realWorkspace();
  const registered = await runWf(
    t,
    `${NS}::WF_REGISTER_NAME_V0`,
    await payloadOf("name_service", "register"),
  );
  assertRun(registered, {
    path: ["entry:default", "register:VIOLATION"],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "exit",
  });
  assert.equal(registered.json.reason, null, "the name-service EXIT declares no reason");
  assert.deepEqual(
    registered.recs.find((x) => x.type === "node" && x.node === "register").inputs,
    {},
  );
  assert.deepEqual(
    registered.recs.filter((x) => x.type === "warning" && x.code === "INPUT_FAILURE").map((x) =>
      x.message.split(";")[0]
    ),
    ["required CC input(s) name, resource_addresses missing"],
  );
  assert.deepEqual(await readJsonView(t, "name_registry.json"), {}, "nothing registered");

  const looked = await runWf(
    t,
    `${NS}::WF_LOOKUP_NAME_V0`,
    await payloadOf("name_service", "lookup"),
  );
  assertRun(looked, {
    path: ["entry:default", "lookup:VIOLATION"],
    classification: "ENDED_VIOLATION",
    status: "VIOLATION",
    exit: "exit",
  });
  assert.deepEqual(
    looked.recs.filter((x) => x.type === "warning" && x.code === "INPUT_FAILURE").map((x) =>
      x.message.split(";")[0]
    ),
    ["required CC input(s) name missing"],
  );
  assert.equal(looked.recs.filter((x) => x.type === "step").length, 0, "no step ran");
});
