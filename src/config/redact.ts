/**
 * What interpolation put into each value, by the position of the value: a later error about
 * that value (a bad port, size, policy, name, ...) would quote it with the variable's value
 * in it, a secret from .env as often as not. Such a message shows the value as written
 * (`${DB_PASSWORD}`) instead.
 *
 * A message may quote a part of the value only (`container port "s3cr" is not a number` from
 * `${PW}` = `s3cr-t`): a quoted part that shares a run of 4 characters (the whole value when
 * shorter) with a variable's value, a run not written in the file itself, is replaced by that
 * variable's name.
 */
import type { Diagnostic, Loc } from './diagnostics.js';

interface Note {
  written: string;
  value: string;
  used: Array<[string, string]>;
}

/** The shortest run of a variable's value that counts as quoting it. */
const RUN = 4;

/** Does `text` hold a run of `value` (RUN characters, or all of a shorter value) that `written` does not? */
function quotes(text: string, value: string, written: string): boolean {
  const run = Math.min(RUN, value.length);
  for (let i = 0; i + run <= value.length; i++) {
    const part = value.slice(i, i + run);
    if (text.includes(part) && !written.includes(part)) return true;
  }
  return false;
}

/** Quoted parts of a message: "...", '...', `...`. */
const QUOTED = /"(?:[^"\\]|\\.)*"|'[^']*'|`[^`]*`/g;

export class Substitutions {
  private readonly byLine = new Map<string, Note[]>();

  note(loc: Loc, written: string, value: string, used: Array<[string, string]>): void {
    const key = `${loc.file}\u0000${loc.line}`;
    const list = this.byLine.get(key) ?? [];
    list.push({ written, value, used });
    this.byLine.set(key, list);
  }

  redact(d: Diagnostic): Diagnostic {
    // Every value on the lines the diagnostic spans: one about a long-syntax entry points at the
    // entry and may quote a value on a later line of it.
    const list: Note[] = [];
    if (d.loc) for (let line = d.loc.line; line <= (d.loc.endLine ?? d.loc.line); line++) list.push(...(this.byLine.get(`${d.loc.file}\u0000${line}`) ?? []));
    if (!list.length) return d;
    const clean = (text: string): string => {
      let out = text;
      for (const { written, value, used } of list) {
        if (value) out = out.split(JSON.stringify(value)).join(JSON.stringify(written)).split(value).join(written);
        // What is left of a value (a part of it quoted): each variable's value by its name.
        // Values of one or two characters are left alone: they would match everywhere.
        for (const [name, v] of used) if (v.length > 2) out = out.split(v).join('${' + name + '}');
        for (const [name, v] of used) {
          if (v.length <= 2) continue;
          out = out.replace(QUOTED, (q) => (quotes(q, v, written) ? `${q[0]}\${${name}}${q[0]}` : q));
        }
      }
      return out;
    };
    const out: Diagnostic = { ...d, message: clean(d.message) };
    if (d.hint !== undefined) out.hint = clean(d.hint);
    return out;
  }
}
