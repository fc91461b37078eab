import { describe, expect, it } from 'vitest';
import { frame } from '../../src/engine/streams.js';
import { LogDecoder, type LogLine } from '../../src/logs/decode.js';

const T1 = '2024-05-01T10:00:00.000000001Z';
const T2 = '2024-05-01T10:00:00.000000002Z';
const T3 = '2024-05-01T10:00:00.000000003Z';

/** Feed `input` in pieces of `size` bytes (1: every possible split point). */
function decode(input: Buffer, size = input.length, end = true): LogLine[] {
  const d = new LogDecoder();
  const out: LogLine[] = [];
  for (let i = 0; i < input.length; i += size) out.push(...d.push(input.subarray(i, i + size)));
  if (end) out.push(...d.end());
  return out;
}

describe('LogDecoder: multiplexed (no TTY)', () => {
  const input = Buffer.concat([
    frame('stdout', `${T1} hello\n`),
    frame('stderr', `${T2} oops\n`),
    frame('stdout', `${T3} ünïcödé ✓ 😀\n`),
  ]);
  const want: LogLine[] = [
    { stream: 'stdout', ts: T1, line: 'hello' },
    { stream: 'stderr', ts: T2, line: 'oops' },
    { stream: 'stdout', ts: T3, line: 'ünïcödé ✓ 😀' },
  ];

  it('stdout and stderr lines, stamps stripped', () => {
    expect(decode(input)).toEqual(want);
  });

  it('the same whatever the chunking, down to single bytes (headers, stamps and characters split)', () => {
    for (const size of [1, 2, 3, 7, 9, 13, 31, 64]) expect(decode(input, size)).toEqual(want);
  });

  it('a long line cut by the engine into pieces, each with its own stamp, is one line', () => {
    const long = 'é'.repeat(20000);
    const bytes = Buffer.from(long, 'utf8');
    // The engine cuts at a byte count, in the middle of a character.
    const a = bytes.subarray(0, 16385);
    const b = bytes.subarray(16385);
    const stream = Buffer.concat([
      frame('stdout', Buffer.concat([Buffer.from(`${T1} `), a])),
      frame('stdout', Buffer.concat([Buffer.from(`${T2} `), b, Buffer.from('\n')])),
    ]);
    for (const size of [stream.length, 1000, 4097]) {
      const out = decode(stream, size);
      expect(out).toHaveLength(1);
      expect(out[0]!.line).toBe(long);
      // The stamp of the piece that ended the line.
      expect(out[0]!.ts).toBe(T2);
    }
  });

  it('a partial line is held until its newline; the end of the stream releases it', () => {
    const d = new LogDecoder();
    expect(d.push(frame('stdout', `${T1} no newline yet`))).toEqual([]);
    expect(d.push(frame('stdout', `${T2} ... done\n`))).toEqual([{ stream: 'stdout', ts: T2, line: 'no newline yet... done' }]);
    expect(d.push(frame('stdout', `${T3} tail`))).toEqual([]);
    expect(d.end()).toEqual([{ stream: 'stdout', ts: T3, line: 'tail' }]);
  });

  it("stdout's and stderr's partial lines do not mix", () => {
    const d = new LogDecoder();
    const out = [
      ...d.push(frame('stdout', `${T1} out-`)),
      ...d.push(frame('stderr', `${T2} err-`)),
      ...d.push(frame('stdout', `${T3} a\n`)),
      ...d.push(frame('stderr', `${T3} b\n`)),
    ];
    expect(out.map((l) => `${l.stream}:${l.line}`)).toEqual(['stdout:out-a', 'stderr:err-b']);
  });

  it("engine errors (frame type 3) come out as 'system' lines", () => {
    const input3 = Buffer.concat([Buffer.from([3, 0, 0, 0, 0, 0, 0, 20]), Buffer.from('Error grabbing logs\n')]);
    expect(decode(input3)).toEqual([{ stream: 'system', ts: '', line: 'Error grabbing logs' }]);
  });

  it('an endless line is cut at a character boundary, never inside one', () => {
    const d = new LogDecoder({ maxLineBytes: 10 });
    const out = d.push(frame('stdout', `${T1} ${'é'.repeat(12)}\n`));
    expect(out.map((l) => l.line).join('')).toBe('é'.repeat(12));
    for (const l of out) expect(l.line).not.toContain('\uFFFD');
  });
});

describe('LogDecoder: raw (TTY)', () => {
  const input = Buffer.from(`${T1} first\r\n${T2} sécond\r\n${T3} third\r\n`);
  const want: LogLine[] = [
    { stream: 'stdout', ts: T1, line: 'first' },
    { stream: 'stdout', ts: T2, line: 'sécond' },
    { stream: 'stdout', ts: T3, line: 'third' },
  ];

  it('a stamp starts every line; CR LF ends them', () => {
    const d = new LogDecoder();
    expect(d.tty).toBeUndefined();
    expect(d.push(input)).toEqual(want);
    expect(d.tty).toBe(true);
  });

  it('the same whatever the chunking', () => {
    for (const size of [1, 2, 5, 17, 33]) expect(decode(input, size)).toEqual(want);
  });

  it('a multiplexed stream says so', () => {
    const d = new LogDecoder();
    d.push(frame('stdout', `${T1} x\n`));
    expect(d.tty).toBe(false);
  });
});

describe('LogDecoder without stamps', () => {
  it('passes lines through with an empty stamp', () => {
    const d = new LogDecoder({ timestamps: false });
    expect(d.push(frame('stdout', 'plain 2024 line\n'))).toEqual([{ stream: 'stdout', ts: '', line: 'plain 2024 line' }]);
  });

  it('text that does not start with a stamp is kept whole, even when stamps were asked for', () => {
    const d = new LogDecoder();
    expect(d.push(frame('stdout', 'no stamp here\n'))).toEqual([{ stream: 'stdout', ts: '', line: 'no stamp here' }]);
    expect(d.push(frame('stdout', `${'x'.repeat(60)}\n`))).toEqual([{ stream: 'stdout', ts: '', line: 'x'.repeat(60) }]);
  });
});

describe('LogDecoder: short unstamped lines split across chunks', () => {
  it('are kept, whole and in order', () => {
    for (const size of [1, 2, 3, 5]) {
      const d = new LogDecoder();
      const input = Buffer.from('ok\nyes\nfine then\n');
      const out: LogLine[] = [];
      for (let i = 0; i < input.length; i += size) out.push(...d.push(input.subarray(i, i + size)));
      out.push(...d.end());
      expect(out.map((l) => l.line)).toEqual(['ok', 'yes', 'fine then']);
    }
  });
});
