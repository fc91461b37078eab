/**
 * Env files as Compose v2 reads them (compose-go `dotenv`): the project `.env` used for
 * interpolation and a service's `env_file:` entries.
 *
 *   # comment                 whole-line comments and blank lines are ignored
 *   export KEY=value          optional `export ` prefix
 *   KEY=value  /  KEY: value  `=` or the yaml-like `:` separate key and value
 *   KEY=value # comment       inline comment: ` #` (whitespace then `#`) ends an unquoted value
 *   KEY='literal $X'          single quotes: no expansion, only `\'` is an escape; may span lines
 *   KEY="a\n${X:-d}"          double quotes: escapes, then interpolation; may span lines
 *   KEY=${X:-d}/$Y            unquoted: trimmed, interpolated
 *   KEY                       bare key: value from `lookup` (undefined when absent)
 *
 * `${VAR}` inside a value resolves from `lookup` first, then from earlier keys of the same
 * file (compose-go's precedence). Pure: never throws, returns every problem found.
 */
import { interpolate } from './interpolate.js';

export interface EnvFileEntry {
  key: string;
  value: string | undefined;
  /** 1-based line of the key */
  line: number;
  /** 1-based column of the key */
  col: number;
}

export interface EnvFileProblem {
  message: string;
  line: number;
  col: number;
}

export interface EnvFileResult {
  entries: EnvFileEntry[];
  errors: EnvFileProblem[];
}

/** Whitespace inside a line (compose-go `isSpace`): never a line break. */
const INLINE_SPACE = new Set([' ', '\t', '\v', '\f', '\r', '\u0085', '\u00a0']);
/** Letters and digits of any script, `_`, `.`, `-`, `[`, `]` (compose-go `isValidKeyRune`). */
const KEY_CHAR = /^[\p{L}\p{N}_.[\]-]$/u;
const DIGIT = /^\p{N}$/u;
const WHITESPACE = /^\s$/u;

/**
 * lookup: used for `${VAR}` expansion inside unquoted and double-quoted values, and for a
 * bare `KEY` line (value from lookup, undefined when absent).
 */
export function parseEnvFile(
  text: string,
  lookup?: (name: string) => string | undefined,
): EnvFileResult {
  const src = (text.startsWith('\uFEFF') ? text.slice(1) : text).replace(/\r\n/g, '\n');
  return new Parser(src, lookup).run();
}

/** Convenience: last value wins, in file order; keys with undefined value omitted unless keepUnset. */
export function envFileToMap(
  result: EnvFileResult,
  keepUnset = false,
): Record<string, string | undefined> {
  // No prototype: a key named `__proto__` is an ordinary key here.
  const out = Object.create(null) as Record<string, string | undefined>;
  for (const e of result.entries) {
    if (e.value === undefined && !keepUnset) continue;
    out[e.key] = e.value;
  }
  return out;
}

class Parser {
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  private readonly entries: EnvFileEntry[] = [];
  private readonly errors: EnvFileProblem[] = [];
  /** Values of earlier keys of this file, visible to later interpolations. */
  private readonly vars = new Map<string, string>();

  constructor(
    private readonly src: string,
    private readonly lookup: ((name: string) => string | undefined) | undefined,
  ) {
    for (let i = 0; i < src.length; i++) if (src[i] === '\n') this.lineStarts.push(i + 1);
  }

  run(): EnvFileResult {
    const { src } = this;
    while (this.pos < src.length) {
      const c = src[this.pos] ?? '';
      if (WHITESPACE.test(c)) {
        this.pos++;
      } else if (c === '#') {
        this.skipLine();
      } else {
        this.statement();
      }
    }
    return { entries: this.entries, errors: this.errors };
  }

  // ---- positions -------------------------------------------------------------------

