/** backend/swarm/mapping.ts: a project -> the specs a swarm runs it as (pure), as docker stack deploy names and labels them. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { desiredStack } from '../../src/backend/swarm/mapping.js';
import { readContents } from '../../src/backend/swarm/observe.js';
import { normalise, specCauses } from '../../src/backend/swarm/diff.js';
import type { Project } from '../../src/model/project.js';
import { load, projectDir } from '../support/project.js';

/** A place inside the engine's free-form JSON (`a.b.0.c`), to read or change in a test. */
function dig(o: unknown, path: string): Record<string, unknown> {
  let v = o;
  for (const k of path.split('.')) v = (v as Record<string, unknown>)[k];
  return v as Record<string, unknown>;
}


function project(yaml: string, files: Record<string, string> = {}): Project {
  const r = load(projectDir({ 'fig.yml': yaml, ...files }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const STACK = `
name: shop
services:
  web:
    image: busybox
    command: ["httpd", "-f"]
    environment: {REV: "1", A: x}
    ports: ["8080:80", {target: 81, published: "8081", mode: host}]
    healthcheck: {test: ["CMD", "true"], interval: 2s, retries: 3}
    secrets: [token, {source: token, target: /etc/t, mode: 0o400}]
    configs: [conf]
    volumes: ["data:/data"]
    networks: {front: {aliases: [www]}}
    host: edge
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      labels: {tier: front}
      placement: {constraints: ["node.role == worker"], preferences: [{spread: node.labels.zone}], max_replicas_per_node: 2}
      resources: {limits: {cpus: "0.5", memory: 64M}, reservations: {memory: 16M}}
      restart_policy: {condition: on-failure, delay: 1s, max_attempts: 3, window: 30s}
      update_config: {order: start-first, parallelism: 1, failure_action: rollback, monitor: 4s, max_failure_ratio: 0.2}
      rollback_config: {order: stop-first, parallelism: 2}
  worker:
    image: busybox:1.36
    build: .
    container_name: wk
    links: [web]
    depends_on: [web]
    deploy: {mode: global}
hosts:
  edge: {docker: "unix:///run/edge.sock"}
networks: {front: {}}
volumes: {data: {}}
secrets: {token: {file: ./token.txt}}
configs: {conf: {environment: CONF}}
`;

describe('swarm mapping', () => {
  const p = project(STACK, { 'token.txt': 's3cret', Dockerfile: 'FROM busybox\n' });
  const d = desiredStack(p, { 'secret:token': Buffer.from('s3cret'), 'config:conf': Buffer.from('k=v') });
  const web = d.services.find((s) => s.key === 'web')!.spec;
  const worker = d.services.find((s) => s.key === 'worker')!.spec;

  it('names and labels the stack as docker stack deploy does', () => {
    expect(web.Name).toBe('shop_web');
    expect(web.Labels).toEqual({ tier: 'front', 'com.docker.stack.namespace': 'shop', 'io.tsfig.project': 'shop', 'io.tsfig.service': 'web' });
    expect(dig(web, 'TaskTemplate.ContainerSpec.Labels')['com.docker.stack.namespace']).toBe('shop');
    expect(dig(web, 'TaskTemplate.ContainerSpec.Labels')['com.docker.stack.image']).toBe('busybox:latest');
    expect(dig(web, 'TaskTemplate.ContainerSpec').Image).toBe('busybox:latest');
    expect(dig(web, 'TaskTemplate').Networks).toEqual([{ Target: 'shop_front', Aliases: ['web', 'www'] }]);
    expect(d.networks.map((n) => [n.name, n.body?.Driver, n.body?.Attachable])).toEqual([['shop_default', 'overlay', true], ['shop_front', 'overlay', true]]);
    expect(dig(worker, 'TaskTemplate').Networks).toEqual([{ Target: 'shop_default', Aliases: ['worker'] }]);
  });

  it('maps deploy: mode, replicas, placement (host: as a node label constraint), resources, policies, endpoint mode', () => {
    expect(web.Mode).toEqual({ Replicated: { Replicas: 3 } });
    expect(worker.Mode).toEqual({ Global: {} });
    expect(web.EndpointSpec).toEqual({ Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }, { Protocol: 'tcp', TargetPort: 81, PublishedPort: 8081, PublishMode: 'host' }] });
    expect(dig(worker, 'EndpointSpec').Mode).toBe('vip');
    expect(dig(web, 'TaskTemplate').Placement).toEqual({ Constraints: ['node.role == worker', 'node.labels.io.tsfig.host==edge'], Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }], MaxReplicas: 2 });
    expect(dig(web, 'TaskTemplate').Resources).toEqual({ Limits: { NanoCPUs: 500_000_000, MemoryBytes: 64 * 1024 * 1024 }, Reservations: { MemoryBytes: 16 * 1024 * 1024 } });
    expect(dig(web, 'TaskTemplate').RestartPolicy).toEqual({ Condition: 'on-failure', Delay: 1e9, MaxAttempts: 3, Window: 30e9 });
    expect(web.UpdateConfig).toEqual({ Parallelism: 1, FailureAction: 'rollback', Monitor: 4e9, MaxFailureRatio: 0.2, Order: 'start-first' });
    expect(web.RollbackConfig).toEqual({ Parallelism: 2, FailureAction: 'pause', Order: 'stop-first' });
    expect(dig(web, 'TaskTemplate.ContainerSpec').Healthcheck).toEqual({ Test: ['CMD', 'true'], Interval: 2e9, Retries: 3 });
    expect(dig(web, 'TaskTemplate.ContainerSpec').Env).toEqual(['A=x', 'REV=1']);
    expect(dig(web, 'TaskTemplate.ContainerSpec').Mounts).toEqual([{ Type: 'volume', Target: '/data', Source: 'shop_data', VolumeOptions: { Labels: { 'com.docker.stack.namespace': 'shop', 'io.tsfig.project': 'shop' } } }]);
  });

  it('names secrets and configs with a content hash, and grants them by name', () => {
    const token = d.objects.find((o) => o.kind === 'secret')!;
    expect(token.name).toMatch(/^shop_token_[0-9a-f]{10}$/);
    expect(Buffer.from(String(token.spec!.Data), 'base64').toString()).toBe('s3cret');
    expect(dig(web, 'TaskTemplate.ContainerSpec').Secrets).toEqual([
      { File: { Name: 'token', UID: '0', GID: '0', Mode: 0o444 }, SecretName: token.name },
      { File: { Name: '/etc/t', UID: '0', GID: '0', Mode: 0o400 }, SecretName: token.name },
    ]);
    const other = desiredStack(p, { 'secret:token': Buffer.from('rotated'), 'config:conf': Buffer.from('k=v') });
    expect(other.objects.find((o) => o.kind === 'secret')!.name).not.toBe(token.name);
    expect(dig(web, 'TaskTemplate.ContainerSpec.Configs.0.File').Name).toBe('/conf');
  });

  it('warns about each key a swarm cannot honour, at its position, saying what to do', () => {
    const warnings = d.diagnostics.filter((x) => x.code === 'PLAN_SWARM_IGNORED');
    expect(warnings.map((w) => w.message.split(':')[1]!.trim().split(' ')[0]).sort()).toEqual(['build', 'container_name', 'depends_on', 'links']);
    expect(warnings.every((w) => w.severity === 'warning' && w.loc !== undefined)).toBe(true);
    expect(warnings.find((w) => w.message.includes('build'))!.message).toContain('push');
  });

  it('a secret without content and a port range are plan errors', () => {
    const q = project(`name: q\nservices:\n  a:\n    image: busybox\n    ports: ["8000-8010:80"]\n    secrets: [s]\nsecrets: {s: {environment: NOPE}}\n`);
    const e = desiredStack(q, {}).diagnostics.filter((x) => x.severity === 'error');
    expect(e.map((x) => x.code)).toEqual(['PLAN_SWARM_SPEC', 'PLAN_SWARM_SPEC']);
    const b = project(`name: b\nservices:\n  a:\n    build: .\n`);
    expect(desiredStack(b, {}).diagnostics.filter((x) => x.severity === 'error').map((x) => x.message)).toEqual([expect.stringContaining('service a has no image')]);
  });
});

