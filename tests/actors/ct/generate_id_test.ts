import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { CtViolation, type JsonObject } from "../../../actors/capability.ts";
import { readJson, runCt, WORKSPACE } from "./_fixtures.ts";

const FQDN = "capability_transforms::CT_PURE_GENERATE_ID_V0";

Deno.test("CT_PURE_GENERATE_ID_V0 gives A_dc6e2a7ae93b8bae for the seed actor record", () => {
  const actor = { first_name: "Bachi", last_name: "Eight", email_registration: "bachi8@yahoo.com" };
  assert.deepEqual(runCt(FQDN, { prefix: "A", data: actor }), { id: "A_dc6e2a7ae93b8bae" });
  // Independently: sha256 of the sorted compact JSON, first 16 hex digits.
  const canonical =
    '{"email_registration":"bachi8@yahoo.com","first_name":"Bachi","last_name":"Eight"}';
  assert.equal(bytesToHex(sha256(utf8ToBytes(canonical))).slice(0, 16), "dc6e2a7ae93b8bae");
});

Deno.test("CT_PURE_GENERATE_ID_V0 hashes what CC_GENERATE_ACTOR_ID_V0 passes for the seed payload", () => {
  const cc = readJson(join(
    WORKSPACE,
    "protocol_snapshot/artifacts/capability_contracts/blockchain__CC_GENERATE_ACTOR_ID_V0.json",
  ));
  const step = ((cc.frontmatter as JsonObject).core as JsonObject).pipeline as JsonObject[];
  assert.deepEqual(step[0].inputs, { data: "$.inputs.actor_record", prefix: "A" });
  const payload = readJson(join(WORKSPACE, "seeds/register_actor_unverified_payload.json"));
  assert.deepEqual(runCt(FQDN, { prefix: "A", data: payload.actor_record }), {
    id: "A_dc6e2a7ae93b8bae",
  });
});

Deno.test("CT_PURE_GENERATE_ID_V0 wraps non-objects as {value: data} (CPython-checked ids)", () => {
  const cases: Array<[unknown, string]> = [
    [true, "X_8c5aaab6e1efdec7"],
    [null, "X_1c197daef20de3f4"],
    [[1, 2], "X_50a15f5305d210a1"],
    [{ b: 1, a: "é" }, "X_6d9eb45284090145"],
  ];
  for (const [data, id] of cases) assert.deepEqual(runCt(FQDN, { prefix: "X", data }), { id });
});

Deno.test("CT_PURE_GENERATE_ID_V0 limitation: a parsed 1.0 hashes as the int 1", () => {
  // CPython: data 1.0 → X_3a7d647740ec6f86; JSON.parse cannot keep the float.
  const id = runCt(FQDN, { prefix: "X", data: JSON.parse("1.0") }).id;
  assert.equal(id, runCt(FQDN, { prefix: "X", data: 1 }).id);
  assert.notEqual(id, "X_3a7d647740ec6f86");
});

Deno.test("CT_PURE_GENERATE_ID_V0 requires a string prefix", () => {
  assert.throws(() => runCt(FQDN, { prefix: null, data: "x" }), CtViolation);
  assert.throws(() => runCt(FQDN, { prefix: 1, data: "x" }), CtViolation);
});
