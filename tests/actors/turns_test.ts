import assert from "node:assert/strict";
import { type Branch, onTurn, TurnGroup } from "../../actors/turns.ts";

/**
 * Two concurrent children, the first running two concurrent grandchildren (a nested group):
 * whatever the timing of each step, the order of turns is the same and nothing hangs.
 */
async function trial(seed: number): Promise<string> {
  let s = seed;
  const delay = () =>
    new Promise((r) => setTimeout(r, (s = (s * 1103515245 + 12345) & 0x7fffffff) % 4));
  const log: string[] = [];
  const outer = new TurnGroup();
  outer.join("c0");
  outer.join("c1");
  const inner = new TurnGroup();
  const leaf = async (name: string, branch: Branch, steps: number) => {
    for (let i = 0; i < steps; i++) {
      await onTurn(branch, async () => {
        log.push(`${name}${i}`);
        await delay();
      });
    }
  };
  const c0 = async () => {
    inner.join("g0");
    inner.join("g1");
    await Promise.all([
      leaf("g0.", [{ group: outer, member: "c0" }, { group: inner, member: "g0" }], 3)
        .finally(() => inner.leave("g0")),
      leaf("g1.", [{ group: outer, member: "c0" }, { group: inner, member: "g1" }], 2)
        .finally(() => inner.leave("g1")),
    ]);
  };
  const c1 = () => leaf("c1.", [{ group: outer, member: "c1" }], 3);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<string>((r) => timer = setTimeout(() => r("HANG"), 3000));
  const done = Promise.all([
    c0().finally(() => outer.leave("c0")),
    c1().finally(() => outer.leave("c1")),
  ]).then(() => log.join(","));
  const out = await Promise.race([done, hang]);
  clearTimeout(timer);
  return out;
}

Deno.test("onTurn(): nested concurrent groups interleave in one fixed order and never hang", async () => {
  const outcomes = new Set<string>();
  for (let seed = 1; seed <= 6; seed++) outcomes.add(await trial(seed));
  assert.deepEqual([...outcomes], ["g0.0,c1.0,g1.0,c1.1,g0.1,c1.2,g1.1,g0.2"]);
});
