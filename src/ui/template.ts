/**
 * `--format` templates as the docker CLI reads them (docker/cli cli/command/formatter and
 * templates/templates.go), written by hand for the subset people use:
 *
 * - `{{.Field}}`, `{{.A.B}}`, `{{.}}`, `{{.Label "key"}}` (a field that takes arguments),
 *   parenthesised pipelines as arguments (`{{join (split .Image ":") "/"}}`);
 * - the docker CLI's functions `json`, `join`, `split`, `upper`, `lower`, `title`, `truncate`,
 *   `pad`, and Go's `println`, `print`, `printf`, `len`, `index`, `eq`, `ne`, `lt`, `le`, `gt`,
 *   `ge`, `and`, `or`, `not` (template-builtins.ts); pipelines (`{{.Name | upper}}`: the value is
 *   the last argument);
 * - `{{if}}` / `{{else if}}` / `{{else}}` / `{{end}}`, `{{range}}` / `{{else}}` / `{{end}}`,
 *   comments, and the `{{-` / `-}}` trim markers;
 * - `table ...` (a header row from each field's column name, then tab-aligned rows, as the
 *   docker CLI's tabwriter: minimum width 10, padding 3) and the `\t`, `\n` escapes.
 *
 * Anything else is a `TemplateError`: one line naming the construct and what to write instead.
 */

import { BUILTINS, callBuiltin, type BuiltinName } from './template-builtins.js';
import { goString, isObject, TemplateError, truthy, type TemplateValue } from './template-values.js';

export { goString, TemplateError, type TemplateFn, type TemplateObject, type TemplateValue } from './template-values.js';

/** What a command offers a template: its rows' fields and the column name of each. */
export interface FormatSchema {
  /** The command, for messages (`ps has no field .Foo`). */
  command: string;
  /** Field -> column header (`Name` -> `NAME`). */
  headers: Readonly<Record<string, string>>;
}

const DOCKER_FUNCTIONS = ['json', 'join', 'split', 'upper', 'lower', 'title', 'truncate', 'pad', 'println'] as const;
type DockerFunctionName = (typeof DOCKER_FUNCTIONS)[number];
type FunctionName = DockerFunctionName | BuiltinName;
const FUNCTIONS: readonly string[] = [...DOCKER_FUNCTIONS, ...BUILTINS];
const FUNCTION_LIST = FUNCTIONS.join(', ');

// ---------------------------------------------------------------------------------------------
// Parsing

type Term =
  | { kind: 'field'; path: string[] } // `.` is path []
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'func'; name: FunctionName }
  | { kind: 'pipe'; pipe: Command[] };

type Command = Term[];
type Pipeline = Command[];

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if'; branches: Array<{ cond: Pipeline; body: Node[] }>; otherwise: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] };

export interface Template {
  readonly nodes: readonly Node[];
}

type Token = { kind: 'text'; text: string } | { kind: 'action'; src: string };

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Split into text and `{{ }}` actions, applying the trim markers. */
function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text !== '') out.push({ kind: 'text', text });
      break;
    }
    let j = open + 2;
    if (src[j] === '-' && isSpace(src[j + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      j += 2;
    }
    if (text !== '') out.push({ kind: 'text', text });
    // Find the closing `}}` outside string literals.
    let k = j;
    let quote: string | undefined;
    for (; k < src.length; k++) {
      const c = src[k];
      if (quote !== undefined) {
        if (c === '\\' && quote === '"') k++;
        else if (c === quote) quote = undefined;
        continue;
      }
      if (c === '"' || c === '`') quote = c;
      else if (c === '}' && src[k + 1] === '}') break;
    }
    if (k >= src.length) throw new TemplateError(`unclosed action: "${src.slice(open, open + 20)}" has no "}}"`);
    let body = src.slice(j, k);
    if (body.endsWith('-') && isSpace(body[body.length - 2])) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    out.push({ kind: 'action', src: body.trim() });
    i = k + 2;
  }
  return out;
}

