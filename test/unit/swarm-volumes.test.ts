/** backend/swarm/volumes.ts: which volumes `down -v` removes on a swarm, and the warnings naming the other nodes that hold one (pure). */
import { describe, expect, it } from 'vitest';
import { downStack } from '../../src/backend/swarm/apply.js';
import { SwarmBackend } from '../../src/backend/swarm/index.js';
import type { SwarmEngine } from '../../src/backend/swarm/observe.js';
import { EngineError } from '../../src/errors.js';
import { planDownVolumes, volumeUses, type StackVolumes } from '../../src/backend/swarm/volumes.js';
import { formatDiagnostic } from '../../src/model/diagnostic.js';
import type { Project } from '../../src/model/project.js';
import { load, projectDir } from '../support/project.js';

const FILE = `
name: shop
x-tsfig: {orchestrator: swarm}
services:
  db:
    image: busybox
    volumes: ["data:/data", "logs:/logs", "shared:/shared", "/scratch"]
volumes:
  data: {}
  logs: {}
  shared: {external: true, name: corp_shared}
`;

function project(yaml = FILE): Project {
  const r = load(projectDir({ 'fig.yml': yaml }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const task = (nodeId: string, mounts: Array<Record<string, unknown>>, state = 'running') => ({ NodeID: nodeId, DesiredState: state, Spec: { ContainerSpec: { Image: 'busybox', Mounts: mounts } } });
const vol = (name: string, stack = 'shop') => ({ name, labels: { 'com.docker.stack.namespace': stack } });

describe('down -v on a swarm: the named volumes of the tasks, by node', () => {
  it('lists each named volume once per node that ran a task mounting it; binds, tmpfs, anonymous volumes and unassigned tasks are left out', () => {
    const tasks = [
      task('mgr', [{ Type: 'volume', Source: 'shop_data', Target: '/data' }, { Type: 'volume', Target: '/scratch' }, { Type: 'bind', Source: '/srv', Target: '/srv' }]),
      task('mgr', [{ Type: 'volume', Source: 'shop_data', Target: '/data' }], 'shutdown'),
      task('w2', [{ Type: 'volume', Source: 'shop_data', Target: '/data' }, { Type: 'tmpfs', Target: '/t' }]),
      task('', [{ Type: 'volume', Source: 'shop_logs', Target: '/logs' }]),
      { NodeID: 'w3', Spec: { ContainerSpec: {} } },
    ];
    expect(volumeUses(tasks)).toEqual([
      { volume: 'shop_data', nodeId: 'mgr' },
      { volume: 'shop_data', nodeId: 'w2' },
    ]);
  });
});

describe('down -v on a swarm: what is removed', () => {
  const base: StackVolumes = { managerNodeId: 'mgr', onManager: [], used: [], hostnames: { w2: 'node2' } };

  it("removes the stack's declared volumes the manager holds, by name, after everything else", () => {
    const p = project();
    const { ops, diagnostics } = planDownVolumes(p, { ...base, onManager: [vol('shop_logs'), vol('shop_data')], used: [{ volume: 'shop_data', nodeId: 'mgr' }] });
    expect(ops).toEqual([{ op: 'volume.remove', name: 'shop_data' }, { op: 'volume.remove', name: 'shop_logs' }]);
    expect(diagnostics).toEqual([]);
  });

  it('never an external volume (even labelled with the stack), never one the file no longer declares, never one without the stack label: the first two named in a warning', () => {
    const p = project();
    const { ops, diagnostics } = planDownVolumes(p, {
      ...base,
      onManager: [vol('corp_shared'), vol('shop_old'), vol('shop_data', 'other'), { name: 'shop_logs', labels: {} }],
    });
    expect(ops).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      ['PLAN_VOLUME_EXTERNAL_KEPT', 'warning', 'volume corp_shared is external; kept'],
      ['PLAN_VOLUME_UNDECLARED_KEPT', 'warning', 'volume shop_old is no longer in the file; kept'],
    ]);
    expect(diagnostics[0]!.loc?.line).toBe(11); // volumes.shared
  });

  it('one warning line per volume and node off the manager, naming the node and the docker volume rm to run there', () => {
    const p = project();
    const { ops, diagnostics } = planDownVolumes(p, {
      ...base,
      onManager: [vol('shop_data')],
      used: [
        { volume: 'shop_data', nodeId: 'mgr' },
        { volume: 'shop_data', nodeId: 'w3' },
        { volume: 'shop_data', nodeId: 'w2' },
        { volume: 'corp_shared', nodeId: 'w2' },
      ],
    });
    expect(ops).toEqual([{ op: 'volume.remove', name: 'shop_data' }]);
    const lines = diagnostics.map((d) => formatDiagnostic(d));
    expect(diagnostics.map((d) => d.code)).toEqual(['PLAN_SWARM_VOLUME_ELSEWHERE', 'PLAN_SWARM_VOLUME_ELSEWHERE']);
    expect(lines[0]).toContain('volume shop_data is also on node node2 (ID w2)');
    expect(lines[0]).toContain('`docker volume rm shop_data`');
    expect(lines[1]).toContain('volume shop_data is also on node w3,');
    for (const l of lines) expect(l.split('\n')).toHaveLength(1);
    // At the volume's key in the file.
    expect(diagnostics[0]!.loc?.line).toBe(9); // volumes.data
  });

  it('a volume only on other nodes: nothing to remove on the manager, the warnings still say where it is', () => {
    const { ops, diagnostics } = planDownVolumes(project(), { ...base, used: [{ volume: 'shop_logs', nodeId: 'w2' }] });
    expect(ops).toEqual([]);
    expect(diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('volume shop_logs is also on node node2 (ID w2)')]);
  });

  it("down's plan without -v has no volume step; with -v the volumes come last and are printed as steps", () => {
    const b = new SwarmBackend({ project: project(), hosts: [], env: {}, signal: new AbortController().signal });
    const observed = { services: [{ id: 's1', name: 'shop_db', version: 1, spec: {}, raw: {} }], networks: [{ id: 'n1', name: 'shop_default', raw: {} }], objects: [], allNetworkNames: ['shop_default'] };
    expect(b.render(b.planDown(observed))).toBe('remove service shop_db\nremove network shop_default\n');
    const plan = b.planDown(observed, { ...base, onManager: [vol('shop_data')] });
    expect(b.render(plan)).toBe('remove service shop_db\nremove network shop_default\nremove volume shop_data\n');
  });
});

