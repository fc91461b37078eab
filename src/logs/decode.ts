/**
 * Decoding the engine's log stream, requested with `timestamps=1`, into lines.
 *
 * The engine writes one log *message* per write: `STAMP SP payload`, where the payload is a
 * line with its `\n`, or a piece of a longer line (the engine cuts lines at 16 KiB, and each
 * piece gets its own stamp). For a container without a TTY every message is one frame of the
 * multiplexed format (8-byte header: type 1 stdout, 2 stderr, 3 an error of the engine
 * itself), so the stamp is found at the start of every frame, also in the middle of a long
 * line. For a container with a TTY the stream is raw: a stamp starts every line. (A TTY line
 * longer than 16 KiB therefore shows the engine's stamps of its later pieces: the raw stream
 * does not say where a piece starts.)
 *
 * The mode is told from the first byte: a raw stream requested with timestamps starts with a
 * digit of the year, a multiplexed one with a type byte 0-3. A header that is not valid
 * switches to raw, as `Demuxer` does.
 *
 * Lines are split by `LineSplitter` (UTF-8 safe; partial lines held until their newline; an
 * endless line cut at a character boundary). Each line carries the stamp of the message that
 * completed it.
 */
import { LineSplitter } from '../engine/streams.js';
import { looksLikeEngineTime } from './time.js';

export type LogStream = 'stdout' | 'stderr' | 'system';

export interface LogLine {
  stream: LogStream;
  /** The engine's stamp (RFC 3339 nano), '' when the message had none. */
  ts: string;
  line: string;
}

/** Longest stamp: `2024-05-01T10:00:00.123456789+05:30` is 35 bytes. */
const MAX_STAMP = 40;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const HEADER = 8;

/** One output stream: stamp stripping and line splitting. */
class Lane {
  private readonly splitter: LineSplitter;
  private readonly maxLine: number;
  private expectStamp: boolean;
  private stampBytes: Buffer | undefined;
  private ts = '';
  /** The splitter holds the start of a line (bytes pushed since the last newline). */
  private partial = false;
  /** Lines completed by held bytes that turned out not to be a stamp. */
  private readonly pending: string[] = [];

  constructor(
    readonly stream: LogStream,
    private readonly stamps: boolean,
    maxLineBytes: number | undefined,
  ) {
    this.splitter = new LineSplitter(maxLineBytes !== undefined ? { maxLineBytes } : {});
    this.maxLine = maxLineBytes ?? 1024 * 1024;
    this.expectStamp = stamps;
  }

  /** A new message starts (a frame of the multiplexed format). */
  messageStart(): void {
    if (!this.stamps) return;
    this.expectStamp = true;
    this.stampBytes = undefined;
  }

  /** Bytes `buf[start..end)` of this stream. */
  feed(buf: Buffer, start: number, end: number, out: LogLine[]): void {
    let pos = start;
    while (pos < end) {
      if (this.expectStamp) {
        pos = this.takeStamp(buf, pos, end);
        for (const line of this.pending) out.push({ stream: this.stream, ts: '', line });
        this.pending.length = 0;
        if (pos < 0 || pos >= end) return;
      }
      // After a newline the next message starts (raw streams: the only marker there is).
      const nl = buf.indexOf(NEWLINE, pos);
      const stop = nl >= 0 && nl < end ? nl + 1 : end;
      if (!this.partial && stop - 1 === nl && nl - pos <= this.maxLine) {
        // The common case: a whole line in hand, nothing held: decode it directly.
        const cut = nl > pos && buf[nl - 1] === 0x0d ? nl - 1 : nl;
        out.push({ stream: this.stream, ts: this.ts, line: buf.toString('utf8', pos, cut) });
      } else {
        for (const line of this.splitter.push(buf.subarray(pos, stop))) out.push({ stream: this.stream, ts: this.ts, line });
        this.partial = buf[stop - 1] !== NEWLINE;
      }
      pos = stop;
      if (buf[stop - 1] === NEWLINE) this.expectStamp = this.stamps;
    }
  }

