/**
 * Go text/template's own functions for `--format` (text/template/funcs.go): `print`, `printf`,
 * `len`, `index`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `and`, `or`, `not`. `printf` knows the
 * verbs people write in docker formats (`%s %v %d %q %t %x %X %f %e %g %%`, with flags `-+ 0#`,
 * a width and a precision); anything else is a `TemplateError` naming it.
 */
import { goString, isObject, TemplateError, truthy, type TemplateValue } from './template-values.js';

export const BUILTINS = ['print', 'printf', 'len', 'index', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'not'] as const;
export type BuiltinName = (typeof BUILTINS)[number];

/** The kind Go's comparison functions see: values of different kinds do not compare. */
function basicKind(v: TemplateValue, fn: string): 'string' | 'number' | 'bool' {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  throw new TemplateError(`${fn}: cannot compare ${goString(v)} (only strings, numbers and booleans compare)`);
}

function compare(fn: string, a: TemplateValue, b: TemplateValue): number {
  const ka = basicKind(a, fn);
  if (ka !== basicKind(b, fn)) throw new TemplateError(`${fn}: incompatible types for comparison: ${goString(a)} and ${goString(b)}`);
  if (ka === 'bool' && fn !== 'eq' && fn !== 'ne') throw new TemplateError(`${fn}: booleans have no order`);
  const x = a as string | number | boolean;
  const y = b as string | number | boolean;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Go's fmt.Sprint: a space between operands when neither is a string. */
function sprint(args: readonly TemplateValue[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goString(a);
  });
  return out;
}

function pad(s: string, flags: string, width: number | undefined): string {
  if (width === undefined || s.length >= width) return s;
  if (flags.includes('-')) return s + ' '.repeat(width - s.length);
  if (flags.includes('0') && /^[+-]?[0-9.]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
  }
  return ' '.repeat(width - s.length) + s;
}

function verb(v: string, arg: TemplateValue, flags: string, precision: number | undefined): string {
  const num = (): number => {
    if (typeof arg === 'number') return arg;
    throw new TemplateError(`printf: %${v} takes a number, not ${goString(arg)}`);
  };
  const sign = (s: string, n: number) => (n >= 0 && flags.includes('+') ? `+${s}` : n >= 0 && flags.includes(' ') ? ` ${s}` : s);
  switch (v) {
    case 'v':
    case 's': {
      const s = goString(arg);
      return precision !== undefined ? s.slice(0, precision) : s;
    }
    case 'q':
      return typeof arg === 'string' ? JSON.stringify(arg) : goString(arg);
    case 't':
      if (typeof arg !== 'boolean') throw new TemplateError(`printf: %t takes a boolean, not ${goString(arg)}`);
      return String(arg);
    case 'd': {
      const n = num();
      if (!Number.isInteger(n)) throw new TemplateError(`printf: %d takes a whole number, not ${n}`);
      return sign(String(n), n);
    }
    case 'x':
    case 'X': {
      const s = typeof arg === 'string' ? Buffer.from(arg).toString('hex') : Math.trunc(num()).toString(16);
      const out = flags.includes('#') ? `0x${s}` : s;
      return v === 'X' ? out.toUpperCase() : out;
    }
    case 'f':
    case 'F': {
      const n = num();
      return sign(n.toFixed(precision ?? 6), n);
    }
    case 'e': {
      const n = num();
      return sign(n.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'), n);
    }
    case 'g': {
      const n = num();
      return sign(precision !== undefined ? String(Number(n.toPrecision(precision))) : String(n), n);
    }
    default:
      throw new TemplateError(`printf: the verb %${v} is not supported; use %s, %v, %d, %q, %t, %x, %f, %e or %g`);
  }
}

/** Go's fmt.Sprintf for the verbs above; a missing operand is `%!v(MISSING)`, an extra one `%!(EXTRA ...)`, as Go. */
export function sprintf(format: string, args: readonly TemplateValue[]): string {
  let out = '';
  let n = 0;
  const re = /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])?/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', width, precision, v] = m;
    if (v === undefined) throw new TemplateError(`printf: the format ${JSON.stringify(format)} ends in the middle of a verb`);
    if (v === '%') {
      out += '%';
      continue;
    }
    if (n >= args.length) {
      out += `%!${v}(MISSING)`;
      continue;
    }
    out += pad(verb(v, args[n++], flags, precision !== undefined ? Number(precision) : undefined), flags, width !== undefined ? Number(width) : undefined);
  }
  out += format.slice(last);
  if (n < args.length) out += `%!(EXTRA ${args.slice(n).map((a) => `${typeof a === 'number' ? 'int' : typeof a}=${goString(a)}`).join(', ')})`;
  return out;
}

