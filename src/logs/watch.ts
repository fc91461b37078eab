/**
 * The containers of a project across its hosts, and what happens to them: one engine event
 * subscription per host, opened BEFORE the containers are listed, so nothing that happens
 * between the list and the subscription is missed (an event about a listed container is
 * harmless; a container missed is a lost log). When a subscription breaks, it is opened again
 * with `since` = the last event seen, and the host listed again.
 */
import type { EngineContainers, EngineEvent, EngineSystem, EventStream } from '../engine/engine.js';
import { LABEL } from '../model/labels.js';

export interface WatchedContainer {
  id: string;
  name: string;
  host: string;
  service: string;
  /** Replica number; 0 when unknown. */
  number: number;
  oneoff: boolean;
  /** `running`, `exited`, `created`, ... for listed containers; from the event otherwise. */
  state: string;
  labels: Record<string, string>;
}

export type WatchEventKind = 'present' | 'create' | 'start' | 'die' | 'destroy' | 'rename';

export interface WatchEvent {
  /** `present`: found by a list (first, or after a broken subscription); the rest: engine events. */
  kind: WatchEventKind;
  container: WatchedContainer;
  /** `die`: the exit code the engine reported. */
  exitCode?: number;
  /** `rename`: the previous name. */
  oldName?: string;
}

/** What watching a project needs of an engine. */
export type WatchEngine = Pick<EngineContainers, 'listContainers'> & Pick<EngineSystem, 'events'>;

/** A host to watch (reconcile's `HostEngine` is one). */
export interface WatchHost<E extends WatchEngine = WatchEngine> {
  name: string;
  endpoint: string;
  engine: E;
}

export interface WatchOptions {
  hosts: WatchHost[];
  project: string;
  /** Keep watching events (false: list once, and `ready` is the end). */
  follow: boolean;
  onEvent: (e: WatchEvent) => void;
  /** A host failed (list or subscription); it is retried while following. */
  onHostError?: (host: string, err: unknown) => void;
  signal?: AbortSignal;
  /** Pause before retrying a broken host (ms, default 2000). */
  retryMs?: number;
}

export interface Watch {
  /** Every host was listed once (or failed once): the hosts that failed. */
  ready: Promise<string[]>;
  /** Stop watching. */
  close(): void;
  /** Resolves when every host's watch has ended. */
  closed: Promise<void>;
}

const WATCHED_ACTIONS = ['create', 'start', 'die', 'destroy', 'rename'];

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

function fromLabels(id: string, name: string, host: string, labels: Record<string, string>, state: string): WatchedContainer {
  const n = Number(labels[LABEL.number]);
  return {
    id,
    name: stripSlash(name),
    host,
    service: labels[LABEL.service] ?? '',
    number: Number.isInteger(n) && n > 0 ? n : 0,
    oneoff: (labels[LABEL.oneoff] ?? '').toLowerCase() === 'true',
    state,
    labels,
  };
}

/** An engine event about a project container -> a WatchEvent (undefined for others). */
export function toWatchEvent(e: EngineEvent, host: string, project: string): WatchEvent | undefined {
  if (e.type !== 'container') return undefined;
  const attrs = e.attributes;
  if (attrs[LABEL.project] !== project) return undefined;
  const action = e.action.split(':')[0]!.trim();
  if (!WATCHED_ACTIONS.includes(action)) return undefined;
  const kind = action as WatchEventKind;
  const state = kind === 'start' ? 'running' : kind === 'die' ? 'exited' : kind === 'create' ? 'created' : kind === 'destroy' ? 'removed' : '';
  // Events carry the container's labels among their attributes, plus name, image, exitCode...
  const c = fromLabels(e.id, attrs.name ?? e.id, host, attrs, state);
  const out: WatchEvent = { kind, container: c };
  if (kind === 'die' && attrs.exitCode !== undefined && /^-?\d+$/.test(attrs.exitCode)) out.exitCode = Number(attrs.exitCode);
  if (kind === 'rename' && attrs.oldName !== undefined) out.oldName = stripSlash(attrs.oldName);
  return out;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export function watchProject(opts: WatchOptions): Watch {
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) controller.abort(opts.signal.reason);
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  const streams = new Set<EventStream>();
  const failed: string[] = [];
  const readies: Array<Promise<void>> = [];
  const runs: Array<Promise<void>> = [];

  for (const h of opts.hosts) {
    let markReady!: () => void;
    readies.push(new Promise<void>((r) => (markReady = r)));
    runs.push(
      (async () => {
        let since: number | undefined;
        let first = true;
        // Report a failing host once per run of failures, not every retry.
        let failing = false;
        while (!signal.aborted) {
          let stream: EventStream | undefined;
          try {
            if (opts.follow) {
              stream = await h.engine.events({
                filters: { type: ['container'], label: [`${LABEL.project}=${opts.project}`], event: WATCHED_ACTIONS },
                ...(since !== undefined ? { since } : {}),
                signal,
              });
              streams.add(stream);
            }
            const list = await h.engine.listContainers({ all: true, labels: { [LABEL.project]: opts.project }, signal });
            for (const c of list) {
              if (c.labels[LABEL.project] !== opts.project) continue;
              opts.onEvent({ kind: 'present', container: fromLabels(c.id, c.names[0] ?? c.id, h.name, c.labels, c.state) });
            }
            if (first) markReady();
            first = false;
            failing = false;
            if (!stream) return;
            for await (const e of stream) {
              since = e.time;
              const w = toWatchEvent(e, h.name, opts.project);
              if (w) opts.onEvent(w);
            }
            // The engine closed the subscription (restart?): open it again.
          } catch (err) {
            if (signal.aborted) break;
            if (first) {
              failed.push(h.name);
              markReady();
            }
            first = false;
            if (!failing) opts.onHostError?.(h.name, err);
            failing = true;
            if (!opts.follow) return;
          } finally {
            if (stream) {
              streams.delete(stream);
              stream.close();
            }
          }
          if (!signal.aborted) await sleep(opts.retryMs ?? 2000, signal);
        }
        if (first) markReady();
      })(),
    );
  }

  const closed = Promise.all(runs).then(() => {
    opts.signal?.removeEventListener('abort', onAbort);
  });
  return {
    ready: Promise.all(readies).then(() => failed),
    close: () => {
      controller.abort();
      for (const s of streams) s.close();
    },
    closed,
  };
}
