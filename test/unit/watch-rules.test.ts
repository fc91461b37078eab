import { describe, expect, it } from 'vitest';
import { IgnoreMatcher } from '../../src/build/dockerignore.js';
import type { Project, Service } from '../../src/model/project.js';
import { canPrune, compileRules, isEphemeralName, matchRule, projectRules, serviceRules, type CompiledRule, type ContextIgnore, type WatchRule } from '../../src/watch/rules.js';
import { load, projectDir } from '../support/project.js';

function svc(name: string, extra: Partial<Service> = {}): Service {
  return { name, environment: {}, labels: {}, ports: [], expose: [], volumes: [], volumes_from: [], links: [], external_links: [], depends_on: {}, profiles: [], ...extra };
}

function project(services: Service[]): Project {
  return {
    name: 'p',
    workingDir: '/w',
    files: ['/w/fig.yml'],
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
    hosts: {},
    disabledServices: {},
    extensions: {},
  };
}

function rule(extra: Partial<WatchRule> = {}): WatchRule {
  return { service: 'web', index: 0, path: '/w/src', action: 'sync', target: '/app', ignore: [], include: [], initialSync: false, ...extra };
}

function compiled(r: Partial<WatchRule> = {}, dockerignore?: ContextIgnore): CompiledRule {
  const p = project([svc('web', { build: { context: '/w' } })]);
  const c = compileRules([rule(r)], p, () => dockerignore);
  expect(c.errors).toEqual([]);
  return c.rules[0]!;
}

describe('watch rules from develop.watch', () => {
  it('reads every key; paths resolve against the project directory; targets are absolute', () => {
    const s = svc('web', {
      build: { context: '/w' },
      develop: {
        watch: [
          { path: './src', action: 'sync', target: 'app', ignore: ['node_modules/'], initial_sync: true },
          { path: 'package.json', action: 'rebuild' },
          { path: 'conf', action: 'sync+exec', target: '/etc/app', exec: { command: 'kill -HUP 1', user: 'root', environment: { A: '1' } } },
          { path: '/abs/x', action: 'restart' },
        ],
      },
    });
    const { rules, errors } = serviceRules(s, '/w');
    expect(errors).toEqual([]);
    expect(rules.map((r) => [r.path, r.action, r.target, r.initialSync])).toEqual([
      ['/w/src', 'sync', '/app', true],
      ['/w/package.json', 'rebuild', undefined, false],
      ['/w/conf', 'sync+exec', '/etc/app', false],
      ['/abs/x', 'restart', undefined, false],
    ]);
    expect(rules[0]!.ignore).toEqual(['node_modules/']);
    expect(rules[2]!.exec).toEqual({ command: ['kill', '-HUP', '1'], user: 'root', env: ['A=1'] });
  });

  it('reports rules that cannot work: sync without target, rebuild without build, sync+exec without command', () => {
    const s = svc('web', {
      develop: {
        watch: [
          { path: 'a', action: 'sync' },
          { path: 'b', action: 'rebuild' },
          { path: 'c', action: 'sync+exec', target: '/c' },
          { path: 'd', action: 'restart' },
        ],
      },
    });
    const { rules, errors } = serviceRules(s, '/w');
    expect(rules.map((r) => r.path)).toEqual(['/w/d']);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/watch\[0\].*needs a target/);
    expect(errors[1]).toMatch(/watch\[1\].*needs a build section/);
    expect(errors[2]).toMatch(/watch\[2\].*exec\.command/);
  });

  it('selects the named services; an unknown one is an error', () => {
    const p = project([svc('a', { develop: { watch: [{ path: 'x', action: 'restart' }] } }), svc('b', { develop: { watch: [{ path: 'y', action: 'restart' }] } }), svc('c')]);
    expect(projectRules(p).rules.map((r) => r.service)).toEqual(['a', 'b']);
    expect(projectRules(p, ['b']).rules.map((r) => r.service)).toEqual(['b']);
    expect(projectRules(p, ['nope']).errors).toEqual(['no such service: nope']);
  });

  it('the loader resolves develop.watch paths against the file and makes ignore a list', () => {
    const dir = projectDir({
      'fig.yml': 'services:\n  web:\n    image: busybox\n    develop:\n      watch:\n        - path: ./app\n          action: sync\n          target: /app\n          ignore: "*.tmp"\n',
    });
    const r = load(dir);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const w = (r.project!.services.web!.develop as { watch: Array<Record<string, unknown>> }).watch[0]!;
    expect(w.path).toBe(`${dir}/app`);
    expect(w.ignore).toEqual(['*.tmp']);
  });
});

