import { describe, expect, it } from 'vitest';
import { LogCursor } from '../../src/logs/cursor.js';
import { engineTime, parseEngineTime } from '../../src/logs/time.js';

/** The stamp `n` nanoseconds after a fixed second. */
const BASE = BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n;
const ts = (n: number): string => new Date(Number((BASE + BigInt(n)) / 1_000_000n)).toISOString().slice(0, 19) + '.' + ((BASE + BigInt(n)) % 1_000_000_000n).toString().padStart(9, '0') + 'Z';

interface Entry {
  stream: 'stdout' | 'stderr';
  ts: string;
  line: string;
}

/** What the engine sends for `since` (inclusive), in file order. */
const since = (log: Entry[], sinceNs: bigint): Entry[] => log.filter((e) => parseEngineTime(e.ts)! >= sinceNs);

/** Print `entries` through the cursor; the lines printed. */
const through = (c: LogCursor, entries: Entry[]): string[] => entries.filter((e) => c.accept(e.stream, e.ts, e.line)).map((e) => e.line);

describe('LogCursor', () => {
  it('resumes a little before the last printed stamp and prints nothing twice', () => {
    // A line every 0.3 s.
    const log: Entry[] = Array.from({ length: 10 }, (_, i) => ({ stream: 'stdout', ts: ts(i * 300_000_000), line: `line ${i}` }));
    const c = new LogCursor();
    expect(through(c, log.slice(0, 6))).toEqual(log.slice(0, 6).map((e) => e.line));
    const r = c.resume()!;
    expect(r.sinceNs).toBe(parseEngineTime(ts(1_500_000_000))! - 1_000_000_000n);
    // Lines 2..5 lie in the window: the engine sends them again, and they are skipped.
    expect(r.replay).toBe(4);
    expect(through(c, since(log, r.sinceNs))).toEqual(['line 6', 'line 7', 'line 8', 'line 9']);
    expect(c.last).toBe(ts(2_700_000_000));
  });

  it('never resumes before the first printed line: lines left out by --tail stay out', () => {
    const log: Entry[] = Array.from({ length: 12 }, (_, i) => ({ stream: 'stdout', ts: ts(i * 1000), line: `line ${i}` }));
    const c = new LogCursor();
    // --tail 3 printed lines 5..7; lines 0..4 lie within the resume window, yet stay out.
    expect(through(c, log.slice(5, 8))).toEqual(['line 5', 'line 6', 'line 7']);
    const r = c.resume()!;
    expect(r.sinceNs).toBe(parseEngineTime(ts(5000))!);
    expect(through(c, since(log, r.sinceNs))).toEqual(['line 8', 'line 9', 'line 10', 'line 11']);
  });

  it('the engine form of the resume point', () => {
    const c = new LogCursor({ windowNs: 0n });
    c.accept('stdout', '2024-05-01T10:00:00.000000123Z', 'x');
    expect(engineTime(c.resume()!.sinceNs)).toBe(`${Date.UTC(2024, 4, 1, 10) / 1000}.000000123`);
  });

  it('lines the engine wrote out of stamp order (stdout vs stderr) are neither lost nor repeated', () => {
    // File order: the stderr line carries an earlier stamp than the stdout line before it.
    const log: Entry[] = [
      { stream: 'stdout', ts: ts(100), line: 'a' },
      { stream: 'stdout', ts: ts(300), line: 'b' },
      { stream: 'stderr', ts: ts(200), line: 'c' },
      { stream: 'stdout', ts: ts(400), line: 'd' },
    ];
    const c = new LogCursor();
    // The first stream ended after 'b' (the container stopped; 'c' and 'd' not read yet).
    expect(through(c, log.slice(0, 2))).toEqual(['a', 'b']);
    const r = c.resume()!;
    expect(through(c, since(log, r.sinceNs))).toEqual(['c', 'd']);
  });

  it('identical lines with the same stamp are counted, not merged', () => {
    const log: Entry[] = [
      { stream: 'stdout', ts: ts(5), line: 'same' },
      { stream: 'stdout', ts: ts(5), line: 'same' },
      { stream: 'stdout', ts: ts(5), line: 'same' },
    ];
    const c = new LogCursor();
    expect(through(c, log.slice(0, 2))).toHaveLength(2);
    const r = c.resume()!;
    expect(through(c, since(log, r.sinceNs))).toEqual(['same']);
  });

  it('stdout and stderr with the same stamp and text are different lines', () => {
    const c = new LogCursor();
    expect(c.accept('stdout', ts(1), 'x')).toBe(true);
    c.resume();
    expect(c.accept('stderr', ts(1), 'x')).toBe(true);
    expect(c.accept('stdout', ts(1), 'x')).toBe(false);
  });

  it('several restarts in a row: the output is the log, exactly once', () => {
    const log: Entry[] = [];
    const c = new LogCursor({ maxLines: 50 });
    const printed: string[] = [];
    let n = 0;
    for (let run = 0; run < 5; run++) {
      for (let i = 0; i < 40; i++, n++) log.push({ stream: n % 3 === 0 ? 'stderr' : 'stdout', ts: ts(n * 1_000_000), line: `n=${n}` });
      const r = c.resume();
      printed.push(...through(c, r ? since(log, r.sinceNs) : log));
    }
    expect(printed).toEqual(log.map((e) => e.line));
  });

  it('a ring that dropped lines resumes after its oldest kept line, so dropped lines do not come back', () => {
    const log: Entry[] = Array.from({ length: 100 }, (_, i) => ({ stream: 'stdout', ts: ts(i), line: `l${i}` }));
    const c = new LogCursor({ maxLines: 10 });
    through(c, log.slice(0, 60));
    const r = c.resume()!;
    // Kept: l50..l59; resume just after l50's stamp.
    expect(r.sinceNs).toBe(parseEngineTime(ts(50))! + 1n);
    expect(through(c, since(log, r.sinceNs))).toEqual(log.slice(60).map((e) => e.line));
  });

  it('the ring is bounded by bytes too', () => {
    const c = new LogCursor({ maxBytes: 100 });
    for (let i = 0; i < 50; i++) c.accept('stdout', ts(i), 'x'.repeat(30));
    const r = c.resume()!;
    expect(r.replay).toBeLessThanOrEqual(3);
  });

  it('nothing printed: no resume point (the caller picks the start); unstamped lines always print', () => {
    const c = new LogCursor();
    expect(c.resume()).toBeUndefined();
    expect(c.accept('stdout', '', 'x')).toBe(true);
    expect(c.accept('stdout', '', 'x')).toBe(true);
    expect(c.resume()).toBeUndefined();
  });
});
