/**
 * Values from .env, env_file and secrets never reach an error message: env-file errors name
 * the line and the variable, interpolation errors quote the project file as written, never
 * a variable's value.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/config/envfile.js';
import { interpolate } from '../../src/config/interpolate.js';
import { errorsOf, load, projectDir, tsfig } from '../support/project.js';

const CANARY = 'CANARY-7f3a9c51e2';

describe('env file errors never print a value', { timeout: 30_000 }, () => {
  const vectors: Array<{ name: string; text: string; at: [number, number] }> = [
    { name: 'a line without = (key, space, value)', text: `A=1\nAPP_SETTING ${CANARY}\n`, at: [2, 12] },
    { name: 'a line that is only a pasted token', text: `${CANARY}+xyz\n`, at: [1, 18] },
    { name: 'a token with punctuation', text: `api.key/${CANARY}\n`, at: [1, 8] },
    { name: 'a key starting with a digit', text: `9${CANARY}=1\n`, at: [1, 1] },
    { name: 'an unterminated ${ in a value', text: `PASSWORD=pw${'${'}${CANARY}\n`, at: [1, 12] },
    { name: 'a bad variable name in a value', text: `PASSWORD=\${9${CANARY}}\n`, at: [1, 10] },
    { name: 'an unknown operator in a value', text: `PASSWORD=\${X:${CANARY}}\n`, at: [1, 10] },
    { name: 'the message of :?', text: `PASSWORD=\${MISSING:?${CANARY}}\n`, at: [1, 10] },
    { name: 'the value of a variable in the message of :?', text: `S=${CANARY}\nPASSWORD=\${MISSING:?$S}\n`, at: [2, 10] },
  ];
  for (const v of vectors) {
    it(v.name, () => {
      const r = parseEnvFile(v.text);
      expect(r.errors.map((e) => [e.line, e.col])).toEqual([v.at]);
      expect(r.errors[0]!.message).not.toContain(CANARY);
      expect(r.errors[0]!.message).not.toContain(CANARY.slice(0, 6));
    });
  }
});

describe('interpolation errors never print a value', { timeout: 30_000 }, () => {
  it('${MISSING:?$SECRET_TOKEN} names SECRET_TOKEN, not its value', () => {
    const r = interpolate('${MISSING:?$SECRET_TOKEN}', (n) => (n === 'SECRET_TOKEN' ? CANARY : undefined));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.variable).toBe('MISSING');
    expect(r.errors[0]!.message).toContain('$SECRET_TOKEN');
    expect(r.errors[0]!.message).not.toContain(CANARY);
  });

  it('the loader and `config` print the position and the names, not the .env value', async () => {
    const dir = projectDir({
      '.env': `SECRET_TOKEN=${CANARY}\n`,
      'fig.yml': 'services:\n  web:\n    image: busybox\n    command: ["${MISSING:?set MISSING, not ${SECRET_TOKEN}}"]\n',
    });
    const r = load(dir);
    // At the `${` inside the quoted value.
    expect(errorsOf(r)).toEqual([{ code: 'INTERP_REQUIRED', line: 4, col: 16 }]);
    expect(JSON.stringify(r.diagnostics)).not.toContain(CANARY);
    const out = await tsfig(['config', '-q'], { cwd: dir });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('MISSING');
    expect(out.stderr + out.stdout).not.toContain(CANARY);
  });

  it('an env_file line without = is reported at its line, without the value', async () => {
    const dir = projectDir({
      'app.env': `OK=1\nAPP_SETTING ${CANARY}\n`,
      'fig.yml': 'services:\n  web:\n    image: busybox\n    env_file: app.env\n',
    });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([{ code: 'ENV_FILE_SYNTAX', line: 2, col: 12 }]);
    expect(r.diagnostics[0]!.loc!.file).toMatch(/app\.env$/);
    const out = await tsfig(['config', '-q'], { cwd: dir });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/app\.env:2:12: /);
    expect(out.stderr + out.stdout).not.toContain(CANARY);
  });

  it('a .env line without = is reported at its line, without the value', async () => {
    const dir = projectDir({ '.env': `APP_SETTING ${CANARY}\n`, 'fig.yml': 'services:\n  web:\n    image: busybox\n' });
    const out = await tsfig(['config', '-q'], { cwd: dir });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/\.env:1:12: /);
    expect(out.stderr + out.stdout).not.toContain(CANARY);
  });

  it('a later error about an interpolated value shows it as written, not the .env value', async () => {
    const dir = projectDir({
      '.env': `SECRET=${CANARY}\n`,
      'fig.yml':
        'services:\n  web:\n    image: busybox\n    ports: ["8080:${SECRET}"]\n    mem_limit: ${SECRET}\n    restart: "${SECRET}"\n' +
        '    healthcheck: {interval: "1${SECRET}"}\n    cpus: ${SECRET}\n    depends_on: ["${SECRET}"]\n',
    });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([
      { code: 'INVALID_PORT', line: 4, col: 13 },
      { code: 'INVALID_SIZE', line: 5, col: 16 },
      { code: 'INVALID_VALUE', line: 6, col: 14 },
      { code: 'INVALID_DURATION', line: 7, col: 29 },
      { code: 'INVALID_VALUE', line: 8, col: 11 },
    ]);
    expect(JSON.stringify(r.diagnostics)).not.toContain(CANARY.slice(0, 8));
    expect(r.diagnostics[1]!.message).toContain('${SECRET}');
    const out = await tsfig(['config', '-q'], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).not.toContain(CANARY.slice(0, 8));
  });

  it('a cross-reference error (finalize) about an interpolated name shows it as written', () => {
    const dir = projectDir({
      '.env': `SECRET=${CANARY}\n`,
      'fig.yml': 'services:\n  web:\n    image: busybox\n    depends_on: ["${SECRET}"]\n    networks: ["${SECRET}"]\n',
    });
    const r = load(dir);
    expect(errorsOf(r).map((e) => e.code).sort()).toEqual(['UNKNOWN_NETWORK', 'UNKNOWN_SERVICE']);
    expect(JSON.stringify(r.diagnostics)).not.toContain(CANARY.slice(0, 8));
  });

  it("an include's env files are parsed with their errors reported, without values", () => {
    for (const [entry, envName] of [
      ['  - path: sub/fig.yml\n    env_file: sub/vars.env\n', 'sub/vars.env'],
      ['  - sub/fig.yml\n', 'sub/.env'],
    ] as const) {
      const dir = projectDir({
        'fig.yml': `include:\n${entry}`,
        'sub/fig.yml': 'services:\n  web:\n    image: busybox\n',
        [envName]: `OK=1\nAPP_SETTING ${CANARY}\n`,
      });
      const r = load(dir);
      expect(errorsOf(r)).toEqual([{ code: 'ENV_FILE_SYNTAX', line: 2, col: 12 }]);
      expect(r.diagnostics[0]!.loc!.file).toBe(join(dir, envName));
      expect(JSON.stringify(r.diagnostics)).not.toContain(CANARY.slice(0, 8));
    }
  });
});
