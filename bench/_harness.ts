/**
 * The bench harness: one list of cases serves `deno bench` (each case becomes a
 * `Deno.bench`) and `bench/report.ts` (medians with our own timer), so both measure the same
 * code. A case has a lazy, shared `setup` (outside the timed region) and an iteration `fn`.
 *
 * @module
 */
import { unsafeMonotonicMs } from "../actors/run_context.ts";

/** One benchmark. */
export interface BenchCase<S = unknown, A = undefined> {
  /** Suite letter and topic, e.g. `b run`. */
  readonly suite: string;
  /** `deno bench` group (cases of a group are compared). */
  readonly group: string;
  /** Case name, unique within the suite. */
  readonly name: string;
  /** The group's reference case. */
  readonly baseline?: boolean;
  /** Builds the state the iterations share (run once, untimed). */
  readonly setup: () => Promise<S>;
  /** Makes the argument of the next iteration (untimed), e.g. its payloads. */
  readonly prepare?: (state: S) => Promise<A> | A;
  /** One timed iteration. */
  readonly fn: (state: S, arg: A) => Promise<unknown> | unknown;
  /** Work units per iteration (e.g. runs in a batch): the report divides by it. */
  readonly units?: number;
  /** Slow case: this many timed iterations after one warm-up (instead of ~1 s of them). */
  readonly iterations?: number;
}

/** Shorthand to keep each case's state type while listing mixed cases. */
export function benchCase<S, A = undefined>(c: BenchCase<S, A>): BenchCase {
  return c as unknown as BenchCase;
}

/** Runs one iteration of `c` on `state`; returns its duration in ms (prepare untimed). */
export async function iterate(c: BenchCase, state: unknown): Promise<number> {
  const arg = c.prepare ? await c.prepare(state) : undefined;
  const t0 = unsafeMonotonicMs();
  await c.fn(state, arg);
  return unsafeMonotonicMs() - t0;
}

const states = new WeakMap<BenchCase, Promise<unknown>>();

/** The case's shared state (set up on first use). */
export function stateOf(c: BenchCase): Promise<unknown> {
  let s = states.get(c);
  if (!s) {
    s = c.setup();
    states.set(c, s);
  }
  return s;
}

/** Registers every case with `deno bench` (explicit timers keep setup out of the numbers). */
export function registerBenches(cases: readonly BenchCase[]): void {
  for (const c of cases) {
    Deno.bench({
      name: `${c.suite}: ${c.name}${c.units && c.units > 1 ? ` (/${c.units})` : ""}`,
      group: c.group,
      baseline: c.baseline,
      ...(c.iterations ? { n: c.iterations, warmup: 1 } : {}),
      async fn(b) {
        const state = await stateOf(c);
        const arg = c.prepare ? await c.prepare(state) : undefined;
        b.start();
        await c.fn(state, arg);
        b.end();
      },
    });
  }
}

/** Timing summary of one case, in microseconds per unit. */
export interface Timing {
  /** Iterations measured. */
  readonly n: number;
  /** Median per unit. */
  readonly median: number;
  /** Fastest per unit. */
  readonly min: number;
  /** 90th percentile per unit. */
  readonly p90: number;
}

/** How long {@link measure} samples. */
export interface MeasureOptions {
  /** Warm-up iterations (untimed). */
  readonly warmup: number;
  /** At least this many timed iterations. */
  readonly minIterations: number;
  /** At most this many timed iterations. */
  readonly maxIterations: number;
  /** Keep iterating until this much time was spent (ms), within the bounds above. */
  readonly targetMs: number;
}

/** Default sampling: ≥ 10 iterations, ~1 s per case. */
export const DEFAULT_MEASURE: MeasureOptions = {
  warmup: 3,
  minIterations: 10,
  maxIterations: 2000,
  targetMs: 1000,
};

/**
 * Times a case: median/min/p90 of its iterations, per unit, in µs.
 *
 * @throws {Error} what the case threw.
 */
export async function measure(c: BenchCase, o: MeasureOptions = DEFAULT_MEASURE): Promise<Timing> {
  const t = (await measureInterleaved([c], o, 1))[0];
  if ("error" in t) throw new Error(t.error);
  return t;
}

/** A case that could not be measured. */
export interface Failure {
  /** Why (first line of the error). */
  readonly error: string;
}

/**
 * Times several cases in `rounds` interleaved rounds (A B C, A B C, …) so a change of
 * machine load hits every case alike; ratios between them are then fair. A case whose setup
 * or iteration throws is reported as a {@link Failure} and dropped from later rounds.
 */
export async function measureInterleaved(
  cases: readonly BenchCase[],
  o: MeasureOptions = DEFAULT_MEASURE,
  rounds = 3,
): Promise<Array<Timing | Failure>> {
  const samples: number[][] = cases.map(() => []);
  const failed: Array<string | null> = cases.map(() => null);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of cases.entries()) {
      if (failed[i] !== null) continue;
      try {
        const state = await stateOf(c);
        if (r === 0) {
          const warmup = c.iterations ? Math.min(o.warmup, 1) : o.warmup;
          for (let w = 0; w < warmup; w++) await iterate(c, state);
        }
        const want = c.iterations ?? o.minIterations;
        const minIterations = Math.ceil(want / rounds);
        const maxIterations = c.iterations ? minIterations : Math.ceil(o.maxIterations / rounds);
        const targetMs = o.targetMs / rounds;
        let n = 0;
        let spent = 0;
        while (n < minIterations || (n < maxIterations && spent < targetMs)) {
          const dt = await iterate(c, state);
          spent += dt;
          n++;
          samples[i].push((dt * 1000) / (c.units ?? 1));
        }
      } catch (e) {
        failed[i] = e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : String(e);
      }
    }
  }
  return samples.map((s, i) => failed[i] !== null ? { error: failed[i]! } : summarize(s));
}

/** Median, min and p90 of samples. */
export function summarize(samples: readonly number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
  const mid = s.length % 2 === 1
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, median: mid, min: s[0], p90: at(0.9) };
}

/** Formats microseconds with a sensible unit. */
export function formatMicros(us: number): string {
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(2)} s`;
  if (us >= 10_000) return `${(us / 1000).toFixed(1)} ms`;
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  if (us >= 10) return `${us.toFixed(0)} µs`;
  return `${us.toFixed(1)} µs`;
}
