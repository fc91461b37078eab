/**
 * A plain-JS view of a YAML document that remembers where every value came from.
 *
 * Positions live beside the data in a WeakMap keyed by container (object or array): for each
 * container, the location of the container itself, of each key, and of each value, plus the
 * source text of numeric scalars (so `1.10` can become the string "1.10", not "1.1").
 * Merge, extends and normalization copy positions with `copyLoc`, so an error found late
 * still points at the file, line and column that produced the value.
 */
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, visit, YAMLParseError, type CST, type Document, type Node as YamlNode, type ScalarTag, type YAMLMap } from 'yaml';
import { diag, type Diagnostic, type Loc } from './diagnostics.js';
import type { SourceIndex, SourcePath } from '../model/diagnostic.js';
import { dict } from '../model/dict.js';

export type Tree = { [key: string]: unknown };

interface ContainerLocs {
  self: Loc;
  keys: Map<string, Loc>;
  values: Map<string, Loc>;
  raw: Map<string, string>;
  /** Keys tagged `!reset` (removed from the file, and from what earlier files gave) or `!override`. */
  marks?: Map<string, MergeMark>;
  /** For string values with a `$`: the position of an offset inside the value (in a `|` block, ...). */
  inner?: Map<string, (offset: number) => Loc>;
}

/** Where the character at `offset` of the string value `obj[key]` was written, when known. */
export function innerLoc(obj: object, key: string | number, offset: number): Loc | undefined {
  return entry(obj)?.inner?.get(String(key))?.(offset);
}

/** docker compose 2.24+'s merge tags: `!reset` removes the value, `!override` replaces instead of merging. */
export type MergeMark = 'reset' | 'override';

/** The keys of a map tagged `!reset` or `!override`. */
export function marksOf(obj: object): ReadonlyMap<string, MergeMark> {
  return entry(obj)?.marks ?? new Map();
}

/** Copy the `!reset`/`!override` marks of the keys of `from` onto `to`. */
export function copyMarks(from: object, to: object): void {
  const m = entry(from)?.marks;
  if (!m?.size) return;
  const dst = ensure(to, selfLoc(from));
  dst.marks = new Map([...(dst.marks ?? []), ...m]);
}

const table = new WeakMap<object, ContainerLocs>();

export const LIMITS = {
  /** Bytes of one project file. */
  maxBytes: 4 * 1024 * 1024,
  /** Nesting depth of maps and sequences. */
  maxDepth: 64,
  /** Nodes one document may expand to through aliases (billion laughs). */
  maxNodes: 200_000,
};

function entry(obj: object): ContainerLocs | undefined {
  return table.get(obj);
}

export function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Location of the container itself (a map or a sequence). */
export function selfLoc(obj: object): Loc | undefined {
  return entry(obj)?.self;
}

/** Location of a key in a map (for sequences: of the item). */
export function keyLoc(obj: object, key: string | number): Loc | undefined {
  const e = entry(obj);
  return e?.keys.get(String(key)) ?? e?.values.get(String(key));
}

/** Location of a value; falls back to its key, then to the container. */
export function valueLoc(obj: object, key: string | number): Loc | undefined {
  const e = entry(obj);
  if (!e) return undefined;
  return e.values.get(String(key)) ?? e.keys.get(String(key)) ?? e.self;
}

/**
 * The positions of a (merged) project tree as a model-level SourceIndex: a path is followed
 * key by key through the tree's containers. Nothing is computed until a position is asked for.
 */
export function treeSources(root: Tree): SourceIndex {
  return new TreeSourceIndex(root);
}

/**
 * A SourceIndex as plain data (for the resolved-project cache, config/projectcache.ts): for each
 * path into the tree that has a position (its segments as strings, JSON-encoded), the position
 * `locate` gives for the key and the one it gives for the value.
 */
export type FlatSources = Map<string, { key: Loc; value: Loc }>;