describe('swarm spec comparison', () => {
  const p = project(STACK, { 'token.txt': 's3cret' });
  const spec = desiredStack(p, { 'secret:token': Buffer.from('s3cret'), 'config:conf': Buffer.from('k=v') }).services[0]!.spec;

  it('a stored copy with the engine defaults, IDs and ForceUpdate is equal', () => {
    const stored = structuredClone(spec);
    dig(stored, 'TaskTemplate').ForceUpdate = 3;
    dig(stored, 'TaskTemplate').Runtime = 'container';
    dig(stored, 'TaskTemplate.ContainerSpec').Isolation = 'default';
    dig(stored, 'TaskTemplate.ContainerSpec').DNSConfig = {};
    dig(stored, 'TaskTemplate.ContainerSpec.Secrets.0').SecretID = 'abc';
    dig(stored, 'UpdateConfig').MaxFailureRatio = 0.2;
    dig(stored, 'RollbackConfig').MaxFailureRatio = 0;
    expect(specCauses(spec, stored)).toEqual([]);
  });

  it('names the changed fields in the file\'s words', () => {
    const stored = structuredClone(spec);
    dig(stored, 'TaskTemplate.ContainerSpec').Env = ['A=x', 'OLD=1', 'REV=0'];
    dig(stored, 'EndpointSpec').Mode = 'vip';
    stored.Mode = { Replicated: { Replicas: 1 } };
    expect(specCauses(spec, stored)).toEqual(['deploy.endpoint_mode changed', 'deploy.mode/replicas changed', 'environment.OLD removed', 'environment.REV changed']);
  });

  it('keeps the mode as it is (Global {} and Replicas 0 are not empty)', () => {
    expect(normalise({ Mode: { Global: {} } })).toEqual({ Mode: { Global: {} } });
    expect(specCauses({ Mode: { Replicated: { Replicas: 0 } } }, { Mode: { Global: {} } })).toEqual(['deploy.mode/replicas changed']);
  });
});

