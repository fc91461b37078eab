/**
 * The YAML layer (config/tree.ts) on hostile and unusual input: duplicate keys in linear time,
 * limits, encodings, positions.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { duplicateKeys, LIMITS, parseYaml } from '../../src/config/tree.js';
import { errorsOf, load, projectDir } from '../support/project.js';

/** A small seeded PRNG (mulberry32): the generated cases are the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys of different types and styles; some are equal as YAML values, some only look alike. */
const KEYS = [
  '1', '"1"', "'1'", '1.0', '0x1', '0o1', '01', '+1', '1e0', '-0', '0', '.nan', '.NaN', '.inf',
  'true', 'True', '"true"', 'false', 'null', '~', 'Null', '"null"', '""', "''", 'a', '"a"', "'a'",
  'a b', '"a b"', '"\\x61"', '<<', '"<<"', '? [x]', '? {x: 1}', '*anc', '&k2 a', '!!str 1', '!!str a',
];

function genMap(rnd: () => number, indent: string): string {
  const n = 2 + Math.floor(rnd() * 5);
  let out = '';
  for (let i = 0; i < n; i++) {
    const k = KEYS[Math.floor(rnd() * KEYS.length)]!;
    let v = `v${i}`;
    if (k === '<<') v = '*anc';
    if (k.startsWith('?')) {
      out += `${indent}${k}\n${indent}: ${v}\n`;
      continue;
    }
    if (rnd() < 0.15 && indent.length < 6) {
      out += `${indent}${k}:\n${genMap(rnd, indent + '  ')}`;
      continue;
    }
    out += `${indent}${k}: ${v}\n`;
  }
  return out;
}

function genFlowMap(rnd: () => number): string {
  const n = 2 + Math.floor(rnd() * 4);
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = KEYS[Math.floor(rnd() * KEYS.length)]!;
    if (k.startsWith('?')) continue;
    items.push(`${k}: ${k === '<<' ? '*anc' : `v${i}`}`);
  }
  return `{${items.join(', ')}}`;
}

/** Positions (offsets) of yaml's own DUPLICATE_KEY errors. */
function yamlDuplicates(text: string): number[] {
  const doc = parseDocument(text, { version: '1.2', schema: 'core', merge: true, uniqueKeys: true, strict: false, prettyErrors: false });
  return doc.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => e.pos[0]).sort((a, b) => a - b);
}

function ourDuplicates(text: string): number[] {
  const doc = parseDocument(text, { version: '1.2', schema: 'core', merge: true, uniqueKeys: false, strict: false, prettyErrors: false });
  return duplicateKeys(doc);
}

describe('duplicate keys', () => {
  it('our linear check agrees with yaml uniqueKeys on 800 generated maps (types, styles, merge keys, anchors, tags)', () => {
    const rnd = prng(12);
    let withDuplicates = 0;
    for (let i = 0; i < 800; i++) {
      const body = rnd() < 0.3 ? `m: ${genFlowMap(rnd)}\n` : `m:\n${genMap(rnd, '  ')}`;
      const text = `anc: &anc {x: 1}\n${body}`;
      const want = yamlDuplicates(text);
      if (want.length) withDuplicates++;
      expect(ourDuplicates(text), text).toEqual(want);
    }
    // The generator does produce both kinds of case.
    expect(withDuplicates).toBeGreaterThan(100);
    expect(withDuplicates).toBeLessThan(700);
  }, 60_000);

  it('reports a duplicate key with its code and the second key position', () => {
    const r = parseYaml('services:\n  web:\n    image: a\n    labels:\n      a: 1\n      "b": 2\n      b: 3\n    image: b\n', 'f.yml');
    expect(r.diagnostics.map((d) => [d.code, d.loc?.line, d.loc?.col])).toEqual([
      ['YAML_DUPLICATE_KEY', 7, 7],
      ['YAML_DUPLICATE_KEY', 8, 5],
    ]);
  });

  it('loads 40,000 labels in one map in linear time', () => {
    let text = 'services:\n  web:\n    image: busybox\n    labels:\n';
    for (let i = 0; i < 40_000; i++) text += `      k${i}: v${i}\n`;
    const dir = projectDir({ 'fig.yml': text });
    const cpu = process.cpuUsage();
    const r = load(dir);
    const used = process.cpuUsage(cpu);
    expect(errorsOf(r)).toEqual([]);
    expect(Object.keys(r.project!.services.web!.labels)).toHaveLength(40_000);
    // Quadratic, this took minutes; linear it takes 1.3-3 s of CPU on this shared 2-core machine
    // (load average 11), more when other test files run beside it: a bound the quadratic
    // version cannot meet whatever the load.
    expect((used.user + used.system) / 1000).toBeLessThan(10_000);
  }, 60_000);

  it('refuses a file over the 4 MiB limit before parsing it', () => {
    const text = 'services:\n  web:\n    image: busybox\n' + '#'.repeat(LIMITS.maxBytes);
    const dir = projectDir({ 'fig.yml': text });
    const t = performance.now();
    // The file as a whole: named in the message, no position within it.
    const r = load(dir);
    expect(errorsOf(r)).toEqual([{ code: 'FILE_TOO_LARGE' }]);
    expect(r.diagnostics[0]!.message).toContain('fig.yml');
    expect(performance.now() - t).toBeLessThan(5000);
  });
});

