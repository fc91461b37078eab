/** A command's session -> the context of app/containers' use cases (wiring only). */
import type { ContainersContext } from '../app/containers/context.js';
import { observeSession, runPlan, unreachable, type Session } from './runtime.js';

export function containersContext(s: Session): ContainersContext {
  const io = s.io;
  return {
    project: s.project,
    hosts: s.hosts,
    engines: s.engines,
    signal: s.signal,
    sink: {
      warn: (t) => io.stderr(`warning: ${t}\n`),
      error: (t) => io.stderr(`error: ${t}\n`),
      message: (t) => io.stderr(`${t}\n`),
    },
    backend: {
      observe: (opts = {}) => observeSession(s, opts),
      apply: (plan, observed, opts = {}) => runPlan(s, plan, observed, opts),
      unreachable,
    },
  };
}
