/**
 * `.dockerignore` with Docker's rules (moby's `dockerignore.ReadAll` and `patternmatcher`):
 *
 * - One pattern a line; surrounding spaces trimmed; blank lines and lines starting with `#`
 *   (in the first column: ` #x` is the pattern `#x`) ignored; a UTF-8 BOM at the start ignored.
 * - Patterns are cleaned like Go's `filepath.Clean` (`./a//b/` is `a/b`, `a/../b` is `b`) and
 *   a leading `/` dropped: every pattern is relative to the context root.
 * - `*` matches any run of characters but `/`, `?` one character (a code point, as Go's runes)
 *   but `/`, `[...]` a class, `**` any number of directories (zero included), `\` escapes the
 *   next character. `**` followed by plain characters only is "ends with" (`**.log` matches
 *   `a.log`: patternmatcher's `suffixMatch`). A pattern Go's `filepath.Match` calls malformed
 *   (`[]a]`, `[x-]`, a trailing `\`) is an error, as `patternmatcher.New` makes it.
 * - `!` makes an exception: a later pattern overrides an earlier one; the last match wins.
 * - A pattern that matches a directory matches everything below it.
 *
 * One difference, on purpose: Docker's classic client walks into an excluded directory only
 * when an exception names a path under it literally (`!dir/keep`); here any exception that
 * could match below it counts (`!*\/keep`, `!**\/keep`), as BuildKit does.
 */

export class DockerignoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerignoreError';
  }
}

/** Go's `filepath.Clean` for `/`-separated paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** The patterns of a `.dockerignore` file, as Docker reads them (`!` kept as a prefix). */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const raw of lines) {
    // A comment starts in the first column: ` # x` is the pattern `# x` (moby's ReadAll).
    if (raw.startsWith('#')) continue;
    let pattern = raw.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

interface Pattern {
  /** The cleaned pattern, without `!`. */
  text: string;
  exclusion: boolean;
  /** The pattern's `/`-separated parts. */
  parts: string[];
  regexp: RegExp;
}

/** What means something in a regular expression (`u` flag) outside a class. */
const REGEXP_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

function literal(ch: string): string {
  return REGEXP_SYNTAX.has(ch) ? `\\${ch}` : ch;
}

/**
 * Go's `filepath.Match` syntax, which moby's `patternmatcher.New` checks first: a `\` must
 * escape something; a class holds at least one character or range, each end of a range being
 * a character other than an unescaped `-` or `]`, and is closed.
 */
function checkSyntax(chars: string[], original: string): void {
  const bad = (why: string): never => {
    throw new DockerignoreError(`invalid pattern "${original}": ${why}`);
  };
  /** One class character at `j`; the index after it (the class must go on). */
  const classChar = (j: number): number => {
    const c = chars[j];
    if (c === undefined) bad('a [ without its ]');
    if (c === '-' || c === ']') bad(`a "${c}" where a character is expected in [...]`);
    if (c === '\\' && ++j >= chars.length) bad('a [ without its ]');
    if (++j >= chars.length) bad('a [ without its ]');
    return j;
  };
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\') {
      if (++i >= chars.length) bad('a \\ at the end escapes nothing');
      continue;
    }
    if (chars[i] !== '[') continue;
    i++;
    if (chars[i] === '^') i++;
    for (let ranges = 0; !(chars[i] === ']' && ranges > 0); ranges++) {
      i = classChar(i);
      if (chars[i] === '-') i = classChar(i + 1);
    }
  }
}

/**
 * A glob (Docker's dialect) as an anchored regular expression, by moby's `Pattern.compile`.
 * Matching is by code point (the `u` flag), as Go's regexp matches runes.
 */
function globToRegExp(glob: string, original: string): RegExp {
  const chars = Array.from(glob);
  checkSyntax(chars, original);
  // moby's `suffixMatch`: `**` then only plain characters is "ends with" (`**.log` matches
  // `a.log`), not "a name that is" as the regular expression would say. With a `/` after
  // the `**` the two agree.
  const rest = glob.slice(2);
  if (glob.startsWith('**') && !rest.startsWith('/') && !/[*?[\]\\]/.test(rest)) {
    return new RegExp(`^.*${Array.from(rest).map(literal).join('')}$`, 'su');
  }
  let re = '^';
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (inClass) {
      if (ch === ']') inClass = false;
      if (ch === '\\') {
        // An escaped character stands for itself (a letter too: `\\d` is `d`).
        const next = chars[++i]!;
        re += REGEXP_SYNTAX.has(next) || next === '-' ? `\\${next}` : next;
        continue;
      }
      re += ch;
      continue;
    }
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        // `**/` is `**`.
        if (chars[i + 1] === '/') i++;
        // `**` at the end matches everything; elsewhere any number of directories.
        re += i + 1 >= chars.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '[') {
      inClass = true;
      re += '[';
      // Go's classes negate with `^`; filepath.Match does not know `!`, nor does Docker.
    } else if (ch === '\\') {
      re += literal(chars[++i]!);
    } else {
      re += literal(ch);
    }
  }
  re += '$';
  try {
    return new RegExp(re, 'su');
  } catch {
    throw new DockerignoreError(`invalid pattern "${original}"`);
  }
}

function compile(raw: string): Pattern | undefined {
  let p = raw.trim();
  if (p === '') return undefined;
  p = cleanPath(p);
  let exclusion = false;
  if (p.startsWith('!')) {
    if (p.length === 1) throw new DockerignoreError('illegal exclusion pattern: "!"');
    exclusion = true;
    p = p.slice(1);
  }
  return { text: p, exclusion, parts: p.split('/'), regexp: globToRegExp(p, raw) };
}

/** One path part against one pattern part (no `/` on either side). */
function partMatches(patternPart: string, part: string): boolean {
  try {
    return globToRegExp(patternPart, patternPart).test(part);
  } catch {
    // A class with a `/` in it (`[a/b]`) is cut in two here: may match, so look below.
    return true;
  }
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[];
  readonly hasExceptions: boolean;

  constructor(patterns: string[]) {
    this.patterns = patterns.map(compile).filter((p): p is Pattern => p !== undefined);
    this.hasExceptions = this.patterns.some((p) => p.exclusion);
  }

  /**
   * Is `path` (relative to the context root, `/`-separated) excluded? A pattern matching one
   * of its parent directories matches it too; the last matching pattern decides.
   */
  matches(path: string): boolean {
    const file = cleanPath(path);
    const parts = file.split('/');
    const parents: string[] = [];
    for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
    let matched = false;
    for (const p of this.patterns) {
      // An inclusion cannot change a match, nor an exception a non-match.
      if (p.exclusion !== matched) continue;
      const hit = p.regexp.test(file) || parents.some((parent) => p.regexp.test(parent));
      if (hit) matched = !p.exclusion;
    }
    return matched;
  }

  /** Could an exception (`!pattern`) match something below the excluded directory `dir`? */
  exceptionsBelow(dir: string): boolean {
    const parts = cleanPath(dir).split('/');
    return this.patterns.some((p) => {
      if (!p.exclusion) return false;
      for (let i = 0; i < parts.length; i++) {
        const pp = p.parts[i];
        if (pp === undefined) return false;
        if (pp.includes('**')) return true;
        if (!partMatches(pp, parts[i]!)) return false;
      }
      // The pattern's first parts name `dir`: it must go further to match below it.
      return p.parts.length > parts.length;
    });
  }
}
