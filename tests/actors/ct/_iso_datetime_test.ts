import assert from "node:assert/strict";
import {
  civilFromDays,
  daysFromCivil,
  floorDays,
  formatUtcSeconds,
  parseIsoDatetimeUs,
} from "../../../actors/ct/_iso_datetime.ts";

Deno.test("parseIsoDatetimeUs() matches CPython 3.11 fromisoformat (naive = UTC)", () => {
  // Expected microseconds since the epoch from CPython 3.11.7 (null = ValueError).
  const cases: Array<[string, string | null]> = [
    ["2024-01-01", "1704067200000000"],
    ["2024-01-01T00:00:00+05:00", "1704049200000000"],
    ["2024-01-01T00:00:00.1234567", "1704067200123456"],
    ["2024-01-01T00:00:00,5", "1704067200500000"],
    ["20240101T103000", "1704105000000000"],
    ["2024-01-01T10:30:00+0530", "1704085200000000"],
    ["2024-01-01X10:30", "1704105000000000"],
    ["2024-01-01\u{1F600}10:30", "1704105000000000"],
    ["2024-01-01T10:30:00.123+05:30:15.5", "1704085184623000"],
    ["2024-W01-1", "1704067200000000"],
    ["2020-W53-7", "1609632000000000"],
    ["9999-12-31T23:59:59.999999", "253402300799999999"],
    ["1969-12-31T23:59:59", "-1000000"],
    ["2021-W53-1", null],
    ["2023-02-29", null],
    ["2024-01-01T24:00:00", null],
    ["2024-01-01T10:3000", null],
    ["2024-01-01T", null],
    ["2024-01-01T10:30:00 ", null],
    ["2024-01-01T10:30:00+25:00", null],
    ["0000-01-01", null],
    ["abc", null],
  ];
  for (const [s, v] of cases) {
    const got = parseIsoDatetimeUs(s);
    assert.equal(got === null ? null : got.toString(), v, JSON.stringify(s));
  }
});

Deno.test("floorDays() floors like timedelta.days", () => {
  assert.equal(floorDays(86_400_000_000n * 30n + 1n), 30);
  assert.equal(floorDays(-1n), -1);
  assert.equal(floorDays(-86_400_000_000n), -1);
});

Deno.test("daysFromCivil() / civilFromDays() / formatUtcSeconds() agree", () => {
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.equal(daysFromCivil(2026, 1, 1), 20454);
  assert.deepEqual(civilFromDays(daysFromCivil(2024, 2, 29)), [2024, 2, 29]);
  assert.deepEqual(civilFromDays(-1), [1969, 12, 31]);
  assert.equal(formatUtcSeconds(20454 * 86400 + 30), "2026-01-01T00:00:30Z");
});
