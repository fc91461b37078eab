/**
 * The engine's archive format (`/containers/{id}/archive`): a minimal streaming tar reader and
 * writer, enough for `cp` (regular files, directories, symbolic and hard links). Pure: bytes
 * in, bytes out; the host file system is the caller's business.
 *
 * Written: POSIX ustar headers (a long path is split into prefix + name), with a PAX extended
 * header (`x`) only when something does not fit: a path or link target, a uid or gid above
 * 0o7777777 (2,097,151), a size of 8 GiB or more, an mtime before 1970 or past the 11-digit
 * field. The ustar field then holds 0, as Go's archive/tar writes it. Read: ustar, GNU and PAX
 * archives (PAX `path`/`linkpath`/`size`/`mtime`/`uid`/`gid`, GNU `L`/`K` long names,
 * base-256 numbers, negative ones included), which covers what the engine (Go's archive/tar),
 * GNU tar and bsdtar produce. A PAX global header (`g`) sets `uid`/`gid`/`mtime` for every
 * later entry (until the next `g`; an entry's own `x` record or an empty value overrides it);
 * its `path`, `linkpath` and `size` are ignored, since they cannot describe every entry.
 */

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface TarHeader {
  /** Path inside the archive, `/`-separated, without a trailing `/`. */
  name: string;
  type: TarEntryType;
  /** Content size in bytes (0 for everything but files). */
  size: number;
  /** Permission bits (e.g. 0o644). */
  mode: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  uid: number;
  gid: number;
  /** Target of a symbolic or hard link. */
  linkname: string;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's content; what is not read is skipped when the next entry is asked for. */
  body: AsyncIterable<Buffer>;
}

export interface TarInput {
  header: Partial<TarHeader> & Pick<TarHeader, 'name' | 'type'>;
  /** File content: exactly `header.size` bytes. */
  body?: Buffer | AsyncIterable<Buffer | Uint8Array | string>;
}

const BLOCK = 512;
const TYPE_FLAGS: Record<TarEntryType, string> = { file: '0', directory: '5', symlink: '2', link: '1', other: '0' };
/** The largest numbers the ustar octal fields hold: 7 digits (uid, gid), 11 (size, mtime). */
const MAX_OCTAL_ID = 0o7777777;
const MAX_OCTAL_SIZE = 0o77777777777;

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

// ---------------------------------------------------------------- writing

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

/** `value` in octal, or 0 when it does not fit (a PAX record then carries it). */
function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  const text = fitsOctal(value, length) ? value.toString(8).padStart(length - 1, '0') : '0'.repeat(length - 1);
  block.write(text + '\0', offset, length, 'ascii');
}

/** Does `value` fit an octal field of `length` bytes (digits plus the NUL)? */
function fitsOctal(value: number, length: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value.toString(8).length <= length - 1;
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

/** Split a path into ustar prefix (<= 155 bytes) and name (<= 100 bytes), or undefined. */
function splitPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  // The length counts its own digits.
  const body = ` ${key}=${value}\n`;
  const base = Buffer.byteLength(body);
  let len = base + String(base).length;
  if (String(len).length !== String(base).length) len = base + String(len).length;
  return `${len}${body}`;
}

function rawHeader(fields: { name: string; prefix: string; type: string; size: number; mode: number; mtime: number; uid: number; gid: number; linkname: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode & 0o7777);
  writeOctal(block, 108, 8, fields.uid);
  writeOctal(block, 116, 8, fields.gid);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime);
  block.write(fields.type, 156, 1, 'ascii');
  writeString(block, 157, 100, fields.linkname);
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  writeString(block, 345, 155, fields.prefix);
  const sum = checksum(block);
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return block;
}

