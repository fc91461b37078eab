/**
 * A terminal emulator (`@xterm/headless`) fed raw bytes: the screen as the user sees it. Pure
 * (no process, no engine), so unit tests of the renderer use it too; the pseudo-terminal runner
 * is test/e2e/support/terminal.ts.
 */
import xterm from '@xterm/headless';

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface ScreenOptions {
  /** Treat a bare `\n` as `\r\n` (bytes that did not pass a terminal's output processing). */
  convertEol?: boolean;
}

/**
 * The lines a terminal of `size` shows after receiving `bytes`, from the top of its scrollback
 * to the last non-empty line, trailing spaces removed.
 */
export async function screen(bytes: Buffer | string, size: TerminalSize = { cols: 80, rows: 30 }, opts: ScreenOptions = {}): Promise<string[]> {
  const term = new xterm.Terminal({ cols: size.cols, rows: size.rows, scrollback: 100_000, allowProposedApi: true, convertEol: opts.convertEol ?? false });
  try {
    await new Promise<void>((resolve) => term.write(typeof bytes === 'string' ? bytes : new Uint8Array(bytes), resolve));
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) {
      const l = buf.getLine(i);
      // A wrapped row continues the line above it: join them, as the user reads them.
      if (l?.isWrapped && lines.length > 0) lines[lines.length - 1] += l.translateToString(true);
      else lines.push(l?.translateToString(true) ?? '');
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.map((l) => l.trimEnd());
  } finally {
    term.dispose();
  }
}

/** Index of the last line that starts a progress frame (`[+] Running n/m`), or -1. */
export function lastFrameStart(lines: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (/^\[\+\] Running \d+\/\d+/.test(lines[i]!)) return i;
  return -1;
}

/** The rows of the frame starting at `start`: the lines after the header that start with ` <icon> `. */
export function frameRows(lines: string[], start: number): string[] {
  const rows: string[] = [];
  for (let i = start + 1; i < lines.length && /^ \S /.test(lines[i]!); i++) rows.push(lines[i]!);
  return rows;
}
