/**
 * `tsfig wait` (compose's `wait`): which containers to wait on, and the waiting itself over an
 * injected per-container wait (the command gives each container its own host's engine).
 * Pure but for the injected calls.
 */
import { TsfigError } from '../errors.js';
import type { ObservedContainer, ObservedState } from './state.js';
import { byText } from '../model/dict.js';

/** States in which a container has yet to stop (the engine's `not-running` wait blocks). */
const ALIVE = new Set(['running', 'paused', 'restarting', 'removing']);
/** States of a container that ran and stopped: its exit code is known at once. */
const STOPPED = new Set(['exited', 'dead']);

export interface WaitTarget {
  container: ObservedContainer;
  /** Already stopped when observed: counts at once. */
  stopped: boolean;
}

/**
 * The containers of `services` (one-offs too, as compose) on every reachable host: running ones
 * to wait for, stopped ones that count at once; `created` ones never ran and are left out.
 * Stopped first, then by service (in the order named), number, name. A named service with
 * none of them is an error naming it.
 */
export function waitTargets(observed: ObservedState, services: string[]): WaitTarget[] {
  const order = new Map(services.map((s, i) => [s, i]));
  const all = Object.values(observed.hosts)
    .filter((h) => h.reachable)
    .flatMap((h) => h.containers)
    .filter((c) => order.has(c.service));
  const targets = all.filter((c) => ALIVE.has(c.state) || STOPPED.has(c.state)).map((c) => ({ container: c, stopped: STOPPED.has(c.state) }));
  const missing = services.filter((s, i) => services.indexOf(s) === i && !targets.some((t) => t.container.service === s));
  if (missing.length) {
    const why = missing.map((s) =>
      all.some((c) => c.service === s) ? `service ${s} has no container that was ever started (only created ones: tsfig start ${s})` : `service ${s} has no containers`,
    );
    throw new TsfigError(why.join('; '));
  }
  const rank = (t: WaitTarget) => [t.stopped ? 0 : 1, order.get(t.container.service) ?? 0, t.container.number] as const;
  return targets.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || byText(a.container.name, b.container.name);
  });
}

/** compose's line for a container that stopped: `container "ID" exited with status code N`. */
export function exitLine(c: ObservedContainer, code: number): string {
  return `container "${c.id}" exited with status code ${code}\n`;
}

/**
 * Wait until every target has stopped, calling `onStop` as each does (the stopped ones first, in
 * order, then the others as they stop). Resolves with the exit code of the last container to
 * stop, as compose's `wait` does. The first failed wait cancels the others and rejects; so does
 * `signal`.
 */
export async function waitAll(
  targets: WaitTarget[],
  waitOne: (c: ObservedContainer, signal: AbortSignal) => Promise<number>,
  onStop: (c: ObservedContainer, code: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  const local = new AbortController();
  const abort = () => local.abort(signal?.reason);
  if (signal?.aborted) abort();
  else signal?.addEventListener('abort', abort, { once: true });
  try {
    const pending = targets.map((t) => ({ t, p: waitOne(t.container, local.signal) }));
    for (const x of pending) x.p.catch(() => undefined); // the first failure is reported below; the rest are noise
    let last = 0;
    for (const { t, p } of pending.filter((x) => x.t.stopped)) {
      last = await p;
      onStop(t.container, last);
    }
    await Promise.all(
      pending
        .filter((x) => !x.t.stopped)
        .map(async ({ t, p }) => {
          const code = await p;
          last = code;
          onStop(t.container, code);
        }),
    );
    return last;
  } finally {
    signal?.removeEventListener('abort', abort);
    local.abort();
  }
}
