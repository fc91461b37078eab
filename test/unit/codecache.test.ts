/** bin/codecache.js's pure parts: where the cache lives, whether it is on, which command's file. */
import { join } from 'node:path';
import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cacheDir, cacheKey, codeCacheEnabled } from '../../bin/codecache.js';

const argv = (...a: string[]) => ['node', 'tsfig', ...a];

describe('code cache settings', () => {
  it('cache directory: TSFIG_CACHE_DIR, else XDG_CACHE_HOME/tsfig, else ~/.cache/tsfig', () => {
    expect(cacheDir({ TSFIG_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/tsfig');
    expect(cacheDir({ TSFIG_CACHE_DIR: '', XDG_CACHE_HOME: '' })).toBe(join(homedir(), '.cache', 'tsfig'));
  });

  it('TSFIG_CODE_CACHE turns it off with 0, false, no, off', () => {
    for (const v of ['0', 'false', 'FALSE', ' no ', 'off']) expect(codeCacheEnabled({ TSFIG_CODE_CACHE: v })).toBe(false);
    for (const v of [undefined, '', '1', 'true']) expect(codeCacheEnabled({ TSFIG_CODE_CACHE: v })).toBe(true);
  });

  it('one cache file per command word, past global options and their values', () => {
    expect(cacheKey(argv('-f', 'up', '-p', 'x', 'up', '-d'))).toBe('up');
    expect(cacheKey(argv('--dry-run', 'down', '-v'))).toBe('down');
    expect(cacheKey(argv('--version'))).toBe('version');
    expect(cacheKey(argv())).toBe('none');
    expect(cacheKey(argv('../../etc/passwd'))).toBe('other');
  });
});