class TreeSourceIndex implements SourceIndex {
  constructor(private readonly root: Tree) {}

  locate(path: SourcePath, which: 'key' | 'value'): Loc | undefined {
    let obj: unknown = this.root;
    let found: Loc | undefined;
    for (let i = 0; i < path.length; i++) {
      if (typeof obj !== 'object' || obj === null) break;
      const seg = path[i]!;
      const e = entry(obj);
      const k = e?.keys.get(String(seg)) ?? e?.values.get(String(seg));
      if (!k) break;
      found = i === path.length - 1 && which === 'value' ? (e!.values.get(String(seg)) ?? k) : k;
      obj = child(obj, String(seg));
    }
    return found;
  }

  /** Every path `locate` can follow, with its two answers; undefined past `budget` paths. */
  flatten(budget: number): FlatSources | undefined {
    const out: FlatSources = new Map();
    const onPath = new Set<object>();
    const walk = (obj: object, prefix: string[]): boolean => {
      const e = entry(obj);
      if (!e || onPath.has(obj)) return true;
      onPath.add(obj);
      for (const seg of new Set([...e.keys.keys(), ...e.values.keys()])) {
        const path = [...prefix, seg];
        const k = e.keys.get(seg) ?? e.values.get(seg)!;
        out.set(JSON.stringify(path), { key: k, value: e.values.get(seg) ?? k });
        if (out.size > budget) return false;
        const next = child(obj, seg);
        if (typeof next === 'object' && next !== null && !walk(next, path)) return false;
      }
      onPath.delete(obj);
      return true;
    };
    return walk(this.root, []) ? out : undefined;
  }
}

function child(obj: object, seg: string): unknown {
  return Array.isArray(obj) ? obj[Number(seg)] : Object.prototype.hasOwnProperty.call(obj, seg) ? (obj as Tree)[seg] : undefined;
}

/** The flat form of an index `treeSources` made (undefined for any other index, or past `budget` paths). */
export function flattenSources(index: SourceIndex | undefined, budget = 200_000): FlatSources | undefined {
  return index instanceof TreeSourceIndex ? index.flatten(budget) : undefined;
}

/** A SourceIndex over a flat form: the same answers as the index it was made from. */
export function flatSourceIndex(flat: FlatSources): SourceIndex {
  return {
    locate(path: SourcePath, which: 'key' | 'value'): Loc | undefined {
      let found: Loc | undefined;
      const prefix: string[] = [];
      for (let i = 0; i < path.length; i++) {
        prefix.push(String(path[i]));
        const e = flat.get(JSON.stringify(prefix));
        if (!e) break;
        found = i === path.length - 1 && which === 'value' ? e.value : e.key;
      }
      return found;
    },
  };
}

/** The source text of a numeric scalar, when the value was a number in the YAML. */
export function rawText(obj: object, key: string | number): string | undefined {
  return entry(obj)?.raw.get(String(key));
}

function ensure(obj: object, fallback?: Loc): ContainerLocs {
  let e = table.get(obj);
  if (!e) {
    e = { self: fallback ?? { file: '', line: 0, col: 0 }, keys: new Map(), values: new Map(), raw: new Map() };
    table.set(obj, e);
  }
  return e;
}

export function setSelfLoc(obj: object, loc: Loc | undefined): void {
  if (loc) ensure(obj, loc).self = loc;
}

/** Copy the positions of `from[fromKey]` onto `to[toKey]`. */
export function copyLoc(from: object, fromKey: string | number, to: object, toKey: string | number = fromKey): void {
  const src = entry(from);
  if (!src) return;
  const dst = ensure(to, src.self);
  const k = src.keys.get(String(fromKey));
  const v = src.values.get(String(fromKey));
  const r = src.raw.get(String(fromKey));
  const m = src.marks?.get(String(fromKey));
  if (m) (dst.marks ??= new Map()).set(String(toKey), m);
  const inner = src.inner?.get(String(fromKey));
  if (inner) (dst.inner ??= new Map()).set(String(toKey), inner);
  if (k) dst.keys.set(String(toKey), k);
  if (v) dst.values.set(String(toKey), v);
  if (r !== undefined) dst.raw.set(String(toKey), r);
}

