/** engine/tar.ts: the writer and reader round-trip, and the reader takes what other tars write. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeHeader, padding, readTar, writeTar, TarError, type TarHeader, type TarInput } from '../../src/engine/tar.js';

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** Feed `buf` in pieces of `size` bytes (headers and bodies split anywhere). */
async function* pieces(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function entries(buf: Buffer, chunk = 4096): Promise<Array<{ header: TarHeader; data: string }>> {
  const out: Array<{ header: TarHeader; data: string }> = [];
  for await (const e of readTar(pieces(buf, chunk))) out.push({ header: e.header, data: (await collect(e.body)).toString('utf8') });
  return out;
}

async function archive(inputs: TarInput[]): Promise<Buffer> {
  return collect(writeTar(inputs));
}

describe('tar writer and reader', () => {
  it('round-trips files, folders and links, in pieces of any size', async () => {
    const big = Buffer.alloc(1500, 'x');
    const buf = await archive([
      { header: { name: 'd', type: 'directory', mode: 0o750, mtime: 1_700_000_000 } },
      { header: { name: 'd/a.txt', type: 'file', size: 6, mode: 0o644, mtime: 1_700_000_001 }, body: Buffer.from('alpha\n') },
      { header: { name: 'd/big', type: 'file', size: big.length }, body: (async function* () { yield big.subarray(0, 700); yield big.subarray(700); })() },
      { header: { name: 'd/empty', type: 'file', size: 0 } },
      { header: { name: 'd/link', type: 'symlink', linkname: 'a.txt' } },
      { header: { name: 'd/hard', type: 'link', linkname: 'd/a.txt' } },
    ]);
    expect(buf.length % 512).toBe(0);
    for (const chunk of [1, 7, 511, 512, 100_000]) {
      const got = await entries(buf, chunk);
      expect(got.map((e) => [e.header.name, e.header.type, e.header.size, e.data.length])).toEqual([
        ['d', 'directory', 0, 0],
        ['d/a.txt', 'file', 6, 6],
        ['d/big', 'file', 1500, 1500],
        ['d/empty', 'file', 0, 0],
        ['d/link', 'symlink', 0, 0],
        ['d/hard', 'link', 0, 0],
      ]);
      expect(got[0]!.header.mode).toBe(0o750);
      expect(got[1]!.header.mtime).toBe(1_700_000_001);
      expect(got[1]!.data).toBe('alpha\n');
      expect(got[2]!.data).toBe(big.toString());
      expect(got[4]!.header.linkname).toBe('a.txt');
    }
  });

  it('long paths: ustar prefix when the path splits, a PAX header when it does not', async () => {
    const split = `${'p'.repeat(120)}/${'n'.repeat(90)}`;
    const unsplittable = 'x'.repeat(150);
    const longLink = 'l'.repeat(130);
    const buf = await archive([
      { header: { name: split, type: 'file', size: 1 }, body: Buffer.from('1') },
      { header: { name: unsplittable, type: 'file', size: 1 }, body: Buffer.from('2') },
      { header: { name: 'ln', type: 'symlink', linkname: longLink } },
      { header: { name: 'é/ü.txt', type: 'file', size: 1 }, body: Buffer.from('3') },
    ]);
    const got = await entries(buf);
    expect(got.map((e) => [e.header.name, e.data])).toEqual([[split, '1'], [unsplittable, '2'], ['ln', ''], ['é/ü.txt', '3']]);
    expect(got[2]!.header.linkname).toBe(longLink);
    // The splittable path needs no PAX header: header + content + header + PAX ... = ustar only.
    expect(encodeHeader({ name: split, type: 'file', size: 1 }).length).toBe(512);
    expect(encodeHeader({ name: unsplittable, type: 'file', size: 1 }).length).toBe(512 * 3);
  });

  it('PAX records count their own length digits', async () => {
    for (const n of [80, 89, 90, 95, 99, 100, 990, 995, 1000]) {
      const name = 'a'.repeat(n);
      const [e] = await entries(await archive([{ header: { name, type: 'file', size: 0 } }]));
      expect(e!.header.name).toBe(name);
    }
  });

  it('reads GNU long names, PAX sizes, base-256 numbers and skips global headers', async () => {
    const gnuLong = (flag: 'L' | 'K', text: string): Buffer => {
      const data = Buffer.from(text + '\0');
      const h = Buffer.from(encodeHeader({ name: '././@LongLink', type: 'file', size: data.length }));
      h.write(flag, 156, 1, 'ascii');
      fixChecksum(h);
      return Buffer.concat([h, data, Buffer.alloc(padding(data.length))]);
    };
    const global = (() => {
      const data = Buffer.from('18 comment=hello\n');
      const h = Buffer.from(encodeHeader({ name: 'pax_global_header', type: 'file', size: data.length }));
      h.write('g', 156, 1, 'ascii');
      fixChecksum(h);
      return Buffer.concat([h, data, Buffer.alloc(padding(data.length))]);
    })();
    const name = 'g'.repeat(200);
    const plain = Buffer.from(encodeHeader({ name: 'short', type: 'file', size: 2, mtime: 5 }));
    // mtime 5 in base-256: marker bit, then big-endian bytes.
    plain.fill(0, 136, 148);
    plain[136] = 0x80;
    plain[147] = 5;
    fixChecksum(plain);
    const buf = Buffer.concat([global, gnuLong('L', name), plain, Buffer.from('hi'), Buffer.alloc(510), Buffer.alloc(1024)]);
    const got = await entries(buf);
    expect(got.map((e) => [e.header.name, e.data, e.header.mtime])).toEqual([[name, 'hi', 5]]);
  });

  it('an unread body is skipped; a bad checksum or a short archive is an error', async () => {
    const buf = await archive([
      { header: { name: 'a', type: 'file', size: 3 }, body: Buffer.from('abc') },
      { header: { name: 'b', type: 'file', size: 1 }, body: Buffer.from('b') },
    ]);
    const names: string[] = [];
    for await (const e of readTar(pieces(buf, 100))) names.push(e.header.name);
    expect(names).toEqual(['a', 'b']);

    const bad = Buffer.from(buf);
    bad[0] = 'z'.charCodeAt(0);
    await expect(entries(bad)).rejects.toThrow(TarError);
    await expect(entries(buf.subarray(0, 600))).rejects.toThrow(/unexpected end/);
    // An archive that simply ends (no zero blocks) is fine.
    expect((await entries(buf.subarray(0, 2048))).map((e) => e.header.name)).toEqual(['a', 'b']);
  });

  it('the writer refuses a body shorter than the declared size and cuts a longer one', async () => {
    await expect(archive([{ header: { name: 'a', type: 'file', size: 10 }, body: Buffer.from('abc') }])).rejects.toThrow(/expected 10 bytes, got 3/);
    const got = await entries(await archive([{ header: { name: 'a', type: 'file', size: 2 }, body: Buffer.from('abcdef') }]));
    expect(got[0]!.data).toBe('ab');
  });
});

describe('tar interop with GNU tar (Debian has it everywhere)', () => {
  it('reads what GNU tar writes (gnu and pax formats), and GNU tar reads what it writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsfig-tar-'));
    try {
      const long = `${'a'.repeat(70)}/${'b'.repeat(70)}/${'c'.repeat(120)}.txt`;
      mkdirSync(join(dir, 'src', 'a'.repeat(70), 'b'.repeat(70)), { recursive: true });
      writeFileSync(join(dir, 'src', long), 'long\n');
      writeFileSync(join(dir, 'src', 'x.txt'), 'x\n');
      for (const format of ['gnu', 'pax', 'ustar']) {
        if (format === 'ustar') rmSync(join(dir, 'src', 'a'.repeat(70)), { recursive: true });
        const buf = execFileSync('tar', ['-C', dir, `--format=${format}`, '-cf', '-', 'src']);
        const got = await entries(buf, 333);
        const files = got.filter((e) => e.header.type === 'file').map((e) => [e.header.name, e.data]);
        expect(files).toEqual(format === 'ustar' ? [['src/x.txt', 'x\n']] : expect.arrayContaining([[`src/${long}`, 'long\n'], ['src/x.txt', 'x\n']]));
      }
      const ours = await archive([
        { header: { name: 'out', type: 'directory' } },
        { header: { name: `out/${long}`, type: 'file', size: 5 }, body: Buffer.from('long\n') },
        { header: { name: `out/${'z'.repeat(150)}`, type: 'file', size: 1 }, body: Buffer.from('z') },
      ]);
      const listed = execFileSync('tar', ['-tf', '-'], { input: ours, encoding: 'utf8' }).trim().split('\n');
      expect(listed).toEqual(['out/', `out/${long}`, `out/${'z'.repeat(150)}`]);
      const content = execFileSync('tar', ['-xOf', '-', `out/${long}`], { input: ours, encoding: 'utf8' });
      expect(content).toBe('long\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function fixChecksum(h: Buffer): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
}
