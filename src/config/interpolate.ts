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

export interface InterpolateOptions {
  /**
   * Quote the text as written in messages (the offending `${...}`, the message of `:?`).
   * Off for env files: their text is values, which never go into a message.
   */
  excerpts?: boolean;
}

export function interpolate(input: string, lookup: Lookup, opts: InterpolateOptions = {}): InterpolationResult {
  const ctx: Ctx = { input, lookup, errors: [], warnings: [], closing: matchBraces(input), excerpts: opts.excerpts !== false };
  const value = expand(ctx, 0, input.length, true);
  return { value, errors: ctx.errors, warnings: ctx.warnings };
}

interface Ctx {
  input: string;
  lookup: Lookup;
  errors: InterpolationProblem[];
  warnings: InterpolationProblem[];
  /** closing[k]: index of the `}` that closes the `{` at k (-1 if none); one pass over the input. */
  closing: Int32Array;
  excerpts: boolean;
}

type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_');
}

function isNameChar(c: string | undefined): boolean {
  return isNameStart(c) || (c !== undefined && c >= '0' && c <= '9');
}

/**
 * For every `{`, the index of the `}` that closes it, counting nested braces (-1 when none
 * does). Counting from a `{` forward to where the depth returns to zero finds the same `}`
 * as this stack does, so a lookup replaces a scan per `${` (quadratic on deep nesting).
 */
function matchBraces(input: string): Int32Array {
  const closing = new Int32Array(input.length).fill(-1);
  const open: number[] = [];
  for (let k = 0; k < input.length; k++) {
    const c = input.charCodeAt(k);
    if (c === 0x7b) open.push(k);
    else if (c === 0x7d && open.length) closing[open.pop()!] = k;
  }
  return closing;
}

/**
 * Expansion of `input[i, end)` in progress. For the inner text of a `${NAME op ...}`, also
 * what to do with the result (`op` set): one object per level of nesting.
 */
interface Frame {
  /** Where the text starts, and where expansion is. */
  start: number;
  i: number;
  end: number;
  live: boolean;
  out: string;
  name: string;
  op: Operator | undefined;
  /** Offset of the `$` of the `${...}` this frame is the inner text of. */
  at: number;
  /** Whether the `${...}` itself is live (its inner text may not be). */
  outerLive: boolean;
  /** Whether the inner text is the result (default, alternative) or the error message. */
  used: boolean;
  value: string | undefined;
}

/**
 * Expand `input[start, end)`. When `live` is false nothing is looked up and only syntax
 * errors are recorded: used for branches that are not taken (an unused default), so
 * their syntax is still checked but they raise no warning or required error.
 *
 * Iterative: a nested `${A:-${B:-...}}` pushes a frame instead of recursing, so nesting
 * as deep as the input allows never exhausts the call stack.
 */
function expand(ctx: Ctx, start: number, end: number, live: boolean): string {
  const stack: Frame[] = [frameOf(start, end, live, '', undefined, 0, live, false, undefined)];
  for (;;) {
    const frame = stack[stack.length - 1]!;
    const child = run(ctx, frame);
    if (child) {
      stack.push(child);
      continue;
    }
    stack.pop();
    const parent = stack[stack.length - 1];
    if (!parent) return frame.out;
    parent.out += finish(ctx, frame);
    parent.i = frame.end + 1;
  }
}

function frameOf(
  i: number,
  end: number,
  live: boolean,
  name: string,
  op: Operator | undefined,
  at: number,
  outerLive: boolean,
  used: boolean,
  value: string | undefined,
): Frame {
  return { start: i, i, end, live, out: '', name, op, at, outerLive, used, value };
}

