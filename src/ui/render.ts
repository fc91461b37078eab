/**
 * Renderers: progress events in, bytes out (to stderr in the CLI; stdout carries only results).
 *
 * - `tty`: a live block, one line per resource in first-seen order under a `[+] Running n/m`
 *   header, redrawn in place (through `screen.ts`) on every event and on a 100 ms timer;
 *   `message` events, and anything else written through the screen, are printed above it.
 * - `plain`: one line per event, no escape codes.
 * - `json`: one `JSON.stringify(event)` per line.
 * - `quiet`: nothing (failures are reported by the command's exit path).
 */
import { stripVTControlCharacters } from 'node:util';
import { colorEnabled, paint, type Env, type Painter } from './color.js';
import type { ProgressEvent, ProgressMode, Renderer, ResourceRef } from './events.js';
import { formatDuration } from './format.js';
import { Screen, type FrameSource } from './screen.js';
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
  /**
   * The process's terminal owner: the live block is drawn through it, so lines others write
   * meanwhile land above the block. Default: a screen of its own over `out`.
   */
  screen?: Screen;
}

/** The concrete mode `auto` stands for: `tty` on a terminal (unless `TERM=dumb`), else `plain`. */
export function resolveProgressMode(mode: ProgressMode, out: { isTTY?: boolean }, env: Env = process.env): Exclude<ProgressMode, 'auto'> {
  if (mode !== 'auto') return mode;
  return out.isTTY === true && env['TERM'] !== 'dumb' ? 'tty' : 'plain';
}

