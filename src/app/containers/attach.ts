/**
 * `attach SERVICE`: the user's terminal joined to a running container of a service, as
 * `docker compose attach` does.
 *
 * - A TTY container: raw terminal, its size followed; the detach keys (default ctrl-p,ctrl-q)
 *   leave it running and exit 0. They are passed to the engine (which acts on them for a TTY)
 *   and watched for here too, so a detach is known for what it is.
 * - Without a TTY: output streamed, stdin forwarded unless --no-stdin (the end of our stdin
 *   ends the attach, the container keeps running: the engine's rule without `StdinOnce`).
 * - `sigProxy` (default true, no TTY): SIGINT/SIGTERM go to the container, as with
 *   `docker attach`; a third one detaches. Without it (or with a TTY) Ctrl-C detaches.
 * - When the container exits, tsfig exits with its code.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, TsfigError, UsageError } from '../../errors.js';
import type { AttachedStreams, ContainersContext, ContainersSink, Engine, TerminalPort } from './context.js';
import { locateContainer } from './locate.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const CTRL = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'];

/** Detach keys (`ctrl-p,ctrl-q`, `a,ctrl-x`, `DEL`) as bytes, read as the engine reads them. */
export function detachKeyBytes(keys: string): Buffer {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const ctrl = key.startsWith('ctrl-') ? CTRL.indexOf(key.slice(5)) : -1;
    if (ctrl >= 0 && key.length === 6) out.push(ctrl);
    else if (key === 'DEL') out.push(127);
    else throw new UsageError(`invalid --detach-keys "${keys}": "${key}" is not a key (use a character, ctrl-<a-z, @, [, \\, ], ^, _> or DEL, comma separated)`);
  }
  if (out.some((b) => b > 127)) throw new UsageError(`invalid --detach-keys "${keys}": ASCII keys only`);
  return Buffer.from(out);
}

/** A scanner over the bytes typed: true once `keys` came in a row. */
export function detachScanner(keys: Buffer): (chunk: Buffer) => boolean {
  let matched = 0;
  return (chunk) => {
    for (const b of chunk) {
      if (b === keys[matched]) matched += 1;
      else matched = b === keys[0] ? 1 : 0;
      if (matched === keys.length) return true;
    }
    return false;
  };
}

export interface AttachRequest {
  service: string;
  index: number;
  /** false with --no-stdin. */
  stdin: boolean;
  sigProxy: boolean;
  detachKeys: string;
}

interface Target {
  engine: Engine;
  id: string;
  name: string;
  tty: boolean;
  /** Our stdin goes to the container. */
  stdin: boolean;
  sigProxy: boolean;
  detachKeys: string;
}

/** After the attach ended on its own, how long to wait for the container's exit before asking whether it still runs. */
const EXIT_GRACE_MS = 1500;

/** Attach to the container; the exit code (the container's; 0 after a detach, 130 after Ctrl-C without proxy). */
export async function attachToService(ctx: ContainersContext, req: AttachRequest, terminal: TerminalPort): Promise<number> {
  const { container: c, engine } = await locateContainer(ctx, req.service, req.index, { running: true });
  const info = await engine.inspectContainer(c.id);
  if (!info.state.running) throw new TsfigError(`service ${req.service} is not running: container ${c.name} is ${info.state.status}`);
  if (info.state.paused) throw new TsfigError(`container ${c.name} is paused: unpause it first (tsfig unpause ${req.service})`);
  // From here a signal belongs to the attached session.
  terminal.claimSignals();
  const target: Target = {
    engine,
    id: c.id,
    name: c.name,
    tty: info.config.tty,
    stdin: req.stdin && info.config.openStdin,
    sigProxy: req.sigProxy,
    detachKeys: req.detachKeys,
  };
  return attachSession(target, terminal, ctx.sink);
}

/** Pump until the container exits or we detach. */
async function attachSession(t: Target, terminal: TerminalPort, sink: ContainersSink): Promise<number> {
  const { engine, id, name } = t;
  const waiter = new AbortController();
  // Subscribed before attaching, so an exit right after is not missed.
  const exit = engine.waitContainer(id, { condition: 'not-running', signal: waiter.signal });
  exit.catch(() => undefined);
  let detached = false;
  let interrupted = false;
  let streams: AttachedStreams | undefined;
  try {
    streams = await engine.attachContainer(id, { stdin: t.stdin, tty: t.tty, ...(t.tty ? { detachKeys: t.detachKeys } : {}) });
    const s = streams;
    let offKeys: (() => void) | undefined;
    if (t.tty && t.stdin) {
      const seen = detachScanner(detachKeyBytes(t.detachKeys));
      offKeys = terminal.onInput((chunk) => {
        if (!detached && seen(chunk)) {
          detached = true;
          s.close();
        }
      });
    }
    const proxy = t.sigProxy && !t.tty;
    try {
      await terminal.connect(s, {
        tty: t.tty,
        stdin: t.stdin,
        resize: (size) => engine.resizeContainer(id, size),
        onInterrupt: (count, signal) => {
          if (proxy && signal !== 'SIGHUP' && count < 3) {
            engine.killContainer(id, signal).catch((err: unknown) => sink.message(`${name}: could not forward ${signal}: ${err instanceof Error ? err.message : String(err)}`));
            return;
          }
          if (proxy) sink.message(`\ndetaching from ${name} (it keeps running)`);
          interrupted = true;
          s.close();
        },
      });
    } finally {
      offKeys?.();
    }
    if (detached) return EXIT.ok;
    if (interrupted) return EXIT.interrupted;
    // The output ended: the container exited, or the engine ended the attach (end of our
    // stdin, its own detach) and the container runs on.
    const settled = await Promise.race([exit.then((r) => r), sleep(EXIT_GRACE_MS).then(() => undefined)]);
    const result = settled ?? ((await engine.inspectContainer(id)).state.running ? undefined : await exit);
    if (result === undefined) return EXIT.ok;
    if (result.error !== undefined) sink.message(`${name}: ${result.error}`);
    return result.statusCode;
  } finally {
    streams?.close();
    waiter.abort();
  }
}
