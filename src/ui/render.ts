/**
 * Renderers: progress events in, bytes out (to stderr in the CLI; stdout carries only results).
 *
 * - `tty`: a live block, one line per resource in first-seen order under a `[+] Running n/m`
 *   header, redrawn in place (cursor-up + clear-line) on every event and on a 100 ms timer;
 *   `message` events are printed above the block.
 * - `plain`: one line per event, no escape codes.
 * - `json`: one `JSON.stringify(event)` per line.
 * - `quiet`: nothing (failures are reported by the command's exit path).
 */
import { stripVTControlCharacters } from 'node:util';
import { colorEnabled, paint, type Env, type Painter } from './color.js';
import type { ProgressEvent, ProgressMode, Renderer, ResourceRef } from './events.js';
import { formatDuration } from './format.js';
import { oneLine, padEndVisible, padStartVisible, truncateVisible, visibleWidth } from './text.js';

export interface RenderOutput {
  write(s: string): unknown;
  isTTY?: boolean;
  /** Terminal width; read at every redraw so resizes apply. */
  columns?: number;
}

export interface RendererOptions {
  /** Overrides the colour decision (`--ansi always|never`); default `colorEnabled(out, env)`. */
  color?: boolean;
  /** Clock for elapsed times of running work (ms, same clock as the events' `at`). Default `Date.now`. */
  now?: () => number;
}

/** The concrete mode `auto` stands for: `tty` on a terminal (unless `TERM=dumb`), else `plain`. */
export function resolveProgressMode(mode: ProgressMode, out: { isTTY?: boolean }, env: Env = process.env): Exclude<ProgressMode, 'auto'> {
  if (mode !== 'auto') return mode;
  return out.isTTY === true && env['TERM'] !== 'dumb' ? 'tty' : 'plain';
}

export function createRenderer(mode: ProgressMode, out: RenderOutput, env: Env = process.env, opts: RendererOptions = {}): Renderer {
  switch (resolveProgressMode(mode, out, env)) {
    case 'tty':
      return new TtyRenderer(out, paint(opts.color ?? colorEnabled(out, env)), opts.now ?? Date.now);
    case 'plain':
      return new PlainRenderer(out);
    case 'json':
      return new JsonRenderer(out);
    case 'quiet':
      return { emit() {}, close() {} };
  }
}

const KIND_LABEL: Record<ResourceRef['kind'], string> = {
  container: 'Container',
  network: 'Network',
  volume: 'Volume',
  image: 'Image',
  host: 'Host',
};

/** `Container tsfigdemo-web-1`, `Container web-1 (host2)`. */
export function resourceLabel(ref: ResourceRef): string {
  const host = ref.host ? ` (${ref.host})` : '';
  return `${KIND_LABEL[ref.kind] ?? ref.kind} ${ref.name}${host}`;
}

class JsonRenderer implements Renderer {
  private closed = false;
  constructor(private readonly out: RenderOutput) {}
  emit(event: ProgressEvent): void {
    if (!this.closed) this.out.write(JSON.stringify(event) + '\n');
  }
  close(): void {
    this.closed = true;
  }
}

class PlainRenderer implements Renderer {
  private closed = false;
  /** Last progress text per id: progress lines are printed only when the text changes. */
  private readonly lastText = new Map<string, string>();
  /** Progress with bytes is printed by quarters (0%, 25%, ...), not at every chunk. */
  private readonly lastQuarter = new Map<string, number>();
  constructor(private readonly out: RenderOutput) {}

  emit(event: ProgressEvent): void {
    if (this.closed) return;
    const line = this.format(event);
    if (line !== undefined) this.out.write(line + '\n');
  }

  private format(event: ProgressEvent): string | undefined {
    switch (event.type) {
      case 'start':
        this.lastText.delete(event.id);
        return `${oneLine(resourceLabel(event.resource))}  ${oneLine(event.action)}`;
      case 'progress': {
        const text = oneLine(event.text);
        if (event.total !== undefined && event.total > 0 && event.current !== undefined) {
          const quarter = Math.min(4, Math.floor((event.current / event.total) * 4));
          if (this.lastQuarter.get(event.id) === quarter) return undefined;
          this.lastQuarter.set(event.id, quarter);
        }
        if (this.lastText.get(event.id) === text) return undefined;
        this.lastText.set(event.id, text);
        return `${oneLine(resourceLabel(event.resource))}  ${text}`;
      }
      case 'done':
        this.lastText.delete(event.id);
        return `${oneLine(resourceLabel(event.resource))}  ${oneLine(event.action)} (${formatDuration(event.elapsedMs)})`;
      case 'error':
        this.lastText.delete(event.id);
        return `${oneLine(resourceLabel(event.resource))}  Error: ${oneLine(event.message)}`;
      case 'message': {
        const text = stripVTControlCharacters(event.text);
        return event.level === 'warning' ? `warning: ${text}` : text;
      }
    }
  }