describe('matching a changed path', () => {
  it('maps paths below the rule to the target; the rule path itself to the target; outside is no match', () => {
    const r = compiled();
    expect(matchRule(r, '/w/src/a/b.js')?.containerPath).toBe('/app/a/b.js');
    expect(matchRule(r, '/w/src')?.containerPath).toBe('/app');
    expect(matchRule(r, '/w/srcx/a.js')).toBeUndefined();
    expect(matchRule(r, '/w/other.js')).toBeUndefined();
    const file = compiled({ path: '/w/Dockerfile', action: 'rebuild', target: undefined });
    expect(matchRule(file, '/w/Dockerfile')).toEqual({ rule: file, path: '/w/Dockerfile' });
  });

  it('ignores .git, .idea and editor temporaries always', () => {
    const r = compiled();
    for (const p of ['/w/src/.git/index', '/w/src/.idea/x.xml', '/w/src/.a.js.swp', '/w/src/a.js~', '/w/src/4913', '/w/src/.#a.js', '/w/src/a.js___jb_tmp___']) {
      expect(matchRule(r, p), p).toBeUndefined();
    }
    expect(isEphemeralName('.swp')).toBe(false);
    expect(isEphemeralName('a.swp')).toBe(false);
  });

  it('ignores node_modules unless an include pattern names it', () => {
    expect(matchRule(compiled(), '/w/src/node_modules/x/index.js')).toBeUndefined();
    const inc = compiled({ include: ['node_modules/x'] });
    expect(matchRule(inc, '/w/src/node_modules/x/index.js')?.containerPath).toBe('/app/node_modules/x/index.js');
    expect(matchRule(inc, '/w/src/node_modules/y/index.js')).toBeUndefined();
  });

  it('honours ignore patterns relative to the rule path (Docker syntax, directories cover their contents, ! exceptions)', () => {
    const r = compiled({ ignore: ['*.tmp', 'build/', '**/*.log', 'docs', '!docs/keep.md'] });
    expect(matchRule(r, '/w/src/x.tmp')).toBeUndefined();
    expect(matchRule(r, '/w/src/sub/x.tmp')).toBeDefined(); // * does not cross /
    expect(matchRule(r, '/w/src/build/out.js')).toBeUndefined();
    expect(matchRule(r, '/w/src/a/b/c.log')).toBeUndefined();
    expect(matchRule(r, '/w/src/docs/a.md')).toBeUndefined();
    expect(matchRule(r, '/w/src/docs/keep.md')).toBeDefined();
    expect(matchRule(r, '/w/src/main.js')).toBeDefined();
  });

  it('with include patterns, only what they match', () => {
    const r = compiled({ include: ['*.js', 'lib'] });
    expect(matchRule(r, '/w/src/a.js')).toBeDefined();
    expect(matchRule(r, '/w/src/lib/deep/x.css')).toBeDefined();
    expect(matchRule(r, '/w/src/a.css')).toBeUndefined();
  });

  it('honours the build context .dockerignore, but never for the Dockerfile and .dockerignore', () => {
    const di: ContextIgnore = { root: '/w', matcher: new IgnoreMatcher(['src/gen', 'Dockerfile', '.dockerignore', '*.md']), keep: new Set(['Dockerfile', '.dockerignore']) };
    const r = compiled({ path: '/w', target: '/app' }, di);
    expect(matchRule(r, '/w/src/gen/a.js')).toBeUndefined();
    expect(matchRule(r, '/w/README.md')).toBeUndefined();
    expect(matchRule(r, '/w/src/a.js')?.containerPath).toBe('/app/src/a.js');
    const df = compiled({ path: '/w/Dockerfile', action: 'rebuild', target: undefined }, di);
    expect(matchRule(df, '/w/Dockerfile')).toBeDefined();
  });
});

describe('pruning directories from the watch', () => {
  it('prunes .git, node_modules (not included), ignored trees without exceptions below, .dockerignore-d trees', () => {
    const r = compiled({ ignore: ['dist', 'docs', '!docs/keep.md'] }, { root: '/w', matcher: new IgnoreMatcher(['src/tmp']), keep: new Set(['Dockerfile']) });
    expect(canPrune(r, '/w/src/.git')).toBe(true);
    expect(canPrune(r, '/w/src/node_modules')).toBe(true);
    expect(canPrune(r, '/w/src/dist')).toBe(true);
    expect(canPrune(r, '/w/src/docs')).toBe(false);
    expect(canPrune(r, '/w/src/tmp')).toBe(true);
    expect(canPrune(r, '/w/src/lib')).toBe(false);
    expect(canPrune(r, '/w/src')).toBe(false);
    expect(canPrune(r, '/elsewhere')).toBe(true);
    expect(canPrune(compiled({ include: ['node_modules/x'] }), '/w/src/node_modules')).toBe(false);
  });
});
