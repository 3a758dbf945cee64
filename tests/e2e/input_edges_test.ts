// Input edges: --payload and --batch decode the same way (strict UTF-8, a leading BOM
// dropped), an integer beyond 2^53 is refused naming its field instead of being rounded,
// and a trace nested 100,000 deep is a damaged trace (exit 5, one line), not a crash.
import assert from "node:assert/strict";
import { main } from "../../cli.ts";
import { openKvStore } from "../../storage/kv_store.ts";
import { tempWorkspace } from "../_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function runArgs(t: { workspace: string; dataRoot: string }, ...input: string[]) {
  return [
    "run",
    "--wf",
    WF,
    ...input,
    "--workspace",
    t.workspace,
    "--data-root",
    t.dataRoot,
    "--no-png",
    "--json",
  ];
}

async function committed(dataRoot: string): Promise<string[]> {
  const exists = await Deno.stat(`${dataRoot}/.pgs`).then(() => true, () => false);
  if (!exists) return [];
  const store = await openKvStore({ dataRoot });
  try {
    return await store.listTraces();
  } finally {
    await store.close();
  }
}

const encode = (s: string) => new TextEncoder().encode(s);
const member = (name: string) => JSON.stringify({ member: { name, email: "a@example.org" } });

Deno.test("--batch refuses a line that is not valid UTF-8, like --payload (nothing committed)", async () => {
  const t = await tempWorkspace();
  try {
    const bytes = encode(`${member("Ok")}\n${member("Bad?")}\n`);
    bytes[bytes.lastIndexOf(0x3f)] = 0xff;
    await Deno.writeFile(`${t.dir}/b.jsonl`, bytes);
    await Deno.writeFile(`${t.dir}/p.json`, bytes.subarray(bytes.indexOf(10) + 1));
    const batch = await cli(...runArgs(t, "--batch", `${t.dir}/b.jsonl`));
    const single = await cli(...runArgs(t, "--payload", `${t.dir}/p.json`));
    for (const r of [batch, single]) {
      assert.equal(r.code, 2, r.err.join("\n"));
      assert.equal(r.err.length, 1);
      assert.match(r.err[0], /^error\[PAYLOAD\]: .*not valid UTF-8/);
    }
    assert.match(batch.err[0], /b\.jsonl/);
    assert.deepEqual(await committed(t.dataRoot), []);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("a leading BOM is dropped the same way by --payload and --batch", async () => {
  const t = await tempWorkspace();
  try {
    await Deno.writeTextFile(`${t.dir}/p.json`, `\uFEFF${member("Bom One")}`);
    await Deno.writeTextFile(`${t.dir}/b.jsonl`, `\uFEFF${member("Bom Two")}\n`);
    const single = await cli(...runArgs(t, "--payload", `${t.dir}/p.json`, "--trace-id", "T_p"));
    const batch = await cli(...runArgs(t, "--batch", `${t.dir}/b.jsonl`, "--trace-id", "T_b"));
    assert.equal(single.code, 0, single.err.join("\n"));
    assert.equal(batch.code, 0, batch.err.join("\n"));
    const store = await openKvStore({ dataRoot: t.dataRoot });
    const names = [];
    for (const id of ["T_p", "T_b-000001"]) {
      const header = JSON.parse((await store.readTrace(id))![0]);
      names.push(header.payload.member.name);
    }
    await store.close();
    assert.deepEqual(names, ["Bom One", "Bom Two"]);
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("an integer beyond 2^53 is refused naming its field, in --payload and --batch; 2^53 itself is kept exactly", async () => {
  const t = await tempWorkspace();
  try {
    const big =
      '{"member":{"name":"Big","email":"b@example.org","tags":[1,{"n":9007199254740993}]}}';
    await Deno.writeTextFile(`${t.dir}/p.json`, big);
    await Deno.writeTextFile(
      `${t.dir}/b.jsonl`,
      `${member("Fine")}\n${big.replace("9007", "-9007")}\n`,
    );
    const single = await cli(...runArgs(t, "--payload", `${t.dir}/p.json`));
    assert.equal(single.code, 2);
    assert.equal(single.err.length, 1);
    assert.match(
      single.err[0],
      /^error\[PAYLOAD\]: Invalid --payload ".*p\.json": \$\.member\.tags\[1\]\.n: the integer 9007199254740993 is beyond 2\^53/,
    );
    const batch = await cli(...runArgs(t, "--batch", `${t.dir}/b.jsonl`));
    assert.equal(batch.code, 2);
    assert.match(
      batch.err[0],
      /line 2: .*\$\.member\.tags\[1\]\.n: the integer -9007199254740993 is beyond 2\^53/,
    );
    assert.deepEqual(await committed(t.dataRoot), []);
    // The largest integer a double holds exactly is accepted and recorded as written.
    await Deno.writeTextFile(
      `${t.dir}/ok.json`,
      '{"member":{"name":"Edge","email":"e@example.org","n":9007199254740992,"f":1e300}}',
    );
    const ok = await cli(...runArgs(t, "--payload", `${t.dir}/ok.json`, "--trace-id", "T_edge"));
    assert.equal(ok.code, 0, ok.err.join("\n"));
    const store = await openKvStore({ dataRoot: t.dataRoot });
    const header = (await store.readTrace("T_edge"))![0];
    await store.close();
    assert.ok(header.includes('"n":9007199254740992'), header.slice(0, 300));
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("a trace nested 100,000 deep is a damaged trace for examine and replay: exit 5, one line", async () => {
  const t = await tempWorkspace();
  try {
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}\n`;
    await Deno.writeTextFile(`${t.dir}/deep.jsonl`, deep);
    for (const args of [[], ["--json"], ["--workspace", t.workspace]]) {
      const cmd = args[0] === "--workspace" ? "replay" : "examine";
      const r = await cli(cmd, `${t.dir}/deep.jsonl`, ...args);
      assert.equal(r.code, 5, `${cmd}: ${r.err.join("\n")} ${r.out.join("\n")}`);
      const lines = [...r.err, ...r.out].join("\n");
      assert.ok(!lines.includes("RangeError"), lines.slice(0, 300));
      assert.ok(!lines.includes("    at "), "no stack trace");
    }
  } finally {
    await Deno.remove(t.dir, { recursive: true });
  }
});
