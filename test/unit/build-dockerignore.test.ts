/** build/dockerignore.ts: Docker's .dockerignore reading and matching rules. */
import balena from '@balena/dockerignore';
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

  it('rejects what Go\'s filepath.Match calls a bad pattern (patternmatcher.New checks it), accepts the rest', () => {
    // patternmatcher_test.go matchTests with filepath.ErrBadPattern.
    for (const bad of ['[]a]', '[-]', '[x-]', '[-x]', '\\', '[a-b-c]', '[', '[^', '[^bc', 'a[', 'a/b\\', '[z-a]']) {
      expect(() => new IgnoreMatcher([bad]), bad).toThrow(DockerignoreError);
    }
    // ... and the escapes it accepts in a class.
    const cases: Array<[string, string, boolean]> = [
      [String.raw`[\]a]`, ']', true],
      [String.raw`[\-]`, '-', true],
      [String.raw`[x\-]`, 'x', true],
      [String.raw`[x\-]`, '-', true],
      [String.raw`[x\-]`, 'z', false],
      [String.raw`[\-x]`, 'a', false],
      [String.raw`a\*b`, 'a*b', true],
      [String.raw`a\*b`, 'ab', false],
      ['[!a]', '!', true],
      ['ab[^e-g]', 'abc', true],
    ];
    for (const [pattern, path, want] of cases) expect(new IgnoreMatcher([pattern]).matches(path), `${pattern} ${path}`).toBe(want);
  });

  it('a comment starts in the first column; after spaces, # is part of a pattern (moby ReadAll)', () => {
    expect(parseDockerignore('#a\n #b\n\t#c/d\n! #e\n')).toEqual(['#b', '#c/d', '!#e']);
    const m = new IgnoreMatcher(parseDockerignore(' #secret\n'));
    expect(m.matches('#secret')).toBe(true);
  });

  it('** then plain characters is "ends with", as moby\'s suffixMatch', () => {
    const m = new IgnoreMatcher(['**.log']);
    expect(['a.log', 'x/y/b.log', '.log'].map((p) => m.matches(p))).toEqual([true, true, true]);
    expect(m.matches('a.log.txt')).toBe(false);
    // Anything but plain characters after the ** leaves the regular expression in charge.
    expect(new IgnoreMatcher(['**file*']).matches('xfile')).toBe(false);
    expect(new IgnoreMatcher(['**file*']).matches('d/file.txt')).toBe(true);
  });

  it('? and classes match one character, whatever its UTF-16 length', () => {
    expect(new IgnoreMatcher(['a?b']).matches('a\u{1F680}b')).toBe(true);
    expect(new IgnoreMatcher(['a??b']).matches('a\u{1F680}b')).toBe(false);
    expect(new IgnoreMatcher(['*/é?']).matches('d/éé')).toBe(true);
  });
});

// ---------------------------------------------------------------- differential, against @balena/dockerignore
//
// The library is a port of moby 19.03's matcher; Docker today matches with moby/patternmatcher.
// Where the two differ, ours follows patternmatcher (so the hand-written matcher stays):
// - parents: every parent dir is tried (MatchesOrParentMatches), not one (19.03 Matches);
// - `**` then plain characters is "ends with" (compile's suffixMatch);
// - `?` and classes match a code point (Go's regexp works on runes), not a UTF-16 unit;
// - `+()|{}` are escaped (shouldEscape), not regular-expression syntax;
// - malformed patterns (`[]a]`, `[x-]`, a trailing `\`) are errors (New calls filepath.Match).
// The generator stays clear of the last four; the first is folded into the oracle below; each
// is pinned, with the library's answer beside Docker's, in the test after the generated ones.

/** A small seeded generator (mulberry32): the same cases on every run. */
function rng(seed: number): { int: (n: number) => number; pick: <T>(xs: readonly T[]) => T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}

/**
 * File and folder names of a small tree: dot files, extensions, names that share prefixes, a
 * non-ASCII one. No `..` (Docker never asks about a path outside the context), and none of
 * `+()|{}^$`: @balena/dockerignore follows moby 19.03, which passed them into the regular
 * expression unescaped; moby/patternmatcher escapes them (`shouldEscape`), as we do, and the
 * table above checks that (`a(b)c/def`, `dist/*.whl`).
 */
const NAMES = ['a', 'b', 'c', 'ab', 'abc', 'bc', 'a.txt', 'b.log', '.env', '.git', '.a', 'README.md', 'node_modules', 'src', 'x-y_z', 'é', '#a'];

function genPath(r: ReturnType<typeof rng>): string {
  return Array.from({ length: 1 + r.int(4) }, () => r.pick(NAMES)).join('/');
}

/** One pattern part made from a name: as is, or with `?`, `*`, `[a-c]` put in. */
function genPart(r: ReturnType<typeof rng>): string {
  const name = r.pick(NAMES);
  switch (r.int(9)) {
    case 0:
      return '*';
    case 1:
      return '**';
    case 2:
      return `${name}*`;
    case 3:
      return `*${name.slice(1)}`;
    case 4: {
      const i = r.int(name.length);
      return `${name.slice(0, i)}?${name.slice(i + 1)}`;
    }
    case 5: {
      const i = r.int(name.length);
      return `${name.slice(0, i)}${r.pick(['[a-c]', '[ab]', '[^a]', '[.]', '[b-z]'])}${name.slice(i + 1)}`;
    }
    case 6:
      // `**` glued after a name (`a**`); glued before one (`**a`) is a documented divergence.
      return `${name}**`;
    default:
      return name;
  }
}

