/**
 * The process's own terminal joined to a container's (or an exec's) streams: what `run` and
 * `exec` share. stdin goes in (raw mode when both ends are terminals), output comes out on
 * stdout/stderr, the remote TTY follows the size of ours (SIGWINCH), and signals that reach
 * tsfig while attached are reported to the caller instead of killing tsfig.
 *
 * These commands read the real stdin, so they use the process's streams, not `IO`.
 */
import { finished } from 'node:stream/promises';
import type { AttachedStreams, TerminalConnectOptions, TerminalPort, TerminalSize } from '../app/containers/context.js';

export interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export function processTerminal(): Terminal {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** The size of the terminal tsfig writes to, if it writes to one. */
export function terminalSize(term: Terminal): TerminalSize | undefined {
  for (const s of [term.stdout, term.stderr]) {
    if (s.isTTY !== true) continue;
    const [w, h] = s.getWindowSize();
    if (w > 0 && h > 0) return { h, w };
  }
  return undefined;
}

export type ConnectOptions = TerminalConnectOptions;

const INTERRUPTS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The remote TTY follows the sizes it is given, one request at a time, the newest winning: two
 * resizes in flight could reach the engine out of order and leave the older size (seen in CI:
 * `stty rows 50 cols 120` is two SIGWINCHes). The first can come before the process exists on
 * the engine's side: it is retried a little; later failures are let go (the session goes on).
 */
export function sizeFollower(resize: (size: TerminalSize) => Promise<void>, pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): (size: TerminalSize) => void {
  let wanted: TerminalSize | undefined;
  let sent: TerminalSize | undefined;
  let running = false;
  let failures = 0;
  const pump = async (): Promise<void> => {
    running = true;
    try {
      while (wanted !== undefined && (sent === undefined || sent.h !== wanted.h || sent.w !== wanted.w)) {
        const size: TerminalSize = wanted;
        try {
          await resize(size);
          sent = size;
        } catch {
          failures += 1;
          if (sent !== undefined || failures >= 5) sent = size;
          else await pause(30 * failures);
        }
      }
    } finally {
      running = false;
    }
  };
  return (size) => {
    wanted = size;
    if (!running) void pump();
  };
}

/** Pump until the remote output has ended; the terminal is restored on the way out. */
export async function connectTerminal(streams: AttachedStreams, term: Terminal, opts: ConnectOptions): Promise<void> {
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    opts.onInterrupt?.(interrupts, signal);
  };
  for (const sig of INTERRUPTS) process.on(sig, onSignal);
  const follow = opts.resize !== undefined ? sizeFollower(opts.resize) : undefined;
  const onWinch = (): void => {
    const size = terminalSize(term);
    if (size !== undefined) follow?.(size);
  };
  if (opts.tty && follow !== undefined) {
    onWinch();
    process.on('SIGWINCH', onWinch);
  }
  // Raw only when our keys go to the remote TTY (without stdin, Ctrl-C stays a signal here).
  const raw = opts.tty && opts.stdin && term.stdin.isTTY === true && typeof term.stdin.setRawMode === 'function';
  if (raw) term.stdin.setRawMode(true);
  // A terminal that goes away (EIO, EPIPE) ends the session through the signals, not a crash.
  const ignore = (): void => undefined;
  for (const s of [term.stdin, term.stdout, term.stderr]) s.on('error', ignore);
  const input = opts.stdin ? streams.stdin : null;
  if (input !== null) term.stdin.pipe(input);
  streams.stdout.pipe(term.stdout, { end: false });
  streams.stderr.pipe(term.stderr, { end: false });
  try {
    await Promise.all([
      streams.ended.catch(() => undefined),
      finished(streams.stdout).catch(() => undefined),
      finished(streams.stderr).catch(() => undefined),
    ]);
  } finally {
    for (const sig of INTERRUPTS) process.off(sig, onSignal);
    for (const s of [term.stdin, term.stdout, term.stderr]) s.off('error', ignore);
    process.off('SIGWINCH', onWinch);
    if (input !== null) term.stdin.unpipe(input);
    // A paused stdin no longer keeps the process alive.
    term.stdin.pause();
    if (raw) term.stdin.setRawMode(false);
  }
}

/**
 * The process's terminal as app/containers' use cases take it; `claimSignals` ends the
 * command's own Ctrl-C handling (the session's).
 */
export function terminalPort(claimSignals: () => void, term: Terminal = processTerminal()): TerminalPort {
  return {
    stdinIsTTY: term.stdin.isTTY === true,
    claimSignals,
    holdSignals: () => {
      let count = 0;
      const note = (): void => void count++;
      for (const sig of INTERRUPTS) process.on(sig, note);
      return () => {
        for (const sig of INTERRUPTS) process.off(sig, note);
        return count;
      };
    },
    connect: (streams, opts) => connectTerminal(streams, term, opts),
    onInput: (listener) => {
      term.stdin.on('data', listener);
      return () => term.stdin.off('data', listener);
    },
  };
}
