import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  collectDemuxed,
  demux,
  demuxLines,
  Demuxer,
  frame,
  LineSplitter,
  splitLines,
  type DemuxChunk,
} from '../../src/engine/streams.js';

function header(type: number, size: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(size, 4);
  return h;
}

/** Concatenate the payloads per stream (bytes first: a chunk may end inside a character). */
function joined(chunks: DemuxChunk[]): Record<string, string> {
  const bytes: Record<string, Buffer[]> = {};
  for (const c of chunks) (bytes[c.stream] ??= []).push(c.data);
  return Object.fromEntries(Object.entries(bytes).map(([k, v]) => [k, Buffer.concat(v).toString('utf8')]));
}

function feed(d: Demuxer, parts: Buffer[]): DemuxChunk[] {
  return parts.flatMap((p) => d.push(p));
}

describe('Demuxer', () => {
  it('reads one stdout frame (hand-made header)', () => {
    const d = new Demuxer();
    const input = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('hi\n')]);
    expect(d.push(input)).toEqual([{ stream: 'stdout', data: Buffer.from('hi\n') }]);
    expect(d.pendingBytes).toBe(0);
  });

  it('reads several frames of both streams from one chunk, in order', () => {
    const d = new Demuxer();
    const input = Buffer.concat([frame('stdout', 'out\n'), frame('stderr', 'err\n'), frame('stdout', 'more\n')]);
    expect(d.push(input).map((c) => [c.stream, c.data.toString()])).toEqual([
      ['stdout', 'out\n'],
      ['stderr', 'err\n'],
      ['stdout', 'more\n'],
    ]);
  });

  it('reassembles a header split across chunks', () => {
    const d = new Demuxer();
    const payload = Buffer.from('split header');
    const h = header(2, payload.length);
    expect(d.push(h.subarray(0, 3))).toEqual([]);
    expect(d.pendingBytes).toBe(3);
    expect(d.push(h.subarray(3, 7))).toEqual([]);
    expect(joined(d.push(Buffer.concat([h.subarray(7), payload])))).toEqual({ stderr: 'split header' });
  });

  it('streams a payload split across chunks as it arrives', () => {
    const d = new Demuxer();
    const all = frame('stdout', 'abcdefgh');
    expect(d.push(all.subarray(0, 10))).toEqual([{ stream: 'stdout', data: Buffer.from('ab') }]);
    expect(d.pendingBytes).toBe(6);
    expect(d.push(all.subarray(10))).toEqual([{ stream: 'stdout', data: Buffer.from('cdefgh') }]);
    expect(d.pendingBytes).toBe(0);
  });

  it('gives the same result for every split point and byte-by-byte feeding', () => {
    const input = Buffer.concat([
      frame('stdout', 'héllo '),
      frame('stderr', 'warn: ✓\n'),
      frame('stdout', ''),
      frame('stdout', 'world\n'),
      frame('stdin', 'in'),
    ]);
    const expected = { stdout: 'héllo world\n', stderr: 'warn: ✓\n', stdin: 'in' };
    for (let i = 0; i <= input.length; i++) {
      const d = new Demuxer();
      expect(joined(feed(d, [input.subarray(0, i), input.subarray(i)]))).toEqual(expected);
      expect(d.pendingBytes).toBe(0);
    }
    const d = new Demuxer();
    const bytes = Array.from(input, (b) => Buffer.from([b]));
    expect(joined(feed(d, bytes))).toEqual(expected);
  });

  it('handles zero-length frames and empty chunks', () => {
    const d = new Demuxer();
    expect(d.push(Buffer.alloc(0))).toEqual([]);
    expect(d.push(header(1, 0))).toEqual([]);
    expect(d.pendingBytes).toBe(0);
    expect(joined(d.push(frame('stderr', 'x')))).toEqual({ stderr: 'x' });
  });

  it('reports an incomplete frame at the end', () => {
    const d = new Demuxer();
    d.push(Buffer.concat([header(1, 10), Buffer.from('abc')]));
    expect(d.pendingBytes).toBe(7);
  });

  it('passes a stream that is not multiplexed (a TTY) through as stdout', () => {
    const d = new Demuxer();
    const text = Buffer.from('plain tty output\r\n');
    expect(joined(feed(d, [text.subarray(0, 4), text.subarray(4)]))).toEqual({ stdout: 'plain tty output\r\n' });
    expect(d.isRaw).toBe(true);
    expect(joined(d.push(Buffer.from([1, 0, 0, 0])))).toEqual({ stdout: '\u0001\u0000\u0000\u0000' });
  });

  it('switches to raw on a bad header after good frames', () => {
    const d = new Demuxer();
    const bad = Buffer.from([7, 1, 2, 3, 0, 0, 0, 1, 65]);
    const out = feed(d, [frame('stdout', 'ok'), bad]);
    expect(out[0]).toEqual({ stream: 'stdout', data: Buffer.from('ok') });
    expect(out[1]?.data).toEqual(bad);
  });

  it('accepts a frame larger than any chunk', () => {
    const big = Buffer.alloc(100_000, 0x61);
    const input = frame('stdout', big);
    const d = new Demuxer();
    const parts: Buffer[] = [];
    for (let i = 0; i < input.length; i += 4096) parts.push(input.subarray(i, i + 4096));
    expect(joined(feed(d, parts)).stdout).toHaveLength(100_000);
  });
});