/** Words of an action: string literals kept whole; `|`, `(` and `)` words of their own. */
function words(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '|' || c === '(' || c === ')') {
      out.push(c);
      i++;
      continue;
    }
    if (c === '"' || c === '`') {
      let k = i + 1;
      for (; k < src.length && src[k] !== c; k++) if (c === '"' && src[k] === '\\') k++;
      if (k >= src.length) throw new TemplateError(`unterminated string in {{${src}}}`);
      out.push(src.slice(i, k + 1));
      i = k + 1;
      continue;
    }
    let k = i;
    while (k < src.length && !isSpace(src[k]) && !'|()'.includes(src[k]!)) k++;
    out.push(src.slice(i, k));
    i = k;
  }
  return out;
}

function parseTerm(w: string, action: string): Term {
  if (w === '.') return { kind: 'field', path: [] };
  if (w.startsWith('"')) {
    try {
      return { kind: 'string', value: JSON.parse(w) as string };
    } catch {
      throw new TemplateError(`bad string ${w} in {{${action}}}`);
    }
  }
  if (w.startsWith('`')) return { kind: 'string', value: w.slice(1, -1) };
  if (w.startsWith('$')) throw new TemplateError(`variables (${w}) in {{${action}}} are not supported; use the field itself: {{.Name}}`);
  if (/^\.[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(w)) return { kind: 'field', path: w.slice(1).split('.') };
  if (/^-?\d+(\.\d+)?$/.test(w)) return { kind: 'number', value: Number(w) };
  if (w === 'true' || w === 'false') return { kind: 'bool', value: w === 'true' };
  if (w === 'nil') return { kind: 'nil' };
  if (FUNCTIONS.includes(w)) return { kind: 'func', name: w as FunctionName };
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(w)) throw new TemplateError(`function "${w}" in {{${action}}} is not supported; use one of: ${FUNCTION_LIST}`);
  throw new TemplateError(`cannot read "${w}" in {{${action}}}; fields are written .Name, strings "text"`);
}

/** Parse words from `pos` up to a `)` (when nested) or the end. */
function parseWords(ws: readonly string[], at: { pos: number }, action: string, nested: boolean): Pipeline {
  const pipe: Pipeline = [];
  let cur: Term[] = [];
  for (;;) {
    const w = ws[at.pos];
    if (w === undefined) {
      if (nested) throw new TemplateError(`unclosed "(" in {{${action}}}`);
      break;
    }
    at.pos++;
    if (w === ')') {
      if (!nested) throw new TemplateError(`unexpected ")" in {{${action}}}`);
      break;
    }
    if (w === '|') {
      if (cur.length === 0) throw new TemplateError(`missing command before "|" in {{${action}}}`);
      pipe.push(cur);
      cur = [];
    } else if (w === '(') {
      cur.push({ kind: 'pipe', pipe: parseWords(ws, at, action, true) });
    } else cur.push(parseTerm(w, action));
  }
  if (cur.length === 0) throw new TemplateError(pipe.length ? `missing command after "|" in {{${action}}}` : `empty action {{${action}}}; write a field: {{.Name}}`);
  pipe.push(cur);
  for (const [i, cmd] of pipe.entries()) {
    const head = cmd[0]!;
    if (head.kind !== 'func' && head.kind !== 'field' && cmd.length > 1) throw new TemplateError(`{{${action}}}: a value cannot take arguments; call a function: ${FUNCTION_LIST}`);
    if (i > 0 && head.kind !== 'func' && !(head.kind === 'field' && cmd.length > 1)) throw new TemplateError(`{{${action}}}: only a function can follow "|"`);
  }
  return pipe;
}

function parsePipeline(src: string, action: string): Pipeline {
  return parseWords(words(src), { pos: 0 }, action, false);
}

const UNSUPPORTED_KEYWORDS: Record<string, string> = {
  with: 'use {{if .Field}}...{{.Field}}...{{end}}',
  define: 'write the whole format inline',
  template: 'write the whole format inline',
  block: 'write the whole format inline',
  break: 'use {{if}} inside the {{range}}',
  continue: 'use {{if}} inside the {{range}}',
};

