/**
 * Bounded pattern matching for patterns that come from a snapshot or a payload. A
 * backtracking engine (JS `RegExp`, Python `re`) can take exponential time on a pattern
 * such as `(a+)+b` (27 s on 30 characters), and a pattern from run-time data cannot be
 * vetted at compile time, so every such pattern runs on a linear-time engine: re2js, a
 * pure-JS port of RE2 (matching time linear in the input; repeat counts and program size
 * bounded when the pattern compiles).
 *
 * The engine is loaded lazily ({@link loadPatternEngine}, about 20 ms of start-up): the
 * compiler's `prepare` hook (actors/registry.ts) loads it before a run whose closure uses
 * a CT that matches patterns, so workflows that never match a pattern never pay for it.
 *
 * @module
 */

/** The part of re2js this module uses. */
interface Engine {
  compile(pattern: string): { matches(input: string): boolean };
}

let engine: Engine | null = null;
const cache = new Map<string, { matches(input: string): boolean } | Error>();
const CACHE_LIMIT = 256;

/** Loads the linear-time engine once; later calls return at once. */
export async function loadPatternEngine(): Promise<void> {
  if (engine) return;
  const { RE2JS } = await import("./_re2.ts");
  engine = RE2JS;
}

/**
 * Python `re.fullmatch(pattern, text)`, in linear time. Patterns use the RE2 syntax, a
 * subset of Python's: no backreferences, no lookaround (such a pattern is invalid here).
 *
 * @throws {Error} "invalid pattern" (RE2 syntax error; the caller reports it as a CT
 *   VIOLATION), or when {@link loadPatternEngine} has not run (a wiring bug: a fault).
 */
export function fullMatchBounded(pattern: string, text: string): boolean {
  if (!engine) {
    throw new Error(
      "pattern engine not loaded: compileWorkflow() loads it for the workflows that match " +
        "patterns; a direct caller must await loadPatternEngine() first",
    );
  }
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    try {
      compiled = engine.compile(pattern);
    } catch (e) {
      compiled = new PatternError((e as Error).message.split("\n")[0]);
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(pattern, compiled);
  }
  if (compiled instanceof Error) throw compiled;
  return compiled.matches(text);
}

/** A pattern the linear-time engine refuses (RE2 syntax error or unsupported construct). */
export class PatternError extends Error {
  /** Creates the error with the engine's one-line reason. */
  constructor(reason: string) {
    super(reason);
    this.name = "PatternError";
  }
}
