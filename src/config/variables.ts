/**
 * The variables a project's files use, with what the files say about each (`config
 * --variables`, as compose-go's `template.ExtractVariables` reads them): `${NAME:-default}` and
 * `${NAME-default}` give a default, `${NAME:?msg}` and `${NAME?msg}` make it required,
 * `${NAME:+alt}` and `${NAME+alt}` give an alternate value; `$NAME` and `${NAME}` only name it.
 * Defaults are searched too (`${A:-${B}}` uses A and B); `$$` is a literal dollar. Read from
 * the files as written (never interpolated), values only: keys are not interpolated.
 */
import { dict } from '../model/dict.js';

export interface Variable {
  name: string;
  required: boolean;
  defaultValue: string;
  alternateValue: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Every variable the values of `model` use, by name, in the order of first use. */
export function extractVariables(model: unknown): Record<string, Variable> {
  const out: Record<string, Variable> = dict();
  walk(model, out);
  return out;
}

function walk(v: unknown, out: Record<string, Variable>): void {
  if (typeof v === 'string') scan(v, out);
  else if (Array.isArray(v)) for (const x of v) walk(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, out);
}

function note(out: Record<string, Variable>, found: Variable): void {
  const known = out[found.name];
  if (!known) {
    out[found.name] = found;
    return;
  }
  known.required ||= found.required;
  if (!known.defaultValue) known.defaultValue = found.defaultValue;
  if (!known.alternateValue) known.alternateValue = found.alternateValue;
}

/** The index of the `}` that closes the `${` at `open`, counting nested braces; -1 when none. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function scan(s: string, out: Record<string, Variable>): void {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$') continue;
    const next = s[i + 1];
    if (next === '$') {
      i++;
      continue;
    }
    if (next === '{') {
      const end = closing(s, i + 1);
      if (end < 0) return;
      const inner = s.slice(i + 2, end);
      const name = NAME.exec(inner)?.[0];
      if (name) {
        const rest = inner.slice(name.length);
        const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0] ?? '';
        const arg = rest.slice(op.length);
        const v: Variable = { name, required: false, defaultValue: '', alternateValue: '' };
        if (op === ':-' || op === '-') v.defaultValue = arg;
        else if (op === ':?' || op === '?') v.required = true;
        else if (op === ':+' || op === '+') v.alternateValue = arg;
        note(out, v);
        if (arg) scan(arg, out);
      }
      i = end;
      continue;
    }
    const name = NAME.exec(s.slice(i + 1))?.[0];
    if (name) {
      note(out, { name, required: false, defaultValue: '', alternateValue: '' });
      i += name.length;
    }
  }
}
