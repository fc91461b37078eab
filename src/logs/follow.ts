/**
 * The log follower: every line of every selected container of a project, across its hosts,
 * prefixed and coloured, with stdout and stderr; with `follow`, containers that start later,
 * restart, are recreated or scaled are followed too, and a container that stops is waited for.
 *
 * Per container, one pump at a time reads the engine's log stream (always with timestamps, so
 * each line has a stamp) and keeps a cursor. When a stream ends (the container stopped, or the
 * connection dropped) the pump reads once more without following, from the cursor, for lines
 * a follow stream can miss at the very end, then waits for the container's next start; every
 * new stream resumes from the cursor, and the cursor skips what was already printed. The
 * watch (engine events, subscribed before the list) tells the pumps about starts, renames and
 * removals, and makes new pumps for containers that appear.
 *
 * Only the Engine interface is used. Output goes through `out` in whole lines,
 * one call per chunk of the engine's stream.
 */
import type { EngineContainers, EngineMonitor, LogsOptions } from '../engine/engine.js';
import { isNotFound, isPermanentFailure } from '../engine/errors.js';
import { isReplacementName } from '../model/naming.js';
import { byText } from '../model/dict.js';
import { LogCursor } from './cursor.js';
import { LogDecoder, type LogLine } from './decode.js';
import { LogFormatter } from './format.js';
import { engineTime, nowNs } from './time.js';
import { watchProject, type Watch, type WatchEngine, type WatchEvent, type WatchedContainer, type WatchHost } from './watch.js';

/** What following logs needs of an engine. */
export type LogsEngine = WatchEngine & Pick<EngineContainers, 'inspectContainer'> & Pick<EngineMonitor, 'logs'>;

export interface FollowOptions {
  hosts: Array<WatchHost<LogsEngine>>;
  /** The project name (containers are found by its label). */
  project: string;
  /** Only these services (default: every service container of the project). */
  services?: string[];
  /** Only the container with this replica number. */
  index?: number;
  /** Keep following (`-f`); otherwise print what there is and end. */
  follow?: boolean;
  /** Lines from the end of each container's log when it is first read (default all). */
  tail?: number | 'all';
  /** Only lines at or after / at or before these times (ns since the epoch). */
  sinceNs?: bigint;
  untilNs?: bigint;
  timestamps?: boolean;
  prefix?: boolean;
  color?: boolean;
  /** Put the host in the prefix (default: when there are several hosts). */
  withHost?: boolean;
  /** Colour order: the project's services (default: order of appearance). */
  serviceOrder?: string[];
  /** After a followed container stops, print `NAME exited with code N` (attached `up`). */
  showExits?: boolean;
  /** Where lines go (stdout) and where problems go (stderr). */
  out: (text: string) => void;
  err: (text: string) => void;
  /**
   * Backpressure: a promise while the output cannot take more (a slow pipe), else undefined.
   * Reading the engine's streams waits for it, so a fast container never fills tsfig's memory.
   */
  congested?: () => Promise<void> | undefined;
  /** Aborting ends everything at once (Ctrl-C). `stop()` ends gracefully. */
  signal?: AbortSignal;
  /** Told about every container event of the project (after the follower handled it). */
  onEvent?: (e: WatchEvent) => void;
  /** Cursor tuning (tests). */
  cursor?: ConstructorParameters<typeof LogCursor>[0];
}

export interface FollowResult {
  /** Containers whose logs could not be read, and hosts that did not answer. */
  problems: number;
  /** Aborted by the signal. */
  aborted: boolean;
  /** Lines printed. */
  lines: number;
}

interface Tracked {
  c: WatchedContainer;
  engine: LogsEngine;
  cursor: LogCursor;
  /** Bumped by every start event: a pump that saw it change reopens the stream. */
  starts: number;
  destroyed: boolean;
  /** The first read of a container found later starts at its beginning. */
  discovered: boolean;
  unreadable: boolean;
  wake: (() => void) | undefined;
  pump?: Promise<void>;
}

class Stopped extends Error {}

interface ContainerStatus {
  running: boolean;
  restarting: boolean;
  code: number;
}

/** A signal aborted by any of `signals`, and a way to let go of them (no listener is left behind). */
function linked(signals: AbortSignal[]): { signal: AbortSignal; dispose: () => void } {
  const c = new AbortController();
  const onAbort = () => c.abort();
  for (const s of signals) {
    if (s.aborted) {
      c.abort();
      return { signal: c.signal, dispose: () => {} };
    }
  }
  for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  return { signal: c.signal, dispose: () => signals.forEach((s) => s.removeEventListener('abort', onAbort)) };
}