describe('volumes', () => {
  it("labels the stack's named volumes with the stack, never an external one (as docker stack deploy): a node that lacks it makes a plain one", () => {
    const p = project(`
name: v
services:
  a:
    image: busybox
    volumes: ["data:/data", "keep:/keep", {type: volume, source: keep, target: /k2, volume: {nocopy: true}}, "/anon"]
volumes:
  data: {driver: local, driver_opts: {type: tmpfs, device: tmpfs}}
  keep: {external: true, name: corp_keep}
`);
    const mounts = dig(desiredStack(p, {}).services[0]!.spec, 'TaskTemplate.ContainerSpec').Mounts;
    expect(mounts).toEqual([
      { Type: 'volume', Target: '/data', Source: 'v_data', VolumeOptions: { Labels: { 'com.docker.stack.namespace': 'v', 'io.tsfig.project': 'v' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } } },
      { Type: 'volume', Target: '/keep', Source: 'corp_keep' },
      { Type: 'volume', Target: '/k2', Source: 'corp_keep', VolumeOptions: { NoCopy: true } },
      { Type: 'volume', Target: '/anon' },
    ]);
  });
});

describe('secret and config modes', () => {
  it('mode: 0440 (a leading zero) is octal, as docker compose reads it; 0o440, "0440" and a plain number as written', () => {
    const p = project(`
name: m
services:
  a:
    image: busybox
    secrets: [{source: s, target: a, mode: 0440}, {source: s, target: b, mode: 0o440}, {source: s, target: c, mode: "0440"}, {source: s, target: d, mode: 288}]
    configs: [{source: c, target: /x, mode: 0755}]
secrets: {s: {file: ./s.txt}}
configs: {c: {file: ./s.txt}}
`, { 's.txt': 'x' });
    const d = desiredStack(p, { 'secret:s': Buffer.from('x'), 'config:c': Buffer.from('x') });
    const cs = dig(d.services[0]!.spec, 'TaskTemplate.ContainerSpec');
    expect((cs.Secrets as Array<{ File: { Mode: number } }>).map((x) => x.File.Mode.toString(8))).toEqual(['440', '440', '440', '440']);
    expect((cs.Configs as Array<{ File: { Mode: number } }>).map((x) => x.File.Mode.toString(8))).toEqual(['755']);
  });
});