describe('nesting depth', () => {
  const deep = (n: number) => ({
    'flow sequences': { text: `x-a: ${'['.repeat(n)}${']'.repeat(n)}\n`, at: (d: number) => [1, 5 + d] },
    'flow mappings': { text: `x-a: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`, at: (d: number) => [1, 6 + 4 * (d - 1)] },
    'block sequences': { text: 'x-a:\n' + Array.from({ length: n }, (_, i) => ' '.repeat(2 * i + 2) + '-').join('\n') + ' x\n', at: (d: number) => [d + 1, 2 * d + 1] },
    'block mappings': { text: 'x-a:\n' + Array.from({ length: n }, (_, i) => ' '.repeat(2 * i + 2) + 'a:').join('\n') + ' x\n', at: (d: number) => [d + 1, 2 * d + 1] },
    'flow keys': { text: `x-a:\n  ? ${'['.repeat(n)}${']'.repeat(n)}\n  : 1\n`, at: (d: number) => [2, d + 3] },
  });

  it.each(Object.keys(deep(1)))('1,000 levels of %s: the depth limit at the first value too deep, not a stack overflow', (kind) => {
    const c = deep(1000)[kind as keyof ReturnType<typeof deep>];
    const r = parseYaml(c.text, 'f.yml');
    const [line, col] = c.at(LIMITS.maxDepth + 1);
    expect(r.diagnostics.map((d) => [d.code, d.loc?.line, d.loc?.col])).toEqual([['YAML_TOO_DEEP', line, col]]);
    expect(r.diagnostics[0]!.message).not.toMatch(/stack/i);
  });

  it.each(Object.keys(deep(1)))('%s: 64 levels are accepted, 65 refused at level 65', (kind) => {
    const ok = deep(LIMITS.maxDepth - 1)[kind as keyof ReturnType<typeof deep>];
    // (A list as a key is refused later, as a key that is not plain.)
    expect(parseYaml(ok.text, 'f.yml').diagnostics.map((d) => d.code)).toEqual(kind === 'flow keys' ? ['YAML_SYNTAX'] : []);
    const bad = deep(LIMITS.maxDepth + 1)[kind as keyof ReturnType<typeof deep>];
    const [line, col] = bad.at(LIMITS.maxDepth + 1);
    expect(parseYaml(bad.text, 'f.yml').diagnostics.map((d) => [d.code, d.loc?.line, d.loc?.col])).toEqual([['YAML_TOO_DEEP', line, col]]);
  });
});

describe('keys that are not strings', () => {
  it.each([
    ['a service named 1', 'services:\n  1:\n    image: busybox\n', 2, 3],
    ['an environment key 2', 'services:\n  web:\n    image: busybox\n    environment:\n      2: x\n', 5, 7],
    ['an environment key true', 'services:\n  web:\n    image: busybox\n    environment:\n      true: x\n', 5, 7],
    ['an environment key null', 'services:\n  web:\n    image: busybox\n    environment:\n      null: x\n', 5, 7],
    ['an environment key 1.10 in a flow map', 'services:\n  web:\n    image: busybox\n    environment: {A: 1, 1.10: x}\n', 4, 25],
    ['a label key ~', 'services:\n  web:\n    image: busybox\n    labels:\n      ~: x\n', 5, 7],
  ])('%s must be a quoted string', (_, text, line, col) => {
    const r = load(projectDir({ 'fig.yml': text }));
    expect(errorsOf(r)).toEqual([{ code: 'WRONG_TYPE', line, col }]);
    expect(r.diagnostics[0]!.hint).toMatch(/^quote it: "/);
  });

  it('the same names quoted are accepted', () => {
    const r = load(projectDir({ 'fig.yml': 'services:\n  "1":\n    image: busybox\n    environment:\n      "2": x\n      "true": y\n      "null": z\n' }));
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.services['1']!.environment).toEqual({ 2: 'x', true: 'y', null: 'z' });
  });

  it('reports every such key at once', () => {
    const r = load(projectDir({ 'fig.yml': 'services:\n  1:\n    image: busybox\n  2:\n    image: busybox\n' }));
    expect(errorsOf(r)).toEqual([{ code: 'WRONG_TYPE', line: 2, col: 3 }, { code: 'WRONG_TYPE', line: 4, col: 3 }]);
  });
});