function atLeast(fn: string, args: readonly TemplateValue[], n: number): void {
  if (args.length < n) throw new TemplateError(`${fn} takes at least ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
}

function exactly(fn: string, args: readonly TemplateValue[], n: number): void {
  if (args.length !== n) throw new TemplateError(`${fn} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
}

function index(v: TemplateValue, keys: readonly TemplateValue[]): TemplateValue {
  let cur = v;
  for (const k of keys) {
    if (Array.isArray(cur)) {
      const list = cur as readonly TemplateValue[];
      if (typeof k !== 'number' || !Number.isInteger(k)) throw new TemplateError(`index: a list takes a whole number, not ${goString(k)}`);
      if (k < 0 || k >= list.length) throw new TemplateError(`index: ${k} is out of range (the list has ${list.length})`);
      cur = list[k];
    } else if (isObject(cur)) {
      if (typeof k !== 'string') throw new TemplateError(`index: a map takes a string key, not ${goString(k)}`);
      // A key the map does not have gives its zero value, as Go's index does.
      cur = Object.prototype.hasOwnProperty.call(cur, k) ? cur[k] : '';
    } else throw new TemplateError(`index: cannot index ${goString(cur)}`);
  }
  return cur;
}

/** Call one of Go's template functions. */
export function callBuiltin(name: BuiltinName, args: readonly TemplateValue[]): TemplateValue {
  switch (name) {
    case 'print':
      return sprint(args);
    case 'printf': {
      atLeast(name, args, 1);
      if (typeof args[0] !== 'string') throw new TemplateError(`printf takes a format string first, not ${goString(args[0])}`);
      return sprintf(args[0], args.slice(1));
    }
    case 'len': {
      exactly(name, args, 1);
      const v = args[0];
      if (typeof v === 'string') return Buffer.byteLength(v);
      if (Array.isArray(v)) return v.length;
      if (isObject(v)) return Object.keys(v).length;
      throw new TemplateError(`len of ${goString(v)}: only strings, lists and maps have a length`);
    }
    case 'index':
      atLeast(name, args, 1);
      return index(args[0], args.slice(1));
    case 'eq':
      atLeast(name, args, 2);
      return args.slice(1).some((b) => compare(name, args[0], b) === 0);
    case 'ne':
      exactly(name, args, 2);
      return compare(name, args[0], args[1]) !== 0;
    case 'lt':
      exactly(name, args, 2);
      return compare(name, args[0], args[1]) < 0;
    case 'le':
      exactly(name, args, 2);
      return compare(name, args[0], args[1]) <= 0;
    case 'gt':
      exactly(name, args, 2);
      return compare(name, args[0], args[1]) > 0;
    case 'ge':
      exactly(name, args, 2);
      return compare(name, args[0], args[1]) >= 0;
    case 'and': {
      atLeast(name, args, 1);
      return args.find((a) => !truthy(a)) ?? args[args.length - 1];
    }
    case 'or': {
      atLeast(name, args, 1);
      return args.find((a) => truthy(a)) ?? args[args.length - 1];
    }
    case 'not':
      exactly(name, args, 1);
      return !truthy(args[0]);
  }
}
