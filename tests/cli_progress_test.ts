/** cli_progress.ts: the batch progress line (count, rate, ETA), redrawn while runs go. */
import assert from "node:assert/strict";
import { Progress } from "../cli_progress.ts";

const LINE = /^(runs {4}|pictures) \[[#.]{24}\] (\d+)\/(\d+) {2}\d+\/s {2}ETA \d+ s$/;

function capture() {
  const err: string[] = [];
  return { io: { out: () => {}, err: (l: string) => void err.push(l) }, err };
}

Deno.test("progress: count, rate and ETA per update, then a pictures line of its own", () => {
  const { io, err } = capture();
  const p = Progress.open(io, true, false);
  p.runs(50, 200);
  p.runs(200, 200);
  p.pictures(1, 2);
  p.pictures(2, 2);
  p.close();
  assert.ok(err.length >= 4, err.join("\n"));
  for (const l of err) assert.match(l, LINE);
  assert.match(err[0], /^runs {5}\[######\.{18}\] 50\/200 /);
  const runs = err.filter((l) => l.startsWith("runs"));
  const pictures = err.filter((l) => l.startsWith("pictures"));
  assert.match(runs.at(-1)!, /\[#{24}\] 200\/200 .*ETA 0 s$/);
  assert.match(pictures.at(-1)!, /\[#{24}\] 2\/2 /);
  assert.ok(err.indexOf(pictures[0]) > err.indexOf(runs.at(-1)!), "pictures after runs");
});

Deno.test("progress: redrawn by its timer while nothing reports (rate and ETA move)", async () => {
  const { io, err } = capture();
  const p = Progress.open(io, true, false);
  p.runs(1, 1_000_000);
  const first = err.length;
  // The timer redraws every 100 ms; rate and ETA change as time passes.
  await new Promise((r) => setTimeout(r, 650));
  p.close();
  assert.ok(err.length - first >= 2, `${err.length - first} redraws in 650 ms`);
});

Deno.test("progress off: prints nothing", () => {
  const { io, err } = capture();
  const p = Progress.open(io, false, false);
  p.runs(1, 2);
  p.close();
  assert.deepEqual(err, []);
});
