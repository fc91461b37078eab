/**
 * The terminal as the user sees it: the built binary on a pseudo-terminal of a given size
 * (util-linux `script`), and the raw bytes it wrote replayed through a terminal emulator
 * (`@xterm/headless`) into the final screen: the lines the user reads, scrollback included.
 *
 * Assert on `screen(...)`, not on the bytes: a display that moves the cursor up over the wrong
 * rows or leaves old frames behind shows up there exactly as it would in a real terminal.
 */
import { spawn } from 'node:child_process';
import { BIN } from './stack.js';
import { binaryEnv, watchChild, type Child } from './binary.js';
import { screen, type TerminalSize } from '../../support/screen.js';

export { frameRows, lastFrameStart, screen, type TerminalSize } from '../../support/screen.js';

export const DEFAULT_SIZE: TerminalSize = { cols: 80, rows: 30 };

export interface TerminalChild extends Child {
  /** Everything written to the terminal so far (stdout and stderr of the binary, one stream). */
  bytes: () => Buffer;
  /** The screen as rendered now. */
  screen: () => Promise<string[]>;
  /** Ctrl-C typed on the terminal: the line discipline sends SIGINT to the foreground process group. */
  ctrlC: () => void;
  size: TerminalSize;
}

/**
 * `tsfig -p PROJECT ARGS...` in `dir` on a pseudo-terminal of `size` (stdin, stdout and stderr
 * all the terminal, as in an interactive shell), progress on auto (so `tty` mode) unless `env`
 * says otherwise.
 */
export function inTerminalOf(dir: string, project: string, args: string[], opts: { size?: TerminalSize; env?: Record<string, string> } = {}): TerminalChild {
  const size = opts.size ?? DEFAULT_SIZE;
  const line = [process.execPath, BIN, '-p', project, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const { TSFIG_PROGRESS: _plain, ...base } = binaryEnv();
  void _plain;
  const env = { ...base, TERM: 'xterm-256color', ...opts.env };
  const proc = spawn('script', ['-qfec', `stty cols ${size.cols} rows ${size.rows}; exec ${line}`, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (b: Buffer) => chunks.push(b));
  const child = watchChild(proc);
  const bytes = () => Buffer.concat(chunks);
  return {
    ...child,
    bytes,
    screen: () => screen(bytes(), size),
    ctrlC: () => void proc.stdin.write('\u0003'),
    size,
  };
}
