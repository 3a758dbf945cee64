/**
 * Backoff for contended commits and "database is locked", and the ids of staged commits.
 * The only place in storage that uses entropy and timers: jitter keeps processes that
 * collided from colliding again; a stage id only has to be unique (it never reaches a
 * trace or a store value).
 *
 * @module
 */
import { StorageError } from "../errors.ts";
import type { BackoffOptions } from "./store.ts";
export type { BackoffOptions };

/** Default backoff: 1 ms doubling up to 100 ms. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1, capMs: 100 };

/** True for SQLite contention surfaced by Deno KV (a TypeError "database is locked"). */
export function isLockedError(err: unknown): boolean {
  return err instanceof Error && /database is locked|database is busy/i.test(err.message);
}

/** Sleeps a random time in [0, min(cap, base × 2^attempt)] ms ("full jitter"). */
export function backoff(attempt: number, options: BackoffOptions): Promise<void> {
  const bound = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 20));
  const ms = Math.random() * bound;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts retries for {@link StoreStats}-style reporting. */
export interface RetryCounter {
  /** Incremented once per "database is locked" retry. */
  lockedRetries: number;
}

/**
 * Runs a KV operation, retrying "database is locked" with backoff up to `attempts` times;
 * other errors propagate. Exhaustion is a StorageError naming `what`.
 */
export async function retryLocked<R>(
  what: string,
  fn: () => Promise<R>,
  attempts: number,
  options: BackoffOptions,
  counter: RetryCounter,
): Promise<R> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isLockedError(err)) throw err;
      if (attempt >= attempts) {
        throw new StorageError(`Cannot ${what}: database stayed locked after ${attempt} attempts`, {
          cause: err,
        });
      }
      counter.lockedRetries++;
      await backoff(attempt, options);
    }
  }
}

/** A 24-hex-digit id that no other stage (of any process) uses. */
export function unsafeStageId(): string {
  const part = () => Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, "0");
  return part() + part();
}
