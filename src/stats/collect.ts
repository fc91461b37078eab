/**
 * `tsfig stats`, the engine side: samples of each container, on its own host's engine.
 *
 * CPU % needs two readings of the container's and the host's CPU counters. Every sample of
 * the engine carries the reading before it as `precpu_stats`, except:
 * - a one-shot sample (`one-shot=true`, API >= 1.41): answered at once, no previous reading,
 *   so no CPU % (the CLI's 0 %). Not used here.
 * - the first sample of a stream (`stream=true`): same, empty `precpu_stats`.
 * So `--no-stream` asks for `stream=false` without one-shot (the engine waits for its next
 * reading, ~1-2 s, and sends it with the previous one: a CPU % over the last second, as
 * `docker stats --no-stream`). Streaming opens `stream=true` and, alongside, takes one one-shot
 * sample (answered at once) as the previous reading of the stream's first sample, so the
 * first numbers come with the stream's first sample (<= 1 s) rather than its second; when that
 * does not work out (an engine older than 1.41 ignores one-shot and answers later, or the two
 * readings are too close) the first sample is skipped. The docker CLI shows a CPU % computed
 * against zero counters there instead.
 */
import type { ContainerStats, EngineMonitor, StatsStream } from '../engine/engine.js';

/** All that sampling needs of an engine. */
export type StatsEngine = Pick<EngineMonitor, 'stats'>;
import { isConflict, isNotFound } from '../engine/errors.js';
import { hasPreviousReading, sortRows, statsEntry, withPreviousReading, ZERO_ENTRY, type StatsEntry, type StatsRow } from './compute.js';

/** A container to show. */
export interface StatsTarget {
  id: string;
  name: string;
  service: string;
  host: string;
  /** Running (or paused, restarting): the engine has samples. Otherwise zeros (`--all`). */
  live: boolean;
}