describe('down -v on a swarm: a volume still in use by a task container going away', () => {
  /** An engine whose volume removal is refused as in use `busy` times, then done; records the calls. */
  function engine(busy: number): { engine: SwarmEngine; calls: string[] } {
    const calls: string[] = [];
    const fake = {
      removeVolume: (name: string) => {
        calls.push(name);
        if (calls.length <= busy) return Promise.reject(new EngineError(`remove ${name}: volume is in use - [c0ffee]`, 409));
        return Promise.resolve();
      },
    };
    return { engine: fake as unknown as SwarmEngine, calls };
  }
  const plan = { ops: [{ op: 'volume.remove' as const, name: 'shop_data' }], diagnostics: [] };

  it('is removed once the container is gone (retried while the engine says it is in use)', async () => {
    const e = engine(2);
    const done: string[] = [];
    await downStack(e.engine, plan, { done: (l) => done.push(l), timeoutMs: 10_000 });
    expect(e.calls).toEqual(['shop_data', 'shop_data', 'shop_data']);
    expect(done).toEqual(['removed volume shop_data']);
  });

  it('fails in one line naming the volume once the time is up', async () => {
    const e = engine(1_000);
    await expect(downStack(e.engine, plan, { done: () => undefined, timeoutMs: 0 })).rejects.toThrow(/^remove volume shop_data: .*volume is in use/);
  });
});
