/** Choosing the swarm backend: --orchestrator > TSFIG_ORCHESTRATOR > x-tsfig.orchestrator > engine; commands that do not apply say so. */
import { describe, expect, it } from 'vitest';
import { orchestratorOf } from '../../src/backend/select.js';
import { splitDetails } from '../../src/backend/swarm/status.js';
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

  it('flags of up, logs and down that mean nothing on a swarm are usage errors naming the flag, before any engine call', async () => {
    const cwd = projectDir({ 'fig.yml': WITH_X });
    const env = { HOME: '/home/u', DOCKER_HOST: 'unix:///nonexistent.sock' };
    for (const [args, flag] of [[['up', '--build'], '--build'], [['up', '--no-start'], '--no-start'], [['up', '--abort-on-container-exit'], '--abort-on-container-exit'], [['logs', '--until', '1m'], '--until'], [['logs', '--index', '2'], '--index'], [['down', '--rmi', 'local'], '--rmi'], [['down', '-v', '--rmi', 'all'], '--rmi'], [['down', '-t', '1'], '-t']] as const) {
      const r = await tsfig([...args], { cwd, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`${flag} does not apply to a swarm stack`);
    }
  });
});

describe('service log lines', () => {
  it('the details the engine puts first give the task and node; a timestamp before them is kept apart', () => {
    const d = 'com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1';
    expect(splitDetails(`${d} hello world`)).toEqual({ details: { 'com.docker.swarm.node.id': 'n1', 'com.docker.swarm.service.id': 's1', 'com.docker.swarm.task.id': 't1' }, text: 'hello world' });
    expect(splitDetails(`2026-12-07T11:00:00.123456789Z ${d} hi`)).toMatchObject({ text: 'hi', time: '2026-12-07T11:00:00.123456789Z', details: { 'com.docker.swarm.task.id': 't1' } });
    expect(splitDetails('plain line')).toEqual({ details: {}, text: 'plain line' });
  });
});