  close(): void {
    this.closed = true;
  }
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK_MS = 100;
const ESC = '\u001b[';

interface Row {
  label: string;
  state: 'running' | 'done' | 'error';
  /** Present participle while running, past participle when done. */
  action: string;
  startedAt: number;
  elapsedMs: number;
  /** Latest progress text while running; error message on error. */
  detail: string;
  /** Bytes so far and in all, with the latest progress (drawn as a bar). */
  current?: number;
  total?: number;
}

const BAR_WIDTH = 20;

/** `[=======>            ]` for current of total. */
export function progressBar(current: number, total: number, width = BAR_WIDTH): string {
  const frac = total > 0 ? Math.max(0, Math.min(1, current / total)) : 0;
  const full = Math.floor(frac * width);
  if (full >= width) return `[${'='.repeat(width)}]`;
  return `[${'='.repeat(full)}>${' '.repeat(width - full - 1)}]`;
}

class TtyRenderer implements Renderer {
  private readonly rows = new Map<string, Row>();
  /** Lines of the block currently on screen, right above the cursor. */
  private drawn = 0;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    private readonly out: RenderOutput,
    private readonly p: Painter,
    private readonly now: () => number,
  ) {}

  emit(event: ProgressEvent): void {
    if (this.closed) return;
    if (event.type === 'message') {
      const text = stripVTControlCharacters(event.text);
      const lines = event.level === 'warning' ? [`${this.p.yellow('warning:')} ${text}`] : [text];
      this.draw(lines.flatMap((l) => l.split(/\r?\n/)));
      return;
    }
    const row = this.rows.get(event.id);
    const base: Row = row ?? {
      label: oneLine(resourceLabel(event.resource)),
      state: 'running',
      action: '',
      startedAt: event.at,
      elapsedMs: 0,
      detail: '',
    };
    switch (event.type) {
      case 'start':
        Object.assign(base, { state: 'running', action: oneLine(event.action), startedAt: event.at, elapsedMs: 0, detail: '' });
        break;
      case 'progress':
        base.detail = oneLine(event.text);
        base.current = event.current;
        base.total = event.total;
        break;
      case 'done':
        Object.assign(base, { state: 'done', action: oneLine(event.action), elapsedMs: event.elapsedMs, detail: '' });
        break;
      case 'error':
        Object.assign(base, { state: 'error', elapsedMs: event.elapsedMs, detail: oneLine(event.message) });
        break;
    }
    if (!row) this.rows.set(event.id, base);
    this.draw([]);
    this.syncTimer();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    if (this.rows.size > 0) this.draw([]);
  }

  private tick(): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    this.draw([]);
    this.syncTimer();
  }

  private syncTimer(): void {
    const running = [...this.rows.values()].some((r) => r.state === 'running');
    if (running && !this.timer) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    } else if (!running) {
      this.stopTimer();
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Rewrites the block in one write, with `above` printed first as permanent lines. */
  private draw(above: string[]): void {
    const block = this.block();
    const width = this.out.columns && this.out.columns > 0 ? this.out.columns : undefined;
    let buf = this.drawn > 0 ? `${ESC}${this.drawn}A` : '';
    for (const line of above) buf += `\r${ESC}2K${line}\n`;
    for (const line of block) buf += `\r${ESC}2K${width ? truncateVisible(line, width) : line}\n`;
    // Never happens while rows only grow, but keep the screen clean if the block ever shrinks.
    if (above.length + block.length < this.drawn) buf += `${ESC}J`;
    this.drawn = block.length;
    if (buf !== '') this.out.write(buf);
  }

  private block(): string[] {
    if (this.rows.size === 0) return [];
    const { p } = this;
    const rows = [...this.rows.values()];
    const now = this.now();
    const finished = rows.filter((r) => r.state !== 'running').length;
    const elapsed = rows.map((r) => formatDuration(r.state === 'running' ? Math.max(0, now - r.startedAt) : r.elapsedMs));
    const labelWidth = Math.max(...rows.map((r) => visibleWidth(r.label)));
    const actionWidth = Math.max(0, ...rows.filter((r) => r.state !== 'error').map((r) => visibleWidth(r.action)));
    const elapsedWidth = Math.max(...elapsed.map((e) => e.length));
    const lines = [p.bold(`[+] Running ${finished}/${rows.length}`)];
    rows.forEach((r, i) => {
      const label = padEndVisible(r.label, labelWidth);
      if (r.state === 'error') {
        lines.push(p.red(` ✘ ${label}  Error: ${r.detail}`));
        return;
      }
      const time = padStartVisible(elapsed[i] ?? '', elapsedWidth);
      const icon = r.state === 'done' ? p.green('✔') : (SPINNER[this.frame] ?? '⠋');
      const action = padEndVisible(r.state === 'done' ? p.green(r.action) : r.action, actionWidth);
      const bar = r.state === 'running' && r.current !== undefined && r.total !== undefined && r.total > 0 ? `${progressBar(r.current, r.total)} ` : '';
      const detail = r.state === 'running' && r.detail !== '' ? `  ${bar}${p.dim(r.detail)}` : '';
      lines.push(` ${icon} ${label}  ${action}  ${time}${detail}`);
    });
    return lines;
  }
}
