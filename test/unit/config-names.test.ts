/**
 * User names as keys (issue 12 B): names that are also properties of Object.prototype must be
 * ordinary names everywhere: declared ones are found, undeclared ones are reported, none
 * disappears and none crashes.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderProject } from '../../src/config/output.js';
import { Graph } from '../../src/graph/graph.js';
import { serviceConfigHash } from '../../src/model/hash.js';
import { containerSpec } from '../../src/reconcile/spec.js';
import { errorsOf, load, projectDir } from '../support/project.js';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

const loadText = (text: string) => load(projectDir({ 'fig.yml': text }));
const own = (o: unknown, k: string) => typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, k);
/** The value at a path of keys in parsed output. */
const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o);
/** `tsfig config` output read back. */
const output = (r: ReturnType<typeof loadText>) => parse(renderProject(r.project!, 'yaml')) as unknown;
const outputJson = (r: ReturnType<typeof loadText>) => JSON.parse(renderProject(r.project!, 'json')) as unknown;

describe.each(NAMES)('the name %s', (n) => {
  const q = JSON.stringify(n);

  it('names a service: kept, in the output, in the graph', () => {
    const r = loadText(`name: p\nservices:\n  ${q}:\n    image: busybox\n  web:\n    image: busybox\n    depends_on: [${q}]\n`);
    expect(errorsOf(r)).toEqual([]);
    expect(own(r.project!.services, n)).toBe(true);
    expect(r.project!.services[n]!.image).toBe('busybox');
    expect(Object.keys(r.project!.services).sort()).toEqual([n, 'web'].sort());
    expect(own(at(output(r), 'services'), n)).toBe(true);
    expect(own(at(outputJson(r), 'services'), n)).toBe(true);
    expect(new Graph(r.project!.services).order()).toEqual([n, 'web']);
  });

  it('as an undeclared service in depends_on, links, volumes_from is reported, not crashed on', () => {
    const r = loadText(`name: p\nservices:\n  web:\n    image: busybox\n    depends_on: [${q}]\n    links: [${q}]\n    volumes_from: [${q}]\n`);
    expect(errorsOf(r)).toEqual([
      { code: 'UNKNOWN_SERVICE', line: 5, col: 18 },
      { code: 'UNKNOWN_SERVICE', line: 6, col: 13 },
      { code: 'UNKNOWN_SERVICE', line: 7, col: 20 },
    ]);
  });

  it('as a declared service in links and depends_on (with another such name) is accepted', () => {
    const other = n === 'constructor' ? '__proto__' : 'constructor';
    const r = loadText(
      `name: p\nservices:\n  ${q}:\n    image: busybox\n  ${other}:\n    image: busybox\n  web:\n    image: busybox\n    depends_on: [${q}, ${other}]\n    links: [${q}]\n`,
    );
    expect(errorsOf(r)).toEqual([]);
    const web = r.project!.services.web!;
    expect(Object.keys(web.depends_on).sort()).toEqual([n, other].sort());
    expect(web.links).toEqual([{ service: n, alias: n }]);
    expect(at(output(r), 'services', 'web', 'links')).toEqual([n]);
  });

  it('names a network: undeclared is reported, declared is kept', () => {
    expect(errorsOf(loadText(`name: p\nservices:\n  web:\n    image: busybox\n    networks: [${q}]\n`))).toEqual([{ code: 'UNKNOWN_NETWORK', line: 5, col: 16 }]);
    const r = loadText(`name: p\nservices:\n  web:\n    image: busybox\n    networks: [${q}]\nnetworks:\n  ${q}: {}\n`);
    expect(errorsOf(r)).toEqual([]);
    expect(own(r.project!.networks, n)).toBe(true);
    expect(r.project!.networks[n]!.name).toBe(`p_${n}`);
    expect(own(r.project!.services.web!.networks!, n)).toBe(true);
    expect(own(at(output(r), 'networks'), n)).toBe(true);
  });

  it('names a volume: undeclared is reported, declared is kept', () => {
    if (n.startsWith('_')) {
      // Not a valid engine volume name (must start with a letter or digit): refused as such.
      expect(errorsOf(loadText(`name: p\nservices:\n  web:\n    image: busybox\n    volumes: ["${n}:/data"]\n`))).toEqual([{ code: 'INVALID_VOLUME', line: 5, col: 15 }]);
      return;
    }
    expect(errorsOf(loadText(`name: p\nservices:\n  web:\n    image: busybox\n    volumes: ["${n}:/data"]\n`))).toEqual([{ code: 'UNKNOWN_VOLUME', line: 5, col: 15 }]);
    const r = loadText(`name: p\nservices:\n  web:\n    image: busybox\n    volumes: ["${n}:/data"]\nvolumes:\n  ${q}: {}\n`);
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.volumes[n]!.name).toBe(`p_${n}`);
    expect(own(at(output(r), 'volumes'), n)).toBe(true);
  });

  it('names a secret and a config: undeclared is reported, declared is kept', () => {
    for (const kind of ['secrets', 'configs'] as const) {
      expect(errorsOf(loadText(`name: p\nservices:\n  web:\n    image: busybox\n    ${kind}: [${q}]\n`))).toEqual([{ code: 'INVALID_VALUE', line: 5, col: 15 }]);
      const r = loadText(`name: p\nservices:\n  web:\n    image: busybox\n    ${kind}: [${q}]\n${kind}:\n  ${q}:\n    environment: X\n`);
      expect(errorsOf(r)).toEqual([]);
      expect(r.project![kind][n]!.name).toBe(`p_${n}`);
      expect(own(at(output(r), kind), n)).toBe(true);
    }
  });

  it('names a host: undeclared is reported, declared is kept', () => {
    expect(errorsOf(loadText(`name: p\nservices:\n  web:\n    image: busybox\n    host: ${q}\n`))).toEqual([{ code: 'UNKNOWN_HOST', line: 5, col: 11 }]);
    const r = loadText(`name: p\nservices:\n  web:\n    image: busybox\n    host: ${q}\nhosts:\n  ${q}:\n    docker: unix:///var/run/docker.sock\n`);
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.hosts[n]!.docker).toBe('unix:///var/run/docker.sock');
    expect(own(at(output(r), 'hosts'), n)).toBe(true);
  });

  it('is an environment key and a label (map and list forms), kept through to the engine body and the hash', () => {
    for (const form of [`\n      ${q}: v`, ` ["${n}=v"]`]) {
      const r = loadText(`name: p\nservices:\n  web:\n    image: busybox\n    environment:${form}\n    labels:${form}\n`);
      expect(errorsOf(r)).toEqual([]);
      const web = r.project!.services.web!;
      expect(own(web.environment, n)).toBe(true);
      expect(web.environment[n]).toBe('v');
      expect(own(web.labels, n)).toBe(true);
      expect(at(output(r), 'services', 'web', 'environment')).toEqual({ [n]: 'v' });
      expect(own(at(output(r), 'services', 'web', 'labels'), n)).toBe(true);
      const spec = containerSpec({ project: r.project!, service: web, number: 1, containerName: 'p-web-1', image: 'busybox', labels: {}, containerOf: () => undefined });
      expect(spec.body.Env).toContain(`${n}=v`);
      expect(own(spec.body.Labels!, n)).toBe(true);
      expect(JSON.parse(JSON.stringify(spec.body)).Labels[n]).toBe('v');
      const without = loadText('name: p\nservices:\n  web:\n    image: busybox\n');
      expect(serviceConfigHash(web)).not.toBe(serviceConfigHash(without.project!.services.web!));
    }
  });

  it('is kept as a key of extension fields and driver options in the output', () => {
    const r = loadText(`name: p\nservices:\n  web:\n    image: busybox\nx-extra:\n  ${q}: 1\nnetworks:\n  front:\n    driver_opts:\n      ${q}: v\n`);
    expect(errorsOf(r)).toEqual([]);
    expect(own(at(output(r), 'x-extra'), n)).toBe(true);
    expect(own(at(output(r), 'networks', 'front', 'driver_opts'), n)).toBe(true);
  });
});

