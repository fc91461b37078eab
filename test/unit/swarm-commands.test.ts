import { describe, expect, it } from 'vitest';
import { stackEventScope } from '../../src/backend/swarm/events.js';
import { pickTask } from '../../src/backend/swarm/tasks.js';
import { swarmOneOff } from '../../src/backend/swarm/oneoff.js';
import type { EngineEvent } from '../../src/engine/engine.js';

const ev = (type: string, attributes: Record<string, string>, action = 'update'): EngineEvent => ({ type, action, id: 'x1', attributes, time: 1, timeNano: 1e9 });

describe('events on a swarm: the stack scope', () => {
  const scope = stackEventScope('shop', ['web', 'api'], ['shop_default', 'shop_db-pass-1a2b']);

  it('asks the engine for the stack event types only, without a label filter (service events carry no labels)', () => {
    expect(scope.filters).toEqual({ type: ['service', 'container', 'network', 'secret', 'config'] });
  });

  it("keeps a service event of the stack under the service's key, and drops another stack's", () => {
    expect(scope.select(ev('service', { name: 'shop_web', 'replicas.new': '3', 'replicas.old': '1' }))).toBe('web');
    expect(scope.select(ev('service', { name: 'shop_cart' }))).toBeUndefined();
    expect(scope.select(ev('service', { name: 'shopx_web' }))).toBeUndefined();
    expect(scope.select(ev('service', { name: 'other_web' }))).toBeUndefined();
  });

  it('keeps a task container by the stack label, keyed by its swarm service', () => {
    expect(scope.select(ev('container', { 'com.docker.stack.namespace': 'shop', 'com.docker.swarm.service.name': 'shop_api' }, 'start'))).toBe('api');
    expect(scope.select(ev('container', { 'com.docker.stack.namespace': 'other', 'com.docker.swarm.service.name': 'other_api' }, 'start'))).toBeUndefined();
    expect(scope.select(ev('container', { 'io.tsfig.project': 'shop' }, 'start'))).toBeUndefined();
  });

  it("keeps the stack's networks, secrets and configs by name, with no service", () => {
    expect(scope.select(ev('network', { name: 'shop_default', type: 'overlay' }, 'create'))).toBe('');
    expect(scope.select(ev('secret', { name: 'shop_db-pass-1a2b' }, 'remove'))).toBe('');
    expect(scope.select(ev('network', { name: 'bridge' }, 'connect'))).toBeUndefined();
    expect(scope.select(ev('image', { name: 'busybox' }, 'pull'))).toBeUndefined();
  });
});

describe('exec on a swarm: which task', () => {
  const task = (slot: number, node: string, state = 'running', desired = 'running', container = `c-${slot}-${node}`) => ({ Slot: slot, NodeID: node, DesiredState: desired, Status: { State: state, ContainerStatus: { ContainerID: container } } });

  it('picks the running task in the slot --index names, with its node and container', () => {
    const tasks = [task(2, 'n2'), task(1, 'n1', 'shutdown', 'shutdown', 'old'), task(1, 'n3')];
    expect(pickTask('shop_web', tasks, 1)).toEqual({ task: 'shop_web.1', nodeId: 'n3', containerId: 'c-1-n3' });
    expect(pickTask('shop_web', tasks, 2)).toEqual({ task: 'shop_web.2', nodeId: 'n2', containerId: 'c-2-n2' });
  });

  it('finds nothing for a slot with no running task (starting or gone)', () => {
    expect(pickTask('shop_web', [task(1, 'n1', 'starting')], 1)).toBeUndefined();
    expect(pickTask('shop_web', [task(1, 'n1')], 2)).toBeUndefined();
  });

  it('counts a global service by node (no slots)', () => {
    const tasks = [task(0, 'nb'), task(0, 'na')];
    expect(pickTask('shop_agent', tasks, 1)).toEqual({ task: 'shop_agent.na', nodeId: 'na', containerId: 'c-0-na' });
    expect(pickTask('shop_agent', tasks, 2)?.nodeId).toBe('nb');
  });
});

describe('run on a swarm: the one-off body', () => {
  const svc = {
    key: 'client',
    name: 'shop_client',
    spec: {
      Name: 'shop_client',
      TaskTemplate: {
        ContainerSpec: { Image: 'busybox:latest', Args: ['sleep', '3600'], Env: ['A=1', 'B=2'], Labels: { 'com.docker.stack.namespace': 'shop' }, Secrets: [{ SecretName: 'shop_k-1' }] },
        Networks: [{ Target: 'shop_default' }, { Target: 'shop_back' }],
      },
    },
  };
  const base = { id: 'abc123', tty: false, stdin: true };

  it("runs the service's image and command on the stack's first network, joining the others after, labelled as a one-off", () => {
    const o = swarmOneOff('shop', svc, base);
    expect(o.name).toBe('shop-client-run-abc123');
    expect(o.body.Image).toBe('busybox:latest');
    expect(o.body.Cmd).toEqual(['sleep', '3600']);
    expect(o.body.HostConfig?.NetworkMode).toBe('shop_default');
    expect(o.body.NetworkingConfig).toEqual({ EndpointsConfig: { shop_default: {} } });
    expect(o.extraNetworks).toEqual(['shop_back']);
    expect(o.body.Labels).toMatchObject({ 'io.tsfig.project': 'shop', 'io.tsfig.service': 'client', 'io.tsfig.oneoff': 'True', 'com.docker.stack.namespace': 'shop' });
  });

  it('takes the command, -e (an unset included) and -l over the service, never over its own labels', () => {
    const o = swarmOneOff('shop', svc, { ...base, command: ['sh', '-c', 'true'], environment: { B: null, C: '3' }, labels: { 'io.tsfig.project': 'x', team: 'a' }, autoRemove: true });
    expect(o.body.Cmd).toEqual(['sh', '-c', 'true']);
    expect(o.body.Env).toEqual(['A=1', 'C=3']);
    expect(o.body.Labels).toMatchObject({ 'io.tsfig.project': 'shop', team: 'a' });
    expect(o.body.HostConfig?.AutoRemove).toBe(true);
  });

  it('says in a warning that the one-off gets none of the secrets the tasks get', () => {
    expect(swarmOneOff('shop', svc, base).warnings).toEqual(['run client: a one-off on a swarm gets no secrets of the service (those are the swarm\'s to give its tasks)']);
  });
});