describe('examples/web-api-db-swarm: example 2 as a stack', () => {
  const dir = fileURLToPath(new URL('../../examples/web-api-db-swarm', import.meta.url));
  const r = load(dir);
  const p = r.project!;
  const d = desiredStack(p, readContents(p, {}));
  const spec = (key: string) => d.services.find((s) => s.key === key)!.spec;
  const cs = (key: string) => dig(spec(key), 'TaskTemplate.ContainerSpec');

  it('maps with no warning or error: every service runs the base image, dnsrr, restarted whatever the exit', () => {
    expect(r.diagnostics).toEqual([]);
    expect(d.diagnostics).toEqual([]);
    expect(d.services.map((s) => s.name)).toEqual(['webapidbswarm_api', 'webapidbswarm_cache', 'webapidbswarm_db', 'webapidbswarm_web']);
    for (const s of d.services) {
      expect(dig(s.spec, 'TaskTemplate.ContainerSpec').Image, s.key).toBe('tsfig.local/examples-base:bookworm');
      expect(dig(s.spec, 'EndpointSpec').Mode, s.key).toBe('dnsrr');
      expect(dig(s.spec, 'TaskTemplate.RestartPolicy').Condition, s.key).toBe('any');
      expect(dig(s.spec, 'TaskTemplate.ContainerSpec').Healthcheck, s.key).toBeDefined();
    }
  });

  it("gives each service what its Dockerfile COPYs as configs (the db's entrypoint executable), with the Dockerfile's entrypoint, command and working dir", () => {
    const files = (key: string) => ((cs(key).Configs ?? []) as Array<{ File: { Name: string; Mode: number } }>).map((c) => [c.File.Name, c.File.Mode.toString(8)]);
    expect(files('web')).toEqual([['/etc/nginx/nginx.conf', '444'], ['/srv/www/index.html', '444']]);
    expect(files('api')).toEqual([['/app/app.py', '444']]);
    expect(files('db')).toEqual([['/usr/local/bin/db-entrypoint', '755']]);
    expect([cs('db').Command, cs('db').Args]).toEqual([['db-entrypoint'], ['postgres']]);
    expect([cs('api').Args, cs('api').Dir, cs('api').Init]).toEqual([['python3', 'app.py'], '/app', true]);
    expect(cs('web').Args).toEqual(['nginx', '-g', 'daemon off;']);
    // The files are the example's own (one copy in the repository).
    const app = d.objects.find((o) => o.key === 'api_app')!;
    expect(Buffer.from(String(app.spec!.Data), 'base64').toString('utf8')).toBe(readFileSync(join(dir, '../web-api-db/api/app.py'), 'utf8'));
  });

  it("pins db to the manager, so its named volume stays on one node; the password from .env", () => {
    expect(dig(spec('db'), 'TaskTemplate.Placement')).toEqual({ Constraints: ['node.role == manager'] });
    expect(cs('db').Mounts).toEqual([{ Type: 'volume', Target: '/var/lib/postgresql/data', Source: 'webapidbswarm_dbdata', VolumeOptions: { Labels: { 'com.docker.stack.namespace': 'webapidbswarm', 'io.tsfig.project': 'webapidbswarm' } } }]);
    expect(cs('db').Env).toContain('POSTGRES_PASSWORD=example-only-change-me');
  });
});