/** The states whose containers have a cgroup to read. */
export function isLive(state: string): boolean {
  return state === 'running' || state === 'paused' || state === 'restarting';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The first sample of a stream, or undefined when it ends without one. */
async function first(stream: StatsStream): Promise<ContainerStats | undefined> {
  try {
    for await (const s of stream) return s;
    return undefined;
  } finally {
    stream.close();
  }
}

/**
 * One sample of every target, in parallel (`--no-stream`). A container removed meanwhile (404)
 * is left out; another failure leaves its row without numbers and is reported through `warn`.
 */
export async function sampleOnce(targets: readonly StatsTarget[], engines: Record<string, StatsEngine>, opts: { signal?: AbortSignal; warn?: (text: string) => void } = {}): Promise<StatsRow[]> {
  const rows = await Promise.all(
    targets.map(async (t): Promise<StatsRow | undefined> => {
      const row: StatsRow = { id: t.id, name: t.name, service: t.service, host: t.host };
      if (!t.live) return { ...row, entry: { ...ZERO_ENTRY } };
      const engine = engines[t.host];
      if (engine === undefined) return row;
      try {
        const s = await first(await engine.stats(t.id, { stream: false, ...(opts.signal ? { signal: opts.signal } : {}) }));
        return s === undefined ? row : { ...row, entry: statsEntry(s) };
      } catch (err) {
        if (opts.signal?.aborted === true) throw err;
        if (isNotFound(err)) return undefined;
        opts.warn?.(`${t.name}: ${message(err)}`);
        return row;
      }
    }),
  );
  return sortRows(rows.filter((r): r is StatsRow => r !== undefined));
}

interface Pump {
  target: StatsTarget;
  stream?: StatsStream;
  /** The pump has ended (stream over, or failed): the next `update` may start another. */
  done: boolean;
  entry?: StatsEntry;
  /** When `entry` was read (ms). */
  at?: number;
}

export interface StatsWatchOptions {
  engines: Record<string, StatsEngine>;
  signal?: AbortSignal;
  /** A failure of a container's stream (other than it going away). */
  warn?: (text: string) => void;
  /** Numbers older than this are shown as `--` (a stream that stalled). Default 5 s. */
  staleMs?: number;
  now?: () => number;
}

/**
 * Streaming: one engine stream per live container (each sample replaces the last), kept in
 * step with the target list given to `update` (new containers get a stream, gone ones lose
 * theirs, a stream that ended is reopened while the container is still listed as live).
 */
export class StatsWatch {
  private readonly pumps = new Map<string, Pump>();
  private targets: StatsTarget[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly opts: StatsWatchOptions) {}

  /** Follow exactly these containers from now on. */
  update(targets: readonly StatsTarget[]): void {
    if (this.closed) return;
    this.targets = [...targets];
    const wanted = new Map(targets.map((t) => [this.key(t), t]));
    for (const [k, p] of this.pumps) {
      if (wanted.get(k)?.live !== true) {
        p.stream?.close();
        this.pumps.delete(k);
      }
    }
    for (const t of targets) {
      if (!t.live) continue;
      const k = this.key(t);
      const p = this.pumps.get(k);
      if (p === undefined || p.done) this.start(t, p);
      else p.target = t;
    }
    this.notify();
  }

  /** The rows to draw now, sorted by name. */
  rows(): StatsRow[] {
    const now = (this.opts.now ?? Date.now)();
    const stale = this.opts.staleMs ?? 5000;
    return sortRows(
      this.targets.map((t) => {
        const row: StatsRow = { id: t.id, name: t.name, service: t.service, host: t.host };
        if (!t.live) return { ...row, entry: { ...ZERO_ENTRY } };
        const p = this.pumps.get(this.key(t));
        return p?.entry !== undefined && p.at !== undefined && now - p.at <= stale ? { ...row, entry: p.entry } : row;
      }),
    );
  }

  /** Resolves once every live container has numbers (or its stream ended), or after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<void> {
    const isReady = (): boolean => this.closed || [...this.pumps.values()].every((p) => p.entry !== undefined || p.done);
    if (isReady()) return;
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        this.opts.signal?.removeEventListener('abort', finish);
        resolve();
      };
      const check = (): void => {
        if (isReady()) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.waiters.add(check);
      this.opts.signal?.addEventListener('abort', finish, { once: true });
    });
  }

  close(): void {
    this.closed = true;
    for (const p of this.pumps.values()) p.stream?.close();
    this.pumps.clear();
    this.notify();
  }

  private key(t: StatsTarget): string {
    return `${t.host}\u0000${t.id}`;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private start(target: StatsTarget, previous: Pump | undefined): void {
    const pump: Pump = { target, done: false, ...(previous?.entry !== undefined && previous.at !== undefined ? { entry: previous.entry, at: previous.at } : {}) };
    this.pumps.set(this.key(target), pump);
    void this.run(pump);
  }

  private async run(pump: Pump): Promise<void> {
    const engine = this.opts.engines[pump.target.host];
    try {
      if (engine === undefined) return;
      const signal = this.opts.signal ? { signal: this.opts.signal } : {};
      const primer = engine
        .stats(pump.target.id, { stream: false, oneShot: true, ...signal })
        .then(first)
        .catch(() => undefined);
      const stream = await engine.stats(pump.target.id, { stream: true, ...signal });
      if (this.closed || this.pumps.get(this.key(pump.target)) !== pump) {
        stream.close();
        return;
      }
      pump.stream = stream;
      for await (const s of stream) {
        let sample: ContainerStats | undefined = s;
        // The first sample of a stream has no previous CPU reading: the one-shot one, if earlier.
        if (!hasPreviousReading(s)) {
          const earlier = await primer;
          sample = earlier !== undefined ? withPreviousReading(s, earlier) : undefined;
          if (sample === undefined) continue;
        }
        pump.entry = statsEntry(sample);
        pump.at = (this.opts.now ?? Date.now)();
        this.notify();
      }
    } catch (err) {
      if (this.closed || this.opts.signal?.aborted === true) return;
      if (isNotFound(err) || isConflict(err)) return;
      this.opts.warn?.(`${pump.target.name}: ${message(err)}`);
    } finally {
      pump.done = true;
      this.notify();
    }
  }
}
