/** Issue 12 H: `tsfig config` output that YAML 1.1 readers (PyYAML) read back as written. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderProject } from '../../src/config/output.js';
import { errorsOf, load, projectDir } from '../support/project.js';

const TRICKY = ['no', 'yes', 'No', 'YES', 'on', 'off', 'On', 'OFF', 'y', 'n', 'Y', 'N', '22:22', '1:20:30', '0777', '0o17', '0x1F', '1e3', '1_000', '.inf', '-.Inf', '.nan', '~', 'null', 'NULL', 'true', 'False', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '=', '<<', '1.10', '+12', '0b101', 'plain', 'a b'];

/** Every string of a parsed document, keys and values, with its path. */
function strings(v: unknown, path = ''): Array<[string, unknown]> {
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [[`${path}.key`, k] as [string, unknown], ...strings(x, `${path}.${k}`)]);
  return [[path, v]];
}

describe('tsfig config output read by YAML 1.1', () => {
  const q = (s: string) => JSON.stringify(s);
  const env = TRICKY.map((s, i) => `      ${q(`K${i}`)}: ${q(s)}\n`).join('');
  const labels = TRICKY.map((s) => `      ${q(s)}: ${q(s)}\n`).join('');
  const text = `name: p\nservices:\n  web:\n    image: busybox\n    restart: "no"\n    environment:\n${env}    labels:\n${labels}    command: ${q(TRICKY.filter((t) => t !== '<<').join(' '))}\n`;
  const r = load(projectDir({ 'fig.yml': text }));

  it('loads', () => {
    expect(errorsOf(r)).toEqual([]);
  });

  it('round-trips: the output parsed with version 1.1 gives the same strings as with 1.2', () => {
    const out = renderProject(r.project!, 'yaml');
    const as11 = parse(out, { version: '1.1', schema: 'yaml-1.1' }) as unknown;
    const as12 = parse(out) as unknown;
    expect(strings(as11)).toEqual(strings(as12));
    expect(out).toContain('restart: "no"');
    const web = (as11 as { services: { web: { environment: Record<string, unknown>; labels: Record<string, unknown> } } }).services.web;
    TRICKY.forEach((s, i) => expect(web.environment[`K${i}`]).toBe(s));
    expect(Object.keys(web.labels).sort()).toEqual([...TRICKY].sort());
  });

  it('round-trips through tsfig: the output loaded back gives the same project', () => {
    const out = renderProject(r.project!, 'yaml');
    const again = load(projectDir({ 'fig.yml': out }));
    expect(errorsOf(again)).toEqual([]);
    expect(again.project!.services.web!.environment).toEqual(r.project!.services.web!.environment);
    expect(again.project!.services.web!.labels).toEqual(r.project!.services.web!.labels);
    expect(again.project!.services.web!.command).toEqual(r.project!.services.web!.command);
    expect(again.project!.services.web!.restart).toBe('no');
  });
});
