/** Choosing the swarm backend: --orchestrator > TSFIG_ORCHESTRATOR > x-tsfig.orchestrator > engine; commands that do not apply say so. */
import { describe, expect, it } from 'vitest';
import { orchestratorOf } from '../../src/backend/select.js';
import type { Project } from '../../src/model/project.js';
import { load, projectDir, tsfig } from '../support/project.js';

const WITH_X = 'name: sel\nx-tsfig:\n  orchestrator: swarm\nservices:\n  a:\n    image: busybox\n';
const PLAIN = 'name: sel\nservices:\n  a:\n    image: busybox\n';

function project(yaml: string): Project {
  const r = load(projectDir({ 'fig.yml': yaml }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

describe('orchestrator selection', () => {
  it('the file says swarm; the variable overrides it; default engine', () => {
    expect(orchestratorOf(project(PLAIN), {})).toBe('engine');
    expect(orchestratorOf(project(WITH_X), {})).toBe('swarm');
    expect(orchestratorOf(project(WITH_X), { TSFIG_ORCHESTRATOR: 'engine' })).toBe('engine');
    expect(orchestratorOf(project(PLAIN), { TSFIG_ORCHESTRATOR: 'Swarm' })).toBe('swarm');
  });

  it('a value that is no orchestrator is a usage error naming the choices', () => {
    expect(() => orchestratorOf(project(PLAIN), { TSFIG_ORCHESTRATOR: 'k8s' })).toThrow(/engine or swarm/);
    expect(() => orchestratorOf(project(WITH_X.replace('swarm', 'nomad')), {})).toThrow(/x-tsfig.orchestrator/);
  });

  it('commands that do not apply to a swarm say so in one line (exit 2), before any engine is dialled', async () => {
    const cwd = projectDir({ 'fig.yml': PLAIN });
    const env = { HOME: '/home/u', DOCKER_HOST: 'unix:///nonexistent.sock' };
    for (const args of [['--orchestrator', 'swarm', 'pause'], ['pause']]) {
      const r = await tsfig(args, { cwd, env: args.length === 1 ? { ...env, TSFIG_ORCHESTRATOR: 'swarm' } : env });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^pause does not apply to a swarm stack/);
    }
    const file = projectDir({ 'fig.yml': WITH_X });
    const attach = await tsfig(['attach', 'a'], { cwd: file, env });
    expect(attach.code).toBe(2);
    expect(attach.stderr).toMatch(/^attach does not apply to a swarm stack/);
    // The flag beats the file.
    const engine = await tsfig(['--orchestrator', 'engine', 'pause'], { cwd: file, env });
    expect(engine.stderr).not.toMatch(/does not apply/);
  });
});
