/** Issue 12 G: each problem is reported at the item that has it, not at its list or map. */
import { describe, expect, it } from 'vitest';
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