  /**
   * Strip the stamp at the start of a message: the position after it, or -1 while it is still
   * incomplete. Text that is not a stamp stays payload.
   */
  private takeStamp(buf: Buffer, pos: number, end: number): number {
    const have = this.stampBytes?.length ?? 0;
    const limit = Math.min(end, pos + MAX_STAMP - have + 1);
    let space = buf.indexOf(SPACE, pos);
    if (space >= limit) space = -1;
    if (space < 0 && have + (end - pos) <= MAX_STAMP) {
      const piece = buf.subarray(pos, end);
      this.stampBytes = this.stampBytes ? Buffer.concat([this.stampBytes, piece]) : Buffer.from(piece);
      return -1;
    }
    this.expectStamp = false;
    const held = this.stampBytes;
    this.stampBytes = undefined;
    if (space >= 0) {
      const text = held ? held.toString('latin1') + buf.toString('latin1', pos, space) : buf.toString('latin1', pos, space);
      if (looksLikeEngineTime(text)) {
        this.ts = text;
        return space + 1;
      }
    }
    // Not a stamp after all: the bytes are payload (held ones go to the splitter first).
    this.ts = '';
    if (held) {
      for (const line of this.splitter.push(held)) this.pending.push(line);
      this.partial = held[held.length - 1] !== NEWLINE;
    }
    return pos;
  }

  flush(out: LogLine[]): void {
    const last = this.splitter.flush();
    this.partial = false;
    if (last !== undefined) out.push({ stream: this.stream, ts: this.ts, line: last });
  }
}

export interface DecoderOptions {
  /** The stream was requested with timestamps (default true). */
  timestamps?: boolean;
  /** Cut lines longer than this (bytes; default LineSplitter's 1 MiB). */
  maxLineBytes?: number;
}

/** Frame types; 0 (stdin) never occurs in logs and reads as stdout. */
const TYPES: Record<number, LogStream> = { 0: 'stdout', 1: 'stdout', 2: 'stderr', 3: 'system' };

/** Incremental decoder of one log stream: `push` chunks, `end` at the end. */
export class LogDecoder {
  private mode: 'detect' | 'mux' | 'raw' = 'detect';
  private readonly lanes = new Map<LogStream, Lane>();
  private readonly header = Buffer.alloc(HEADER);
  private headerFill = 0;
  private current: Lane | undefined;
  private remaining = 0;
  private readonly stamps: boolean;
  private readonly maxLineBytes: number | undefined;

  constructor(opts: DecoderOptions = {}) {
    this.stamps = opts.timestamps !== false;
    this.maxLineBytes = opts.maxLineBytes;
  }

  /** Whether the stream turned out to be raw (a TTY container). undefined before any byte. */
  get tty(): boolean | undefined {
    return this.mode === 'detect' ? undefined : this.mode === 'raw';
  }

  private lane(stream: LogStream): Lane {
    let l = this.lanes.get(stream);
    if (l === undefined) {
      l = new Lane(stream, this.stamps && stream !== 'system', this.maxLineBytes);
      this.lanes.set(stream, l);
    }
    return l;
  }

  /** The complete lines this chunk finished, in order. */
  push(chunk: Buffer | Uint8Array): LogLine[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: LogLine[] = [];
    if (buf.length === 0) return out;
    if (this.mode === 'detect') this.mode = buf[0]! <= 3 ? 'mux' : 'raw';
    if (this.mode === 'raw') {
      this.lane('stdout').feed(buf, 0, buf.length, out);
      return out;
    }
    let pos = 0;
    while (pos < buf.length) {
      if (this.current === undefined) {
        const take = Math.min(HEADER - this.headerFill, buf.length - pos);
        buf.copy(this.header, this.headerFill, pos, pos + take);
        this.headerFill += take;
        pos += take;
        if (this.headerFill < HEADER) break;
        this.headerFill = 0;
        const stream = TYPES[this.header[0]!];
        if (stream === undefined || this.header[1] !== 0 || this.header[2] !== 0 || this.header[3] !== 0) {
          // Not multiplexed after all: everything from here is raw output.
          this.mode = 'raw';
          const rest = Buffer.concat([this.header, buf.subarray(pos)]);
          this.lane('stdout').feed(rest, 0, rest.length, out);
          return out;
        }
        this.remaining = this.header.readUInt32BE(4);
        if (this.remaining === 0) continue;
        this.current = this.lane(stream);
        this.current.messageStart();
        continue;
      }
      const take = Math.min(this.remaining, buf.length - pos);
      this.current.feed(buf, pos, pos + take, out);
      pos += take;
      this.remaining -= take;
      if (this.remaining === 0) this.current = undefined;
    }
    return out;
  }

  /** The partial last lines (call once the stream ended and nothing more will come). */
  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const l of this.lanes.values()) l.flush(out);
    return out;
  }
}
