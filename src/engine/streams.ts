/**
 * The engine's stream formats.
 *
 * Multiplexed streams (logs and exec of containers without a TTY): frames of an 8-byte header
 * `[type, 0, 0, 0, size (uint32 big-endian)]` then `size` bytes; type 0 stdin, 1 stdout,
 * 2 stderr. Headers and payloads may be split anywhere across chunks.
 *
 * Line splitting works on bytes and decodes only complete lines, so a UTF-8 character is never
 * split (the byte 0x0A never occurs inside a multi-byte sequence).
 */

export type StdStream = 'stdin' | 'stdout' | 'stderr';

export interface DemuxChunk {
  stream: StdStream;
  data: Buffer;
}

const HEADER_SIZE = 8;
const STREAM_NAMES: Record<number, StdStream> = { 0: 'stdin', 1: 'stdout', 2: 'stderr' };

/**
 * Incremental demultiplexer. `push` returns the payload bytes that became available, in order
 * (a large frame may come out in several chunks). A header that is not a valid frame header
 * switches to raw mode: everything from there on is stdout (a TTY stream, or garbage).
 */
export class Demuxer {
  private header = Buffer.alloc(HEADER_SIZE);
  private headerFill = 0;
  private current: StdStream | undefined;
  private remaining = 0;
  private raw = false;

  /** Feed one chunk; returns the payloads it completed or continued. */
  push(chunk: Buffer | Uint8Array): DemuxChunk[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: DemuxChunk[] = [];
    if (this.raw) {
      if (buf.length > 0) out.push({ stream: 'stdout', data: buf });
      return out;
    }
    let pos = 0;
    while (pos < buf.length) {
      if (this.current === undefined) {
        const take = Math.min(HEADER_SIZE - this.headerFill, buf.length - pos);
        buf.copy(this.header, this.headerFill, pos, pos + take);
        this.headerFill += take;
        pos += take;
        if (this.headerFill < HEADER_SIZE) break;
        const type = this.header[0]!;
        const stream = STREAM_NAMES[type];
        if (stream === undefined || this.header[1] !== 0 || this.header[2] !== 0 || this.header[3] !== 0) {
          // Not a multiplexed stream: pass the bytes through as stdout.
          this.raw = true;
          const rest = Buffer.concat([this.header, buf.subarray(pos)]);
          this.headerFill = 0;
          out.push({ stream: 'stdout', data: rest });
          return out;
        }
        this.current = stream;
        this.remaining = this.header.readUInt32BE(4);
        this.headerFill = 0;
        if (this.remaining === 0) this.current = undefined;
        continue;
      }
      const take = Math.min(this.remaining, buf.length - pos);
      out.push({ stream: this.current, data: buf.subarray(pos, pos + take) });
      pos += take;
      this.remaining -= take;
      if (this.remaining === 0) this.current = undefined;
    }
    return out;
  }

  /** Bytes of an incomplete frame at the end of the stream (0 when the stream ended cleanly). */
  get pendingBytes(): number {
    return this.current !== undefined ? this.remaining : this.headerFill;
  }

