/** backend/swarm/reconcile.ts: golden plans from hand-made observed stacks (pure). */
import { describe, expect, it } from 'vitest';
import { desiredStack } from '../../src/backend/swarm/mapping.js';
import { planDown, planUp, renderSwarmPlan } from '../../src/backend/swarm/reconcile.js';
import type { DesiredStack, ObservedStack } from '../../src/backend/swarm/types.js';
import type { Project } from '../../src/model/project.js';
import { load, projectDir } from '../support/project.js';

/** A place inside the engine's free-form JSON (`a.b.0.c`), to read or change in a test. */
function dig(o: unknown, path: string): Record<string, unknown> {
  let v = o;
  for (const k of path.split('.')) v = (v as Record<string, unknown>)[k];
  return v as Record<string, unknown>;
}


function project(yaml: string): Project {
  const r = load(projectDir({ 'fig.yml': yaml }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const FILE = `
name: app
services:
  api:
    image: busybox
    environment: {REV: "2"}
    secrets: [token]
    deploy: {replicas: 2, endpoint_mode: dnsrr}
  web:
    image: busybox
    deploy: {endpoint_mode: dnsrr}
secrets: {token: {environment: TOKEN}}
`;

function desired(token = 'a'): DesiredStack {
  return desiredStack(project(FILE), { 'secret:token': Buffer.from(token) });
}

/** What the swarm holds after the desired stack was made as it is (the engine's additions included). */
function made(d: DesiredStack): ObservedStack {
  return {
    services: d.services.map((s, i) => {
      const spec = structuredClone(s.spec);
      dig(spec, 'TaskTemplate').ForceUpdate = 0;
      dig(spec, 'TaskTemplate').Runtime = 'container';
      dig(spec, 'TaskTemplate.ContainerSpec').Isolation = 'default';
      for (const x of (dig(spec, 'TaskTemplate.ContainerSpec').Secrets ?? []) as Array<Record<string, unknown>>) x.SecretID = 'sid';
      return { id: `id${i}`, name: s.name, version: 10 + i, spec, raw: {} };
    }),
    networks: d.networks.map((n, i) => ({ id: `n${i}`, name: n.name, raw: held(n.body ?? {}) })),
    objects: d.objects.map((o, i) => ({ kind: o.kind, id: `o${i}`, name: o.name })),
    allNetworkNames: d.networks.map((n) => n.name),
  };
}

/** A network as the engine lists it once made from `body`: its own option and addresses added. */
function held(body: Record<string, unknown>): Record<string, unknown> {
  return {
    ...body,
    Id: 'n',
    Scope: 'swarm',
    Options: { ...((body.Options as Record<string, string> | undefined) ?? {}), 'com.docker.network.driver.overlay.vxlanid_list': '4097' },
    IPAM: { Driver: 'default', Options: null, Config: body.IPAM ? (body.IPAM as { Config: unknown[] }).Config : [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] },
  };
}

const EMPTY: ObservedStack = { services: [], networks: [], objects: [], allNetworkNames: [] };

describe('swarm plan', () => {
  it('an empty swarm: networks and secrets first, then the services', () => {
    const d = desired();
    const secret = d.objects[0]!.name;
    expect(renderSwarmPlan(planUp(d, EMPTY))).toBe(`create network app_default\ncreate secret ${secret}\ncreate service app_api\ncreate service app_web\n`);
  });

  it('the stack as made: nothing to do (a no-op up makes no call)', () => {
    const d = desired();
    const plan = planUp(d, made(d));
    expect(plan.ops).toEqual([]);
    expect(renderSwarmPlan(plan)).toBe('nothing to do: the stack is up to date\n');
  });

  it('a changed variable updates that service only, with its version and the cause', () => {
    const d = desired();
    const observed = made(d);
    dig(observed.services[0]!.spec, 'TaskTemplate.ContainerSpec').Env = ['REV=1'];
    const plan = planUp(d, observed);
    expect(renderSwarmPlan(plan)).toBe('update service app_api: environment.REV changed\n');
    expect(plan.ops[0]).toMatchObject({ op: 'service.update', id: 'id0', version: 10 });
  });

  it('a rotated secret: the new one made, the service updated, the old one removed after it', () => {
    const before = desired('a');
    const after = desired('b');
    const plan = planUp(after, made(before));
    expect(renderSwarmPlan(plan)).toBe(
      `create secret ${after.objects[0]!.name}\nupdate service app_api: secrets changed\nremove secret ${before.objects[0]!.name} (no longer used)\n`,
    );
  });

  it('restart is a forced update (ForceUpdate + 1), scale changes the replicas', () => {
    const d = desired();
    const observed = made(d);
    dig(observed.services[1]!.spec, 'TaskTemplate').ForceUpdate = 4;
    const restart = planUp(d, observed, { services: ['web'], restart: ['web'] });
    expect(renderSwarmPlan(restart)).toBe('update service app_web: restart\n');
    expect(dig(restart.ops[0], 'spec.TaskTemplate').ForceUpdate).toBe(5);
    const scale = planUp(d, observed, { services: ['api'], scale: { api: 5 } });
    expect(renderSwarmPlan(scale)).toBe('update service app_api: deploy.mode/replicas changed\n');
    expect(dig(scale.ops[0], 'spec').Mode).toEqual({ Replicated: { Replicas: 5 } });
    // An update keeps the ForceUpdate the swarm has (a later up does not undo a restart's counter).
    dig(observed.services[1]!.spec, 'TaskTemplate.ContainerSpec').Env = ['X=1'];
    expect(dig(planUp(d, observed).ops[0], 'spec.TaskTemplate').ForceUpdate).toBe(4);
  });

  it('services no longer in the file: a warning, removed with --remove-orphans', () => {
    const d = desired();
    const observed = made(d);
    observed.services.push({ id: 'old', name: 'app_gone', version: 3, spec: { Name: 'app_gone' }, raw: {} });
    const plan = planUp(d, observed);
    expect(plan.ops).toEqual([]);
    expect(plan.diagnostics.map((x) => x.code)).toEqual(['PLAN_ORPHANS']);
    expect(renderSwarmPlan(planUp(d, observed, { removeOrphans: true }))).toBe('remove service app_gone\n');
  });

  it('a network the file changed: a warning naming what differs, no step (a swarm cannot change a network in place)', () => {
    const net = (extra: string) =>
      desiredStack(project(`${FILE}networks:\n  default:\n    driver_opts: {encrypted: ""}\n    ipam: {config: [{subnet: 10.9.0.0/24}]}\n${extra}`), { 'secret:token': Buffer.from('a') });
    const d = net('    labels: {tier: a}\n');
    const observed = made(d);
    // As made (the engine's own option and nothing else added): nothing to say.
    expect(planUp(d, observed)).toEqual({ ops: [], diagnostics: [] });
    const warnings = (extra: string) => planUp(net(extra), observed).diagnostics.map((x) => [x.code, x.severity, x.message]);
    expect(warnings('    labels: {tier: b}\n')).toEqual([
      ['PLAN_NETWORK_CHANGED', 'warning', 'network app_default differs from the file (labels): a swarm cannot change a network in place, so it stays as it is'],
    ]);
    expect(planUp(net('    labels: {tier: b}\n'), observed).ops).toEqual([]);
    // Never "the stack is up to date" while a network is not as the file says.
    expect(renderSwarmPlan(planUp(net('    labels: {tier: b}\n'), observed))).toBe('nothing to do: the services are up to date; a network differs from the file and stays as the swarm made it\n');
    expect(renderSwarmPlan(planUp(d, observed))).toBe('nothing to do: the stack is up to date\n');
    expect(warnings('    labels: {tier: a}\n    internal: true\n').map((w) => w[2])).toEqual([expect.stringContaining('(internal)')]);
    // At the network's key in the file (after FILE's lines: \`networks:\` then \`  default:\`).
    const at = planUp(net('    labels: {tier: b}\n'), observed).diagnostics[0]!.loc;
    expect(at && { line: at.line, col: at.col }).toEqual({ line: FILE.split('\n').length + 1, col: 3 });
    expect(warnings('').map((w) => w[2])).toEqual([expect.stringContaining('(labels)')]);
    // A network docker stack deploy made (only its namespace label) is not a change of the file's.
    const stackMade = { ...observed, networks: observed.networks.map((n) => ({ ...n, raw: { ...n.raw, Labels: { 'com.docker.stack.namespace': 'app', tier: 'a' } } })) };
    expect(planUp(d, stackMade).diagnostics).toEqual([]);
    const other = desiredStack(project(`${FILE}networks:\n  default:\n    driver_opts: {encrypted: "no"}\n    ipam: {config: [{subnet: 10.8.0.0/24}]}\n    labels: {tier: a}\n`), { 'secret:token': Buffer.from('a') });
    expect(planUp(other, observed).diagnostics.map((x) => x.message)).toEqual([expect.stringContaining('(driver_opts, ipam)')]);
  });

  it('an unknown service named is a plan error', () => {
    expect(planUp(desired(), EMPTY, { services: ['nope'] }).diagnostics.map((x) => x.code)).toEqual(['PLAN_UNKNOWN_SERVICE']);
  });

  it('down: services, then networks, then secrets', () => {
    const d = desired();
    expect(renderSwarmPlan(planDown(made(d)))).toBe(`remove service app_api\nremove service app_web\nremove network app_default\nremove secret ${d.objects[0]!.name}\n`);
  });
});
