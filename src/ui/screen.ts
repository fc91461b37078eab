/**
 * One owner of the terminal while a live progress frame is on it.
 *
 * A live frame (the tty renderer's `[+] Running n/m` block) sits at the bottom of the screen and
 * is redrawn in place by moving the cursor up over it. Anything else written to the terminal
 * meanwhile (log lines of attached `up`, Ctrl-C notices, warnings) must go *above* the frame, or
 * the next redraw moves up over the wrong rows and the display falls apart. So every writer goes
 * through one `Screen`: while a frame is shown, a complete line written to stdout or stderr
 * erases the frame, is written, and the frame is drawn again under it; a partial line waits for
 * its end. The frame's height is counted in terminal rows (a line wider than the terminal takes
 * several).
 */
import { visibleWidth } from './text.js';

/** Something drawn live at the bottom of the screen (a renderer's block). */
export interface FrameSource {
  /** The frame's lines now, for a terminal `width` columns wide (undefined: unknown). */
  lines(width: number | undefined): string[];
  /** The process is about to exit at once: make the next `lines()` the final state. */
  interrupt?(): void;
}

export interface ScreenWriters {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface ScreenOptions {
  /** Terminal width, read at every draw (so resizes apply). */
  columns?: () => number | undefined;
  /** Terminal height: a live frame taller than the screen could not be moved over, so it is cut to fit. */
  rows?: () => number | undefined;
  /** stdout goes to the same terminal as the frame (else stdout lines need no erasing). */
  stdoutOnTerminal?: boolean;
}

const ESC = '\u001b[';

/** Terminal rows `line` takes on a terminal `width` columns wide. */
export function rowsOf(line: string, width: number | undefined): number {
  if (width === undefined || width <= 0) return 1;
  return Math.max(1, Math.ceil(visibleWidth(line) / width));
}

export class Screen {
  private readonly frames: FrameSource[] = [];
  /** Terminal rows of the frames on screen, right above the cursor. */
  private drawnRows = 0;
  private readonly pending = { out: '', err: '' };

  constructor(
    private readonly raw: ScreenWriters,
    private readonly opts: ScreenOptions = {},
  ) {}

  /** Write to stdout: above the live frame while there is one. */
  readonly out = (s: string): void => this.write('out', s);
  /** Write to stderr: above the live frame while there is one. */
  readonly err = (s: string): void => this.write('err', s);

  /** A frame is on screen. */
  get live(): boolean {
    return this.frames.length > 0;
  }

  get columns(): number | undefined {
    const c = this.opts.columns?.();
    return c !== undefined && c > 0 ? c : undefined;
  }

  /** Start showing `frame` under what is on screen (drawn by the next `redraw()`). */
  show(frame: FrameSource): void {
    if (!this.frames.includes(frame)) this.frames.push(frame);
  }

  /** Draw the live frames again in place. */
  redraw(): void {
    if (!this.live && this.drawnRows === 0) return;
    this.raw.err(this.erase() + this.draw());
  }

  /**
   * Stop showing `frame`: its last state stays on screen as ordinary lines, above the frames
   * still live.
   */
  hide(frame: FrameSource): void {
    const i = this.frames.indexOf(frame);
    if (i < 0) return;
    const width = this.columns;
    const last = frame.lines(width);
    this.frames.splice(i, 1);
    let buf = this.erase();
    for (const line of last) buf += `${line}\n`;
    buf += this.draw();
    this.raw.err(buf);
    if (!this.live) this.flushPending();
  }

  /** The process exits now (a second Ctrl-C): every frame ends with its final state drawn. */
  finish(): void {
    for (const f of [...this.frames]) {
      f.interrupt?.();
      this.hide(f);
    }
  }

  private write(stream: 'out' | 'err', s: string): void {
    if (!this.live || (stream === 'out' && this.opts.stdoutOnTerminal === false)) {
      this.raw[stream](s);
      return;
    }
    const text = this.pending[stream] + s;
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      this.pending[stream] = text;
      return;
    }
    this.pending[stream] = text.slice(cut + 1);
    // Erase, the lines, the frame again: stdout and stderr on a terminal are written synchronously, so in this order.
    this.raw.err(this.erase());
    this.raw[stream](text.slice(0, cut + 1));
    this.raw.err(this.draw());
  }

  private flushPending(): void {
    for (const stream of ['out', 'err'] as const) {
      const rest = this.pending[stream];
      this.pending[stream] = '';
      if (rest !== '') this.raw[stream](rest);
    }
  }

  /** Bytes that take the cursor back to the frame's first row and clear from there down. */
  private erase(): string {
    const n = this.drawnRows;
    this.drawnRows = 0;
    return n > 0 ? `\r${ESC}${n}A${ESC}J` : '';
  }

  /**
   * Bytes that draw every live frame from the cursor down, leaving the cursor under them. A
   * frame taller than the terminal shows its first line (the header) and as many of its last
   * lines as fit: the cursor cannot move up past the top of the screen, so more would leave
   * copies behind in the scrollback. (The final frame, written once by `hide`, is whole.)
   */
  private draw(): string {
    const width = this.columns;
    const height = this.opts.rows?.();
    let lines = this.frames.flatMap((f) => f.lines(width));
    if (height !== undefined && height > 2) {
      const budget = height - 1;
      const rows = lines.map((l) => rowsOf(l, width));
      if (rows.reduce((a, b) => a + b, 0) > budget) {
        const [first, ...rest] = lines;
        let used = rowsOf(first ?? '', width);
        let keep = rest.length;
        while (keep > 0 && used + rowsOf(rest[keep - 1]!, width) <= budget) used += rowsOf(rest[--keep]!, width);
        lines = [first ?? '', ...rest.slice(keep)];
        if (used > budget) lines = [];
      }
    }
    let buf = '';
    let rows = 0;
    for (const line of lines) {
      buf += `${line}\n`;
      rows += rowsOf(line, width);
    }
    this.drawnRows = rows;
    return buf;
  }
}