describe('names of variables and command-line maps', () => {
  it.each(NAMES)('an unset variable %s interpolates to the empty string, not a property of Object.prototype', (n) => {
    const r = loadText(`name: p\nservices:\n  web:\n    image: busybox\n    environment:\n      A: "x\${${n}}y"\n`);
    expect(r.project!.services.web!.environment.A).toBe('xy');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['INTERP_UNSET']);
  });

  it.each(NAMES)('run -e %s=v and up --scale %s=2 keep the name', async (n) => {
    const { parseEnvFlags } = await import('../../src/app/containers/run.js');
    const { parseScale } = await import('../../src/cli/converge-flags.js');
    expect(own(parseEnvFlags([`${n}=v`], {}), n)).toBe(true);
    expect(parseScale([`${n}=2`])[n]).toBe(2);
    expect(own(parseScale(['web=2']), n)).toBe(false);
  });
});

describe('maps without a prototype through the schema', () => {
  it('long-syntax ports (uniqueItems over maps) load, and a repeated one is reported, not an internal error', () => {
    const ok = loadText('name: p\nservices:\n  web:\n    image: busybox\n    ports:\n      - {target: 80, published: 8080}\n      - {target: 81}\n');
    expect(errorsOf(ok)).toEqual([]);
    expect(ok.project!.services.web!.ports.map((p) => p.target)).toEqual([80, 81]);
    const dup = loadText('name: p\nservices:\n  web:\n    image: busybox\n    ports:\n      - {target: 80}\n      - {target: 80}\n');
    expect(errorsOf(dup).map((e) => e.code)).toEqual(['INVALID_VALUE']);
  });
});