describe('demux / collectDemuxed', () => {
  it('demultiplexes a readable stream', async () => {
    const input = Buffer.concat([frame('stdout', 'a'), frame('stderr', 'b'), frame('stdout', 'c')]);
    const source = Readable.from([input.subarray(0, 5), input.subarray(5, 12), input.subarray(12)]);
    const out = await collectDemuxed(source);
    expect(out.stdout.toString()).toBe('ac');
    expect(out.stderr.toString()).toBe('b');
  });

  it('with tty: everything is stdout, headers or not', async () => {
    const input = frame('stderr', 'x');
    const chunks: DemuxChunk[] = [];
    for await (const c of demux(Readable.from([input]), { tty: true })) chunks.push(c);
    expect(chunks).toEqual([{ stream: 'stdout', data: input }]);
  });
});

describe('LineSplitter', () => {
  it('splits complete lines and holds the partial one', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb\nc')).toEqual(['a', 'b']);
    expect(s.push('d')).toEqual([]);
    expect(s.push('e\n')).toEqual(['cde']);
    expect(s.flush()).toBeUndefined();
  });

  it('keeps empty lines and strips a CR before LF', () => {
    const s = new LineSplitter();
    expect(s.push('\n\nx\r\ny\r')).toEqual(['', '', 'x']);
    expect(s.push('\n')).toEqual(['y']);
  });

  it('returns the last partial line on flush', () => {
    const s = new LineSplitter();
    expect(s.push('no newline')).toEqual([]);
    expect(s.flush()).toBe('no newline');
    expect(s.flush()).toBeUndefined();
  });

  it('never splits a UTF-8 character across chunks', () => {
    for (const text of ['é', '€', '😀', 'aé€😀z']) {
      const bytes = Buffer.from(`${text}\n`, 'utf8');
      for (let i = 0; i <= bytes.length; i++) {
        const s = new LineSplitter();
        const lines = [...s.push(bytes.subarray(0, i)), ...s.push(bytes.subarray(i))];
        expect(lines).toEqual([text]);
      }
      // Byte by byte.
      const s = new LineSplitter();
      const lines = Array.from(bytes).flatMap((b) => s.push(Buffer.from([b])));
      expect(lines).toEqual([text]);
    }
  });

  it('cuts an overlong line at a character boundary', () => {
    const s = new LineSplitter({ maxLineBytes: 5 });
    // 'ééé' is 6 bytes: 5 would cut the third character; the cut comes after 4 bytes.
    expect(s.push(Buffer.from('ééé', 'utf8'))).toEqual(['éé']);
    expect(s.push('\n')).toEqual(['é']);
    const t = new LineSplitter({ maxLineBytes: 4 });
    expect(t.push(Buffer.from('😀😀', 'utf8'))).toEqual(['😀']);
    expect(t.flush()).toBe('😀');
    const u = new LineSplitter({ maxLineBytes: 4 });
    expect(u.push('abcdefghij')).toEqual(['abcd', 'efgh']);
    expect(u.flush()).toBe('ij');
  });

  it('splitLines yields every line, the last one without a newline too', async () => {
    const lines: string[] = [];
    for await (const l of splitLines(Readable.from([Buffer.from('one\ntw'), Buffer.from('o\nthr'), Buffer.from('ee')]))) {
      lines.push(l);
    }
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('demuxLines splits each stream on its own', async () => {
    const input = [frame('stdout', 'hel'), frame('stderr', 'oops\n'), frame('stdout', 'lo\nwor'), frame('stdout', 'ld')];
    const out: Array<{ stream: string; line: string }> = [];
    for await (const l of demuxLines(Readable.from(input))) out.push(l);
    expect(out).toEqual([
      { stream: 'stderr', line: 'oops' },
      { stream: 'stdout', line: 'hello' },
      { stream: 'stdout', line: 'world' },
    ]);
  });
});
