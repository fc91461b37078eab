/**
 * A plain read (`GET`, no body, answer read whole) straight over a `node:net` socket: the calls
 * a no-op `up`, `ps` or `config` make. node:http does the same job, but a process's first
 * requests through it cost ~12 ms more (loading http and its agent, parser and request
 * machinery; bench/transport.ts), and a no-op `up` is mostly start-up (issue 16). Everything
 * else (writes, streams, uploads, hijacked connections, TLS, ssh) stays on node:http (http.ts).
 *
 * HTTP/1.1 as far as an engine's answer to a read needs it: one request per connection
 * (`Connection: close`), a status line, headers, a body by Content-Length, chunked transfer
 * coding (extensions and trailers skipped) or up to the close; informational (1xx) heads
 * skipped. Failures read as node:http's do, so the error mapping and the one retry of a dropped
 * read (http.ts) apply unchanged: a refused or missing socket is the socket's own error
 * (ECONNREFUSED, ENOENT, ...), a connection closed before the answer is `socket hang up`
 * (ECONNRESET), one closed in the middle of the body `aborted` (ECONNRESET), a cancelled call
 * an AbortError. test/unit/rawget.test.ts checks it against node:http on the same answers.
 */
import { connect, type Socket } from 'node:net';

/** Where to connect: a unix socket, or a host and port (tcp without TLS). */
export type RawTarget = { socketPath: string } | { host: string; port: number };

export interface RawAnswer {
  status: number;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawGetOptions {
  signal?: AbortSignal;
  /** Fail with ETIMEDOUT when the answer is not complete in this long; 0 or undefined: no limit. */
  timeoutMs?: number;
}

/** Longest head (status line and headers) accepted, as Node's default max header size. */
const MAX_HEAD = 16 * 1024;
/** Longest chunk-size line (size, extensions) accepted. */
const MAX_CHUNK_LINE = 4096;

/** A request path node:http would send as is: printable ASCII, no space (else it refuses it). */
export function plainPath(path: string): boolean {
  return /^\/[\x21-\x7e]*$/.test(path);
}

/** A header value that cannot split the request (no CR, LF or NUL). */
const plainValue = (v: string): boolean => !/[\r\n\0]/.test(v);

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** As node:http's: the call was cancelled through its AbortSignal. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR', cause: signal.reason as unknown });
}

const overflow = (): Error => codedError('Parse Error: Header overflow', 'HPE_HEADER_OVERFLOW');
const badChunkSize = (): Error => codedError('Parse Error: Invalid character in chunk size', 'HPE_INVALID_CHUNK_SIZE');

/** The answer's parts as they come: head first, then the body in the coding the head names. */
class AnswerParser {
  private pending: Buffer = Buffer.alloc(0);
  private state: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' | 'to-close' | 'done' = 'head';
  private remaining = 0;
  private readonly parts: Buffer[] = [];
  status = 0;
  headers: Record<string, string> = {};

  get done(): boolean {
    return this.state === 'done';
  }

  /** The head was read (the close is then in the body, not before the answer). */
  get started(): boolean {
    return this.state !== 'head';
  }

  get body(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }

  /** Takes bytes; throws on an answer that is not HTTP/1.x. */
  push(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    for (;;) {
      switch (this.state) {
        case 'head': {
          const head = this.upTo('\r\n\r\n', MAX_HEAD, overflow);
          if (head === undefined) return;
          this.readHead(head);
          break;
        }
        case 'length':
          if (!this.take()) return;
          this.state = 'done';
          break;
        case 'chunk-size': {
          const line = this.upTo('\r\n', MAX_CHUNK_LINE, badChunkSize);
          if (line === undefined) return;
          const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
          if (size === null) throw badChunkSize();
          this.remaining = parseInt(size[1]!, 16);
          this.state = this.remaining === 0 ? 'trailer' : 'chunk-data';
          break;
        }
        case 'chunk-data':
          if (!this.take()) return;
          this.state = 'chunk-end';
          break;
        case 'chunk-end': {
          if (this.pending.length < 2) return;
          if (this.pending[0] !== 0x0d || this.pending[1] !== 0x0a) throw codedError('Parse Error: Missing expected CR after chunk data', 'HPE_STRICT');
          this.pending = this.pending.subarray(2);
          this.state = 'chunk-size';
          break;
        }
        case 'trailer': {
          // Trailer fields, each a line, up to an empty line; none is used.
          const line = this.upTo('\r\n', MAX_HEAD, overflow);
          if (line === undefined) return;
          if (line === '') this.state = 'done';
          break;
        }
        case 'to-close':
          if (this.pending.length > 0) this.parts.push(this.pending);
          this.pending = Buffer.alloc(0);
          return;
        case 'done':
          return;
      }
    }
  }

