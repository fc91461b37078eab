/** build/dockerignore.ts: Docker's .dockerignore reading and matching rules. */
import { describe, expect, it } from 'vitest';
import { cleanPath, DockerignoreError, IgnoreMatcher, parseDockerignore } from '../../src/build/dockerignore.js';

describe('parseDockerignore', () => {
  it('drops comments and blank lines, trims, cleans, and makes patterns relative to the root', () => {
    const text = '\uFEFF# a comment\n\n  node_modules  \n/build/\n./a//b/../c\n! /secret\n!keep.txt\r\n**/*.log\n#!not-an-exception\n';
    expect(parseDockerignore(text)).toEqual(['node_modules', 'build', 'a/c', '!secret', '!keep.txt', '**/*.log']);
  });

  it('cleans paths like Go', () => {
    expect(cleanPath('')).toBe('.');
    expect(cleanPath('./')).toBe('.');
    expect(cleanPath('a/./b//c/')).toBe('a/b/c');
    expect(cleanPath('../a/../../b')).toBe('../../b');
    expect(cleanPath('/a/../..')).toBe('/');
  });
});

/** moby/patternmatcher's own match table (pattern, path, matches). */
const MOBY_CASES: Array<[string, string, boolean]> = [
  ['**', 'file', true],
  ['**', 'file/', true],
  ['**/', 'file', true],
  ['**/', 'file/', true],
  ['**', '/', true],
  ['**', 'dir/file', true],
  ['**/', 'dir/file', true],
  ['**/**', 'dir/file', true],
  ['dir/**', 'dir/file', true],
  ['dir/**', 'dir/dir2/file', true],
  ['**/dir', 'dir', true],
  ['**/dir', 'dir/file', true],
  ['**/dir2/*', 'dir/dir2/file', true],
  ['**/dir2/**', 'dir/dir2/dir3/file', true],
  ['**file', 'file', true],
  ['**file', 'dir/file', true],
  ['**/file', 'dir/file', true],
  ['**file', 'dir/dir/file', true],
  ['**/file', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file.txt', true],
  ['**/file*txt', 'dir/dir/file.txt', true],
  ['**/file*.txt', 'dir/dir/file.txt', true],
  ['**/file*.txt*', 'dir/dir/file.txt', true],
  ['**/**/*.txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt2', 'dir/dir/file.txt', false],
  ['**/*.txt', 'file.txt', true],
  ['**/**/*.txt', 'file.txt', true],
  ['a**/*.txt', 'a/file.txt', true],
  ['a**/*.txt', 'a/dir/file.txt', true],
  ['a**/*.txt', 'a/dir/dir/file.txt', true],
  ['a/*.txt', 'a/dir/file.txt', false],
  ['a/*.txt', 'a/file.txt', true],
  ['a/*.txt**', 'a/file.txt', true],
  ['a[b-d]e', 'ae', false],
  ['a[b-d]e', 'ace', true],
  ['a[b-d]e', 'aae', false],
  ['a[^b-d]e', 'aze', true],
  ['.*', '.foo', true],
  ['.*', 'foo', false],
  ['abc.def', 'abcdef', false],
  ['abc.def', 'abc.def', true],
  ['abc.def', 'abcZdef', false],
  ['abc?def', 'abcZdef', true],
  ['abc?def', 'abcdef', false],
  ['a\\\\', 'a\\', true],
  ['**/foo/bar', 'foo/bar', true],
  ['**/foo/bar', 'dir/foo/bar', true],
  ['**/foo/bar', 'dir/dir2/foo/bar', true],
  ['abc/**', 'abc', false],
  ['abc/**', 'abc/def', true],
  ['abc/**', 'abc/def/ghi', true],
  ['**/.foo', '.foo', true],
  ['**/.foo', 'bar.foo', false],
  ['a(b)c/def', 'a(b)c/def', true],
  ['a(b)c/def', 'a(b)c/xyz', false],
  ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
  ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
];

describe('IgnoreMatcher', () => {
  it.each(MOBY_CASES)('%s against %s: %s', (pattern, path, want) => {
    expect(new IgnoreMatcher([pattern]).matches(path)).toBe(want);
  });

  it('a pattern matching a folder matches everything below it', () => {
    const m = new IgnoreMatcher(['build', 'temp?', '*/cache']);
    expect(m.matches('build')).toBe(true);
    expect(m.matches('build/out/a.o')).toBe(true);
    expect(m.matches('tempa/x')).toBe(true);
    expect(m.matches('temp/x')).toBe(false);
    expect(m.matches('src/cache/blob')).toBe(true);
    expect(m.matches('src/a/cache/blob')).toBe(false);
    expect(m.matches('builder')).toBe(false);
  });

  it('is case-sensitive, as Docker on Linux', () => {
    expect(new IgnoreMatcher(['README.md']).matches('readme.md')).toBe(false);
  });

  it('exceptions: the last matching pattern wins', () => {
    // The example of Docker's documentation.
    const m = new IgnoreMatcher(parseDockerignore('*.md\n!README*.md\nREADME-secret.md\n'));
    expect(m.matches('CHANGES.md')).toBe(true);
    expect(m.matches('README.md')).toBe(false);
    expect(m.matches('README-user.md')).toBe(false);
    expect(m.matches('README-secret.md')).toBe(true);
    // Order matters: an exception before the rule it should undo does nothing.
    const before = new IgnoreMatcher(['!README.md', '*.md']);
    expect(before.matches('README.md')).toBe(true);
  });

  it('an exception takes a file back from an excluded folder', () => {
    const m = new IgnoreMatcher(['docs', '!docs/README.md']);
    expect(m.matches('docs/guide.md')).toBe(true);
    expect(m.matches('docs/README.md')).toBe(false);
    expect(m.exceptionsBelow('docs')).toBe(true);
    expect(m.exceptionsBelow('other')).toBe(false);
  });

  it('knows when an exception may match below a folder', () => {
    const m = new IgnoreMatcher(['*', '!src/*/keep.txt', '!**/KEEP']);
    expect(m.exceptionsBelow('src')).toBe(true);
    expect(m.exceptionsBelow('src/a')).toBe(true);
    expect(m.exceptionsBelow('anything/deep')).toBe(true);
    const n = new IgnoreMatcher(['*', '!src/*/keep.txt']);
    expect(n.exceptionsBelow('lib')).toBe(false);
    expect(n.exceptionsBelow('src/a/keep.txt')).toBe(false);
    expect(new IgnoreMatcher(['a']).exceptionsBelow('a')).toBe(false);
  });

  it('**/ patterns exclude at any depth, and / anchors at the root', () => {
    const m = new IgnoreMatcher(parseDockerignore('**/*.log\n/secret\n'));
    expect(m.matches('a.log')).toBe(true);
    expect(m.matches('x/y/z.log')).toBe(true);
    expect(m.matches('secret')).toBe(true);
    expect(m.matches('x/secret')).toBe(false);
  });

  it('rejects "!" alone and an unclosed class', () => {
    expect(() => new IgnoreMatcher(['!'])).toThrow(DockerignoreError);
    expect(() => new IgnoreMatcher(['a[b'])).toThrow(/\[ without its \]/);
  });
});
