// Parsing of existing PGS store files for the first-open import.
import assert from "node:assert/strict";
import { ErrorCode, StorageError } from "../../errors.ts";
import { parseStoreFile } from "../../storage/import.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("parseStoreFile() folds registry lines: last line wins, tombstones remove, CRLF ok", () => {
  const file = [
    '{"key": "a", "v": 1}',
    '{"key": "b", "v": 1}',
    '{"key": "a", "tombstone": true}',
    '{"key": 7, "v": "number key: log only"}',
    '{"key": "a", "v": 2}',
    "   ",
    '["not", "an", "object"]',
  ].join("\r\n");
  const parsed = parseStoreFile(file, "jsonl", "r.json");
  assert.deepEqual(parsed.log.map(text), [
    '{"key":"a","v":1}',
    '{"key":"b","v":1}',
    '{"key":"a","tombstone":true}',
    '{"key":7,"v":"number key: log only"}',
    '{"key":"a","v":2}',
    '["not","an","object"]',
  ]);
  assert.deepEqual([...parsed.map].map(([k, v]) => [k, text(v)]), [
    ["b", '{"key":"b","v":1}'],
    ["a", '{"key":"a","v":2}'],
  ]);
});

Deno.test("parseStoreFile() reads a json object and treats a blank file as empty", () => {
  const parsed = parseStoreFile('{\n  "x": {"y": [1]}\n}', "json", "f.json");
  assert.deepEqual([...parsed.map].map(([k, v]) => [k, text(v)]), [["x", '{"y":[1]}']]);
  assert.deepEqual(parsed.log, []);
  assert.equal(parseStoreFile(" \n", "json", "f.json").map.size, 0);
  assert.equal(parseStoreFile("", "jsonl", "f.jsonl").log.length, 0);
});

Deno.test("parseStoreFile() names the file and line of malformed content", () => {
  const refuses = (content: string, format: "json" | "jsonl", line: number) =>
    assert.throws(
      () => parseStoreFile(content, format, "dir/f"),
      (err) =>
        err instanceof StorageError && err.code === ErrorCode.STORAGE &&
        err.message.includes('"dir/f"') && new RegExp(`line ${line}\\b`).test(err.message),
    );
  refuses('{"a":1}\n{"b":2}\n{oops}\n', "jsonl", 3);
  refuses('{\n  "a": 1,\n  "b" 2\n}', "json", 3);
  refuses('{\n  "a": 1,\n', "json", 3);
  refuses("[1, 2]", "json", 1);
});