  /** The text before `delim`, taken with it; undefined until it comes (over `max` bytes without it: `error`). */
  private upTo(delim: string, max: number, error: () => Error): string | undefined {
    const end = this.pending.indexOf(delim);
    if (end < 0) {
      if (this.pending.length > max) throw error();
      return undefined;
    }
    const text = this.pending.subarray(0, end).toString('latin1');
    this.pending = this.pending.subarray(end + delim.length);
    return text;
  }

  /** Moves up to `remaining` body bytes from what came; true once all of them came. */
  private take(): boolean {
    const n = Math.min(this.remaining, this.pending.length);
    if (n > 0) this.parts.push(this.pending.subarray(0, n));
    this.pending = this.pending.subarray(n);
    this.remaining -= n;
    return this.remaining === 0;
  }

  /** The connection closed: the end of a body read to the close. */
  close(): void {
    if (this.state === 'to-close') this.state = 'done';
  }

  private readHead(head: string): void {
    const lines = head.split('\r\n');
    const status = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: .*)?$/.exec(lines[0] ?? '');
    if (status === null) throw codedError('Parse Error: Expected HTTP/', 'HPE_INVALID_CONSTANT');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw codedError('Parse Error: Invalid header token', 'HPE_INVALID_HEADER_TOKEN');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] !== undefined ? `${headers[name]}, ${value}` : value;
    }
    const code = Number(status[1]);
    // 100 Continue and the like: the real answer follows.
    if (code < 200) return;
    this.status = code;
    this.headers = headers;
    const coding = headers['transfer-encoding'];
    const length = headers['content-length'];
    if (code === 204 || code === 304) this.state = 'done';
    else if (coding !== undefined && /(?:^|,)\s*chunked\s*$/i.test(coding)) this.state = 'chunk-size';
    else if (length !== undefined) {
      if (!/^[0-9]{1,15}$/.test(length)) throw codedError('Parse Error: Invalid character in Content-Length', 'HPE_INVALID_CONTENT_LENGTH');
      this.remaining = Number(length);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else this.state = 'to-close';
  }
}

/**
 * `GET path` on `target` with `headers` (Host among them), the whole answer once it is complete.
 * Any status is an answer: the caller decides what an error status means.
 */
export function rawGet(target: RawTarget, path: string, headers: Record<string, string>, opts: RawGetOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const { signal, timeoutMs } = opts;
    if (signal?.aborted === true) {
      reject(abortError(signal));
      return;
    }
    if (!plainPath(path) || !Object.entries(headers).every(([k, v]) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) && plainValue(v))) {
      reject(Object.assign(new TypeError('Request path contains unescaped characters'), { code: 'ERR_UNESCAPED_CHARACTERS' }));
      return;
    }
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const parser = new AnswerParser();
    const socket: Socket = 'socketPath' in target ? connect(target.socketPath) : connect(target.port, target.host);
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve({ status: parser.status, headers: parser.headers, body: parser.body });
    };
    const onAbort = (): void => finish(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && timeoutMs > 0) {
      timer = setTimeout(() => finish(codedError(`no answer in ${timeoutMs / 1000} s (TSFIG_HTTP_TIMEOUT)`, 'ETIMEDOUT')), timeoutMs);
      timer.unref();
    }
    let request = `GET ${path} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) request += `${k}: ${v}\r\n`;
    request += 'Connection: close\r\n\r\n';
    socket.on('connect', () => socket.write(request, 'latin1'));
    socket.on('data', (data: Buffer) => {
      try {
        parser.push(data);
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (parser.done) finish(undefined);
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => {
      parser.close();
      if (parser.done) finish(undefined);
      else finish(parser.started ? codedError('aborted', 'ECONNRESET') : codedError('socket hang up', 'ECONNRESET'));
    });
  });
}
