/**
 * The config label (`io.tsfig.config`) holds no environment value (issue 15, secret canaries):
 * every value is a short digest, whether it came from `.env`, an `env_file` or the file itself;
 * a plan still names the variable that changed, also against a label an older tsfig wrote with
 * plain values.
 */
import { describe, expect, it } from 'vitest';
import { redactedConfig } from '../../src/model/hash.js';
import { describeChange } from '../../src/reconcile/causes.js';
import { load, projectDir } from '../support/project.js';

const CORE = 'QXJ7K2WZ';

function web(env: string) {
  const dir = projectDir({
    'fig.yml': `services:\n  web:\n    image: busybox\n    env_file: app.env\n    environment:\n      INLINE: inline-${CORE}\n      FROM_DOTENV: \${DOTENV}\n      ${env}\n`,
    '.env': `DOTENV=dotenv-${CORE}\n`,
    'app.env': `FROM_FILE=envfile-${CORE}\n`,
  });
  const r = load(dir);
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project.services.web!;
}

describe('the config label and environment values', () => {
  it('holds a digest of every environment value, none of the values', () => {
    const label = redactedConfig(web('OTHER: plain'));
    expect(label).not.toContain(CORE);
    expect(label).not.toContain('plain');
    const env = (JSON.parse(label) as { environment: Record<string, string> }).environment;
    expect(Object.keys(env).sort()).toEqual(['FROM_DOTENV', 'FROM_FILE', 'INLINE', 'OTHER']);
    for (const v of Object.values(env)) expect(v).toMatch(/^sha256:[0-9a-f]{12}$/);
  });

  it('a plan still names the variable that changed, also against an older label with plain values', () => {
    const before = redactedConfig(web('OTHER: one'));
    const after = redactedConfig(web('OTHER: two'));
    expect(describeChange(before, after)).toBe('environment.OTHER changed');
    // An older tsfig stored INLINE (a name not like a secret's) as it was.
    const old = JSON.parse(before) as { environment: Record<string, string> };
    old.environment.INLINE = `inline-${CORE}`;
    old.environment.OTHER = 'one';
    expect(describeChange(JSON.stringify(old), after)).toBe('environment.OTHER changed');
    expect(describeChange(JSON.stringify(old), before)).toBe('config changed');
  });
});