/** Record a location for `obj[key]` (key and value both). */
export function setLoc(obj: object, key: string | number, loc: Loc | undefined): void {
  if (!loc) return;
  const e = ensure(obj, loc);
  e.keys.set(String(key), loc);
  e.values.set(String(key), loc);
}

/** Define a key without ever touching the prototype (a YAML key may be `__proto__`). */
export function put(obj: Tree, key: string, value: unknown): void {
  // Only `__proto__` is special on assignment (an accessor of Object.prototype); defining
  // every key would cost a slow path per key on maps of thousands of keys.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** A new empty map that inherits the container location of `like`. */
export function newTree(like?: object): Tree {
  const t: Tree = dict();
  const loc = like ? selfLoc(like) : undefined;
  if (loc) setSelfLoc(t, loc);
  return t;
}

/**
 * Line and column of an offset in a text, the column counted in code points (an emoji is one
 * column, as an editor shows it), not in UTF-16 units.
 */
export class Positions {
  readonly lc = new LineCounter();
  /** Offsets of the high surrogates (the first half of each character beyond U+FFFF). */
  private readonly astral: number[] = [];

  constructor(text: string) {
    this.lc.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lc.addNewLine(i + 1);
    for (const m of text.matchAll(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)) this.astral.push(m.index);
  }

  at(offset: number): { line: number; col: number } {
    const p = this.lc.linePos(offset);
    if (!this.astral.length) return p;
    const lineStart = offset - (p.col - 1);
    return { line: p.line, col: p.col - (this.countBelow(offset) - this.countBelow(lineStart)) };
  }

  private countBelow(offset: number): number {
    let lo = 0;
    let hi = this.astral.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.astral[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The bytes of a project file as text: UTF-8 (a BOM is dropped), or UTF-16 LE/BE with a BOM.
 * Invalid UTF-8 is refused at the line and column of its first bad byte.
 */
export function decodeProjectFile(bytes: Uint8Array, file: string): { text: string; diagnostic?: undefined } | { text?: undefined; diagnostic: Diagnostic } {
  let text: string;
  const b0 = bytes[0];
  const b1 = bytes[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    const le = b0 === 0xff;
    try {
      text = new TextDecoder(le ? 'utf-16le' : 'utf-16be', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      return { diagnostic: diag('YAML_SYNTAX', `file is not valid UTF-16 ${le ? 'LE' : 'BE'}`, { file, line: 1, col: 1 }, 'save the file as UTF-8') };
    }
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      const bad = firstInvalidUtf8(bytes);
      const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad)).replace(/\r\n?/g, '\n');
      const lines = before.split('\n');
      const col = [...(lines.at(-1) ?? '')].length + 1;
      return { diagnostic: diag('YAML_SYNTAX', `file is not valid UTF-8 (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')})`, { file, line: lines.length, col }, 'save the file as UTF-8') };
    }
  }
  return { text };
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return i;
}

export interface ParsedFile {
  file: string;
  /** The document's top-level value; undefined when the file could not be read as one. */
  value: unknown;
  diagnostics: Diagnostic[];
}

const yamlCodes: Record<string, Diagnostic['code']> = {
  TAB_AS_INDENT: 'YAML_TAB',
  DUPLICATE_KEY: 'YAML_DUPLICATE_KEY',
  MULTIPLE_DOCS: 'YAML_MULTIPLE_DOCS',
  TAG_RESOLVE_FAILED: 'YAML_BAD_TAG',
};

/** Parse one file's text into a positioned tree. Never throws. */
export function parseYaml(text: string, file: string): ParsedFile {
  const diagnostics: Diagnostic[] = [];
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.maxBytes) {
    diagnostics.push(
      diag('FILE_TOO_LARGE', `file is ${bytes} bytes, more than the limit of ${LIMITS.maxBytes}`, { file, line: 1, col: 1 }, 'split the project into several files'),
    );
    return { file, value: undefined, diagnostics };
  }
  // A bare CR is a line break (YAML 1.2, 5.4); as LF, offsets and columns do not move.
  if (text.includes('\r')) text = text.replace(/\r(?!\n)/g, '\n');
  const nul = text.indexOf('\u0000');
  const pos = new Positions(text);
  if (nul >= 0) {
    diagnostics.push(diag('YAML_SYNTAX', 'file contains a NUL byte', { file, ...pos.at(nul) }, 'a project file is text; check the encoding'));
    return { file, value: undefined, diagnostics };
  }
  const composed = composeChecked(text);
  if (composed.tooDeep !== undefined) {
    const lp = pos.at(composed.tooDeep);
    diagnostics.push(diag('YAML_TOO_DEEP', `document is nested deeper than ${LIMITS.maxDepth} levels`, { file, line: lp.line, col: lp.col }, 'flatten the structure'));
    return { file, value: undefined, diagnostics };
  }
  const doc = composed.doc;
  const problems: Array<{ pos: number; code: string; message: string }> = [
    ...[...doc.errors, ...doc.warnings.filter((w) => !(w.code === 'TAG_RESOLVE_FAILED' && /^!(reset|override)(?![^\s,\]}])/.test(text.slice(w.pos[0], w.pos[0] + 10))))].map((e) => ({ pos: e.pos[0], code: e.code, message: e.message })),
    ...duplicateKeys(doc).map((pos) => ({ pos, code: 'DUPLICATE_KEY', message: 'Map keys must be unique' })),
  ]
    .map(indentation(text))
    .filter((e, i, all) => !(e.code === 'INDENT' && all.slice(0, i).some((o) => o.code === 'INDENT' && o.pos === e.pos)))
    .sort((a, b) => a.pos - b.pos);
  for (const e of problems) {
    const lp = pos.at(e.pos);
    const code = yamlCodes[e.code] ?? 'YAML_SYNTAX';
    const msg = firstLine(e.message);
    diagnostics.push(diag(code, msg, { file, line: lp.line, col: lp.col }, yamlHint(e.code)));
  }
  if (diagnostics.length) return { file, value: undefined, diagnostics };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    diagnostics.push(diag('EMPTY_FILE', 'empty project file', { file, line: 1, col: 1 }, 'define at least one service'));
    return { file, value: undefined, diagnostics };
  }
  const conv = new Converter(doc, pos, file, text);
  // Without a `*` there is no alias, and nothing to expand.
  const over = text.includes('*') ? conv.overExpanded(doc.contents as YamlNode) : undefined;
  if (over) {
    diagnostics.push(diag('YAML_ALIAS_LIMIT', `document expands to more than ${LIMITS.maxNodes} nodes through aliases`, conv.loc(over), 'aliases that refer to aliases multiply; write the values out'));
    return { file, value: undefined, diagnostics };
  }
  const value = conv.convert(doc.contents as YamlNode, 0);
  diagnostics.push(...conv.diagnostics);
  if (conv.diagnostics.length) return { file, value: undefined, diagnostics };
  return { file, value, diagnostics };
}

