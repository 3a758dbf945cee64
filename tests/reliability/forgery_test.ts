// deno-lint-ignore-file no-explicit-any -- trace records are edited as untyped JSON here
/**
 * Forged traces: a hash chain proves order, not origin. Someone who drops, renames or
 * duplicates an effect record, or changes a CS step's recorded result, and then recomputes
 * every `seq` and `prev` (the few lines below do it) gets a file whose chain is whole. Such a
 * file must fail `examine` and `replay` against the store it claims to come from, and fail
 * the seal's signature check with the data root's public key.
 */
import assert from "node:assert/strict";
import { cli, runPayload } from "../_support/cli.ts";
import { rechain } from "../_support/forge.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";
const ADA = { member: { name: "Ada Lovelace", email: "ada@example.org" } };

/** Applies `edit` to the body records, then re-sequences and re-chains every line. */
function forge(text: string, edit: (records: any[]) => any[]): string {
  const lines = text.trimEnd().split("\n");
  const seal = JSON.parse(lines.at(-1)!);
  const body = edit(lines.slice(0, -1).map((l) => JSON.parse(l)));
  return rechain([...body, seal]).map((l) => `${l}\n`).join("");
}

const FORGERIES: Record<string, (records: any[]) => any[]> = {
  "drop an effect": (rs) => rs.filter((r, i) => !(r.type === "effect" && i === firstEffect(rs))),
  "rename an effect's key": (rs) =>
    rs.map((r, i) => i === firstEffect(rs) ? { ...r, key: `${r.key}_X` } : r),
  "duplicate an effect": (rs) => rs.flatMap((r, i) => i === firstEffect(rs) ? [r, r] : [r]),
  "change a CS step's recorded result": (rs) =>
    rs.map((r) =>
      r.type === "step" && r.kind === "CS"
        ? { ...r, result: { ...r.result, result_status: "ALREADY_EXISTS" } }
        : r
    ),
};

/** The lines a command printed (one call may print several). */
function lines(r: { out: string[] }): string[] {
  return r.out.join("\n").split("\n");
}

function firstEffect(records: any[]): number {
  return records.findIndex((r) => r.type === "effect");
}

async function setup() {
  const t = await tempWorkspace();
  const r = await runPayload(t, WF, ADA);
  assert.equal(r.code, 0);
  const file = r.json.files.jsonl as string;
  const key = await cli("public-key", "--data-root", t.dataRoot);
  assert.equal(key.code, 0);
  const pem = `${t.dir}/public.pem`;
  await Deno.writeTextFile(pem, key.out.join("\n") + "\n");
  return { t, file, pem, text: await Deno.readTextFile(file) };
}

Deno.test("forgery: the genuine trace is equal to the store copy and its seal verifies", async () => {
  const { t, file, pem } = await setup();
  const viaStore = await cli("examine", file, "--data-root", t.dataRoot, "--json");
  assert.equal(viaStore.code, 0);
  assert.equal(viaStore.json.checked_against, "store");
  assert.equal(viaStore.json.signature, "verified");
  const viaKey = await cli("examine", file, "--public-key", pem);
  assert.equal(viaKey.code, 0);
  assert.match(
    lines(viaKey)[1],
    /^checks: checked only against itself .*; seal verified \(key [0-9a-f]{16}\)$/,
  );
  const replay = await cli("replay", file, "--workspace", t.workspace, "--data-root", t.dataRoot);
  assert.equal(replay.code, 0, replay.err.join("\n"));
});

for (const [name, edit] of Object.entries(FORGERIES)) {
  Deno.test(`forgery: ${name}, re-chained, is refused by examine and replay`, async () => {
    const { t, file, pem, text } = await setup();
    const forged = `${t.dir}/forged.jsonl`;
    await Deno.writeTextFile(forged, forge(text, edit));
    // Checked only against itself the chain is whole, and examine says exactly that.
    const alone = await cli("examine", forged);
    assert.equal(alone.code, 0);
    assert.match(lines(alone)[1], /checked only against itself/);
    assert.match(lines(alone)[1], /signature not checked/);
    // Against the store it claims to come from: exit 5, naming the first differing line.
    const viaStore = await cli("examine", forged, "--data-root", t.dataRoot);
    assert.equal(viaStore.code, 5);
    assert.match(viaStore.out.join("\n"), /line \d+: (differs from|is not in|is missing from)/);
    // Offline with the data root's public key: the seal does not verify.
    const viaKey = await cli("examine", forged, "--public-key", pem);
    assert.equal(viaKey.code, 5);
    assert.match(viaKey.out.join("\n"), /\(seal\): the signature does not verify/);
    // replay against the store refuses it too, before re-executing anything.
    const replay = await cli(
      "replay",
      forged,
      "--workspace",
      t.workspace,
      "--data-root",
      t.dataRoot,
    );
    assert.equal(replay.code, 5);
    assert.match(
      replay.err.join("\n"),
      /^error\[TRACE\]: Cannot replay .*differs from the body committed/,
    );
    void file;
  });
}

Deno.test("forgery: a trace sealed by another data root's key fails the public-key check", async () => {
  const a = await setup();
  const b = await setup();
  const other = await cli("examine", b.file, "--public-key", a.pem);
  assert.equal(other.code, 5);
  assert.match(other.out.join("\n"), /sealed with key [0-9a-f]{16}, not with the given key/);
  // And it is not the body committed in the other data root either.
  const viaStore = await cli("examine", b.file, "--data-root", a.t.dataRoot);
  assert.equal(viaStore.code, 5);
});

Deno.test("forgery: --public-key and --data-root refuse what they cannot use, one line, exit 2", async () => {
  const { t, file } = await setup();
  await Deno.writeTextFile(`${t.dir}/bad.pem`, "not a key\n");
  const bad = await cli("examine", file, "--public-key", `${t.dir}/bad.pem`);
  assert.equal(bad.code, 2);
  assert.deepEqual(bad.err.length, 1);
  assert.match(
    bad.err[0],
    /^error\[USAGE\]: Invalid --public-key ".*bad\.pem": expected an Ed25519/,
  );
  const missing = await cli("examine", file, "--data-root", `${t.dir}/nowhere`);
  assert.equal(missing.code, 2);
  assert.match(missing.err[0], /^error\[STORAGE\]: Cannot open data root ".*nowhere": it holds no/);
});
