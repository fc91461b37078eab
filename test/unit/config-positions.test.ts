/** Issue 12 G: each problem is reported at the item that has it, not at its list or map. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { renderProject } from '../../src/config/output.js';
import { keyLoc, parseYaml, valueLoc } from '../../src/config/tree.js';
import { sourceLoc, sourceValueLoc, type Loc } from '../../src/model/diagnostic.js';
import { serviceConfigHash } from '../../src/model/hash.js';
import { errorsOf, load, projectDir } from '../support/project.js';

const at = (svc: string) => errorsOf(load(projectDir({ 'fig.yml': `services:\n  web:\n    image: busybox\n${svc}` })));

describe('positions of items', () => {
  it('a bad healthcheck timeout: at the timeout, not at test', () => {
    expect(at('    healthcheck:\n      test: [CMD, "true"]\n      interval: 10s\n      timeout: 5 parsecs\n')).toEqual([{ code: 'INVALID_DURATION', line: 7, col: 16 }]);
  });

  it('a bad third extra_hosts item: at that item (list and map forms)', () => {
    expect(at('    extra_hosts:\n      - "a:1.2.3.4"\n      - "b:1.2.3.5"\n      - "c"\n')).toEqual([{ code: 'INVALID_VALUE', line: 7, col: 9 }]);
    expect(at('    extra_hosts:\n      a: 1.2.3.4\n      b: 1.2.3.5\n      c: nope\n')).toEqual([{ code: 'INVALID_VALUE', line: 7, col: 10 }]);
  });

  it('a bad third environment item: at that item', () => {
    expect(at('    environment:\n      - A=1\n      - B=2\n      - =3\n')).toEqual([{ code: 'INVALID_VALUE', line: 7, col: 9 }]);
  });

  it('a bad nofile ulimit: at nofile, not at nproc', () => {
    expect(at('    ulimits:\n      nproc: 65535\n      nofile:\n        soft: 40000\n        hard: 20000\n')).toEqual([{ code: 'INVALID_VALUE', line: 7, col: 9 }]);
  });

  it('a bad third label and sysctl: at that item', () => {
    expect(at('    labels:\n      - a=1\n      - b=2\n      - =3\n')).toEqual([{ code: 'INVALID_VALUE', line: 7, col: 9 }]);
    expect(at('    sysctls:\n      - a=1\n      - b=2\n      - c\n')).toEqual([{ code: 'INVALID_VALUE', line: 7, col: 9 }]);
  });
});

describe('positions inside a value', () => {
  it.each([
    ['a | block', '    command: |\n      echo one\n      echo ${A\n', 6, 12],
    ['a >- block', '    command: >-\n      echo one\n      echo two ${A\n', 6, 16],
    ['a plain value', '    command: echo ${A\n', 4, 19],
    ['a quoted value', '    command: "echo ${A"\n', 4, 20],
  ])('an interpolation error in %s: at the ${ inside it, not at its start', (_, svc, line, col) => {
    expect(at(svc)).toEqual([{ code: 'INTERP_SYNTAX', line, col }]);
  });
});

describe('spans: where keys and values start and end', () => {
  // What an editor needs to underline: start and end (exclusive), lines, code-point columns, offsets.
  const span = (l: Loc | undefined) => l && [l.line, l.col, l.endLine, l.endCol, l.offset, l.endOffset];
  const parsed = (text: string) => parseYaml(text, 'f.yml').value as Record<string, object>;

  it('a plain key and value on one line', () => {
    const v = parsed('image: busybox\n');
    expect(span(keyLoc(v, 'image'))).toEqual([1, 1, 1, 6, 0, 5]);
    expect(span(valueLoc(v, 'image'))).toEqual([1, 8, 1, 15, 7, 14]);
  });

  it('a block scalar: from its indicator to the end of its last line, not past its line break', () => {
    const text = 'command: |\n  echo one\n  echo two\n\nimage: x\n';
    const l = valueLoc(parsed(text), 'command')!;
    expect(span(l)).toEqual([1, 10, 3, 11, 9, 32]);
    expect(text.slice(l.offset, l.endOffset)).toBe('|\n  echo one\n  echo two');
  });

  it('a quoted scalar over two lines ends after its closing quote, not at the comment', () => {
    const text = 'a: "one\n  two"  # note\n';
    const l = valueLoc(parsed(text), 'a')!;
    expect(span(l)).toEqual([1, 4, 2, 7, 3, 14]);
  });

  it('a flow sequence and a flow map inside it', () => {
    const text = 'ports: ["8080:80", {target: 81}]\n';
    const v = parsed(text);
    expect(span(valueLoc(v, 'ports'))).toEqual([1, 8, 1, 33, 7, 32]);
    const item = valueLoc(v.ports!, 1)!;
    expect(text.slice(item.offset, item.endOffset)).toBe('{target: 81}');
    expect([item.col, item.endCol]).toEqual([20, 32]);
  });

  it('a block map ends with its last value, not with the comment or the blank lines after it', () => {
    const text = 'web:\n  image: x\n  labels:\n    - a=1 # c\n    # own line\n\nnext: 1\n';
    const l = valueLoc(parsed(text), 'web')!;
    expect(text.slice(l.offset, l.endOffset)).toBe('image: x\n  labels:\n    - a=1');
    expect([l.line, l.col, l.endLine, l.endCol]).toEqual([2, 3, 4, 10]);
  });

  it('columns count code points: an emoji is one column, offsets stay string indices', () => {
    const text = 'x: "😀😀 z"\n😀: y\n';
    const v = parsed(text);
    expect(span(valueLoc(v, 'x'))).toEqual([1, 4, 1, 10, 3, 11]);
    expect(span(keyLoc(v, '😀'))).toEqual([2, 1, 2, 2, 12, 14]);
    expect(span(valueLoc(v, '😀'))).toEqual([2, 4, 2, 5, 16, 17]);
  });

  it('a value that is an alias spans the alias; a missing value is an empty span after the colon', () => {
    const text = 'a: &x 1\nb: *x\nc:\n';
    const v = parsed(text);
    expect(span(valueLoc(v, 'b'))).toEqual([2, 4, 2, 6, 11, 13]);
    expect(span(valueLoc(v, 'c'))).toEqual([3, 3, 3, 3, 16, 16]);
  });
});

describe('positions past config: the loaded project knows where its keys were written', () => {
  const text = 'name: shop\nservices:\n  web:\n    image: busybox\n    ports: ["8080:80"]\n    build:\n      context: .\n      dockerfile: Dockerfile\nnetworks:\n  front:\n    external: true\n';

  it('a service key, a list item, a top-level resource: each where it was written', () => {
    const dir = projectDir({ 'fig.yml': text, Dockerfile: 'FROM scratch\n' });
    const p = load(dir).project!;
    const file = join(dir, 'fig.yml');
    expect(sourceLoc(p, ['services', 'web', 'build', 'dockerfile'])).toMatchObject({ file, line: 8, col: 7, endLine: 8, endCol: 17 });
    expect(sourceValueLoc(p, ['services', 'web', 'build', 'dockerfile'])).toMatchObject({ file, line: 8, col: 19, endCol: 29 });
    expect(sourceLoc(p, ['services', 'web', 'ports', 0])).toMatchObject({ file, line: 5, col: 13, endCol: 22 });
    expect(sourceLoc(p, ['networks', 'front'])).toMatchObject({ file, line: 10, col: 3 });
  });

  it('a key the loader added (the default network) falls back to the nearest key that was written', () => {
    const p = load(projectDir({ 'fig.yml': text, Dockerfile: 'FROM scratch\n' })).project!;
    expect(sourceLoc(p, ['services', 'web', 'networks', 'default'])).toMatchObject({ line: 3, col: 3 });
    expect(sourceLoc(p, ['secrets', 'nope'])).toBeUndefined();
  });

  it('with two files, a key points into the file that gave it', () => {
    const dir = projectDir({ 'fig.yml': text, 'fig.override.yml': 'services:\n  web:\n    ports: ["9090:80"]\n', Dockerfile: 'FROM scratch\n' });
    const p = load(dir, { files: ['fig.yml', 'fig.override.yml'] }).project!;
    expect(sourceLoc(p, ['services', 'web', 'ports', 1])).toMatchObject({ file: join(dir, 'fig.override.yml'), line: 3, col: 13 });
    expect(sourceLoc(p, ['services', 'web', 'image'])).toMatchObject({ file: join(dir, 'fig.yml'), line: 4 });
  });

  it('the positions are not in the project: not among its keys, not in the config hash, not in `tsfig config`', () => {
    const p = load(projectDir({ 'fig.yml': text, Dockerfile: 'FROM scratch\n' })).project!;
    const copy = structuredClone(p);
    expect(sourceLoc(copy, ['services', 'web'])).toBeUndefined();
    expect(sourceLoc(p, ['services', 'web'])).toBeDefined();
    expect(Reflect.ownKeys(p).sort()).toEqual(Reflect.ownKeys(copy).sort());
    expect(serviceConfigHash(p.services.web!)).toBe(serviceConfigHash(copy.services.web!));
    expect(renderProject(p, 'json')).toBe(renderProject(copy, 'json'));
  });
});