/** Parse a format (without the `table` prefix; `\t`/`\n` already replaced). */
export function parseTemplate(src: string): Template {
  const tokens = lex(src);
  let pos = 0;
  // Returns the nodes up to a closing keyword, and that keyword's action text.
  const parseList = (inside: string | undefined): { nodes: Node[]; stop?: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.kind === 'text') {
        nodes.push({ kind: 'text', text: t.text });
        continue;
      }
      const a = t.src;
      if (a.startsWith('/*')) {
        if (!a.endsWith('*/')) throw new TemplateError(`unclosed comment {{${a}}}`);
        continue;
      }
      const kw = /^[a-z]+/.exec(a)?.[0] ?? '';
      const rest = a.slice(kw.length).trim();
      if (kw === 'end' || kw === 'else') {
        if (inside === undefined) throw new TemplateError(`{{${a}}} without {{if}} or {{range}}`);
        return { nodes, stop: a };
      }
      if (kw === 'if') {
        const branches: Array<{ cond: Pipeline; body: Node[] }> = [];
        let cond = parsePipeline(rest, a);
        let otherwise: Node[] = [];
        for (;;) {
          const r = parseList('if');
          if (r.stop === undefined) throw new TemplateError(`{{${a}}} has no {{end}}`);
          branches.push({ cond, body: r.nodes });
          if (r.stop === 'end') break;
          const elseRest = r.stop.slice('else'.length).trim();
          if (elseRest.startsWith('if ')) {
            cond = parsePipeline(elseRest.slice(3), r.stop);
            continue;
          }
          if (elseRest !== '') throw new TemplateError(`{{${r.stop}}} is not supported; write {{else}} or {{else if ...}}`);
          const e = parseList('if');
          if (e.stop !== 'end') throw new TemplateError(`{{${a}}} ... {{else}} has no {{end}}`);
          otherwise = e.nodes;
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
        continue;
      }
      if (kw === 'range') {
        if (rest.includes(':=')) throw new TemplateError(`variables in {{${a}}} are not supported; inside {{range}}, . is each element`);
        const pipe = parsePipeline(rest, a);
        const r = parseList('range');
        if (r.stop === undefined) throw new TemplateError(`{{${a}}} has no {{end}}`);
        let otherwise: Node[] = [];
        if (r.stop !== 'end') {
          if (r.stop !== 'else') throw new TemplateError(`{{${r.stop}}} inside {{range}} is not supported; write {{else}}`);
          const e = parseList('range');
          if (e.stop !== 'end') throw new TemplateError(`{{${a}}} ... {{else}} has no {{end}}`);
          otherwise = e.nodes;
        }
        nodes.push({ kind: 'range', pipe, body: r.nodes, otherwise });
        continue;
      }
      if (kw in UNSUPPORTED_KEYWORDS && (rest === '' || isSpace(a[kw.length]))) {
        throw new TemplateError(`{{${kw}}} is not supported; ${UNSUPPORTED_KEYWORDS[kw]}`);
      }
      nodes.push({ kind: 'action', pipe: parsePipeline(a, a) });
    }
    return { nodes };
  };
  const r = parseList(undefined);
  return { nodes: r.nodes };
}

// ---------------------------------------------------------------------------------------------
// Execution

interface Scope {
  schema: FormatSchema;
  /** Rendering the table header: fields give their column names and functions pass text through. */
  header: boolean;
}

