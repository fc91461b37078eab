import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/watch/batch.js';
import { describeActions, planBatch } from '../../src/watch/plan.js';
import type { CompiledRule, WatchRule } from '../../src/watch/rules.js';

function r(extra: Partial<WatchRule> & Pick<WatchRule, 'service' | 'path' | 'action'>, index = 0): CompiledRule {
  return { index, ignore: [], include: [], initialSync: false, ...extra };
}

const change = (path: string, kind: Change['kind'] = 'change'): Change => ({ path, kind });

const rules: CompiledRule[] = [
  r({ service: 'web', path: '/w/web/src', action: 'sync', target: '/app/src' }, 0),
  r({ service: 'web', path: '/w/web/package.json', action: 'rebuild' }, 1),
  r({ service: 'web', path: '/w/web/conf', action: 'sync+restart', target: '/etc/web' }, 2),
  r({ service: 'api', path: '/w/api', action: 'sync+exec', target: '/srv', exec: { command: ['make'] } }, 0),
  r({ service: 'api', path: '/w/api/static', action: 'sync+exec', target: '/srv/static', exec: { command: ['reload'] } }, 1),
  r({ service: 'worker', path: '/w/worker', action: 'restart' }, 0),
];
const files = new Set(['/w/fig.yml']);

describe('which actions a batch triggers', () => {
  it('sync only: the changed paths with their container paths; no restart', () => {
    const p = planBatch([change('/w/web/src/a.js'), change('/w/web/src/b/c.js', 'add'), change('/w/web/src/old.js', 'unlink')], rules, files);
    expect(p.replan).toBe(false);
    expect(p.services).toHaveLength(1);
    const web = p.services[0]!;
    expect(web).toMatchObject({ service: 'web', rebuild: false, restart: false, exec: [] });
    // Each item carries the rule that matched (a directory is synced with what is under it).
    const rule = rules.find((x) => x.service === 'web' && x.path === '/w/web/src');
    expect(rule).toBeDefined();
    expect(web.sync).toEqual([
      { hostPath: '/w/web/src/a.js', containerPath: '/app/src/a.js', rule },
      { hostPath: '/w/web/src/b/c.js', containerPath: '/app/src/b/c.js', rule },
      { hostPath: '/w/web/src/old.js', containerPath: '/app/src/old.js', rule },
    ]);
    expect(describeActions(web)).toBe('sync 3 paths');
  });

  it('rebuild wins over restart (the container is new), and the batch still syncs', () => {
    const p = planBatch([change('/w/web/package.json'), change('/w/web/conf/x.ini'), change('/w/web/src/a.js')], rules, files);
    const web = p.services[0]!;
    expect(web.rebuild).toBe(true);
    expect(web.restart).toBe(false);
    expect(web.sync.map((s) => s.containerPath)).toEqual(['/etc/web/x.ini', '/app/src/a.js']);
  });

  it('sync+restart restarts once for many files', () => {
    const p = planBatch([change('/w/web/conf/a'), change('/w/web/conf/b')], rules, files);
    expect(p.services[0]).toMatchObject({ restart: true, rebuild: false });
    expect(p.services[0]!.sync).toHaveLength(2);
  });

  it('sync+exec runs each matching rule once, in rule order; overlapping rules sync a path once (the last rule wins)', () => {
    const p = planBatch([change('/w/api/static/x.css'), change('/w/api/main.c'), change('/w/api/static/y.css')], rules, files);
    const api = p.services[0]!;
    expect(api.exec.map((e) => e.exec?.command)).toEqual([['make'], ['reload']]);
    expect(api.sync.map((s) => s.containerPath).sort()).toEqual(['/srv/main.c', '/srv/static/x.css', '/srv/static/y.css']);
  });

  it('restart rules restart without syncing', () => {
    const p = planBatch([change('/w/worker/w.py')], rules, files);
    expect(p.services[0]).toMatchObject({ service: 'worker', restart: true, sync: [] });
  });

  it('a project file re-plans the stack and is not synced; unmatched changes are counted; services come sorted', () => {
    const p = planBatch([change('/w/fig.yml'), change('/w/web/src/a.js'), change('/w/api/a.c'), change('/w/README.md')], rules, files);
    expect(p.replan).toBe(true);
    expect(p.projectFiles).toEqual(['/w/fig.yml']);
    expect(p.unmatched).toBe(1);
    expect(p.services.map((s) => s.service)).toEqual(['api', 'web']);
  });

  it('ignored paths trigger nothing', () => {
    const p = planBatch([change('/w/web/src/.git/HEAD'), change('/w/web/src/node_modules/x.js'), change('/w/web/src/.a.js.swp')], rules, files);
    expect(p.services).toEqual([]);
    expect(p.unmatched).toBe(3);
  });
});

describe('what the file watcher is given', () => {
  it('one root per tree: roots inside another root are left to it', async () => {
    const { topRoots } = await import('../../src/watch/loop.js');
    expect(topRoots(['/w/app/src', '/w/app', '/w/fig.yml', '/w/app/fig.yml', '/w/apple', '/w/app'])).toEqual(['/w/app', '/w/apple', '/w/fig.yml']);
  });
});
