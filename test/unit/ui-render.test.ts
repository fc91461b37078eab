/* eslint-disable no-control-regex -- these tests match ANSI escape sequences on purpose */
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { colorEnabled, paint, SERVICE_PALETTE, serviceColor } from '../../src/ui/color.js';
import type { ProgressEvent, ResourceRef } from '../../src/ui/events.js';
import { createRenderer, resolveProgressMode } from '../../src/ui/render.js';
import { truncateVisible, visibleWidth } from '../../src/ui/text.js';

class FakeStream {
  chunks: string[] = [];
  constructor(
    public isTTY?: boolean,
    public columns?: number,
  ) {}
  write(s: string): boolean {
    this.chunks.push(s);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

const web: ResourceRef = { kind: 'container', name: 'tsfigdemo-web-1' };
const db: ResourceRef = { kind: 'container', name: 'tsfigdemo-db-1' };
const net: ResourceRef = { kind: 'network', name: 'tsfigdemo_default' };
const remote: ResourceRef = { kind: 'container', name: 'web-1', host: 'host2' };

/** A typical `up`: network, db, web; web pulls with progress; db waits with a warning between. */
const SCRIPT: ProgressEvent[] = [
  { type: 'start', id: 'n', resource: net, action: 'Creating', at: 1000 },
  { type: 'done', id: 'n', resource: net, action: 'Created', at: 1100, elapsedMs: 100 },
  { type: 'start', id: 'd', resource: db, action: 'Creating', at: 1100 },
  { type: 'start', id: 'w', resource: web, action: 'Pulling', at: 1100 },
  { type: 'progress', id: 'w', resource: web, text: 'Downloading 1/2', at: 1200, current: 1, total: 2 },
  { type: 'progress', id: 'w', resource: web, text: 'Downloading 1/2', at: 1300, current: 1, total: 2 },
  { type: 'progress', id: 'w', resource: web, text: 'Downloading 2/2', at: 1400, current: 2, total: 2 },
  { type: 'message', level: 'warning', text: 'found orphan containers', at: 1450 },
  { type: 'done', id: 'd', resource: db, action: 'Created', at: 1500, elapsedMs: 400 },
  { type: 'done', id: 'w', resource: web, action: 'Pulled', at: 13_100, elapsedMs: 12_000 },
  { type: 'start', id: 'r', resource: remote, action: 'Starting', at: 13_100 },
  { type: 'error', id: 'r', resource: remote, message: 'port is already allocated', at: 13_200, elapsedMs: 100 },
  { type: 'message', level: 'info', text: 'done', at: 13_300 },
];

const ESCAPES = /\u001b/;

describe('colorEnabled', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it.each([
    ['a TTY, plain env', tty, {}, true],
    ['not a TTY', pipe, {}, false],
    ['isTTY missing', {}, {}, false],
    ['NO_COLOR=1', tty, { NO_COLOR: '1' }, false],
    ['NO_COLOR empty is ignored', tty, { NO_COLOR: '' }, true],
    ['TERM=dumb', tty, { TERM: 'dumb' }, false],
    ['TERM=xterm', tty, { TERM: 'xterm-256color' }, true],
    ['FORCE_COLOR=1 on a pipe', pipe, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR beats NO_COLOR', pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    ['FORCE_COLOR beats TERM=dumb', tty, { FORCE_COLOR: 'true', TERM: 'dumb' }, true],
    ['FORCE_COLOR=0 forces off', tty, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR=false forces off', tty, { FORCE_COLOR: 'false' }, false],
    ['FORCE_COLOR empty is ignored', pipe, { FORCE_COLOR: '' }, false],
  ])('%s', (_name, stream, env, expected) => {
    expect(colorEnabled(stream, env)).toBe(expected);
  });
});

describe('paint and serviceColor', () => {
  it('paints only when enabled', () => {
    expect(paint(true).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(paint(true).bold('x')).toBe('\u001b[1mx\u001b[22m');
    const off = paint(false);
    for (const f of [off.bold, off.dim, off.red, off.green, off.yellow, off.blue, off.cyan, off.magenta, off.gray]) {
      expect(f('x')).toBe('x');
    }
  });

  it('rotates over 12 colours, deterministic by index', () => {
    expect(SERVICE_PALETTE).toHaveLength(12);
    expect(new Set(SERVICE_PALETTE).size).toBe(12);
    expect(serviceColor(0)('web')).toBe('\u001b[36mweb\u001b[39m');
    expect(serviceColor(1)('web')).toBe('\u001b[33mweb\u001b[39m');
    expect(serviceColor(6)('web')).toBe('\u001b[96mweb\u001b[39m');
    expect(serviceColor(12)('web')).toBe(serviceColor(0)('web'));
    expect(serviceColor(-1)('web')).toBe(serviceColor(11)('web'));
    expect(serviceColor(3, false)('web')).toBe('web');
  });
});

describe('text helpers', () => {
  it('measures and truncates without counting escapes', () => {
    const s = `${paint(true).green('✔')} abcdef`;
    expect(visibleWidth(s)).toBe(8);
    expect(truncateVisible(s, 8)).toBe(s);
    const cut = truncateVisible(s, 5);
    expect(stripVTControlCharacters(cut)).toBe('✔ ab…');
    expect(cut.endsWith('\u001b[0m')).toBe(true);
    expect(truncateVisible('abcdef', 3)).toBe('ab…');
    expect(truncateVisible('abc', 0)).toBe('');
  });
});

describe('resolveProgressMode', () => {
  it('maps auto to tty on a terminal and plain otherwise', () => {
    expect(resolveProgressMode('auto', { isTTY: true }, {})).toBe('tty');
    expect(resolveProgressMode('auto', { isTTY: false }, {})).toBe('plain');
    expect(resolveProgressMode('auto', {}, {})).toBe('plain');
    expect(resolveProgressMode('auto', { isTTY: true }, { TERM: 'dumb' })).toBe('plain');
    expect(resolveProgressMode('json', { isTTY: true }, {})).toBe('json');
    expect(resolveProgressMode('tty', { isTTY: false }, {})).toBe('tty');
  });
});

describe('plain renderer', () => {
  it('prints one line per event, exactly', () => {
    const out = new FakeStream(false);
    const r = createRenderer('plain', out, {});
    for (const e of SCRIPT) r.emit(e);
    r.close();
    expect(out.text).toBe(
      [
        'Network tsfigdemo_default  Creating',
        'Network tsfigdemo_default  Created (0.1s)',
        'Container tsfigdemo-db-1  Creating',
        'Container tsfigdemo-web-1  Pulling',
        'Container tsfigdemo-web-1  Downloading 1/2',
        'Container tsfigdemo-web-1  Downloading 2/2',
        'warning: found orphan containers',
        'Container tsfigdemo-db-1  Created (0.4s)',
        'Container tsfigdemo-web-1  Pulled (12.0s)',
        'Container web-1 (host2)  Starting',
        'Container web-1 (host2)  Error: port is already allocated',
        'done',
        '',
      ].join('\n'),
    );
  });

  it('is what auto picks on a pipe, and never writes escape codes even with FORCE_COLOR', () => {
    const out = new FakeStream(false);
    const r = createRenderer('auto', out, { FORCE_COLOR: '1' });
    r.emit({ type: 'error', id: 'x', resource: web, message: '\u001b[31mboom\u001b[0m\nsecond line', at: 0, elapsedMs: 5 });
    r.close();
    expect(out.text).toBe('Container tsfigdemo-web-1  Error: boom second line\n');
    expect(out.text).not.toMatch(ESCAPES);
  });

  it('prints a progress line again after the text changed back', () => {
    const out = new FakeStream();
    const r = createRenderer('plain', out, {});
    const p = (text: string): ProgressEvent => ({ type: 'progress', id: 'w', resource: web, text, at: 0 });
    [p('a'), p('a'), p('b'), p('a')].forEach((e) => r.emit(e));
    expect(out.text).toBe('Container tsfigdemo-web-1  a\nContainer tsfigdemo-web-1  b\nContainer tsfigdemo-web-1  a\n');
  });
});

describe('json renderer', () => {
  it('prints each event as one JSON line, exactly', () => {
    const out = new FakeStream(true);
    const r = createRenderer('json', out, {});
    const events = SCRIPT.slice(0, 2);
    for (const e of events) r.emit(e);
    r.close();
    expect(out.text).toBe(
      '{"type":"start","id":"n","resource":{"kind":"network","name":"tsfigdemo_default"},"action":"Creating","at":1000}\n' +
        '{"type":"done","id":"n","resource":{"kind":"network","name":"tsfigdemo_default"},"action":"Created","at":1100,"elapsedMs":100}\n',
    );
  });

  it('round-trips every event of a run', () => {
    const out = new FakeStream();
    const r = createRenderer('json', out, {});
    for (const e of SCRIPT) r.emit(e);
    const lines = out.text.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(SCRIPT);
  });
});

describe('quiet renderer', () => {
  it('prints nothing at all', () => {
    const out = new FakeStream(true);
    const r = createRenderer('quiet', out, {});
    for (const e of SCRIPT) r.emit(e);
    r.close();
    expect(out.chunks).toEqual([]);
  });
});

describe('tty renderer', () => {
  let clock = 0;
  const now = (): number => clock;

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The screen as a terminal would show it: replays cursor-up and clear-line on a line buffer. */
  function screen(text: string): string[] {
    const lines: string[] = [];
    let row = 0;
    const re = /\u001b\[(\d*)([A-Za-z])|\r|\n|[^\u001b\r\n]+/g;
    for (const m of text.matchAll(re)) {
      const tok = m[0];
      if (tok === '\n') row++;
      else if (tok === '\r') continue;
      else if (m[2] === 'A') row = Math.max(0, row - Number(m[1] || 1));
      else if (m[2] === 'K') lines[row] = '';
      else if (m[2] === 'J') lines.length = row;
      else if (m[2] === 'm') lines[row] = (lines[row] ?? '') + tok;
      else lines[row] = (lines[row] ?? '') + tok;
    }
    return lines.map((l) => stripVTControlCharacters(l)).slice(0, row);
  }

  it('draws a live block and redraws it in place', () => {
    const out = new FakeStream(true, 120);
    const r = createRenderer('auto', out, {}, { now });
    clock = 1000;
    r.emit(SCRIPT[0]!);
    expect(out.chunks).toHaveLength(1);
    expect(out.chunks[0]).not.toContain('\u001b[1A');
    r.emit(SCRIPT[1]!);
    // Second draw moves up over the two lines of the first block.
    expect(out.chunks[1]!.startsWith('\u001b[2A')).toBe(true);
    expect(out.chunks[1]).toContain('\u001b[2K');

    r.emit(SCRIPT[2]!);
    r.emit(SCRIPT[3]!);
    clock = 2300;
    r.emit(SCRIPT[4]!);
    expect(screen(out.text)).toEqual([
      '[+] Running 1/3',
      ' ✔ Network tsfigdemo_default  Created   0.1s',
      ' ⠋ Container tsfigdemo-db-1   Creating  1.2s',
      ' ⠋ Container tsfigdemo-web-1  Pulling   1.2s  [==========>         ] Downloading 1/2',
    ]);
    r.close();
  });

  it('prints messages above the block, spins on a timer and finishes with close()', () => {
    const out = new FakeStream(true, 120);
    const r = createRenderer('tty', out, { NO_COLOR: '1' }, { now });
    clock = 1100;
    for (const e of SCRIPT.slice(0, 8)) r.emit(e);
    const before = out.chunks.length;
    clock = 1600;
    vi.advanceTimersByTime(100);
    expect(out.chunks.length).toBe(before + 1);
    expect(screen(out.text).at(-1)).toBe(' ⠙ Container tsfigdemo-web-1  Pulling   0.5s  [====================] Downloading 2/2');
    vi.advanceTimersByTime(300);
    expect(out.chunks.length).toBe(before + 4);
    expect(out.chunks.at(-1)).toMatch(/^\u001b\[4A/);

    for (const e of SCRIPT.slice(8)) r.emit(e);
    r.close();
    const lines = screen(out.text);
    expect(lines).toEqual([
      'warning: found orphan containers',
      'done',
      '[+] Running 4/4',
      ' ✔ Network tsfigdemo_default  Created   0.1s',
      ' ✔ Container tsfigdemo-db-1   Created   0.4s',
      ' ✔ Container tsfigdemo-web-1  Pulled   12.0s',
      ' ✘ Container web-1 (host2)    Error: port is already allocated',
    ]);
    // NO_COLOR: cursor movement only, no SGR colour codes.
    expect(out.text).not.toMatch(/\u001b\[[0-9;]*m/);
    // Timer stopped: nothing more is written.
    const after = out.chunks.length;
    vi.advanceTimersByTime(1000);
    expect(out.chunks.length).toBe(after);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops the timer when nothing is running and uses an unref()ed interval', () => {
    const out = new FakeStream(true, 80);
    const r = createRenderer('tty', out, {}, { now });
    r.emit(SCRIPT[0]!);
    expect(vi.getTimerCount()).toBe(1);
    r.emit(SCRIPT[1]!);
    expect(vi.getTimerCount()).toBe(0);
    r.close();
  });

  it('colours when enabled', () => {
    const out = new FakeStream(true, 80);
    const r = createRenderer('tty', out, {}, { now });
    r.emit(SCRIPT[0]!);
    r.emit(SCRIPT[1]!);
    r.close();
    expect(out.text).toContain('\u001b[32m✔\u001b[39m');
    const err = new FakeStream(true, 80);
    const r2 = createRenderer('tty', err, {}, { now });
    r2.emit(SCRIPT[11]!);
    r2.close();
    expect(err.text).toContain('\u001b[31m ✘ Container web-1 (host2)  Error: port is already allocated\u001b[39m');
  });

  it('honours an explicit color option over the environment', () => {
    const out = new FakeStream(true, 80);
    const r = createRenderer('tty', out, { NO_COLOR: '1' }, { now, color: true });
    r.emit(SCRIPT[1]!);
    r.close();
    expect(out.text).toContain('\u001b[32m');
  });

  it('truncates lines to the terminal width', () => {
    const out = new FakeStream(true, 30);
    const r = createRenderer('tty', out, {}, { now });
    r.emit({ type: 'error', id: 'x', resource: web, message: 'a very long error message that will not fit', at: 0, elapsedMs: 1 });
    r.close();
    const lines = screen(out.text);
    expect(lines).toEqual(['[+] Running 1/1', ' ✘ Container tsfigdemo-web-1 …']);
    for (const l of lines) expect(visibleWidth(l)).toBeLessThanOrEqual(30);
  });

  it('writes nothing on close when nothing happened', () => {
    const out = new FakeStream(true, 80);
    const r = createRenderer('tty', out, {}, { now });
    r.close();
    r.close();
    expect(out.chunks).toEqual([]);
  });
});
