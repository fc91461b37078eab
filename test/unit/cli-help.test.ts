/** Help texts: what --help says about defaults and the environment. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsfig } from '../support/project.js';

const SRC = resolve(import.meta.dirname, '../../src');

async function help(...args: string[]): Promise<string> {
  const r = await tsfig([...args, '--help'], { cwd: '/', env: { HOME: '/home/u' } });
  expect(r.code).toBe(0);
  return r.stdout;
}

/** Every TSFIG_*, DOCKER_* and colour variable the sources read. */
function variablesRead(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        // `env.NAME`, `env['NAME']`, and names passed as strings (`setting(env, 'TSFIG_X')`).
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/(?:env|vars)(?:\.|\[')((?:TSFIG|DOCKER)_[A-Z_]+|NO_COLOR|FORCE_COLOR|SSH_AUTH_SOCK)/g)) names.add(m[1]!);
        for (const m of text.matchAll(/['"`](TSFIG_[A-Z_]+)['"`]/g)) names.add(m[1]!);
      }
    }
  };
  walk(SRC);
  return [...names].sort();
}

describe('help', () => {
  it('the top-level help lists every environment variable tsfig reads', async () => {
    const text = await help();
    const env = text.slice(text.indexOf('\nEnvironment:\n'));
    expect(env.length).toBeGreaterThan(20);
    const read = variablesRead();
    expect(read).toEqual(expect.arrayContaining(['TSFIG_PROGRESS', 'DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'NO_COLOR']));
    for (const name of read) expect(env.match(new RegExp(`\\b${name}\\b`, 'g'))?.length ?? 0, name).toBeGreaterThanOrEqual(1);
    // Only the top level carries it.
    expect(await help('up')).not.toContain('Environment:');
  });

  it('up -t says its default', async () => {
    // The option's description, up to the next option (commander wraps it over several lines).
    const text = await help('up');
    const from = text.indexOf('-t, --timeout <seconds>');
    const option = text.slice(from, text.indexOf('\n  -', from + 1));
    expect(option.replace(/\s+/g, ' ')).toMatch(/\(default: its stop_grace_period, else 10\)$/);
  });

  it('port --index shows its default once', async () => {
    const line = (await help('port')).split('\n').find((l) => l.includes('--index')) ?? '';
    expect(line.match(/default/g)).toHaveLength(1);
  });
});