/** The header block(s) of one entry: a PAX header first when a field does not fit ustar. */
export function encodeHeader(input: TarInput['header']): Buffer {
  const type = input.type;
  const size = type === 'file' || type === 'other' ? (input.size ?? 0) : 0;
  let name = input.name.replace(/\/+$/, '');
  if (type === 'directory') name += '/';
  const linkname = input.linkname ?? '';
  const common = {
    type: TYPE_FLAGS[type],
    size,
    mode: input.mode ?? (type === 'directory' ? 0o755 : 0o644),
    mtime: Math.floor(input.mtime ?? 0),
    uid: Math.max(0, Math.trunc(input.uid ?? 0)),
    gid: Math.max(0, Math.trunc(input.gid ?? 0)),
  };
  const split = splitPath(name);
  let pax = '';
  if (split === undefined) pax += paxRecord('path', name);
  if (Buffer.byteLength(linkname) > 100) pax += paxRecord('linkpath', linkname);
  if (size > MAX_OCTAL_SIZE) pax += paxRecord('size', String(size));
  if (common.uid > MAX_OCTAL_ID) pax += paxRecord('uid', String(common.uid));
  if (common.gid > MAX_OCTAL_ID) pax += paxRecord('gid', String(common.gid));
  if (!fitsOctal(common.mtime, 12)) pax += paxRecord('mtime', String(common.mtime));
  const main = rawHeader({
    ...common,
    name: split?.name ?? name.slice(-100),
    prefix: split?.prefix ?? '',
    linkname: Buffer.byteLength(linkname) > 100 ? linkname.slice(0, 100) : linkname,
  });
  if (pax === '') return main;
  const records = Buffer.from(pax, 'utf8');
  const base = name.replace(/\/$/, '').split('/').pop() ?? 'entry';
  const paxHeader = rawHeader({ ...common, type: 'x', size: records.length, mode: 0o644, name: `PaxHeader/${base}`.slice(0, 100), prefix: '', linkname: '' });
  return Buffer.concat([paxHeader, records, Buffer.alloc(padding(records.length)), main]);
}

/** Zero bytes after `size` bytes of content, up to the next block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('tar content is not bytes');
}

/**
 * A tar archive of `entries`, as a stream of buffers (`Readable.from(writeTar(...))`). A file
 * body must hold exactly `header.size` bytes: fewer is an error (the file shrank while it was
 * read), more is cut.
 */
export async function* writeTar(entries: AsyncIterable<TarInput> | Iterable<TarInput>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    const h = entry.header;
    const size = h.type === 'file' ? (h.size ?? (Buffer.isBuffer(entry.body) ? entry.body.length : 0)) : 0;
    yield encodeHeader({ ...h, size });
    if (size === 0) continue;
    let written = 0;
    const body = entry.body;
    if (body === undefined) throw new TarError(`${h.name}: no content for ${size} bytes`);
    const chunks: AsyncIterable<unknown> | Iterable<unknown> = Buffer.isBuffer(body) ? [body] : body;
    for await (const c of chunks) {
      const buf = toBuffer(c);
      const take = Math.min(buf.length, size - written);
      if (take > 0) yield take === buf.length ? buf : buf.subarray(0, take);
      written += take;
      if (written >= size) break;
    }
    if (written < size) throw new TarError(`${h.name}: expected ${size} bytes, got ${written} (did the file change while it was copied?)`);
    const pad = padding(size);
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
}

// ---------------------------------------------------------------- reading

/** Pulls exact byte counts out of an async iterable of chunks. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<unknown>;

  constructor(source: AsyncIterable<unknown>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done === true) {
      this.done = true;
      return false;
    }
    const b = toBuffer(r.value);
    this.buf = this.buf.length === 0 ? b : Buffer.concat([this.buf, b]);
    return true;
  }

  /** Exactly n bytes, or undefined at the end of the input (a partial read is an error). */
  async read(n: number): Promise<Buffer | undefined> {
    while (this.buf.length < n) {
      if (!(await this.more())) {
        if (this.buf.length === 0) return undefined;
        throw new TarError('unexpected end of archive');
      }
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Between 1 and `max` bytes (what is at hand). */
  async chunk(max: number): Promise<Buffer> {
    if (this.buf.length === 0 && !(await this.more())) throw new TarError('unexpected end of archive');
    const n = Math.min(max, this.buf.length);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.chunk(left)).length;
  }

  /** Let go of the source. */
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

function readNumber(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if ((field[0]! & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement, the first byte's high bit the marker (0x80
    // positive, 0xff negative).
    const negative = field[0] === 0xff;
    let n = negative ? 0 : field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + (negative ? 0xff - field[i]! : field[i]!);
    return negative ? -(n + 1) : n;
  }
  const text = field.toString('ascii').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  const n = Number.parseInt(text, 8);
  if (!Number.isFinite(n)) throw new TarError(`invalid number in tar header: ${JSON.stringify(text)}`);
  return n;
}

/** A PAX integer record (`uid`, `gid`, `size`): decimal digits only. */
function paxInteger(key: string, value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n)) throw new TarError(`invalid ${key} in PAX header: ${JSON.stringify(value)}`);
  return n;
}

