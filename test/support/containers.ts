/**
 * The context of app/containers' use cases over in-memory fake engines: observe and execute are
 * the real ones (reconcile/), the engines are FakeEngines, and what goes to the user is kept.
 */
import { PassThrough } from 'node:stream';
import type { ContainersContext, TerminalConnectOptions, TerminalPort } from '../../src/app/containers/context.js';
import type { AttachedStreams } from '../../src/engine/engine.js';
import { EngineError } from '../../src/errors.js';
import { LABEL } from '../../src/model/labels.js';
import type { Project } from '../../src/model/project.js';
import { execute } from '../../src/reconcile/execute.js';
import { observe } from '../../src/reconcile/observe.js';
import { FakeEngine } from './fake-engine.js';

export interface FakeContainersContext extends ContainersContext {
  /** `warning: ...`, `error: ...` and plain lines, in order. */
  lines: string[];
  /** The plans carried out, in order. */
  applied: Array<{ groups: number; nodes: number }>;
  /** The options each plan was carried out with, in order. */
  applyOptions: Array<Parameters<ContainersContext['backend']['apply']>[2]>;
}

export function fakeContainersContext(project: Project, engines: Record<string, FakeEngine> = { default: new FakeEngine() }): FakeContainersContext {
  const hosts = Object.entries(engines).map(([name, engine]) => ({ name, endpoint: engine.endpoint.url, engine }));
  const lines: string[] = [];
  const applied: FakeContainersContext['applied'] = [];
  const applyOptions: FakeContainersContext['applyOptions'] = [];
  const signal = new AbortController().signal;
  return {
    project,
    hosts,
    engines,
    signal,
    lines,
    applied,
    applyOptions,
    sink: {
      warn: (t) => void lines.push(`warning: ${t}`),
      error: (t) => void lines.push(`error: ${t}`),
      message: (t) => void lines.push(t),
    },
    backend: {
      observe: (opts = {}) => observe(project, hosts, { ...opts, signal }),
      apply: async (plan, _observed, opts = {}) => {
        applied.push({ groups: plan.groups.length, nodes: plan.nodes.length });
        applyOptions.push(opts);
        if (plan.errors.length) throw new EngineError(plan.errors.map((e) => e.message).join('\n'));
        const r = await execute(plan, { engines, concurrency: 4, signal, pollMs: 1 });
        return r.failed.length && !opts.ignoreFailures ? 1 : 0;
      },
      unreachable: (observed) => Object.values(observed.hosts).filter((h) => !h.reachable).map((h) => `host ${h.name} did not answer`),
    },
  };
}

/** Labels of replica `number` of `service` (0 and `oneoff` for a one-off). */
export function serviceLabels(project: string, service: string, number: number, oneoff = false): Record<string, string> {
  return { [LABEL.project]: project, [LABEL.service]: service, [LABEL.number]: String(number), [LABEL.oneoff]: oneoff ? 'True' : 'False' };
}

/** A fake whose attach gives streams that have already ended (the terminal stub stands in for the session). */
export class AttachableEngine extends FakeEngine {
  readonly attached: string[] = [];
  override attachContainer(id: string): Promise<AttachedStreams> {
    this.attached.push(id);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.end();
    stderr.end();
    return Promise.resolve({ stdin: null, stdout, stderr, ended: Promise.resolve(), close: () => undefined });
  }
}

/** A terminal that is not one: `connect` runs `onConnect` (the test's stand-in for the session) and returns when it does. */
export function fakeTerminal(onConnect: (opts: TerminalConnectOptions) => void | Promise<void> = () => undefined): TerminalPort & { claimed: number; connects: number } {
  const t = {
    stdinIsTTY: false,
    claimed: 0,
    connects: 0,
    claimSignals: () => void t.claimed++,
    holdSignals: () => () => 0,
    connect: async (_streams: AttachedStreams, opts: TerminalConnectOptions) => {
      t.connects++;
      await onConnect(opts);
    },
    onInput: () => () => undefined,
  };
  return t;
}
