/** The pure parts of attach, commit and export: their command lines, detach keys, repository names. */
import { describe, expect, it } from 'vitest';
import { parsedCommand } from '../support/project.js';
import { detachKeyBytes, detachScanner } from '../../src/app/containers/attach.js';
import { commitOptions, parseRepository, UNLABEL, type CommitFlags } from '../../src/app/containers/commit.js';
import { parseBoolFlag } from '../../src/cli/flags.js';
import { UsageError } from '../../src/errors.js';

const parsed = parsedCommand;

describe('attach', () => {
  it('command line: defaults, --no-stdin, --sig-proxy=false, --detach-keys, --index', async () => {
    const d = await parsed('attach', ['web']);
    expect(d.args).toEqual(['web']);
    expect(d.opts).toEqual({ index: '1', stdin: true, sigProxy: true, detachKeys: 'ctrl-p,ctrl-q' });
    const f = await parsed('attach', ['--no-stdin', '--sig-proxy=false', '--detach-keys', 'ctrl-x,x', '--index', '2', 'web']);
    expect(f.args).toEqual(['web']);
    expect(f.opts).toEqual({ index: '2', stdin: false, sigProxy: false, detachKeys: 'ctrl-x,x' });
    expect((await parsed('attach', ['web', '--sig-proxy'])).opts.sigProxy).toBe(true);
    await expect(parsed('attach', ['--sig-proxy=maybe', 'web'])).rejects.toThrow();
  });

  it('boolean flag values as docker reads them', () => {
    for (const v of ['true', '1', 't', 'TRUE', '=true']) expect(parseBoolFlag(v)).toBe(true);
    for (const v of ['false', '0', 'f', 'False', '=false']) expect(parseBoolFlag(v)).toBe(false);
    expect(() => parseBoolFlag('web')).toThrow(/true or false/);
  });

  it('detach keys: characters, ctrl-<key>, DEL; anything else is a usage error', () => {
    expect([...detachKeyBytes('ctrl-p,ctrl-q')]).toEqual([16, 17]);
    expect([...detachKeyBytes('a,ctrl-@,ctrl-[,ctrl-_,DEL')]).toEqual([97, 0, 27, 31, 127]);
    expect(() => detachKeyBytes('ctrl-pp')).toThrow(UsageError);
    expect(() => detachKeyBytes('alt-x')).toThrow(/alt-x/);
    expect(() => detachKeyBytes('')).toThrow(UsageError);
  });

  it('the detach scanner fires on the keys in a row, across chunks, not on the keys apart', () => {
    const keys = detachKeyBytes('ctrl-p,ctrl-q');
    const whole = detachScanner(keys);
    expect(whole(Buffer.from('ls\n'))).toBe(false);
    expect(whole(Buffer.from([0x10, 0x11]))).toBe(true);
    const split = detachScanner(keys);
    expect(split(Buffer.from([0x61, 0x10]))).toBe(false);
    expect(split(Buffer.from([0x11]))).toBe(true);
    const apart = detachScanner(keys);
    expect(apart(Buffer.from([0x10, 0x61, 0x11]))).toBe(false);
    expect(apart(Buffer.from([0x10, 0x10, 0x11]))).toBe(true);
  });
});

describe('commit', () => {
  it('command line: -a -m -c (repeatable) -p, the repository', async () => {
    const r = await parsed('commit', ['-a', 'Jane <j@x>', '-m', 'msg', '-c', 'CMD ["sh"]', '-c', 'ENV A=1', '--pause=false', '--index', '3', 'web', 'repo/img:v1']);
    expect(r.args).toEqual(['web', 'repo/img:v1']);
    expect(r.opts).toEqual({ author: 'Jane <j@x>', message: 'msg', change: ['CMD ["sh"]', 'ENV A=1'], pause: false, index: '3' });
    const d = await parsed('commit', ['web']);
    expect(d.args).toEqual(['web', undefined]);
    expect(d.opts).toEqual({ pause: true, index: '1' });
    expect((await parsed('commit', ['web', '-p'])).opts.pause).toBe(true);
  });

  it('repository names: a tag after the last slash, a registry port is not one, no digests', () => {
    expect(parseRepository('img')).toEqual({ repo: 'img' });
    expect(parseRepository('img:v1')).toEqual({ repo: 'img', tag: 'v1' });
    expect(parseRepository('localhost:5000/team/img')).toEqual({ repo: 'localhost:5000/team/img' });
    expect(parseRepository('localhost:5000/img:2')).toEqual({ repo: 'localhost:5000/img', tag: '2' });
    expect(() => parseRepository('img@sha256:' + 'a'.repeat(64))).toThrow(UsageError);
    expect(() => parseRepository('Img')).toThrow(UsageError);
    expect(() => parseRepository('img:')).toThrow(UsageError);
  });

  it('the engine options: only what was given, pause always said; tsfig\'s labels blanked before the user\'s changes', () => {
    const flags: CommitFlags = { pause: true, index: '1' };
    expect(commitOptions(flags, undefined)).toEqual({ pause: true, changes: [UNLABEL] });
    expect(UNLABEL).toMatch(/^LABEL io\.tsfig\.project="" io\.tsfig\.service="" /);
    expect(UNLABEL).toContain('io.tsfig.overlay.endpoints=""');
    expect(commitOptions({ ...flags, pause: false, author: 'a', message: 'm', change: ['LABEL x=y'] }, 'r:t')).toEqual({
      repo: 'r',
      tag: 't',
      comment: 'm',
      author: 'a',
      pause: false,
      changes: [UNLABEL, 'LABEL x=y'],
    });
  });
});

describe('export', () => {
  it('command line: -o and --index', async () => {
    expect(await parsed('export', ['-o', 'out.tar', '--index', '2', 'web'])).toEqual({ args: ['web'], opts: { output: 'out.tar', index: '2' } });
    expect(await parsed('export', ['web'])).toEqual({ args: ['web'], opts: { index: '1' } });
  });
});
