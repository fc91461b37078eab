/* eslint-disable no-control-regex -- these tests match ANSI escape sequences on purpose */
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { colorEnabled, paint, SERVICE_PALETTE, serviceColor } from '../../src/ui/color.js';
import type { ProgressEvent, ResourceRef } from '../../src/ui/events.js';
import { createRenderer, resolveProgressMode } from '../../src/ui/render.js';
import { Screen } from '../../src/ui/screen.js';
import { truncateVisible, visibleWidth } from '../../src/ui/text.js';
import { frameRows, lastFrameStart, screen as emulate } from '../support/screen.js';

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
    ['--ansi never (COMPOSE_ANSI) on a TTY', tty, { COMPOSE_ANSI: 'never' }, false],
    ['--ansi always (COMPOSE_ANSI) on a pipe', pipe, { COMPOSE_ANSI: 'always' }, true],
    ['--ansi never beats FORCE_COLOR', pipe, { COMPOSE_ANSI: 'never', FORCE_COLOR: '1' }, false],
    ['--ansi auto decides as without it', tty, { COMPOSE_ANSI: 'auto', NO_COLOR: '1' }, false],
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

  it('counts wide characters as two columns and combining marks as none, as a terminal shows them', () => {
    expect(visibleWidth('ab日本')).toBe(6);
    expect(visibleWidth('e\u0301')).toBe(1);
    expect(truncateVisible('日本語のテキスト', 7)).toBe('日本語…');
    expect(visibleWidth(truncateVisible('日本語のテキスト', 7))).toBe(7);
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
    // Only the renderer's interval: the terminal emulator runs on real timeouts.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    clock = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The screen as a terminal of `cols` columns shows the bytes (xterm; bare \n as a terminal's output processing would send it). */
  function screen(text: string, cols = 120): Promise<string[]> {
    return emulate(text, { cols, rows: 30 }, { convertEol: true });
  }

  it('draws a live block and redraws it in place', async () => {
    const out = new FakeStream(true, 120);
    const r = createRenderer('auto', out, {}, { now });
    clock = 1000;
    r.emit(SCRIPT[0]!);
    expect(out.chunks).toHaveLength(1);
    expect(await screen(out.text)).toEqual(['[+] Running 0/1', ' ⠋ Network tsfigdemo_default  Creating  0.0s']);
    r.emit(SCRIPT[1]!);
    r.emit(SCRIPT[2]!);
    r.emit(SCRIPT[3]!);
    clock = 2300;
    r.emit(SCRIPT[4]!);
    expect(await screen(out.text)).toEqual([
      '[+] Running 1/3',
      ' ✔ Network tsfigdemo_default  Created   0.1s',
      ' ⠋ Container tsfigdemo-db-1   Creating  1.2s',
      ' ⠋ Container tsfigdemo-web-1  Pulling   1.2s  [==========>         ] Downloading 1/2',
    ]);
    r.close();
  });

  it('prints messages above the block, spins on a timer and finishes with close()', async () => {
    const out = new FakeStream(true, 120);
    const r = createRenderer('tty', out, { NO_COLOR: '1' }, { now });
    clock = 1100;
    for (const e of SCRIPT.slice(0, 8)) r.emit(e);
    const before = out.chunks.length;
    clock = 1600;
    vi.advanceTimersByTime(100);
    expect(out.chunks.length).toBe(before + 1);
    expect((await screen(out.text)).at(-1)).toBe(' ⠙ Container tsfigdemo-web-1  Pulling   0.5s  [====================] Downloading 2/2');
    vi.advanceTimersByTime(300);
    expect(out.chunks.length).toBe(before + 4);

    for (const e of SCRIPT.slice(8)) r.emit(e);
    r.close();
    expect(await screen(out.text)).toEqual([
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

  it('on a narrow terminal shortens the names and cuts the progress text, never the status and time', async () => {
    const long: ResourceRef = { kind: 'container', name: 'uxp-20-service-with-a-longer-name-01-1' };
    const out = new FakeStream(true, 60);
    const r = createRenderer('tty', out, {}, { now });
    r.emit({ type: 'start', id: 'a', resource: long, action: 'Starting', at: 0 });
    r.emit({ type: 'start', id: 'b', resource: web, action: 'Pulling', at: 0 });
    clock = 1500;
    r.emit({ type: 'progress', id: 'b', resource: web, text: 'Downloading a great many layers', at: 1500, current: 1, total: 4 });
    const live = await screen(out.text, 60);
    expect(live).toEqual([
      '[+] Running 0/2',
      ' ⠋ Container uxp-20-service-…onger-name-01-1  Starting  1.5s',
      ' ⠋ Container tsfigdemo-web-1                  Pulling   1.5s',
    ]);
    for (const l of live) expect(l.length).toBeLessThanOrEqual(60);
    // Wider: the names fit, the progress text gets what is left.
    const wide = new FakeStream(true, 80);
    const w = createRenderer('tty', wide, {}, { now });
    w.emit({ type: 'start', id: 'a', resource: long, action: 'Starting', at: 0 });
    w.emit({ type: 'start', id: 'b', resource: web, action: 'Pulling', at: 0 });
    w.emit({ type: 'progress', id: 'b', resource: web, text: 'Downloading a great many layers', at: 0, current: 1, total: 4 });
    const row = (await screen(wide.text, 80)).at(-1)!;
    expect(row).toMatch(/^ ⠋ Container tsfigdemo-web-1 +Pulling {3}1\.5s {2}\[=+>.*…$/);
    expect(row).toHaveLength(80);
    w.close();
    r.emit({ type: 'done', id: 'a', resource: long, action: 'Started', at: 2000, elapsedMs: 2000 });
    r.emit({ type: 'done', id: 'b', resource: web, action: 'Pulled', at: 2000, elapsedMs: 2000 });
    r.close();
    expect(await screen(out.text, 60)).toEqual([
      '[+] Running 2/2',
      ' ✔ Container uxp-20-service-w…onger-name-01-1  Started  2.0s',
      ' ✔ Container tsfigdemo-web-1                   Pulled   2.0s',
    ]);
  });

  it('keeps the whole error message, wrapped, and counts the wrapped rows when redrawing', async () => {
    const out = new FakeStream(true, 30);
    const r = createRenderer('tty', out, {}, { now });
    const message = 'a very long error message that will not fit on one line of thirty columns';
    r.emit({ type: 'error', id: 'x', resource: web, message, at: 0, elapsedMs: 1 });
    r.emit({ type: 'start', id: 'y', resource: db, action: 'Creating', at: 0 });
    clock = 300;
    vi.advanceTimersByTime(300);
    r.emit({ type: 'done', id: 'y', resource: db, action: 'Created', at: 300, elapsedMs: 300 });
    r.close();
    const lines = await screen(out.text, 30);
    expect(lines).toEqual(['[+] Running 2/2', ` ✘ Contai…web-1  Error: ${message}`, ' ✔ Contai…-db-1  Created  0.3s']);
  });

  it('keeps one row per resource when two plans share a display and reuse step ids (watch)', async () => {
    const image: ResourceRef = { kind: 'image', name: 'uxpdev-web:latest' };
    const out = new FakeStream(true, 80);
    const r = createRenderer('tty', out, {}, { now });
    r.emit({ type: 'start', id: 'g1', resource: image, action: 'Building', at: 0 });
    r.emit({ type: 'done', id: 'g1', resource: image, action: 'Built', at: 100, elapsedMs: 100 });
    r.emit({ type: 'start', id: 'g1', resource: net, action: 'Creating', at: 100 });
    r.emit({ type: 'done', id: 'g1', resource: net, action: 'Created', at: 200, elapsedMs: 100 });
    r.close();
    expect(await screen(out.text)).toEqual([
      '[+] Running 2/2',
      ' ✔ Image uxpdev-web:latest    Built    0.1s',
      ' ✔ Network tsfigdemo_default  Created  0.1s',
    ]);
  });

  it('writes nothing on close when nothing happened', () => {
    const out = new FakeStream(true, 80);
    const r = createRenderer('tty', out, {}, { now });
    r.close();
    r.close();
    expect(out.chunks).toEqual([]);
  });
});

describe('screen: one owner of the terminal', () => {
  beforeEach(() => {
    // Only the renderer's interval: the terminal emulator runs on real timeouts.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A terminal where stdout and stderr interleave as written. */
  function terminal(cols = 80) {
    const tty = new FakeStream(true, cols);
    const s = new Screen({ out: (t) => tty.write(t), err: (t) => tty.write(t) }, { columns: () => cols });
    return { tty, s, lines: () => emulate(tty.text, { cols, rows: 30 }, { convertEol: true }) };
  }

  it('puts every line written while a frame is live above it, once; partial lines wait for their end', async () => {
    const { s, lines } = terminal();
    let clock = 0;
    const r = createRenderer('tty', { write: s.err, isTTY: true, columns: 80 }, { NO_COLOR: '1' }, { now: () => clock, screen: s });
    r.emit({ type: 'start', id: 'a', resource: web, action: 'Stopping', at: 0 });
    s.out('web-1 | tick 1\nweb-1 | ti');
    clock = 100;
    vi.advanceTimersByTime(100);
    s.out('ck 2\n');
    s.err('Gracefully stopping...\n');
    r.emit({ type: 'start', id: 'b', resource: db, action: 'Stopping', at: 100 });
    s.out('web-1 exited with code 0\n');
    clock = 300;
    r.emit({ type: 'done', id: 'a', resource: web, action: 'Stopped', at: 300, elapsedMs: 300 });
    r.emit({ type: 'done', id: 'b', resource: db, action: 'Stopped', at: 300, elapsedMs: 200 });
    r.close();
    s.out('after\n');
    expect(await lines()).toEqual([
      'web-1 | tick 1',
      'web-1 | tick 2',
      'Gracefully stopping...',
      'web-1 exited with code 0',
      '[+] Running 2/2',
      ' ✔ Container tsfigdemo-web-1  Stopped  0.3s',
      ' ✔ Container tsfigdemo-db-1   Stopped  0.2s',
      'after',
    ]);
  });

  it('passes writes through when no frame is live, and finish() ends a live frame with every row final', async () => {
    const { s, tty, lines } = terminal();
    s.err('before\n');
    expect(tty.chunks).toEqual(['before\n']);
    let clock = 0;
    const r = createRenderer('tty', { write: s.err, isTTY: true }, { NO_COLOR: '1' }, { now: () => clock, screen: s });
    r.emit({ type: 'start', id: 'a', resource: web, action: 'Stopping', at: 0 });
    r.emit({ type: 'start', id: 'b', resource: db, action: 'Stopping', at: 0 });
    r.emit({ type: 'done', id: 'b', resource: db, action: 'Stopped', at: 100, elapsedMs: 100 });
    clock = 1500;
    s.finish();
    expect(s.live).toBe(false);
    const shown = await lines();
    expect(shown).toEqual(['before', '[+] Running 2/2', ' ✘ Container tsfigdemo-web-1  Error: interrupted', ' ✔ Container tsfigdemo-db-1   Stopped  0.1s']);
    const start = lastFrameStart(shown);
    expect(frameRows(shown, start).every((row) => /^ [✔✘] /.test(row))).toBe(true);
    // Nothing more from the renderer after that.
    const n = tty.chunks.length;
    vi.advanceTimersByTime(1000);
    r.emit({ type: 'done', id: 'a', resource: web, action: 'Stopped', at: 2000, elapsedMs: 2000 });
    r.close();
    expect(tty.chunks.length).toBe(n);
  });

  it('cuts a live frame taller than the terminal to fit (header and last rows), and ends with the whole frame', async () => {
    const cols = 60;
    const tty = new FakeStream(true, cols);
    const s = new Screen({ out: (t) => tty.write(t), err: (t) => tty.write(t) }, { columns: () => cols, rows: () => 6 });
    const r = createRenderer('tty', { write: s.err, isTTY: true }, { NO_COLOR: '1' }, { now: () => 0, screen: s });
    const ref = (i: number): ResourceRef => ({ kind: 'container', name: `p-svc${i}-1` });
    for (let i = 1; i <= 9; i++) {
      r.emit({ type: 'start', id: `c${i}`, resource: ref(i), action: 'Starting', at: 0 });
      s.out(`log ${i}\n`);
    }
    // While live, the frame on screen is at most 5 rows (one row stays for the cursor).
    const live = await emulate(tty.text, { cols, rows: 6 }, { convertEol: true });
    expect(live.slice(-5)).toEqual(['[+] Running 0/9', ...[6, 7, 8, 9].map((i) => ` ⠋ Container p-svc${i}-1  Starting  0.0s`)]);
    for (let i = 1; i <= 9; i++) r.emit({ type: 'done', id: `c${i}`, resource: ref(i), action: 'Started', at: 0, elapsedMs: 100 });
    r.close();
    const lines = await emulate(tty.text, { cols, rows: 6 }, { convertEol: true });
    expect(lines).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `log ${i}`),
      '[+] Running 9/9',
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ` ✔ Container p-svc${i}-1  Started  0.1s`),
    ]);
  });

  it('redraws cleanly over an error row holding wide characters that wraps', async () => {
    const cols = 40;
    const out = new FakeStream(true, cols);
    const s = new Screen({ out: (t) => out.write(t), err: (t) => out.write(t) }, { columns: () => cols });
    const r = createRenderer('tty', { write: s.err, isTTY: true }, { NO_COLOR: '1' }, { now: () => 0, screen: s });
    const message = 'ファイルが見つかりません: /データ/設定/アプリケーション.yml';
    r.emit({ type: 'error', id: 'x', resource: web, message, at: 0, elapsedMs: 1 });
    r.emit({ type: 'start', id: 'y', resource: db, action: 'Creating', at: 0 });
    s.err('a line above\n');
    r.emit({ type: 'done', id: 'y', resource: db, action: 'Created', at: 0, elapsedMs: 300 });
    r.close();
    const lines = await emulate(out.text, { cols, rows: 30 }, { convertEol: true });
    expect(lines[0]).toBe('a line above');
    expect(lines.filter((l) => l.startsWith('[+] Running'))).toEqual(['[+] Running 2/2']);
    expect(lines.slice(1).map((l) => l.replace(/\s+/g, ' '))).toEqual([
      '[+] Running 2/2',
      ` ✘ Container tsfigd…web-1 Error: ${message.replace(/\s+/g, ' ')}`,
      ' ✔ Container tsfigd…-db-1 Created 0.3s',
    ]);
  });
});