/**
 * `0400` as an octal number, as compose's YAML parser (go-yaml v3) reads it for compatibility
 * with YAML 1.1 (`mode: 0400` of a secret is r-- for the owner, not 400); YAML 1.2's core
 * schema alone would read 400. `0o400` is read by the core schema's own tag.
 */
const GO_YAML_OCTAL: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^0[0-7]+$/,
  resolve: (text: string) => parseInt(text, 8),
};

/**
 * yaml's parseDocument, with the nesting depth of each document checked on its syntax tree
 * (iteratively) before the recursive composer sees it: 1,000 levels of `[` would otherwise
 * overflow the JS stack. Returns the offset of the first value nested too deep, if any.
 */
function composeChecked(text: string): { doc: Document; tooDeep?: undefined } | { doc?: undefined; tooDeep: number } {
  let tooDeep: number | undefined;
  function* checked(tokens: Generator<CST.Token>): Generator<CST.Token> {
    for (const t of tokens) {
      tooDeep = deepestOffset(t);
      if (tooDeep !== undefined) return;
      yield t;
    }
  }
  const composer = new Composer({
    version: '1.2',
    schema: 'core',
    customTags: (tags) => [GO_YAML_OCTAL, ...(Array.isArray(tags) ? tags : [])],
    merge: true,
    // yaml's own check compares each key with every earlier one (quadratic in the keys of a
    // map); duplicateKeys does the same check with a Set per map.
    uniqueKeys: false,
    strict: true,
  });
  let doc: Document | undefined;
  for (const d of composer.compose(checked(new Parser().parse(text)), true, text.length)) {
    if (!doc) doc = d as Document;
    else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  if (tooDeep !== undefined) return { tooDeep };
  return { doc: doc! };
}

/**
 * The offset of the first value of a document token deeper than LIMITS.maxDepth, counted as
 * the converter counts (the top value is level 0, an item of a level-n collection is at n+1;
 * a key that is a collection counts as an item, so a deep key is caught too). Walks with an
 * explicit stack.
 */
function deepestOffset(token: CST.Token): number | undefined {
  if (token.type !== 'document' || !token.value) return undefined;
  const stack: Array<[CST.Token, number]> = [[token.value, 0]];
  while (stack.length) {
    const [t, depth] = stack.pop()!;
    if (depth > LIMITS.maxDepth) return t.offset;
    if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      // Pushed last item first, value before key: popped in document order.
      const items = t.items as CST.CollectionItem[];
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i]!;
        if (item.value) stack.push([item.value, depth + 1]);
        if (item.key && (item.key.type === 'block-map' || item.key.type === 'block-seq' || item.key.type === 'flow-collection')) stack.push([item.key, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * The offsets of the keys that repeat an earlier key of the same map, with the equality of
 * yaml's `uniqueKeys` (two scalar keys are equal when their values are `===`: `1` and `1.0`
 * are, `1` and `"1"` are not, NaN never is; other keys only when they are the same node), in
 * linear time: one Set of typed values per map. Aliases are not followed, so each map is
 * checked once.
 */
export function duplicateKeys(doc: Document): number[] {
  const out: number[] = [];
  const check = (map: YAMLMap) => {
    const seen = new Set<unknown>();
    const nodes = new Set<unknown>();
    for (const pair of map.items) {
      const k = pair.key as YamlNode | null;
      let dup: boolean;
      if (isScalar(k)) {
        const v = k.value;
        if (typeof v === 'number' && Number.isNaN(v)) continue;
        // Set membership is SameValueZero: as === for everything but NaN (skipped above).
        dup = seen.has(v);
        seen.add(v);
      } else {
        dup = nodes.has(k);
        nodes.add(k);
      }
      if (dup && k?.range) out.push(k.range[0]);
    }
  };
  visit(doc, { Map: (_, map) => void check(map) });
  return out.sort((a, b) => a - b);
}

/**
 * yaml reports a line indented deeper than it should be (`command:` under `image: busybox`) at
 * the value of the line above, as "Nested mappings are not allowed in compact mappings" and
 * "Implicit keys need to be on a single line". Point at the first token of the line that is
 * indented wrongly instead, and say so.
 */
function indentation(text: string): (e: { pos: number; code: string; message: string }) => { pos: number; code: string; message: string } {
  return (e) => {
    if (e.code !== 'BLOCK_AS_IMPLICIT_KEY' && e.code !== 'MULTILINE_IMPLICIT_KEY' && e.code !== 'BAD_INDENT') return e;
    let at = e.pos;
    if (e.code !== 'BAD_INDENT') {
      const nl = text.indexOf('\n', e.pos);
      if (nl < 0) return e;
      at = nl + 1;
    } else if (at > 0 && text[at - 1] !== '\n') return e;
    while (text[at] === ' ') at++;
    return { pos: at, code: 'INDENT', message: 'this line is indented differently from the keys above it' };
  };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  // yaml appends " at line L, column C" to some messages; we print positions ourselves.
  return line.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'INDENT':
      return 'check the indentation: keys of one map start in the same column';
    case 'DUPLICATE_KEY':
      return 'remove one of the two keys';
    case 'MULTIPLE_DOCS':
      return 'a project file holds one YAML document; remove the extra `---`';
    case 'TAG_RESOLVE_FAILED':
      return 'remove the tag; tsfig accepts plain YAML';
    default:
      return undefined;
  }
}

const MARK_TAGS: Record<string, MergeMark | undefined> = { '!reset': 'reset', '!override': 'override' };

/** Space, tab, LF, CR. */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

class Converter {
  readonly diagnostics: Diagnostic[] = [];
  private nodes = 0;
  private failed = false;

  constructor(
    private readonly doc: Document,
    private readonly pos: Positions,
    private readonly file: string,
    private readonly text: string,
  ) {}

  /** Where a node was written: its start, and the end of its span (exclusive). */
  loc(node: YamlNode | null | undefined): Loc | undefined {
    if (!node?.range) return undefined;
    const start = node.range[0];
    const end = Math.max(start, this.endOf(node));
    const p = this.pos.at(start);
    const e = this.pos.at(end);
    return { file: this.file, line: p.line, col: p.col, offset: start, endOffset: end, endLine: e.line, endCol: e.col };
  }

  /**
   * The offset just after the last character of a node: yaml's value end (`range[1]`) without
   * the line breaks and spaces it may include (a block scalar's last line break, the lines
   * after a block collection); a block collection ends where its last item ends (its range
   * may run on over a comment after that item).
   */
  private endOf(node: YamlNode): number {
    if ((isMap(node) || isSeq(node)) && !node.flow && node.items.length) {
      const last = node.items[node.items.length - 1];
      const n = (isPair(last) ? (last.value ?? last.key) : last) as YamlNode | null;
      if (n?.range) return this.endOf(n);
    }
    const start = node.range![0];
    let end = node.range![1];
    while (end > start && isBlank(this.text.charCodeAt(end - 1))) end--;
    return end;
  }

  private fail(code: Diagnostic['code'], msg: string, at: Loc | undefined, hint?: string): undefined {
    if (!this.failed) this.diagnostics.push(diag(code, msg, at, hint));
    this.failed = true;
    return undefined;
  }

  convert(node: YamlNode | null | undefined, depth: number): unknown {
    if (this.failed || node == null) return null;
    if (++this.nodes > LIMITS.maxNodes) {
      return this.fail('YAML_ALIAS_LIMIT', `document expands to more than ${LIMITS.maxNodes} nodes`, this.loc(node), 'aliases that refer to aliases multiply; write the values out');
    }
    if (depth > LIMITS.maxDepth) {
      return this.fail('YAML_TOO_DEEP', `document is nested deeper than ${LIMITS.maxDepth} levels`, this.loc(node), 'flatten the structure');
    }
    if (isAlias(node)) {
      // What an alias expands to counts (every node of it, above), not how many aliases there
      // are: 1,001 services sharing one `<<: *defaults` is fine, a billion laughs is not.
      const target = this.target(node);
      if (!target) return this.fail('YAML_SYNTAX', `unresolved alias *${node.source}`, this.loc(node));
      return this.convert(target as YamlNode, depth + 1);
    }
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      const arr: unknown[] = [];
      const e = ensure(arr, this.loc(node));
      node.items.forEach((item) => {
        const it = item as YamlNode | null;
        if (it && 'tag' in it && MARK_TAGS[String(it.tag)] === 'reset') return;
        const i = arr.length;
        arr.push(this.convert(it, depth + 1));
        const l = this.loc(it) ?? e.self;
        e.keys.set(String(i), l);
        e.values.set(String(i), l);
        this.recordRaw(e, String(i), it);
      });
      return arr;
    }
    if (isMap(node)) {
      const obj: Tree = dict();
      const e = ensure(obj, this.loc(node));
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = pair.key as YamlNode | null;
        if (isScalar(k) && (typeof k.value === 'symbol' || (k.value === '<<' && k.type === 'PLAIN'))) {
          this.mergeInto(obj, pair.value as YamlNode, depth);
          continue;
        }
        if (k && !isScalar(k)) {
          this.fail('YAML_SYNTAX', 'a mapping key must be a plain value', this.loc(k), 'keys cannot be lists or maps');
          return obj;
        }
        if (k && typeof k.value !== 'string') {
          // As compose: `1:`, `true:` or `null:` are not names; YAML reads them as a number, a
          // boolean or null, and turning them back into text would not give what was written.
          const text = k.range ? this.text.slice(k.range[0], k.range[1]).trim() : String(k.value);
          if (text === '') this.diagnostics.push(diag('WRONG_TYPE', 'a key is missing before the colon', this.loc(k), 'write a name before the colon'));
          else this.diagnostics.push(diag('WRONG_TYPE', `the key ${text} is ${k.value === null ? 'null' : `a ${typeof k.value}`}, not a string`, this.loc(k), `quote it: "${text.replace(/["\\]/g, '\\$&')}"`));
          continue;
        }
        const key = k === null ? '' : String(k.value);
        const v = pair.value as YamlNode | null;
        const mark = v && 'tag' in v ? MARK_TAGS[String(v.tag)] : undefined;
        if (mark) (e.marks ??= new Map()).set(key, mark);
        if (mark === 'reset') {
          e.keys.set(key, this.loc(k) ?? e.self);
          continue;
        }
        put(obj, key, this.convert(v, depth + 1));
        const kl = this.loc(k) ?? e.self;
        e.keys.set(key, kl);
        e.values.set(key, this.loc(v) ?? kl);
        this.recordRaw(e, key, v);
      }
      return obj;
    }
    return this.fail('YAML_SYNTAX', 'unsupported YAML node', this.loc(node));
  }

  private recordRaw(e: ContainerLocs, key: string, node: YamlNode | null): void {
    if (node && isScalar(node) && typeof node.value === 'number' && node.range) {
      e.raw.set(key, this.text.slice(node.range[0], node.range[1]).trim());
    }
    if (node && isScalar(node) && typeof node.value === 'string' && node.value.includes('$') && node.range) {
      const at = this.innerOffsets(node.type, node.range[0], node.range[1]);
      const loc = (offset: number): Loc => ({ file: this.file, ...this.pos.at(at(offset)) });
      (e.inner ??= new Map()).set(key, loc);
    }
  }

  /**
   * Value offset -> source offset for a string scalar. Exact for plain one-line scalars, quoted
   * ones without escapes, and `|` blocks; in `>` blocks each folded line break counts as the
   * one space it becomes.
   */
  private innerOffsets(type: string | undefined, start: number, end: number): (offset: number) => number {
    if (type !== 'BLOCK_LITERAL' && type !== 'BLOCK_FOLDED') {
      const quoted = type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE' ? 1 : 0;
      return (offset) => Math.min(start + quoted + offset, end);
    }
    // Content lines after the header line (`|`, `>-`, ...), each with its indentation dropped.
    const src = this.text.slice(start, end);
    const firstNl = src.indexOf('\n');
    if (firstNl < 0) return () => start;
    const lines: Array<{ source: number; text: string }> = [];
    let p = start + firstNl + 1;
    for (const line of src.slice(firstNl + 1).split('\n')) {
      lines.push({ source: p, text: line });
      p += line.length + 1;
    }
    const indent = Math.min(...lines.filter((l) => l.text.trim() !== '').map((l) => l.text.length - l.text.trimStart().length));
    return (offset) => {
      let v = 0;
      for (const l of lines) {
        const content = l.text.length - indent;
        if (offset <= v + Math.max(content, 0)) return l.source + indent + (offset - v);
        v += Math.max(content, 0) + 1;
      }
      return start;
    };
  }

  private readonly sizes = new Map<object, number>();
  private targets: Map<object, YamlNode | undefined> | undefined;

  /**
   * The node an alias refers to: the last node before it with that anchor. yaml's own
   * `Alias.resolve` searches the whole document on every call (quadratic in the aliases), so
   * every alias is resolved in one pass.
   */
  private target(alias: YamlNode): YamlNode | undefined {
    if (!this.targets) {
      const targets = new Map<object, YamlNode | undefined>();
      const anchors = new Map<string, YamlNode>();
      visit(this.doc, {
        Node: (_, n) => {
          if (isAlias(n)) targets.set(n, anchors.get(n.source));
          else if (n.anchor) anchors.set(n.anchor, n);
        },
      });
      this.targets = targets;
    }
    return this.targets.get(alias);
  }

  /** The children the converter visits under a node (an alias: its target). */
  private children(node: YamlNode): Array<YamlNode | null> {
    if (isAlias(node)) {
      const t = this.target(node);
      return t ? [t as YamlNode] : [];
    }
    if (isSeq(node)) return node.items as Array<YamlNode | null>;
    if (isMap(node)) return node.items.filter(isPair).map((p) => p.value as YamlNode | null);
    return [];
  }

  /** How many nodes the converter would visit under `node`, aliases expanded (memoized, capped). */
  private size(node: YamlNode | null, depth: number): number {
    if (node == null || depth > LIMITS.maxDepth) return 1;
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    let n = 1;
    for (const c of this.children(node)) {
      n += this.size(c, depth + 1);
      if (n > LIMITS.maxNodes) break;
    }
    this.sizes.set(node, n);
    return n;
  }

  /**
   * Before converting: the alias at which the document goes over LIMITS.maxNodes once aliases
   * are expanded, in document order, or undefined. Linear in the document (sizes memoized),
   * so an alias bomb is refused at once, and 1,001 services sharing one `<<: *defaults` pass.
   */
  overExpanded(root: YamlNode | null): YamlNode | undefined {
    let count = 0;
    const walk = (node: YamlNode | null, depth: number): YamlNode | undefined => {
      const s = this.size(node, depth);
      if (count + s <= LIMITS.maxNodes) {
        count += s;
        return undefined;
      }
      if (node == null || isAlias(node)) return node ?? undefined;
      count += 1;
      for (const c of this.children(node)) {
        const at = walk(c, depth + 1);
        if (at) return at;
      }
      return undefined;
    };
    return walk(root, 0);
  }

  private mergeInto(obj: Tree, src: YamlNode | null, depth: number): void {
    const sources: unknown[] = [];
    const value = this.convert(src, depth + 1);
    if (Array.isArray(value)) sources.push(...value);
    else sources.push(value);
    for (const s of sources) {
      if (!isTree(s)) {
        this.fail('YAML_SYNTAX', 'a merge key `<<` takes a map or a list of maps', this.loc(src));
        return;
      }
      for (const [k, v] of Object.entries(s)) {
        if (Object.prototype.hasOwnProperty.call(obj, k)) continue;
        put(obj, k, v);
        copyLoc(s, k, obj, k);
      }
    }
  }
}