export class LogFollower {
  private readonly opts: FollowOptions;
  readonly formatter: LogFormatter;
  private readonly tracked = new Map<string, Tracked>();
  private readonly hard = new AbortController();
  /** Aborted by `stop()`: ends the follow streams; the pumps then catch up and end. */
  private readonly soft = new AbortController();
  private stopping = false;
  private watch: Watch | undefined;
  private problems = 0;
  private lines = 0;
  private readonly wanted: Set<string> | undefined;
  private running: Promise<FollowResult> | undefined;

  constructor(opts: FollowOptions) {
    this.opts = opts;
    this.formatter = new LogFormatter({
      prefix: opts.prefix !== false,
      color: opts.color === true,
      timestamps: opts.timestamps === true,
      withHost: opts.withHost ?? opts.hosts.length > 1,
      services: opts.serviceOrder ?? [],
    });
    this.wanted = opts.services?.length ? new Set(opts.services) : undefined;
    const onAbort = () => {
      this.hard.abort(opts.signal?.reason);
      this.soft.abort();
      this.wakeAll();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  }

  /** Start (once) and resolve when done: without follow when everything is printed, else after `stop()` or an abort. */
  run(): Promise<FollowResult> {
    this.running ??= this.go();
    return this.running;
  }

  /** End gracefully: stop following, print what is left of every stream, then end. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.soft.abort();
    this.wakeAll();
  }

  /** The containers followed now (tests, attach). */
  containers(): WatchedContainer[] {
    return [...this.tracked.values()].filter((t) => !t.destroyed).map((t) => t.c);
  }

  private get follow(): boolean {
    return this.opts.follow === true;
  }

  private selected(c: WatchedContainer): boolean {
    if (c.oneoff) return false;
    if (this.wanted ? !this.wanted.has(c.service) : c.service === '') return false;
    if (this.opts.index !== undefined && c.number !== this.opts.index) return false;
    return true;
  }

  private async go(): Promise<FollowResult> {
    const hosts = new Map(this.opts.hosts.map((h) => [h.name, h.engine]));
    const initial: WatchedContainer[] = [];
    // Events that arrive while the hosts are listed wait until the listed containers are tracked.
    let early: WatchEvent[] | undefined = [];
    this.watch = watchProject({
      hosts: this.opts.hosts,
      project: this.opts.project,
      follow: this.follow,
      signal: this.hard.signal,
      onHostError: (host, err) => {
        this.opts.err(`warning: host ${host}: ${err instanceof Error ? err.message : String(err)}${this.follow ? ' (retrying)' : ''}\n`);
      },
      onEvent: (e) => {
        if (early === undefined) {
          this.handle(e, hosts);
          this.opts.onEvent?.(e);
        } else if (e.kind === 'present') initial.push(e.container);
        else early.push(e);
      },
    });
    const failed = await this.watch.ready;
    this.problems += failed.length;
    // Register every listed container first, so the padding fits them all from the first line.
    const first = initial
      .filter((c) => this.selected(c))
      .filter((c) => !(isReplacementName(c.name) && c.state !== 'running'))
      .sort((a, b) => byText(a.name, b.name));
    for (const c of first) this.formatter.register(c);
    for (const c of first) {
      const engine = hosts.get(c.host);
      if (engine && !this.tracked.has(c.id)) this.track(c, engine, false);
    }
    for (const c of initial) this.opts.onEvent?.({ kind: 'present', container: c });
    const queued = early;
    early = undefined;
    for (const e of queued) {
      this.handle(e, hosts);
      this.opts.onEvent?.(e);
    }
    let untilTimer: NodeJS.Timeout | undefined;
    if (this.follow && this.opts.untilNs !== undefined) {
      // The engine ends a follow stream at --until only when a later line arrives: end here.
      const ms = Number((this.opts.untilNs - nowNs()) / 1_000_000n);
      untilTimer = setTimeout(() => this.stop(), Math.max(0, ms) + 200);
    }
    if (this.follow) {
      // Until stop() or an abort.
      await new Promise<void>((resolve) => {
        if (this.soft.signal.aborted) return resolve();
        this.soft.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    // Pumps can still be added by late events while draining: wait until none is left.
    for (;;) {
      const pumps = [...this.tracked.values()].map((t) => t.pump);
      await Promise.all(pumps);
      if ([...this.tracked.values()].every((t) => pumps.includes(t.pump))) break;
    }
    if (untilTimer) clearTimeout(untilTimer);
    this.watch.close();
    await this.watch.closed;
    return { problems: this.problems, aborted: this.hard.signal.aborted, lines: this.lines };
  }

  private handle(e: WatchEvent, hosts: Map<string, LogsEngine>): void {
    const t = this.tracked.get(e.container.id);
    switch (e.kind) {
      case 'present':
      case 'start': {
        if (t) {
          // A start, or a running container listed again after a broken subscription (a start
          // may have been missed): reopen once the current stream ends.
          if (e.kind === 'start' || e.container.state === 'running') {
            t.starts++;
            if (e.container.name !== t.c.name && !isReplacementName(e.container.name)) this.rename(t, e.container.name);
            t.wake?.();
          }
          return;
        }
        if (!this.follow || this.stopping || this.hard.signal.aborted) return;
        if (e.kind === 'present' && isReplacementName(e.container.name) && e.container.state !== 'running') return;
        if (!this.selected(e.container)) return;
        const engine = hosts.get(e.container.host);
        if (!engine) return;
        this.formatter.register(e.container);
        this.track(e.container, engine, e.kind === 'start');
        return;
      }
      case 'rename':
        if (t) this.rename(t, e.container.name);
        return;
      case 'destroy':
        if (t) {
          t.destroyed = true;
          t.wake?.();
        }
        return;
      default:
        return;
    }
  }

  private rename(t: Tracked, name: string): void {
    t.c = { ...t.c, name };
    this.formatter.register(t.c);
  }

  private track(c: WatchedContainer, engine: LogsEngine, discovered: boolean): void {
    const t: Tracked = {
      c,
      engine,
      cursor: new LogCursor(this.opts.cursor),
      starts: 0,
      destroyed: false,
      discovered,
      unreadable: false,
      wake: undefined,
    };
    this.tracked.set(c.id, t);
    t.pump = this.pump(t).catch((err: unknown) => {
      if (err instanceof Stopped || this.hard.signal.aborted) return;
      this.problems++;
      this.opts.err(`error: logs of ${t.c.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  }

  private wakeAll(): void {
    for (const t of this.tracked.values()) t.wake?.();
  }

  /** Wait until the container starts again (or goes away, or the follower stops). */
  private waitForStart(t: Tracked, starts: number, ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        t.wake = undefined;
        resolve();
      };
      if (t.starts !== starts || t.destroyed || this.stopping || this.hard.signal.aborted) return resolve();
      t.wake = done;
      if (ms !== undefined) timer = setTimeout(done, ms);
    });
  }

  private async pump(t: Tracked): Promise<void> {
    const tail = this.opts.tail ?? 'all';
    // Where a resume starts when nothing was printed yet: after what the first read skipped.
    let floor = this.opts.sinceNs;
    let first = true;
    let warned = false;
    for (;;) {
      const starts = t.starts;
      let req: LogsOptions;
      if (first) {
        req = {};
        if (!t.discovered && tail !== 'all') {
          req.tail = tail;
          floor = nowNs();
        }
        if (this.opts.sinceNs !== undefined) req.since = engineTime(this.opts.sinceNs);
      } else {
        req = this.resumeFrom(t, floor);
      }
      first = false;
      const opened = Date.now();
      const before = t.cursor.printed;
      const following = this.follow && !this.stopping;
      let status = await this.read(t, req, following);
      if (!this.follow || this.hard.signal.aborted) {
        if (status instanceof Error) throw status;
        return;
      }
      // The stream ended: catch up on the lines a follow stream can miss at the very end.
      if (following && status === 'ok') status = await this.read(t, this.resumeFrom(t, floor), false);
      if (t.destroyed || this.hard.signal.aborted) return;
      if (status instanceof Error) {
        if (t.unreadable) throw status;
        // The engine failed (restarting? unreachable?): say so once, try again later.
        if (!warned) this.opts.err(`warning: logs of ${t.c.name}: ${status.message} (retrying)\n`);
        warned = true;
        if (this.stopping) return;
        await this.waitForStart(t, starts, 2000);
        continue;
      }
      warned = false;
      let exit: ContainerStatus | undefined;
      if (t.starts === starts || this.opts.showExits) exit = await this.status(t);
      if (exit === undefined) {
        if (t.destroyed || this.stopping) return;
        continue;
      }
      if (this.opts.showExits && !exit.running) this.opts.out(this.formatter.exited(t.c, exit.code, exit.restarting));
      if (this.stopping) return;
      if (t.starts !== starts) continue;
      if (exit.running) {
        // Still running, yet the stream ended (connection dropped?): reopen, gently when it
        // ended at once without a line.
        if (Date.now() - opened < 1000 && t.cursor.printed === before) await this.waitForStart(t, starts, 1000);
        continue;
      }
      await this.waitForStart(t, starts);
      if (t.destroyed || this.stopping || this.hard.signal.aborted) return;
    }
  }

  /** The request that resumes after the last printed line (or from `floor`). */
  private resumeFrom(t: Tracked, floor: bigint | undefined): LogsOptions {
    const at = t.cursor.resume();
    let since = at?.sinceNs ?? floor;
    if (since !== undefined && this.opts.sinceNs !== undefined && this.opts.sinceNs > since) since = this.opts.sinceNs;
    return since !== undefined ? { since: engineTime(since) } : {};
  }

  /** Running or not, and the exit code; undefined when the container is gone. */
  private async status(t: Tracked): Promise<ContainerStatus | undefined> {
    try {
      const i = await t.engine.inspectContainer(t.c.id, { signal: this.hard.signal });
      return { running: i.state.running && !i.state.restarting, restarting: i.state.restarting, code: i.state.exitCode };
    } catch (err) {
      if (this.hard.signal.aborted) throw new Stopped();
      if (isNotFound(err)) t.destroyed = true;
      // Unknown: treat as stopped-and-gone unless events say otherwise.
      return undefined;
    }
  }

  /**
   * One log stream of a container, printed through the cursor: 'ok' when it ended (or was
   * stopped), an Error when the engine failed (`t.unreadable` when it never will work).
   */
  private async read(t: Tracked, req: LogsOptions, follow: boolean): Promise<'ok' | Error> {
    const link = linked(follow ? [this.hard.signal, this.soft.signal] : [this.hard.signal]);
    const signal = link.signal;
    try {
      if (signal.aborted) return 'ok';
      const opts: LogsOptions = { ...req, follow, timestamps: true, stdout: true, stderr: true, signal };
      if (this.opts.untilNs !== undefined) opts.until = engineTime(this.opts.untilNs);
      let stream: NodeJS.ReadableStream;
      try {
        stream = await t.engine.logs(t.c.id, opts);
      } catch (err) {
        if (signal.aborted) return 'ok';
        if (isNotFound(err)) {
          t.destroyed = true;
          return 'ok';
        }
        // A 4xx other than 404, or 501 (a logging driver that cannot be read), will not get better.
        if (isPermanentFailure(err)) t.unreadable = true;
        return err instanceof Error ? err : new Error(String(err));
      }
      const decoder = new LogDecoder();
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          this.emit(t, decoder.push(chunk));
          const wait = this.opts.congested?.();
          if (wait) await wait;
        }
      } catch (err) {
        // A follow stream that breaks is reopened from the cursor.
        if (signal.aborted || follow) return 'ok';
        return err instanceof Error ? err : new Error(String(err));
      }
      // A follow stream's unfinished last line is read again by the catch-up (from the
      // cursor); printing it now would print it twice. A one-shot read prints it.
      if (!follow) this.emit(t, decoder.end());
      return 'ok';
    } finally {
      link.dispose();
    }
  }

  private emit(t: Tracked, lines: LogLine[]): void {
    if (lines.length === 0) return;
    let text = '';
    // One prefix per batch (the same container throughout).
    const prefix = this.formatter.prefixOf(t.c);
    const stamps = this.formatter.timestamps;
    for (const l of lines) {
      if (l.stream === 'system') {
        this.opts.err(`warning: logs of ${t.c.name}: ${l.line}\n`);
        continue;
      }
      if (!t.cursor.accept(l.stream, l.ts, l.line)) continue;
      text += stamps && l.ts !== '' ? `${prefix}${l.ts} ${l.line}\n` : `${prefix}${l.line}\n`;
      this.lines++;
    }
    if (text !== '') this.opts.out(text);
  }
}

/** Follow (or print) the logs of a project: `new LogFollower(opts).run()`. */
export function followLogs(opts: FollowOptions): { done: Promise<FollowResult>; stop: () => void; follower: LogFollower } {
  const follower = new LogFollower(opts);
  return { done: follower.run(), stop: () => follower.stop(), follower };
}