export function createRenderer(mode: ProgressMode, out: RenderOutput, env: Env = process.env, opts: RendererOptions = {}): Renderer {
  switch (resolveProgressMode(mode, out, env)) {
    case 'tty':
      return new TtyRenderer(
        opts.screen ?? new Screen({ out: (t) => out.write(t), err: (t) => out.write(t) }, { columns: () => out.columns }),
        paint(opts.color ?? colorEnabled(out, env)),
        opts.now ?? Date.now,
      );
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

interface Row {
  /** `Container`, `Network`, ... */
  kind: string;
  /** The resource's name, with its host when it has one. */
  name: string;
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
/** Below this many columns for a resource's name, rows are cut at the end instead. */
const MIN_NAME = 8;

/** `[=======>            ]` for current of total. */
export function progressBar(current: number, total: number, width = BAR_WIDTH): string {
  const frac = total > 0 ? Math.max(0, Math.min(1, current / total)) : 0;
  const full = Math.floor(frac * width);
  if (full >= width) return `[${'='.repeat(width)}]`;
  return `[${'='.repeat(full)}>${' '.repeat(width - full - 1)}]`;
}

/**
 * `s` cut to `width` columns by replacing its middle with `…`: both ends of a resource name say
 * the most (the project and the service's replica number).
 */
export function truncateMiddle(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  if (width <= 1) return width === 1 ? '…' : '';
  const keep = width - 1;
  const head = Math.ceil(keep / 2);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (keep - head)).join('');
}

/**
 * The live block. It draws through a `Screen` (the process's, so other output goes above it; a
 * private one over `out` otherwise). Rows fit the terminal width: on a narrow terminal the
 * resource names are shortened and the progress text cut, so status and time stay; error rows
 * keep their whole message and wrap (the block's height counts the wrapped rows).
 */
class TtyRenderer implements Renderer, FrameSource {
  private readonly rows = new Map<string, Row>();
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private shown = false;

  constructor(
    private readonly screen: Screen,
    private readonly p: Painter,
    private readonly now: () => number,
  ) {}

  emit(event: ProgressEvent): void {
    if (this.closed) return;
    if (event.type === 'message') {
      const text = stripVTControlCharacters(event.text);
      const line = event.level === 'warning' ? `${this.p.yellow('warning:')} ${text}` : text;
      this.screen.err(`${line}\n`);
      return;
    }
    // Ids are unique within one plan only: a display fed by several plans (watch) must not
    // merge an image's row into a network's.
    const key = `${event.id}\u0000${event.resource.kind}\u0000${event.resource.name}\u0000${event.resource.host ?? ''}`;
    const row = this.rows.get(key);
    const label = resourceLabel(event.resource);
    const base: Row = row ?? {
      kind: oneLine(label.slice(0, label.indexOf(' '))),
      name: oneLine(label.slice(label.indexOf(' ') + 1)),
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
    if (!row) this.rows.set(key, base);
    if (!this.shown) {
      this.shown = true;
      this.screen.show(this);
    }
    this.screen.redraw();
    this.syncTimer();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    if (this.shown) this.screen.hide(this);
  }

  /** The process exits at once: work still running is shown as interrupted. */
  interrupt(): void {
    this.stopTimer();
    const now = this.now();
    for (const r of this.rows.values()) {
      if (r.state === 'running') Object.assign(r, { state: 'error', elapsedMs: Math.max(0, now - r.startedAt), detail: 'interrupted' });
    }
    this.closed = true;
  }

  private tick(): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    this.screen.redraw();
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

  lines(width: number | undefined): string[] {
    if (this.rows.size === 0) return [];
    const { p } = this;
    const rows = [...this.rows.values()];
    const now = this.now();
    const finished = rows.filter((r) => r.state !== 'running').length;
    const elapsed = rows.map((r) => formatDuration(r.state === 'running' ? Math.max(0, now - r.startedAt) : r.elapsedMs));
    const labelWidth = Math.max(...rows.map((r) => r.kind.length + 1 + [...r.name].length));
    const actionWidth = Math.max(0, ...rows.filter((r) => r.state !== 'error').map((r) => visibleWidth(r.action)));
    const elapsedWidth = Math.max(...elapsed.map((e) => e.length));
    // ` ⠋ ` + label + `  ` + action + `  ` + time: what must stay whole on every row.
    const fixed = 3 + 2 + actionWidth + 2 + elapsedWidth;
    const nameRoom = width === undefined ? Infinity : width - fixed;
    const fits = nameRoom >= MIN_NAME;
    const labelOf = (r: Row) => {
      const full = `${r.kind} ${r.name}`;
      if (!fits || nameRoom >= labelWidth) return padEndVisible(full, fits ? labelWidth : 0);
      const room = nameRoom - r.kind.length - 1;
      return padEndVisible(room >= 4 ? `${r.kind} ${truncateMiddle(r.name, room)}` : truncateMiddle(full, nameRoom), nameRoom);
    };
    const fit = (line: string) => (width === undefined ? line : truncateVisible(line, width));
    const lines = [fit(p.bold(`[+] Running ${finished}/${rows.length}`))];
    rows.forEach((r, i) => {
      const label = labelOf(r);
      if (r.state === 'error') {
        // The whole message: it is the one place the user reads it. Long ones wrap.
        lines.push(p.red(` ✘ ${label}  Error: ${r.detail}`));
        return;
      }
      const time = padStartVisible(elapsed[i] ?? '', elapsedWidth);
      const icon = r.state === 'done' ? p.green('✔') : (SPINNER[this.frame] ?? '⠋');
      const action = padEndVisible(r.state === 'done' ? p.green(r.action) : r.action, actionWidth);
      const head = ` ${icon} ${label}  ${action}  ${time}`;
      let detail = '';
      if (r.state === 'running' && r.detail !== '') {
        const bar = r.current !== undefined && r.total !== undefined && r.total > 0 ? `${progressBar(r.current, r.total)} ` : '';
        detail = `  ${bar}${p.dim(r.detail)}`;
        // Cut the progress text, never the status and time before it.
        if (width !== undefined && fits) {
          const room = width - visibleWidth(head);
          detail = room >= 4 ? truncateVisible(detail, room) : '';
        }
      }
      lines.push(fit(head + detail));
    });
    return lines;
  }
}
