/**
 * The hand-written transport (engine/http.ts through docker/client.ts) against dockerode, the
 * library that does the same job, on the same engine: the same answers for the calls tsfig
 * makes (JSON reads with filters, a container's inspect, raw bytes of logs and of an archive)
 * and the same status for the engine's refusals. tsfig does not load dockerode at run time
 * (bench/transport.ts: ~0.6 s of start-up); this test is why it stays a dev-time reference.
 */
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../src/engine/connect.js';
import { Client } from '../../src/engine/docker/client.js';
import type { Engine } from '../../src/engine/engine.js';
import { engineStatus, isConflict, isNotFound } from '../../src/engine/errors.js';
import { cleanupProject, engineFromEnv, eventually, idleCommand, projectLabels, requireEngine, uniqueProject } from './support/harness.js';

const project = uniqueProject('transport');
const endpoint = resolveEndpoint({ env: process.env });
const ours = new Client(endpoint);
let engine: Engine;
let docker: Docker;
let id = '';

/** dockerode on the same endpoint (unix socket, or tcp as DOCKER_HOST names it). */
function dockerode(): Docker {
  if (endpoint.socketPath !== undefined) return new Docker({ socketPath: endpoint.socketPath });
  return new Docker({ host: endpoint.host, port: endpoint.port, protocol: 'http' });
}

/** dockerode's modem for the raw calls its high-level API does not return as is. */
function dial<T>(method: string, path: string, options: Record<string, unknown> = {}, isStream = false): Promise<T> {
  return new Promise((resolve, reject) => {
    // docker-modem's untyped dial: path, method, the query as `options`, and the status codes it accepts.
    (docker.modem as unknown as { dial: (o: unknown, cb: (err: unknown, data: T) => void) => void }).dial(
      { path: `${path}?`, method, options, isStream, statusCodes: { 200: true, 404: 'no such', 409: 'conflict', 500: 'server error' } },
      (err, data) => (err ? reject(err) : resolve(data)),
    );
  });
}

/** Fields that change from one moment to the next (the `Up 3 seconds` text). */
function stable(list: unknown): unknown {
  return (list as Array<Record<string, unknown>>).map(({ Status: _status, ...rest }) => rest);
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
  docker = dockerode();
  const c = await docker.createContainer({ Image: 'busybox:latest', Cmd: idleCommand('echo one; echo two >&2; echo three'), Labels: projectLabels(project) });
  id = c.id;
  await c.start();
  await docker.createNetwork({ Name: `${project}_net`, Labels: projectLabels(project) });
  await docker.createVolume({ Name: `${project}_data`, Labels: projectLabels(project) });
  await eventually(async () => {
    const logs = await ours.raw({}, 'GET', `/containers/${id}/logs`, { query: { stdout: true, stderr: true } });
    expect(logs.toString()).toContain('three');
  });
});

afterAll(async () => {
  if (engine) await cleanupProject(engine, project);
});

describe('the one transport agrees with dockerode on the same engine', () => {
  it('JSON reads: version, a filtered container list, inspect, networks, volumes, images', async () => {
    const filters = JSON.stringify({ label: [`io.tsfig.project=${project}`] });
    expect(await ours.get({}, '/version')).toEqual(await docker.version());
    expect(stable(await ours.get({}, '/containers/json', { all: '1', filters }))).toEqual(stable(await docker.listContainers({ all: true, filters })));
    expect(await ours.get({}, `/containers/${id}/json`)).toEqual(await docker.getContainer(id).inspect());
    // Other projects come and go on a shared engine: the lists are compared on this project's own.
    const networks = await ours.get({}, '/networks', { filters });
    expect(networks).toEqual(await docker.listNetworks({ filters }));
    expect((networks as unknown[]).length).toBe(1);
    const volumes = await ours.get({}, '/volumes', { filters });
    expect(volumes).toEqual(await docker.listVolumes({ filters }));
    expect((volumes as { Volumes: unknown[] }).Volumes.length).toBe(1);
    const images = JSON.stringify({ reference: ['busybox:latest'] });
    expect(await ours.get({}, '/images/json', { filters: images })).toEqual(await docker.listImages({ filters: images }));
  });

  it('raw bytes: the multiplexed log stream and a tar archive, byte for byte', async () => {
    const logsOurs = await ours.raw({}, 'GET', `/containers/${id}/logs`, { query: { stdout: true, stderr: true } });
    const logsTheirs = await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false });
    expect(logsOurs.equals(Buffer.from(logsTheirs))).toBe(true);
    expect(logsOurs.length).toBeGreaterThan(8 * 3);
    const tarOurs = await ours.raw({}, 'GET', `/containers/${id}/archive`, { query: { path: '/etc/hostname' } });
    const stream = await dial<NodeJS.ReadableStream>('GET', `/containers/${id}/archive`, { path: '/etc/hostname' }, true);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    expect(tarOurs.equals(Buffer.concat(chunks))).toBe(true);
  });

  it("the engine's refusals: the same status, read through the predicates", async () => {
    const theirs404 = await docker
      .getContainer(`${project}-missing`)
      .inspect()
      .then(() => undefined, (err: { statusCode?: number }) => err.statusCode);
    const ours404 = await ours.get({}, `/containers/${project}-missing/json`).then(() => undefined, (err: unknown) => err);
    expect(theirs404).toBe(404);
    expect(engineStatus(ours404)).toBe(404);
    expect(isNotFound(ours404)).toBe(true);
    // A second container under the name of the first: 409 Conflict on both sides.
    const name = (await docker.getContainer(id).inspect()).Name.slice(1);
    const create = { Image: 'busybox:latest', Labels: projectLabels(project) };
    const theirs409 = await docker.createContainer({ ...create, name }).then(() => undefined, (err: { statusCode?: number }) => err.statusCode);
    const ours409 = await ours.send({}, 'POST', '/containers/create', { query: { name }, body: create }).then(() => undefined, (err: unknown) => err);
    expect(theirs409).toBe(409);
    expect(isConflict(ours409)).toBe(true);
  });
});