/** A PAX `mtime` (seconds, maybe negative, maybe with a fraction) as whole seconds. */
function paxTime(value: string): number {
  if (!/^-?[0-9]+(\.[0-9]*)?$/.test(value)) throw new TarError(`invalid mtime in PAX header: ${JSON.stringify(value)}`);
  return Math.floor(Number(value));
}

/** Records of a global header that apply to every later entry (see the top of the file). */
const GLOBAL_KEYS = new Set(['uid', 'gid', 'mtime']);

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = Number.parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!(len > 0) || pos + len > data.length) throw new TarError('invalid PAX header');
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

function entryType(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return 'file';
    case '5':
      return 'directory';
    case '2':
      return 'symlink';
    case '1':
      return 'link';
    default:
      return 'other';
  }
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * The entries of a tar archive, in order. Consume (or skip) each entry's body before asking for
 * the next one; an unread body is skipped.
 */
export async function* readTar(source: AsyncIterable<unknown> | NodeJS.ReadableStream): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source as AsyncIterable<unknown>);
  let global: Record<string, string> = {};
  let local: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    for (;;) {
      const block = await reader.read(BLOCK);
      if (block === undefined || isZeroBlock(block)) return;
      const sum = readNumber(block, 148, 8);
      let signed = 0;
      for (let i = 0; i < BLOCK; i++) signed += i >= 148 && i < 156 ? 0x20 : (block[i]! << 24) >> 24;
      if (sum !== checksum(block) && sum !== signed) throw new TarError('invalid tar header checksum');
      const flag = String.fromCharCode(block[156]!);
      const rawSize = readNumber(block, 124, 12);
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (rawSize < 0) throw new TarError(`invalid size in tar header: ${rawSize}`);
        const data = (await reader.read(rawSize)) ?? Buffer.alloc(0);
        await reader.skip(padding(rawSize));
        if (flag === 'x') local = { ...local, ...parsePax(data) };
        else if (flag === 'g') {
          const records = Object.entries(parsePax(data)).filter(([k]) => GLOBAL_KEYS.has(k));
          global = { ...global, ...Object.fromEntries(records) };
        } else if (flag === 'L') longName = readString(data, 0, data.length);
        else longLink = readString(data, 0, data.length);
        continue;
      }
      // An entry's own record wins over a global one; an empty value means "no record".
      const merged: Record<string, string> = { ...global, ...local };
      const pax = (key: string): string | undefined => (merged[key] === '' ? undefined : merged[key]);
      const paxSize = pax('size');
      const size = paxSize !== undefined ? paxInteger('size', paxSize) : rawSize;
      if (!Number.isSafeInteger(size) || size < 0) throw new TarError(`invalid size in tar header: ${size}`);
      const magic = block.subarray(257, 263).toString('latin1');
      const prefix = magic === 'ustar\0' ? readString(block, 345, 155) : '';
      const baseName = readString(block, 0, 100);
      let name = pax('path') ?? longName ?? (prefix !== '' ? `${prefix}/${baseName}` : baseName);
      const type = entryType(flag);
      name = name.replace(/\/+$/, '');
      const paxMtime = pax('mtime');
      const paxUid = pax('uid');
      const paxGid = pax('gid');
      const header: TarHeader = {
        name,
        type,
        size: type === 'file' || type === 'other' ? size : 0,
        mode: readNumber(block, 100, 8) & 0o7777,
        mtime: paxMtime !== undefined ? paxTime(paxMtime) : readNumber(block, 136, 12),
        uid: paxUid !== undefined ? paxInteger('uid', paxUid) : readNumber(block, 108, 8),
        gid: paxGid !== undefined ? paxInteger('gid', paxGid) : readNumber(block, 116, 8),
        linkname: pax('linkpath') ?? longLink ?? readString(block, 157, 100),
      };
      local = {};
      longName = undefined;
      longLink = undefined;
      // Hard links and directories may still declare a size: their content is skipped.
      let remaining = size;
      const body = (async function* () {
        while (header.size > 0 && remaining > 0) {
          const chunk = await reader.chunk(remaining);
          remaining -= chunk.length;
          yield chunk;
        }
      })();
      yield { header, body };
      while (remaining > 0) remaining -= (await reader.chunk(remaining)).length;
      await reader.skip(padding(size));
    }
  } finally {
    await reader.close();
  }
}