/** A .dockerignore text: patterns, `!` exceptions, leading `/`, trailing `/`, spaces, comments. */
function genIgnoreFile(r: ReturnType<typeof rng>): string {
  const lines: string[] = [];
  for (let n = 1 + r.int(5); n > 0; n--) {
    let p = Array.from({ length: 1 + r.int(3) }, () => genPart(r)).join('/');
    if (r.int(5) === 0) p = `/${p}`;
    if (r.int(5) === 0) p = `${p}/`;
    if (r.int(4) === 0) p = `!${r.pick(['', ' '])}${p}`;
    if (r.int(6) === 0) p = `  ${p}  `;
    // A comment starts in the first column; ` #a` is a pattern (moby's ReadAll).
    if (r.int(8) === 0) p = `${r.pick(['', ' ', '\t'])}#${r.pick(['a', '*', '?', 'a*'])}${r.pick(['', `/${p}`])}`;
    lines.push(p);
  }
  return lines.join(r.pick(['\n', '\r\n']));
}

/**
 * The library's verdict with moby's current parent rule. @balena/dockerignore ports moby 19.03's
 * `Matches`, which tries a pattern on one parent only (the one with as many parts as the
 * pattern, or for a pattern with a `**` part, the longer ones); moby/patternmatcher deprecates
 * it ("buggy (it only checks a single parent dir)") for `MatchesOrParentMatches`, which tries
 * every parent and is what docker build uses (patternmatcher.go). So: each pattern alone,
 * asked through the library about the path and each parent; the last pattern that matches
 * decides. The Docker side of that divergence is pinned in the test after this one.
 */
function libraryWithParents(text: string, path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let matched = false;
  for (const line of text.split(/\r?\n/)) {
    // moby's ReadAll: a comment starts in the first column; then the line is trimmed.
    if (line.startsWith('#') || line.trim() === '') continue;
    let pattern = line.trim();
    const exception = pattern.startsWith('!');
    if (exception) pattern = pattern.slice(1).trim();
    // Alone on its line, `#a` would be a comment; `./#a` is cleaned back to `#a`.
    const one = balena.default({ ignorecase: false }).add(pattern.startsWith('#') ? `./${pattern}` : pattern);
    if (candidates.some((c) => one.ignores(c))) matched = !exception;
  }
  return matched;
}

describe('.dockerignore, differential against @balena/dockerignore (generated patterns and paths)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])('seed %i: ours and the library agree', (seed) => {
    const r = rng(seed);
    const disagreements: string[] = [];
    let whole = 0;
    for (let round = 0; round < 60; round++) {
      const text = genIgnoreFile(r);
      // Case-sensitive, as Docker on Linux (the library folds case unless told not to).
      const theirs = balena.default({ ignorecase: false }).add(text);
      const ours = new IgnoreMatcher(parseDockerignore(text));
      for (let i = 0; i < 40; i++) {
        const path = genPath(r);
        const want = libraryWithParents(text, path);
        if (theirs.ignores(path) === want) whole++;
        if (ours.matches(path) !== want) disagreements.push(`${JSON.stringify(text)} ${path}: library says ${want}`);
      }
    }
    expect(disagreements).toEqual([]);
    // The library as a whole disagrees only in the rare single-parent cases.
    expect(whole).toBeGreaterThan(60 * 40 * 0.97);
  });

  it('where the library is moby 19.03 and Docker today is not, ours follows Docker (moby/patternmatcher)', () => {
    const cases: Array<{ patterns: string; path: string; docker: boolean; library: boolean; why: string }> = [
      // patternmatcher.go MatchesOrParentMatches: every parent dir is tried; the library
      // (moby 19.03 Matches) tries only `b/b`, the parent with as many parts as the pattern.
      { patterns: 'b**/a.txt', path: 'b/b/a.txt/README.md', docker: true, library: false, why: 'every parent' },
      { patterns: 'b**/c/*', path: 'bc/abc/node_modules/.git', docker: true, library: false, why: 'every parent' },
      // patternmatcher.go compile: `**` then plain characters is a suffixMatch (`strings.HasSuffix`),
      // patternmatcher_test.go compileTests `{"**file", suffixMatch}`; moby 19.03 made it `^(.*/)?file$`.
      { patterns: '**file', path: 'xfile', docker: true, library: false, why: 'suffixMatch' },
      { patterns: '**.log', path: 'src/a.log', docker: true, library: false, why: 'suffixMatch' },
      { patterns: '**/file', path: 'xfile', docker: false, library: false, why: 'a / after ** keeps the name whole' },
      // Go's regexp matches runes: `?` is one character, an emoji too (matchTests `{"a?b", "a☺b", true}`).
      { patterns: 'a?b', path: 'a\u{1F680}b', docker: true, library: false, why: 'one code point' },
      { patterns: 'a[^x]b', path: 'a\u{1F680}b', docker: true, library: false, why: 'one code point' },
      // patternmatcher.go shouldEscape: `.+()|{}$` are escaped.
      { patterns: 'a+', path: 'a+', docker: true, library: false, why: 'escaped +' },
      { patterns: 'a(b|c)', path: 'ab', docker: false, library: true, why: 'escaped (|)' },
    ];
    for (const c of cases) {
      expect(balena.default({ ignorecase: false }).add(c.patterns).ignores(c.path), c.why).toBe(c.library);
      expect(new IgnoreMatcher(parseDockerignore(c.patterns)).matches(c.path), c.why).toBe(c.docker);
    }
  });
});