/** `json` as the docker CLI's: encoding/json without HTML escaping, no trailing newline. */
function toJson(v: TemplateValue): string {
  return (JSON.stringify(v === undefined ? null : v) ?? 'null').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function str(v: TemplateValue, fn: string): string {
  if (typeof v === 'string') return v;
  throw new TemplateError(`${fn} takes a string, not ${goString(v)}`);
}

function int(v: TemplateValue, fn: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new TemplateError(`${fn} takes a whole number, not ${goString(v)}`);
}

function arity(fn: string, args: readonly TemplateValue[], n: number): void {
  if (args.length !== n) throw new TemplateError(`${fn} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
}

/**
 * Go's strings.Title: a letter after a separator is upper-cased; separators are ASCII characters
 * other than letters, digits and `_`, and white space (other non-ASCII characters are not).
 */
function goTitle(s: string): string {
  let out = '';
  let prev = ' ';
  for (const c of s) {
    const sep = prev.charCodeAt(0) < 0x80 ? !/[A-Za-z0-9_]/.test(prev) : /\s/u.test(prev);
    out += sep ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

function callFunction(name: FunctionName, args: TemplateValue[], scope: Scope): TemplateValue {
  // Go's own functions run as they are, in the header too (the docker CLI replaces only its own).
  if ((BUILTINS as readonly string[]).includes(name)) return callBuiltin(name as BuiltinName, args);
  if (scope.header && name !== 'pad' && name !== 'println') {
    // The docker CLI's HeaderFunctions: the column name stays as it is.
    return args[0];
  }
  switch (name as DockerFunctionName) {
    case 'json':
      arity(name, args, 1);
      return toJson(args[0]);
    case 'join': {
      arity(name, args, 2);
      const list = args[0];
      if (!Array.isArray(list)) throw new TemplateError(`join takes a list (split gives one), not ${goString(list)}`);
      return (list as readonly TemplateValue[]).map((x) => str(x, 'join')).join(str(args[1], 'join'));
    }
    case 'split':
      arity(name, args, 2);
      return str(args[0], name).split(str(args[1], name));
    case 'upper':
      arity(name, args, 1);
      return str(args[0], name).toUpperCase();
    case 'lower':
      arity(name, args, 1);
      return str(args[0], name).toLowerCase();
    case 'title':
      arity(name, args, 1);
      return goTitle(str(args[0], name));
    case 'truncate': {
      arity(name, args, 2);
      const s = str(args[0], name);
      const n = int(args[1], name);
      return s.length < n ? s : s.slice(0, n);
    }
    case 'pad': {
      arity(name, args, 3);
      const s = str(args[0], name);
      if (s === '') return s;
      return ' '.repeat(int(args[1], name)) + s + ' '.repeat(int(args[2], name));
    }
    case 'println':
      return args.map(goString).join(' ') + '\n';
  }
}

function fieldNames(schema: FormatSchema): string {
  return Object.keys(schema.headers).join(', ');
}

function lookup(dot: TemplateValue, path: readonly string[], scope: Scope, args: TemplateValue[] | undefined): TemplateValue {
  if (scope.header) {
    // The docker CLI runs the template once over the column names for the header row.
    if (path.length === 0) return '';
    return scope.schema.headers[path[0]!] ?? path[0]!.toUpperCase();
  }
  let v: TemplateValue = dot;
  for (const [i, name] of path.entries()) {
    if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, name)) {
      const where = i === 0 && v === dot ? `${scope.schema.command} has no field .${name}; fields: ${fieldNames(scope.schema)}` : `.${path.slice(0, i).join('.')} has no field .${name}`;
      throw new TemplateError(where);
    }
    v = v[name];
    if (typeof v === 'function' && (i < path.length - 1 || args === undefined)) {
      throw new TemplateError(`.${path.slice(0, i + 1).join('.')} takes an argument: {{.${path.slice(0, i + 1).join('.')} "key"}}`);
    }
  }
  if (args !== undefined) {
    if (typeof v !== 'function') throw new TemplateError(`.${path.join('.')} takes no arguments`);
    return v(...args);
  }
  return v;
}

function evalTerm(t: Term, dot: TemplateValue, scope: Scope): TemplateValue {
  switch (t.kind) {
    case 'field':
      return lookup(dot, t.path, scope, undefined);
    case 'string':
    case 'number':
    case 'bool':
      return t.value;
    case 'nil':
      return null;
    case 'func':
      return callFunction(t.name, [], scope);
    case 'pipe':
      return evalPipeline(t.pipe, dot, scope);
  }
}

function evalPipeline(pipe: Pipeline, dot: TemplateValue, scope: Scope): TemplateValue {
  let prev: TemplateValue | typeof NONE = NONE;
  for (const cmd of pipe) {
    const head = cmd[0]!;
    const args = cmd.slice(1).map((t) => evalTerm(t, dot, scope));
    if (prev !== NONE) args.push(prev);
    if (head.kind === 'func') prev = callFunction(head.name, args, scope);
    else if (head.kind === 'field' && args.length > 0) prev = lookup(dot, head.path, scope, args);
    else prev = evalTerm(head, dot, scope);
  }
  return prev === NONE ? undefined : prev;
}
const NONE = Symbol('none');

function run(nodes: readonly Node[], dot: TemplateValue, scope: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.kind) {
      case 'text':
        out.push(n.text);
        break;
      case 'action':
        out.push(goString(evalPipeline(n.pipe, dot, scope)));
        break;
      case 'if': {
        const hit = n.branches.find((b) => scope.header || truthy(evalPipeline(b.cond, dot, scope)));
        run(hit ? hit.body : n.otherwise, dot, scope, out);
        break;
      }
      case 'range': {
        if (scope.header) break;
        const v = evalPipeline(n.pipe, dot, scope);
        if (v !== undefined && v !== null && !Array.isArray(v)) throw new TemplateError(`{{range}} takes a list, not ${goString(v)}`);
        const list = (v ?? []) as readonly TemplateValue[];
        if (list.length === 0) run(n.otherwise, dot, scope, out);
        for (const x of list) run(n.body, x, scope, out);
        break;
      }
    }
  }
}

/** One execution of a template over one value. */
export function execute(t: Template, dot: TemplateValue, schema: FormatSchema): string {
  const out: string[] = [];
  run(t.nodes, dot, { schema, header: false }, out);
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// Formats

/** Is this `--format` a template (as opposed to a named format such as `table` or `json`)? */
export function isTemplate(format: string): boolean {
  return format.includes('{{') || /^table\s/.test(format);
}

/**
 * A `--format` as the docker CLI renders it: `table ...` gives a header row and tab-aligned
 * columns; anything else, one execution per row, each followed by a newline.
 */
export interface Format {
  table: boolean;
  template: Template;
}

/** docker/cli formatter.Context.preFormat: strip `table`, trim spaces, replace `\t` and `\n`. */
export function parseFormat(format: string): Format {
  let f = format;
  const table = f.startsWith('table');
  if (table) f = f.slice('table'.length);
  f = f.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return { table, template: parseTemplate(f) };
}

/** Render rows with a parsed format; a field or function that fails is a TemplateError. */
export function renderFormat(format: Format, rows: readonly TemplateValue[], schema: FormatSchema): string {
  const body = rows.map((r) => execute(format.template, r, schema) + '\n').join('');
  if (!format.table) return body;
  const headerOut: string[] = [];
  run(format.template.nodes, undefined, { schema, header: true }, headerOut);
  return tabwrite(headerOut.join('') + '\n' + body);
}

/** Parse and render in one step. */
export function formatRows(format: string, rows: readonly TemplateValue[], schema: FormatSchema): string {
  return renderFormat(parseFormat(format), rows, schema);
}

/**
 * Go's text/tabwriter as the docker CLI sets it up (`NewWriter(out, 10, 1, 3, ' ', 0)`): cells
 * end at tabs, a column block is a run of lines that have that column, each column is as wide
 * as its widest cell plus 3 and at least 10; the last cell of a line is not aligned.
 */
export function tabwrite(text: string, minwidth = 10, padding = 3): string {
  const trailingNewline = text.endsWith('\n');
  const lines = (trailingNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const width = (s: string): number => [...s].length;
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let s = '';
      for (const [j, c] of cells.entries()) {
        if (j < widths.length) s += c + ' '.repeat(Math.max(0, widths[j]! - width(c)));
        else s += c;
      }
      out.push(s);
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let row = line0; row < line1; row++) {
      if (column >= lines[row]!.length - 1) continue;
      writeLines(line0, row);
      line0 = row;
      let w = minwidth;
      for (; row < line1; row++) {
        const cells = lines[row]!;
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column]!) + padding);
      }
      widths.push(w);
      format(line0, row);
      widths.pop();
      line0 = row;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out.join('\n') + (trailingNewline ? '\n' : '');
}
