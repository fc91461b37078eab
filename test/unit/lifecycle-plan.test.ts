/** Lifecycle planners: which services restart restarts, kill's orphans. */
import { describe, expect, it } from 'vitest';
import type { Project } from '../../src/model/project.js';
import { planDown, planKill, restartScope } from '../../src/reconcile/lifecycle.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { coded, host, made, state } from '../support/observed.js';
import { load, projectDir } from '../support/project.js';

function project(text: string): Project {
  const r = load(projectDir({ 'fig.yml': text }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const p = project(`name: demo
services:
  db: {image: busybox}
  api:
    image: busybox
    depends_on: {db: {condition: service_started, restart: true}}
  web:
    image: busybox
    depends_on: {api: {condition: service_started, restart: true}}
  report:
    image: busybox
    depends_on: [db]
`);

describe('restart, as compose picks the services', () => {
  it('the named ones and those that depend on them with restart: true, transitively', () => {
    expect(restartScope(p, ['db'], false)?.sort()).toEqual(['api', 'db', 'web']);
    expect(restartScope(p, ['api'], false)?.sort()).toEqual(['api', 'web']);
  });
  it('--no-deps: only the named ones; no names: all', () => {
    expect(restartScope(p, ['db'], true)).toEqual(['db']);
    expect(restartScope(p, [], false)).toEqual([]);
  });
});

describe('kill and orphans', () => {
  const observed = () => state(p, host('default', { containers: [made(p, 'db'), made(p, 'gone', 1)] }));
  it('names orphans without --remove-orphans and kills only the project services', () => {
    const plan = planKill(p, observed(), {});
    expect(plan.nodes.map((n) => n.op.type)).toEqual(['container.kill']);
    expect(coded(plan.warnings)).toEqual(['PLAN_ORPHANS']);
    expect(plan.warnings[0]!.message).toContain('(demo-gone-1)');
  });
  it('COMPOSE_IGNORE_ORPHANS (ignoreOrphans): no warning, the orphans left alone', () => {
    const plan = planKill(p, observed(), { ignoreOrphans: true });
    expect(plan.warnings).toEqual([]);
    expect(plan.nodes.map((n) => n.op.type)).toEqual(['container.kill']);
    const down = planDown(p, observed(), { ignoreOrphans: true });
    expect(down.warnings).toEqual([]);
    expect(down.nodes.filter((n) => n.op.type === 'container.remove').length).toBe(1);
    expect(reconcile(p, observed(), { version: '0.1.0', ignoreOrphans: true }).warnings).toEqual([]);
    expect(coded(reconcile(p, observed(), { version: '0.1.0' }).warnings)).toEqual(['PLAN_ORPHANS']);
    expect(coded(planDown(p, observed(), {}).warnings)).toEqual(['PLAN_ORPHANS']);
  });
  it('--remove-orphans removes them', () => {
    const plan = planKill(p, observed(), { removeOrphans: true });
    expect(plan.nodes.map((n) => n.op.type).sort()).toEqual(['container.kill', 'container.remove']);
    expect(new Set(plan.nodes.map((n) => n.id)).size).toBe(plan.nodes.length);
  });
});
