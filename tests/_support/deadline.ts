/**
 * Runs an exported function of a module in a worker under a deadline: a call that does
 * not return in time (e.g. a backtracking regex) is terminated, and the test fails instead
 * of hanging. For "this is bounded" tests; speed goals live in benchmarks.
 */

/** Calls `module`'s export `name` with `args` in a worker; rejects after `ms` milliseconds. */
export function callWithDeadline(
  module: URL,
  name: string,
  args: unknown[],
  ms = 30_000,
): Promise<unknown> {
  const worker = new Worker(new URL("./_deadline_worker.ts", import.meta.url), { type: "module" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<unknown>((resolve, reject) => {
    worker.onmessage = (e) => e.data.ok ? resolve(e.data.value) : reject(new Error(e.data.error));
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
    timer = setTimeout(
      () => reject(new Error(`${name}() did not return within ${ms} ms`)),
      ms,
    );
  });
  worker.postMessage({ module: module.href, name, args });
  return done.finally(() => {
    clearTimeout(timer);
    worker.terminate();
  });
}