  /** true once the input turned out not to be multiplexed. */
  get isRaw(): boolean {
    return this.raw;
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('stream chunk is not bytes');
}

/** Demultiplex a stream; with `tty: true` everything is stdout as-is. */
export async function* demux(
  source: AsyncIterable<unknown> | NodeJS.ReadableStream,
  opts: { tty?: boolean } = {},
): AsyncGenerator<DemuxChunk> {
  const iterable = source as AsyncIterable<unknown>;
  if (opts.tty === true) {
    for await (const chunk of iterable) yield { stream: 'stdout', data: toBuffer(chunk) };
    return;
  }
  const d = new Demuxer();
  for await (const chunk of iterable) {
    for (const c of d.push(toBuffer(chunk))) yield c;
  }
}

/** Read a whole (finite) stream and split it into stdout and stderr. */
export async function collectDemuxed(
  source: AsyncIterable<unknown> | NodeJS.ReadableStream,
  opts: { tty?: boolean } = {},
): Promise<{ stdout: Buffer; stderr: Buffer }> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  for await (const c of demux(source, opts)) {
    if (c.stream === 'stderr') stderr.push(c.data);
    else stdout.push(c.data);
  }
  return { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
}

export interface LineSplitterOptions {
  /**
   * A line longer than this many bytes is cut (at a character boundary) and emitted in
   * pieces, so one endless line cannot exhaust memory. Default 1 MiB.
   */
  maxLineBytes?: number;
}

/** Index just past the last complete UTF-8 character in buf[0..end). */
function utf8Boundary(buf: Buffer, end: number): number {
  // Walk back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  let i = end - 1;
  let cont = 0;
  while (i >= 0 && cont < 3 && (buf[i]! & 0xc0) === 0x80) {
    i--;
    cont++;
  }
  if (i < 0) return end;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  // Complete character at the end: cut after it; otherwise cut before its lead byte.
  return cont + 1 >= need ? end : i === 0 ? end : i;
}

/**
 * Splits bytes into lines. `push` returns the complete lines (without `\n` and a trailing
 * `\r`); a partial line is held until its newline comes, or `flush()` at the end.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private readonly max: number;

  constructor(opts: LineSplitterOptions = {}) {
    this.max = Math.max(4, opts.maxLineBytes ?? 1024 * 1024);
  }

  push(chunk: Buffer | Uint8Array | string): string[] {
    let buf = toBuffer(chunk);
    const lines: string[] = [];
    let nl = buf.indexOf(0x0a);
    while (nl >= 0) {
      this.parts.push(buf.subarray(0, nl));
      lines.push(stripCr(Buffer.concat(this.parts).toString('utf8')));
      this.parts = [];
      this.size = 0;
      buf = buf.subarray(nl + 1);
      nl = buf.indexOf(0x0a);
    }
    if (buf.length > 0) {
      this.parts.push(buf);
      this.size += buf.length;
      while (this.size > this.max) {
        const all = Buffer.concat(this.parts);
        const cut = utf8Boundary(all, this.max);
        lines.push(all.subarray(0, cut).toString('utf8'));
        const rest = all.subarray(cut);
        this.parts = rest.length > 0 ? [rest] : [];
        this.size = rest.length;
      }
    }
    return lines;
  }

  /** The partial last line, if any (call at the end of the stream). */
  flush(): string | undefined {
    if (this.size === 0) return undefined;
    const text = stripCr(Buffer.concat(this.parts).toString('utf8'));
    this.parts = [];
    this.size = 0;
    return text;
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Lines of a byte stream; the last line is yielded even without a final newline. */
export async function* splitLines(
  source: AsyncIterable<unknown> | NodeJS.ReadableStream,
  opts: LineSplitterOptions = {},
): AsyncGenerator<string> {
  const splitter = new LineSplitter(opts);
  for await (const chunk of source as AsyncIterable<unknown>) {
    for (const line of splitter.push(toBuffer(chunk))) yield line;
  }
  const last = splitter.flush();
  if (last !== undefined) yield last;
}

/** Demultiplexed lines, one splitter per stream: `{ stream, line }` in arrival order. */
export async function* demuxLines(
  source: AsyncIterable<unknown> | NodeJS.ReadableStream,
  opts: { tty?: boolean } & LineSplitterOptions = {},
): AsyncGenerator<{ stream: StdStream; line: string }> {
  const splitters = new Map<StdStream, LineSplitter>();
  for await (const c of demux(source, opts)) {
    let s = splitters.get(c.stream);
    if (s === undefined) {
      s = new LineSplitter(opts);
      splitters.set(c.stream, s);
    }
    for (const line of s.push(c.data)) yield { stream: c.stream, line };
  }
  for (const [stream, s] of splitters) {
    const last = s.flush();
    if (last !== undefined) yield { stream, line: last };
  }
}

/** Build one frame of a multiplexed stream (tests, fakes). */
export function frame(stream: StdStream | 0 | 1 | 2, payload: Buffer | string): Buffer {
  const type = typeof stream === 'number' ? stream : stream === 'stdin' ? 0 : stream === 'stdout' ? 1 : 2;
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(HEADER_SIZE);
  header[0] = type;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}
