/**
 * down's and scale's decisions through the application layer, against the in-memory fake
 * engine: -v removes the project's volumes but never an external one; orphans are left with a
 * warning unless --remove-orphans; --rmi local names only the images tsfig named; scale adds
 * and removes replicas, highest numbers first.
 */
import { describe, expect, it } from 'vitest';
import { down, rmiServices } from '../../src/app/down.js';
import { scale } from '../../src/app/plan.js';
import { up } from '../../src/app/up.js';
import { LABEL } from '../../src/model/labels.js';
import { FakeEngine } from '../support/fake-engine.js';
import { projectOf, testContext } from '../support/app-context.js';

const IDLE = '["sh", "-c", "trap \'exit 0\' TERM; while :; do sleep 1 & wait $!; done"]';
const opts = { version: '0.0.0-test' };

const withVolumes = `services:
  db:
    image: busybox
    command: ${IDLE}
    volumes: [data:/data, shared:/shared]
volumes:
  data: {}
  shared:
    external: true
`;

describe('down (app/down.ts) on the fake engine', () => {
  it('-v removes the volumes the project made, never the external one', async () => {
    const fake = new FakeEngine();
    await fake.createVolume({ Name: 'shared' });
    await up(testContext(projectOf(withVolumes), { fake }).ctx, { services: [], options: opts });
    expect(fake.volumeNames()).toEqual(['p_data', 'shared']);
    await down(testContext(projectOf(withVolumes), { fake }).ctx, { volumes: true });
    expect(fake.containerNames()).toEqual([]);
    expect(fake.networkNames()).toEqual([]);
    expect(fake.volumeNames()).toEqual(['shared']);
  });

  it('a network the engine will not remove for a leaked endpoint count: down still ends (exit 0), saying what was left and what clears it', async () => {
    const yml = `services:\n  web:\n    image: busybox\n    command: ${IDLE}\n`;
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml), { fake }).ctx, { services: [], options: opts });
    fake.leakEndpoints('p_default');
    const t = testContext(projectOf(yml), { fake });
    await down(t.ctx, {});
    expect(fake.containerNames()).toEqual([]);
    expect(fake.networkNames()).toEqual(['p_default']);
    const warned = t.events.flatMap((e) => (e.type === 'message' && e.level === 'warning' ? [e.text] : []));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^network p_default was left: .*moby#42119.*restart of dockerd/);
  });

  it('without -v the volumes stay', async () => {
    const fake = new FakeEngine();
    await fake.createVolume({ Name: 'shared' });
    await up(testContext(projectOf(withVolumes), { fake }).ctx, { services: [], options: opts });
    await down(testContext(projectOf(withVolumes), { fake }).ctx, {});
    expect(fake.containerNames()).toEqual([]);
    expect(fake.volumeNames()).toEqual(['p_data', 'shared']);
  });

  it('orphans: left with a warning, removed with --remove-orphans', async () => {
    const yml = `services:\n  web:\n    image: busybox\n    command: ${IDLE}\n`;
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml), { fake }).ctx, { services: [], options: opts });
    fake.seedContainer({ name: 'p-old-1', labels: { [LABEL.project]: 'p', [LABEL.service]: 'old', [LABEL.number]: '1' } });
    const kept = testContext(projectOf(yml), { fake });
    await down(kept.ctx, {});
    expect(fake.containerNames()).toEqual(['p-old-1']);
    expect(kept.lines.some((l) => l.startsWith('warning: ') && l.includes('p-old-1'))).toBe(true);
    await down(testContext(projectOf(yml), { fake }).ctx, { removeOrphans: true });
    expect(fake.containerNames()).toEqual([]);
  });

  it('--rmi local: only services without an image of their own; --rmi all: every service', () => {
    const p = projectOf(`services:\n  app:\n    build: .\n  db:\n    image: busybox\n`, 'p', { Dockerfile: 'FROM busybox\n' });
    expect(rmiServices(p, 'local').map((s) => s.name)).toEqual(['app']);
    expect(rmiServices(p, 'all').map((s) => s.name).sort()).toEqual(['app', 'db']);
    expect(rmiServices(p, undefined)).toEqual([]);
  });
});

describe('scale (app/plan.ts) on the fake engine', () => {
  const yml = `services:\n  web:\n    image: busybox\n    command: ${IDLE}\n  db:\n    image: busybox\n    command: ${IDLE}\n`;

  it('up to 3, then down to 1: the highest numbers go; other services untouched', async () => {
    const fake = new FakeEngine();
    await up(testContext(projectOf(yml), { fake }).ctx, { services: [], options: opts });
    await scale(testContext(projectOf(yml), { fake }).ctx, { scale: { web: 3 } });
    expect(fake.containerNames()).toEqual(['p-db-1', 'p-web-1', 'p-web-2', 'p-web-3']);
    const removedBefore = fake.callsOf('removeContainer').length;
    const t = testContext(projectOf(yml), { fake });
    await scale(t.ctx, { scale: { web: 1 } });
    expect(fake.containerNames()).toEqual(['p-db-1', 'p-web-1']);
    expect(fake.callsOf('removeContainer').length - removedBefore).toBe(2);
    const again = testContext(projectOf(yml), { fake });
    await scale(again.ctx, { scale: { web: 1 } });
    expect(again.lines).toContain('already at that scale');
  });
});
