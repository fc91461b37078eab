/**
 * Compose-style variable substitution for one string value.
 *
 * Grammar (as compose-go `template/template.go` reads it):
 *   $$                 a literal `$`
 *   $NAME              NAME = [A-Za-z_][A-Za-z0-9_]* (longest match)
 *   ${NAME}            same, braced
 *   ${NAME:-default}   default when NAME is unset or empty
 *   ${NAME-default}    default when NAME is unset
 *   ${NAME:?message}   error when NAME is unset or empty
 *   ${NAME?message}    error when NAME is unset
 *   ${NAME:+alt}       alt when NAME is set and non-empty, else empty
 *   ${NAME+alt}        alt when NAME is set, else empty
 * The default / message / alt text is itself interpolated and may nest `${...}`; the
 * closing brace is found by counting every `{` and `}` after the opening `${`.
 * A `$` followed by anything else (`$ `, `$1`, `$}`, `$` at the end) is kept literally.
 *
 * Pure: never throws, collects every problem of the string.
 */

export interface InterpolationProblem {
  kind: 'required' | 'syntax' | 'unset';
  variable?: string;
  message: string;
  /** 0-based offset in the input where the ${...} or $VAR starts */
  offset: number;
}

export interface InterpolationResult {
  value: string;
  errors: InterpolationProblem[];
  warnings: InterpolationProblem[];
}

export type Lookup = (name: string) => string | undefined;

export function interpolate(input: string, lookup: Lookup): InterpolationResult {
  const ctx: Ctx = { input, lookup, errors: [], warnings: [] };
  const value = expand(ctx, 0, input.length, true);
  return { value, errors: ctx.errors, warnings: ctx.warnings };
}

interface Ctx {
  input: string;
  lookup: Lookup;
  errors: InterpolationProblem[];
  warnings: InterpolationProblem[];
}

type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_');
}

function isNameChar(c: string | undefined): boolean {
  return isNameStart(c) || (c !== undefined && c >= '0' && c <= '9');
}

/**
 * Expand `input[start, end)`. When `live` is false nothing is looked up and only syntax
 * errors are recorded: used for branches that are not taken (an unused default), so
 * their syntax is still checked but they raise no warning or required error.
 */
function expand(ctx: Ctx, start: number, end: number, live: boolean): string {
  const { input } = ctx;
  let out = '';
  let i = start;
  while (i < end) {
    const dollar = input.indexOf('$', i);
    if (dollar === -1 || dollar >= end) {
      out += input.slice(i, end);
      break;
    }
    out += input.slice(i, dollar);
    i = dollar;
    const next = i + 1 < end ? input[i + 1] : undefined;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const r = braced(ctx, i, end, live);
      out += r.value;
      i = r.next;
    } else if (isNameStart(next)) {
      let j = i + 2;
      while (j < end && isNameChar(input[j])) j++;
      out += plain(ctx, input.slice(i + 1, j), i, live);
      i = j;
    } else {
      // `$ `, `$1`, `$}`, trailing `$`: literal, as compose-go keeps them.
      out += '$';
      i += 1;
    }
  }
  return out;
}

/** `$NAME` or `${NAME}`: the value, or blank with a warning when unset. */
function plain(ctx: Ctx, name: string, offset: number, live: boolean): string {
  if (!live) return '';
  const v = ctx.lookup(name);
  if (v === undefined) {
    ctx.warnings.push({
      kind: 'unset',
      variable: name,
      message: `The "${name}" variable is not set. Defaulting to a blank string.`,
      offset,
    });
    return '';
  }
  return v;
}

/** Index of the `}` that closes the `{` at `open`, counting nested braces; -1 if none. */
function findClose(input: string, open: number, end: number): number {
  let depth = 0;
  for (let k = open; k < end; k++) {
    const c = input[k];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

const SNIPPET_MAX = 40;

function snippet(text: string): string {
  return JSON.stringify(text.length > SNIPPET_MAX ? text.slice(0, SNIPPET_MAX) + '...' : text);
}

function syntax(ctx: Ctx, offset: number, text: string, what: string): void {
  ctx.errors.push({
    kind: 'syntax',
    message: `invalid interpolation format ${snippet(text)}: ${what}`,
    offset,
  });
}

/** `${...}` starting at `at` (the `$`). */
function braced(ctx: Ctx, at: number, end: number, live: boolean): { value: string; next: number } {
  const { input } = ctx;
  const close = findClose(input, at + 1, end);
  if (close === -1) {
    syntax(ctx, at, input.slice(at, end), 'missing closing "}"');
    return { value: '', next: end };
  }
  const whole = input.slice(at, close + 1);
  const bodyStart = at + 2;
  const fail = (what: string): { value: string; next: number } => {
    syntax(ctx, at, whole, what);
    return { value: '', next: close + 1 };
  };

  if (bodyStart === close) return fail('empty variable name');
  const first = input[bodyStart];
  if (!isNameStart(first)) {
    return fail(
      `a variable name must start with a letter or "_", found ${JSON.stringify(first)}`,
    );
  }
  let j = bodyStart + 1;
  while (j < close && isNameChar(input[j])) j++;
  const name = input.slice(bodyStart, j);
  if (j === close) return { value: plain(ctx, name, at, live), next: close + 1 };

  const c = input[j];
  let op: Operator;
  if (c === ':') {
    const c2 = j + 1 < close ? input[j + 1] : undefined;
    if (c2 === '-' || c2 === '?' || c2 === '+') {
      op = `:${c2}`;
    } else {
      const found = c2 === undefined ? '":" at the end' : JSON.stringify(':' + c2);
      return fail(
        `unknown operator ${found} after variable name "${name}" (expected :-, -, :?, ?, :+ or +)`,
      );
    }
  } else if (c === '-' || c === '?' || c === '+') {
    op = c;
  } else {
    return fail(
      `unexpected character ${JSON.stringify(c)} after variable name "${name}" ` +
        '(expected "}" or one of :-, -, :?, ?, :+, +)',
    );
  }
  const valStart = j + op.length;
  const next = close + 1;
  const sub = (useIt: boolean): string => expand(ctx, valStart, close, live && useIt);

  if (!live) {
    sub(false);
    return { value: '', next };
  }

  const v = ctx.lookup(name);
  const set = v !== undefined;
  const nonEmpty = set && v !== '';
  switch (op) {
    case ':-':
    case '-': {
      const useDefault = op === ':-' ? !nonEmpty : !set;
      const d = sub(useDefault);
      return { value: useDefault ? d : (v ?? ''), next };
    }
    case ':+':
    case '+': {
      const useAlt = op === ':+' ? nonEmpty : set;
      const a = sub(useAlt);
      return { value: useAlt ? a : '', next };
    }
    case ':?':
    case '?': {
      const missing = op === ':?' ? !nonEmpty : !set;
      const reason = sub(missing);
      if (missing) {
        ctx.errors.push({
          kind: 'required',
          variable: name,
          message:
            reason === ''
              ? `required variable ${name} is missing a value`
              : `required variable ${name} is missing a value: ${reason}`,
          offset: at,
        });
        return { value: '', next };
      }
      return { value: v ?? '', next };
    }
  }
}