describe('aliases', () => {
  it('1,001 services sharing one `<<: *defaults` load: what an alias expands to counts, not how many there are', () => {
    let text = 'x-defaults: &defaults\n  image: busybox\n  restart: always\nservices:\n';
    for (let i = 0; i < 1001; i++) text += `  s${i}:\n    <<: *defaults\n`;
    const r = load(projectDir({ 'fig.yml': text }));
    expect(errorsOf(r)).toEqual([]);
    expect(Object.keys(r.project!.services)).toHaveLength(1001);
    expect(r.project!.services.s1000!.restart).toBe('always');
  }, 60_000);

  it('an alias bomb is still refused, at the alias that goes over the limit', () => {
    let text = 'x-a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n';
    let prev = 'a';
    for (const n of 'bcdefg') {
      text += `x-${n}: &${n} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
      prev = n;
    }
    text += 'services:\n  web:\n    image: busybox\n';
    const t = performance.now();
    expect(errorsOf(load(projectDir({ 'fig.yml': text }))).map((e) => e.code)).toEqual(['YAML_ALIAS_LIMIT']);
    expect(performance.now() - t).toBeLessThan(5000);
  });
});

describe('encodings and line breaks', () => {
  const loadBytes = (bytes: Buffer) => {
    const dir = projectDir({});
    writeFileSync(join(dir, 'fig.yml'), bytes);
    return load(dir);
  };

  it('refuses invalid UTF-8 at the line and column of the first bad byte', () => {
    const bytes = Buffer.concat([Buffer.from('services:\n  web:\n    image: busybox\n    environment:\n      A: "é😀'), Buffer.from([0xc3, 0x28]), Buffer.from('"\n')]);
    const r = loadBytes(bytes);
    // Column: 7 spaces/letters, `A: "` and two characters (é and the emoji count one each).
    expect(errorsOf(r)).toEqual([{ code: 'YAML_SYNTAX', line: 5, col: 13 }]);
  });

  it.each([
    ['overlong', [0xc0, 0xaf]],
    ['a lone continuation byte', [0x80]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence at the end', [0xe2, 0x82]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('refuses %s', (_, bad) => {
    const r = loadBytes(Buffer.concat([Buffer.from('services:\n  web:\n    image: x'), Buffer.from(bad)]));
    expect(errorsOf(r)).toEqual([{ code: 'YAML_SYNTAX', line: 3, col: 13 }]);
  });

  it.each([
    ['UTF-16 LE', 'utf16le', [0xff, 0xfe]],
    ['UTF-16 BE', 'utf16be', [0xfe, 0xff]],
    ['UTF-8 with a BOM', 'utf8', [0xef, 0xbb, 0xbf]],
  ])('accepts %s, with positions right', (_, enc, bom) => {
    const text = 'services:\n  web:\n    image: busybox\n    labels: {"é😀": x}\n    imagee: x\n';
    const body = enc === 'utf16be' ? Buffer.from(text, 'utf16le').swap16() : Buffer.from(text, enc as BufferEncoding);
    const r = loadBytes(Buffer.concat([Buffer.from(bom), body]));
    expect(errorsOf(r)).toEqual([{ code: 'UNKNOWN_KEY', line: 5, col: 5 }]);
    const good = text.replace('    imagee: x\n', '');
    const goodBody = enc === 'utf16be' ? Buffer.from(good, 'utf16le').swap16() : Buffer.from(good, enc as BufferEncoding);
    const ok = loadBytes(Buffer.concat([Buffer.from(bom), goodBody]));
    expect(ok.project!.services.web!.labels).toEqual({ 'é😀': 'x' });
  });

  it('treats a bare CR as a line break, with positions right', () => {
    const r = loadBytes(Buffer.from('services:\r  web:\r    image: busybox\r    imagee: x\r'));
    expect(errorsOf(r)).toEqual([{ code: 'UNKNOWN_KEY', line: 4, col: 5 }]);
    const ok = loadBytes(Buffer.from('services:\r  web:\r\n    image: busybox\r    command: echo hi\r'));
    expect(errorsOf(ok)).toEqual([]);
    expect(ok.project!.services.web!.command).toEqual(['echo', 'hi']);
  });
});

describe('columns', () => {
  it('count code points: an error after an emoji is one column per character', () => {
    const r = load(projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    labels: {"😀😀": a, "é": b, x: [1]}\n' }));
    // `    labels: {"😀😀": a, "é": b, ` is 30 code points (34 UTF-16 units).
    expect(errorsOf(r)).toEqual([{ code: 'WRONG_TYPE', line: 4, col: 34 }]);
  });
});

describe('!reset and !override (docker compose 2.24+)', () => {
  const base = 'services:\n  app:\n    image: myapp\n    ports:\n      - "8080:80"\n    environment:\n      FOO: BAR\n      KEEP: "1"\n    labels:\n      a: "1"\n      b: "2"\n    command: [sh, -c, "sleep 1"]\n';

  it('!reset in an override file removes what the earlier file gave', () => {
    const dir = projectDir({
      'compose.yml': base,
      'over.yml': 'services:\n  app:\n    ports: !reset []\n    environment:\n      FOO: !reset null\n    labels:\n      a: !reset\n    command: !reset null\n',
    });
    const r = load(dir, { files: ['compose.yml', 'over.yml'] });
    expect(errorsOf(r)).toEqual([]);
    const app = r.project!.services.app!;
    expect(app.ports).toEqual([]);
    expect(app.environment).toEqual({ KEEP: '1' });
    expect(app.labels).toEqual({ b: '2' });
    expect(app.command).toBeUndefined();
  });

  it('!override replaces instead of merging', () => {
    const dir = projectDir({
      'compose.yml': base,
      'over.yml': 'services:\n  app:\n    ports: !override\n      - "8443:443"\n    environment: !override\n      NEW: x\n',
    });
    const r = load(dir, { files: ['compose.yml', 'over.yml'] });
    expect(errorsOf(r)).toEqual([]);
    const app = r.project!.services.app!;
    expect(app.ports.map((p) => [p.published, p.target])).toEqual([['8443', 443]]);
    expect(app.environment).toEqual({ NEW: 'x' });
    // Without the tag, the lists are appended and the maps merged.
    const plain = load(projectDir({ 'compose.yml': base, 'over.yml': 'services:\n  app:\n    ports:\n      - "8443:443"\n    environment:\n      NEW: x\n' }), { files: ['compose.yml', 'over.yml'] });
    expect(plain.project!.services.app!.ports).toHaveLength(2);
    expect(plain.project!.services.app!.environment).toEqual({ FOO: 'BAR', KEEP: '1', NEW: 'x' });
  });

  it('work on what extends gives', () => {
    const dir = projectDir({ 'compose.yml': `${base}  child:\n    extends: app\n    ports: !reset []\n    environment: !override\n      ONLY: "1"\n` });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    const child = r.project!.services.child!;
    expect(child.ports).toEqual([]);
    expect(child.environment).toEqual({ ONLY: '1' });
    expect(child.image).toBe('myapp');
  });

  it('a !reset value in a single file is simply absent; other unknown tags are still refused', () => {
    const r = load(projectDir({ 'compose.yml': 'services:\n  app:\n    image: myapp\n    ports: !reset ["80:80"]\n' }));
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.services.app!.ports).toEqual([]);
    const bad = load(projectDir({ 'compose.yml': 'services:\n  app:\n    image: !resetx myapp\n' }));
    expect(errorsOf(bad)).toEqual([{ code: 'YAML_BAD_TAG', line: 3, col: 12 }]);
  });
});

describe('indentation errors', () => {
  it.each([
    ['an over-indented key under a plain value', 'services:\n  web:\n    image: busybox\n      command: echo\n', 4, 7],
    ['an over-indented key under a quoted value', 'services:\n  web:\n    image: "busybox"\n      command: echo\n', 4, 7],
    ['an over-indented top-level key', 'name: p\n  services: {}\n', 2, 3],
  ])('%s is reported at the offending line, saying to check the indentation', (_, text, line, col) => {
    const r = parseYaml(text, 'f.yml');
    expect(r.diagnostics.map((d) => [d.code, d.loc?.line, d.loc?.col])).toEqual([['YAML_SYNTAX', line, col]]);
    expect(r.diagnostics[0]!.hint).toMatch(/check the indentation/);
  });
});
