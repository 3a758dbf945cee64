/**
 * A payload that names one member twice (found by the second fuzz campaign): JSON.parse kept
 * the last silently, so the run, its trace and its effects used a payload other than the one
 * written. It is refused like any other payload the runtime cannot take as written.
 */
import assert from "node:assert/strict";
import { main } from "../cli.ts";
import { parsePayload } from "../cli_payload.ts";
import { UsageError } from "../errors.ts";
import { tempWorkspace } from "./_support/workspace.ts";

const WF = "club::WF_REGISTER_MEMBER_V0";

Deno.test("parsePayload(): a member given twice is refused naming the object's path and the member", () => {
  const cases: Array<[string, string]> = [
    ['{"a":1,"a":2}', `$: member "a"`],
    ['{"x":{"b":[{"c":1},{"d":1,"\\u0064":2}]}}', `$.x.b[1]: member "d"`],
    ['{"a b":[[{"q":1,"q":1}]]}', `$["a b"][0][0]: member "q"`],
  ];
  for (const [text, where] of cases) {
    assert.throws(() => parsePayload(text, "payload"), (e) => {
      assert.ok(e instanceof UsageError);
      assert.equal(e.code, "PAYLOAD");
      assert.equal(
        e.message,
        `Invalid payload: ${where} is given more than once (JSON.parse would silently keep the last)`,
      );
      return true;
    }, text);
  }
  // Same names in different objects, escapes that differ, commas and quotes inside strings.
  for (
    const text of [
      '{"a":{"a":1},"b":{"a":1}}',
      '{"k\\\\":1,"k\\\\\\\\":2}',
      '{"k":"a,\\"k\\":1","z":[{"k":1},{"k":2}]}',
    ]
  ) assert.deepEqual(parsePayload(text), JSON.parse(text), text);
});

Deno.test("run --payload / --batch: a member given twice is exit 2 naming the file (and line), nothing committed", async () => {
  const t = await tempWorkspace();
  const twice = '{"member":{"name":"Ada","email":"ada@example.org","name":"Eve"}}';
  await Deno.writeTextFile(`${t.dir}/p.json`, twice);
  await Deno.writeTextFile(
    `${t.dir}/b.jsonl`,
    `{"member":{"name":"Bob","email":"bob@example.org"}}\n${twice}\n`,
  );
  const run = ["run", "--wf", WF, "--workspace", t.workspace, "--data-root", t.dataRoot];
  for (
    const [args, line] of [
      [
        ["--payload", `${t.dir}/p.json`],
        `error[PAYLOAD]: Invalid --payload "${t.dir}/p.json": $.member: member "name" is given ` +
        `more than once (JSON.parse would silently keep the last)`,
      ],
      [
        ["--batch", `${t.dir}/b.jsonl`],
        `error[PAYLOAD]: Invalid --batch "${t.dir}/b.jsonl" line 2: $.member: member "name" is ` +
        `given more than once (JSON.parse would silently keep the last)`,
      ],
    ] as const
  ) {
    const err: string[] = [];
    const out: string[] = [];
    const code = await main([...run, ...args, "--no-png"], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    assert.equal(code, 2, err.join("\n"));
    assert.deepEqual(err, [line]);
    assert.deepEqual(out, []);
  }
  assert.deepEqual(await Array.fromAsync(Deno.readDir(t.dataRoot)), [], "nothing committed");
});
