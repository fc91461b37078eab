/**
 * The built binary in a child process, for commands that read stdin or need a terminal: a
 * plain child (`bin`) or one inside `script` (util-linux), whose stdin and stdout are a
 * pseudo-terminal (`inTerminal`). The environment is the engine's address and nothing personal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './stack.js';

export interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout as text; `bytes` as written. */
  stdout: string;
  bytes: Buffer;
  stderr: string;
}

export interface Child {
  proc: ChildProcess;
  /** stdout so far, as text. */
  out: () => string;
  done: Promise<Done>;
}

/** HOME, PATH and DOCKER_HOST of this process, plain progress. */
export function binaryEnv(): Record<string, string> {
  const out: Record<string, string> = { TSFIG_PROGRESS: 'plain' };
  for (const k of ['HOME', 'PATH', 'DOCKER_HOST'] as const) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function watchChild(proc: ChildProcess): Child {
  const stdout: Buffer[] = [];
  let stderr = '';
  proc.stdout?.on('data', (b: Buffer) => stdout.push(b));
  proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const done = new Promise<Done>((res) =>
    proc.on('close', (code, signal) => {
      const bytes = Buffer.concat(stdout);
      res({ code, signal, stdout: bytes.toString('utf8'), bytes, stderr });
    }),
  );
  return { proc, out: () => Buffer.concat(stdout).toString('utf8'), done };
}

/** `node bin/tsfig.js -p PROJECT ARGS...` in `dir`, stdin, stdout and stderr pipes. */
export function bin(dir: string, project: string, args: string[]): Child {
  return watchChild(spawn(process.execPath, [BIN, '-p', project, ...args], { cwd: dir, env: binaryEnv(), stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** The binary inside `script`: its stdin and stdout are a pseudo-terminal (`before`: shell commands run first in it). */
export function inTerminal(dir: string, project: string, args: string[], before = ''): Child {
  const line = [process.execPath, BIN, '-p', project, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return watchChild(spawn('script', ['-qec', `${before}exec ${line}`, '/dev/null'], { cwd: dir, env: binaryEnv(), stdio: ['pipe', 'pipe', 'pipe'] }));
}