/** Advance `frame` to its end, or to a `${...}` whose inner text must be expanded first (returned). */
function run(ctx: Ctx, frame: Frame): Frame | undefined {
  const { input } = ctx;
  const { end, live } = frame;
  while (frame.i < end) {
    const i = frame.i;
    // Scanned up to `end` only: indexOf would run to the end of the input from every
    // level of a deep nesting (quadratic).
    let dollar = i;
    while (dollar < end && input.charCodeAt(dollar) !== 0x24) dollar++;
    if (dollar >= end) {
      frame.out += input.slice(i, end);
      frame.i = end;
      break;
    }
    frame.out += input.slice(i, dollar);
    const next = dollar + 1 < end ? input[dollar + 1] : undefined;
    if (next === '$') {
      frame.out += '$';
      frame.i = dollar + 2;
    } else if (next === '{') {
      const r = braced(ctx, frame, dollar);
      if (typeof r !== 'number') return r;
      frame.i = r;
    } else if (isNameStart(next)) {
      let j = dollar + 2;
      while (j < end && isNameChar(input[j])) j++;
      frame.out += plain(ctx, input.slice(dollar + 1, j), dollar, live);
      frame.i = j;
    } else {
      // `$ `, `$1`, `$}`, trailing `$`: literal, as compose-go keeps them.
      frame.out += '$';
      frame.i = dollar + 1;
    }
  }
  return undefined;
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

const SNIPPET_MAX = 40;

function snippet(text: string): string {
  return JSON.stringify(text.length > SNIPPET_MAX ? text.slice(0, SNIPPET_MAX) + '...' : text);
}

function syntax(ctx: Ctx, offset: number, text: string, what: string): void {
  ctx.errors.push({
    kind: 'syntax',
    message: ctx.excerpts ? `invalid interpolation format ${snippet(text)}: ${what}` : `invalid interpolation format: ${what}`,
    offset,
  });
}

/** A `${...}` whose text is wrong: a syntax error, and no value. */
function fail(ctx: Ctx, at: number, close: number, what: string): number {
  syntax(ctx, at, ctx.input.slice(at, close + 1), what);
  return close + 1;
}

/**
 * `${...}` starting at `at` (the `$`) in `frame`: either its value is added to the frame's
 * output and the index after it returned, or the frame of its inner text is returned, to be
 * expanded first (see `finish`).
 */
function braced(ctx: Ctx, frame: Frame, at: number): number | Frame {
  const { end, live } = frame;
  const { input } = ctx;
  const found = ctx.closing[at + 1] ?? -1;
  const close = found !== -1 && found < end ? found : -1;
  if (close === -1) {
    syntax(ctx, at, input.slice(at, end), 'missing closing "}"');
    return end;
  }
  const bodyStart = at + 2;
  if (bodyStart === close) return fail(ctx, at, close, 'empty variable name');
  const first = input[bodyStart];
  if (!isNameStart(first)) {
    return fail(
      ctx,
      at,
      close,
      ctx.excerpts
        ? `a variable name must start with a letter or "_", found ${JSON.stringify(first)}`
        : 'a variable name must start with a letter or "_"',
    );
  }
  let j = bodyStart + 1;
  while (j < close && isNameChar(input[j])) j++;
  const name = input.slice(bodyStart, j);
  if (j === close) {
    frame.out += plain(ctx, name, at, live);
    return close + 1;
  }

  const c = input[j];
  let op: Operator;
  if (c === ':') {
    const c2 = j + 1 < close ? input[j + 1] : undefined;
    if (c2 === '-' || c2 === '?' || c2 === '+') {
      op = `:${c2}`;
    } else {
      const found = c2 === undefined ? '":" at the end' : ctx.excerpts ? JSON.stringify(':' + c2) : '":"';
      return fail(ctx, at, close, `unknown operator ${found} after variable name "${name}" (expected :-, -, :?, ?, :+ or +)`);
    }
  } else if (c === '-' || c === '?' || c === '+') {
    op = c;
  } else {
    return fail(
      ctx,
      at,
      close,
      `unexpected character ${ctx.excerpts ? `${JSON.stringify(c)} ` : ''}after variable name "${name}" ` +
        '(expected "}" or one of :-, -, :?, ?, :+, +)',
    );
  }
  const valStart = j + op.length;
  // Not taken: the inner text is only checked for syntax.
  if (!live) return frameOf(valStart, close, false, name, op, at, false, false, undefined);

  const v = ctx.lookup(name);
  const set = v !== undefined;
  const nonEmpty = set && v !== '';
  const used = op === ':-' || op === ':?' ? !nonEmpty : op === '-' || op === '?' ? !set : op === ':+' ? nonEmpty : set;
  return frameOf(valStart, close, used, name, op, at, true, used, v);
}

/** The value of the `${NAME op inner}` whose inner text `f` has been expanded. */
function finish(ctx: Ctx, f: Frame): string {
  if (!f.outerLive) return '';
  switch (f.op) {
    case ':-':
    case '-':
      return f.used ? f.out : (f.value ?? '');
    case ':+':
    case '+':
      return f.used ? f.out : '';
    case ':?':
    case '?': {
      if (!f.used) return f.value ?? '';
      // The message as written, never as expanded: `${TOKEN:?$SECRET}` must not print
      // SECRET's value. Env files (no excerpts) name only the variable.
      const text = ctx.input.slice(f.start, f.end);
      const reason = !ctx.excerpts || text === '' ? '' : /[\r\n]/.test(text) ? JSON.stringify(text) : text;
      ctx.errors.push({
        kind: 'required',
        variable: f.name,
        message: reason === '' ? `required variable ${f.name} is missing a value` : `required variable ${f.name} is missing a value: ${reason}`,
        offset: f.at,
      });
      return '';
    }
    case undefined:
      return f.out;
  }
}