  private loc(index: number): { line: number; col: number } {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: index - (starts[lo] ?? 0) + 1 };
  }

  private error(index: number, message: string): void {
    this.errors.push({ message, ...this.loc(index) });
  }

  /** Index of the end of the line containing `from` (the `\n` or the end of input). */
  private lineEnd(from: number): number {
    const nl = this.src.indexOf('\n', from);
    return nl === -1 ? this.src.length : nl;
  }

  private skipLine(): void {
    this.pos = Math.min(this.lineEnd(this.pos) + 1, this.src.length);
  }

  private skipInlineSpace(from: number): number {
    let i = from;
    while (i < this.src.length && INLINE_SPACE.has(this.src[i] ?? '')) i++;
    return i;
  }

  // ---- statements ------------------------------------------------------------------

  private statement(): void {
    const { src } = this;
    let keyStart = this.pos;
    if (src.startsWith('export', keyStart) && INLINE_SPACE.has(src[keyStart + 6] ?? '')) {
      const after = this.skipInlineSpace(keyStart + 6);
      // `export` alone on its line is a bare key named "export".
      if (after < src.length && src[after] !== '\n') keyStart = after;
    }

    // The key runs to `=`, `:`, the end of the line or the end of input.
    let sep = keyStart;
    while (sep < src.length && src[sep] !== '=' && src[sep] !== ':' && src[sep] !== '\n') sep++;
    let keyEnd = sep;
    while (keyEnd > keyStart && INLINE_SPACE.has(src[keyEnd - 1] ?? '')) keyEnd--;
    const key = src.slice(keyStart, keyEnd);
    const keyOk = this.checkKey(key, keyStart, sep);
    const where = this.loc(keyStart);

    if (sep >= src.length || src[sep] === '\n') {
      // Bare `KEY`: inherited from the lookup.
      this.pos = sep;
      if (!keyOk) return;
      const value = this.lookup?.(key);
      this.entries.push({ key, value, ...where });
      if (value !== undefined) this.vars.set(key, value);
      return;
    }

    // The value is parsed even when the key is bad, so a quoted value spanning lines
    // is consumed as a whole and not misread as more statements.
    const value = this.value(this.skipInlineSpace(sep + 1));
    if (!keyOk || value === undefined) return;
    this.entries.push({ key, value, ...where });
    this.vars.set(key, value);
  }

  private checkKey(key: string, start: number, sep: number): boolean {
    if (key === '') {
      const sepChar = this.src[sep];
      this.error(
        start,
        sepChar === '=' || sepChar === ':'
          ? `missing variable name before "${sepChar}"`
          : 'missing variable name',
      );
      return false;
    }
    // A bad key is never quoted: a line without `=` may be a value (a pasted token), and
    // values never go into a message. The position names the line and the column.
    const noSep = sep >= this.src.length || this.src[sep] === '\n';
    const shape = noSep ? ' (a line is KEY=VALUE or a bare KEY)' : '';
    let k = 0;
    for (const ch of key) {
      if (WHITESPACE.test(ch)) {
        this.error(start + k, `a variable name cannot contain whitespace${shape}`);
        return false;
      }
      if (!KEY_CHAR.test(ch)) {
        const shown = /^[\p{P}\p{S}]$/u.test(ch) ? ` ${JSON.stringify(ch)}` : '';
        this.error(start + k, `unexpected character${shown} in a variable name${shape}`);
        return false;
      }
      k += ch.length;
    }
    if (DIGIT.test(key[0] ?? '')) {
      this.error(start, `a variable name cannot start with a digit${shape}`);
      return false;
    }
    return true;
  }

  /** Parse the value starting at `at`; sets `pos` past it. undefined when it had errors. */
  private value(at: number): string | undefined {
    const q = this.src[at];
    if (q === '"' || q === "'") return this.quoted(at, q);

    const end = this.lineEnd(at);
    let stop = end;
    // Inline comment: whitespace then `#` ends an unquoted value.
    for (let k = at + 1; k < end; k++) {
      if (this.src[k] === '#' && INLINE_SPACE.has(this.src[k - 1] ?? '')) {
        stop = k;
        break;
      }
    }
    while (stop > at && WHITESPACE.test(this.src[stop - 1] ?? '')) stop--;
    this.pos = end;
    const raw = this.src.slice(at, stop);
    return this.expand(raw, (offset) => at + offset);
  }

  private quoted(open: number, quote: '"' | "'"): string | undefined {
    const { src } = this;
    let out = '';
    /** map[k] = index in src of the text that produced out[k] */
    const map: number[] = [];
    const emit = (s: string, from: number): void => {
      out += s;
      for (let n = 0; n < s.length; n++) map.push(from);
    };

    let i = open + 1;
    let close = -1;
    while (i < src.length) {
      const c = src[i] ?? '';
      if (c === quote) {
        close = i;
        break;
      }
      if (c !== '\\' || i + 1 >= src.length) {
        emit(c, i);
        i++;
        continue;
      }
      const n = src[i + 1] ?? '';
      if (n === quote) {
        emit(quote, i);
        i += 2;
      } else if (quote === "'") {
        emit('\\' + n, i);
        i += 2;
      } else {
        i = this.escape(i, emit);
      }
    }

    if (close === -1) {
      this.error(open, `unterminated quoted value: no closing ${quote}`);
      // Nothing after the opening quote can close it: resume on the next line.
      this.pos = Math.min(this.lineEnd(open) + 1, src.length);
      return undefined;
    }

    // After the closing quote only whitespace and a comment may follow.
    const after = this.skipInlineSpace(close + 1);
    const end = this.lineEnd(close);
    this.pos = end;
    let ok = true;
    if (after < end && src[after] !== '#') {
      this.error(after, `unexpected text after closing ${quote}`);
      ok = false;
    }
    if (quote === "'") return ok ? out : undefined;
    map.push(close);
    const value = this.expand(out, (offset) => map[offset] ?? close);
    return ok ? value : undefined;
  }

  /** One backslash escape inside double quotes at `i`; returns the index after it. */
  private escape(i: number, emit: (s: string, from: number) => void): number {
    const n = this.src[i + 1] ?? '';
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
    };
    const s = simple[n];
    if (s !== undefined) {
      emit(s, i);
      return i + 2;
    }
    if (n === '$') {
      // `\$` is a literal dollar: hand `$$` to the interpolation.
      emit('$$', i);
      return i + 2;
    }
    if (n === '0') {
      const oct = /^[0-7]{3}/.exec(this.src.slice(i + 2, i + 5));
      const code = oct ? parseInt(oct[0], 8) : NaN;
      if (oct && code <= 0xff) {
        emit(String.fromCharCode(code), i);
        return i + 5;
      }
    }
    // Anything else (`\x41`, `\u00e9`, `\ `) stays as written.
    emit('\\' + n, i);
    return i + 2;
  }

  /** Interpolate `raw`; problems are placed with `srcIndex(offset)`. */
  private expand(raw: string, srcIndex: (offset: number) => number): string | undefined {
    if (!raw.includes('$')) return raw;
    // No excerpts: the text of an env file is values, and values never go into a message.
    const r = interpolate(
      raw,
      (name) => {
        const v = this.lookup?.(name);
        return v !== undefined ? v : this.vars.get(name);
      },
      { excerpts: false },
    );
    for (const e of r.errors) this.error(srcIndex(e.offset), e.message);
    return r.errors.length > 0 ? undefined : r.value;
  }
}
