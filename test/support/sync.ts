/**
 * Synchronising a test with the code under test on events, never on time: `eventually` retries
 * a check until it passes (or a test awaits a promise its fake resolves: a gate).
 *
 * A negative assertion ("X was not printed") goes after a positive event that proves the moment
 * has passed (a later line arrived, the fake saw the call), never after a bare delay.
 */

export interface EventuallyOptions {
  /** Total time, ms (default 10 s). */
  timeout?: number;
  /** Pause between attempts, ms (default 100). */
  interval?: number;
  /** Prefix of the timeout error. */
  message?: string;
}

/**
 * Retry `fn` until it returns without throwing (assertions included); returns its value. On
 * timeout, throws the last error, prefixed. Use instead of sleeping.
 */
export async function eventually<T>(fn: () => T | Promise<T>, opts: EventuallyOptions = {}): Promise<T> {
  const timeout = opts.timeout ?? 10_000;
  const interval = opts.interval ?? 100;
  const deadline = Date.now() + timeout;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + interval > deadline) {
        const detail = err instanceof Error ? err.message : String(err);
        const wrapped = new Error(`${opts.message ?? 'eventually'}: still failing after ${timeout} ms (${attempts} attempts): ${detail}`);
        (wrapped as Error & { cause?: unknown }).cause = err;
        throw wrapped;
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
}
