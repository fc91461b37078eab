/**
 * The per-container cursor that makes re-following exact: resume from the last printed line's
 * stamp, and print no line twice.
 *
 * The engine's `since` is inclusive and the stamps of stdout and stderr are taken by two
 * goroutines, so a log file is ordered by write, not strictly by stamp. So the cursor resumes
 * a little before the last printed stamp (`windowNs`, default 1 s) and skips, by exact match
 * (stream, stamp, text), the lines it already printed in that window. Lines are recorded in a
 * bounded ring (count and bytes): when the ring has dropped lines, the resume point moves up
 * to just after the oldest line it still holds, so a dropped line cannot come back as new.
 * It never goes before the first line printed: what came before it (`--tail`, `--since`) was
 * left out on purpose.
 */
import type { LogStream } from './decode.js';
import { compareEngineTime, parseEngineTime } from './time.js';

export interface CursorOptions {
  /** How far before the last printed stamp to resume (ns; default 1 s). */
  windowNs?: bigint;
  /** Lines kept for matching (default 4096). */
  maxLines?: number;
  /** Bytes of text kept for matching (default 4 MiB). */
  maxBytes?: number;
}

export interface ResumePoint {
  /** The engine `since` (ns). */
  sinceNs: bigint;
  /** Lines that the engine will send again and that must not be printed again. */
  replay: number;
}

/**
 * A line's fingerprint (length and FNV-1a), kept instead of the line: a line cut out of a big
 * chunk of engine output would keep that whole chunk alive in memory while it sits in the ring.
 */
function digest(line: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < line.length; i++) {
    h ^= line.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${line.length}:${(h >>> 0).toString(36)}`;
}

const key = (stream: LogStream, ts: string, fingerprint: string): string => `${stream}\u0000${ts}\u0000${fingerprint}`;

export class LogCursor {
  private readonly windowNs: bigint;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  // The ring, as parallel arrays from `head`.
  private streams: LogStream[] = [];
  private stamps: string[] = [];
  /** Fingerprints of the printed lines (see digest) and their lengths. */
  private lines: string[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  private dropped = false;
  /** The latest stamp printed (engine form), undefined before the first line. */
  private lastTs: string | undefined;
  /** The stamp of the first line printed: nothing before it is printed on a resume. */
  private firstTs: string | undefined;
  /** Replay filter: lines the current stream will send again, with counts. */
  private skip: Map<string, number> | undefined;
  private skipUntil = '';
  /** Lines printed (for tests and stats). */
  printed = 0;

  constructor(opts: CursorOptions = {}) {
    this.windowNs = opts.windowNs ?? 1_000_000_000n;
    this.maxLines = Math.max(1, opts.maxLines ?? 4096);
    this.maxBytes = Math.max(1, opts.maxBytes ?? 4 * 1024 * 1024);
  }

  /** The latest stamp printed. */
  get last(): string | undefined {
    return this.lastTs;
  }

  /**
   * Whether to print this line; a printed line is recorded. Lines without a stamp are always
   * printed (and cannot be resumed from).
   */
  accept(stream: LogStream, ts: string, line: string): boolean {
    if (ts === '') {
      this.printed++;
      return true;
    }
    if (this.skip !== undefined) {
      if (compareEngineTime(ts, this.skipUntil) > 0) {
        // Past everything printed before: no later line can be a repeat.
        this.skip = undefined;
      } else {
        const k = key(stream, ts, digest(line));
        const n = this.skip.get(k);
        if (n !== undefined) {
          if (n <= 1) this.skip.delete(k);
          else this.skip.set(k, n - 1);
          if (this.skip.size === 0) this.skip = undefined;
          return false;
        }
      }
    }
    this.record(stream, ts, line);
    return true;
  }

  private record(stream: LogStream, ts: string, line: string): void {
    this.printed++;
    this.streams.push(stream);
    this.stamps.push(ts);
    this.lines.push(digest(line));
    this.sizes.push(line.length);
    this.bytes += line.length;
    this.firstTs ??= ts;
    if (this.lastTs === undefined || compareEngineTime(ts, this.lastTs) > 0) this.lastTs = ts;
    while (this.lines.length - this.head > 1 && (this.lines.length - this.head > this.maxLines || this.bytes > this.maxBytes)) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
      this.dropped = true;
    }
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.streams = this.streams.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.lines = this.lines.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Where the next stream of this container starts, and arm the filter for the lines it will
   * send again. undefined before the first printed line (the caller picks the start).
   */
  resume(): ResumePoint | undefined {
    this.skip = undefined;
    if (this.lastTs === undefined) return undefined;
    const last = parseEngineTime(this.lastTs);
    if (last === undefined) return undefined;
    let since = last - this.windowNs;
    const first = this.firstTs !== undefined ? parseEngineTime(this.firstTs) : undefined;
    if (first !== undefined && first > since) since = first;
    const times: bigint[] = [];
    let oldest: bigint | undefined;
    for (let i = this.head; i < this.stamps.length; i++) {
      const t = parseEngineTime(this.stamps[i]!) ?? 0n;
      times.push(t);
      if (oldest === undefined || t < oldest) oldest = t;
    }
    // Lines that fell out of the ring must not come back: start after the oldest kept one.
    if (this.dropped && oldest !== undefined && oldest + 1n > since) since = oldest + 1n;
    const skip = new Map<string, number>();
    let replay = 0;
    for (let i = this.head, j = 0; i < this.stamps.length; i++, j++) {
      if (times[j]! < since) continue;
      const k = key(this.streams[i]!, this.stamps[i]!, this.lines[i]!);
      skip.set(k, (skip.get(k) ?? 0) + 1);
      replay++;
    }
    if (skip.size > 0) {
      this.skip = skip;
      this.skipUntil = this.lastTs;
    }
    return { sinceNs: since, replay };
  }
}
