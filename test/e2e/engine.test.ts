/**
 * The Engine against a real Docker engine (`bash scripts/engine.sh` first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import type { Engine, EngineEvent } from '../../src/engine/engine.js';
import { EngineUnreachableError } from '../../src/engine/errors.js';
import { collectDemuxed, demuxLines } from '../../src/engine/streams.js';
import { EngineError } from '../../src/errors.js';
import {
  cleanupProject,
  docker,
  dockerJson,
  dockerResult,
  engineFromEnv,
  eventually,
  idleCommand,
  PROJECT_LABEL,
  projectLabels,
  requireEngine,
  SESSION_ID,
  SESSION_LABEL,
  uniqueProject,
} from './support/harness.js';

const IMAGE = 'busybox:latest';

let engine: Engine;
let project: string;

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
  project = uniqueProject('engine');
});

afterAll(async () => {
  if (engine !== undefined && project !== undefined) await cleanupProject(engine, project);
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

describe('engine: system', () => {
  it('answers ping and reports its version and API version', async () => {
    await engine.ping();
    const v = await engine.version();
    expect(v.version).not.toBe('');
    expect(v.apiVersion).toMatch(/^1\.\d+$/);
    expect(v.os).toBe('linux');
    const info = await engine.info();
    expect(info.serverVersion).toBe(v.version);
  });

  it('rejects with a one-line EngineError when the socket does not exist', async () => {
    const nowhere = connect(resolveEndpoint({ host: 'unix:///tmp/tsfig-no-engine.sock', env: {} }));
    const err = await rejection(nowhere.ping());
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toBeInstanceOf(EngineUnreachableError);
    const message = (err as Error).message;
    expect(message.startsWith('cannot reach the Docker engine at unix:///tmp/tsfig-no-engine.sock:')).toBe(true);
    expect(message).toContain('ENOENT');
    expect(message).not.toContain('\n');
    // Every call maps the same way, not only ping.
    const err2 = await rejection(nowhere.listContainers({ all: true }));
    expect((err2 as Error).message).toMatch(/^cannot reach the Docker engine at unix:\/\/\/tmp\/tsfig-no-engine\.sock: /);
  });
});

describe('engine: containers', () => {
  it('runs the lifecycle: create, start, list, exec, logs, stop, remove', async () => {
    const name = `${project}-app-1`;
    const labels = projectLabels(project, { 'io.tsfig.service': 'app' });
    const created = await engine.createContainer(name, {
      Image: IMAGE,
      Cmd: idleCommand('echo out; echo err >&2'),
      Labels: labels,
    });
    expect(created.id).toMatch(/^[0-9a-f]{64}$/);

    // Seen from outside tsfig: the name and the labels are on the container.
    const [outside] = await dockerJson<Array<{ Name: string; Config: { Labels: Record<string, string> } }>>(
      'inspect',
      created.id,
    );
    expect(outside?.Name).toBe(`/${name}`);
    expect(outside?.Config.Labels[PROJECT_LABEL]).toBe(project);
    expect(outside?.Config.Labels[SESSION_LABEL]).toBe(SESSION_ID);

    await engine.startContainer(created.id);
    // Already running: success, not an error (the engine answers 304).
    await engine.startContainer(name);

    const listed = await engine.listContainers({ labels: { [PROJECT_LABEL]: project, 'io.tsfig.service': 'app' } });
    expect(listed.map((c) => c.id)).toEqual([created.id]);
    expect(listed[0]?.names).toEqual([name]);
    expect(listed[0]?.state).toBe('running');
    expect(listed[0]?.labels[SESSION_LABEL]).toBe(SESSION_ID);
    expect(listed[0]?.image).toBe(IMAGE);
    // Presence-only label filter.
    const byPresence = await engine.listContainers({ labels: { [PROJECT_LABEL]: project, 'io.tsfig.service': true } });
    expect(byPresence).toHaveLength(1);

    const inspected = await engine.inspectContainer(name);
    expect(inspected.id).toBe(created.id);
    expect(inspected.name).toBe(name);
    expect(inspected.state.running).toBe(true);
    expect(inspected.config.labels[PROJECT_LABEL]).toBe(project);

    const hi = await engine.exec(created.id, { cmd: ['echo', 'hi'] });
    expect(hi).toEqual({ exitCode: 0, stdout: 'hi\n', stderr: '' });
    const failing = await engine.exec(created.id, {
      cmd: ['sh', '-c', 'echo "$GREETING from $(pwd) as $(id -u)"; echo oops >&2; exit 3'],
      env: ['GREETING=hello'],
      workingDir: '/tmp',
      user: 'nobody',
    });
    expect(failing).toEqual({ exitCode: 3, stdout: 'hello from /tmp as 65534\n', stderr: 'oops\n' });

    // Logs, demultiplexed: stdout and stderr lines arrive on their own streams.
    await eventually(async () => {
      const lines: Array<{ stream: string; line: string }> = [];
      for await (const l of demuxLines(await engine.logs(created.id))) lines.push(l);
      expect(lines).toContainEqual({ stream: 'stdout', line: 'out' });
      expect(lines).toContainEqual({ stream: 'stderr', line: 'err' });
      expect(lines).toHaveLength(2);
    });
    const onlyErr = await collectDemuxed(await engine.logs(created.id, { stdout: false }));
    expect(onlyErr.stdout.toString()).toBe('');
    expect(onlyErr.stderr.toString()).toBe('err\n');

    await engine.stopContainer(created.id, 10);
    // Already stopped: success (304).
    await engine.stopContainer(created.id);
    const stopped = await engine.inspectContainer(created.id);
    expect(stopped.state.running).toBe(false);
    expect(stopped.state.exitCode).toBe(0);
    expect((await engine.waitContainer(created.id)).statusCode).toBe(0);
    // A stopped container is listed only with `all`.
    expect(await engine.listContainers({ labels: { [PROJECT_LABEL]: project } })).toEqual([]);
    expect(await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } })).toHaveLength(1);

    await engine.removeContainer(created.id, { force: true, volumes: true });
    expect(await engine.listContainers({ all: true, labels: { [PROJECT_LABEL]: project } })).toEqual([]);
    const gone = await rejection(engine.inspectContainer(created.id));
    expect(gone).toBeInstanceOf(EngineError);
    expect((gone as EngineError).statusCode).toBe(404);
    expect((gone as EngineError).message).toBe(`no such container: ${created.id}`);
    expect((await dockerResult('inspect', created.id)).exitCode).not.toBe(0);
  });

  it('rejects a duplicate name with EngineError 409', async () => {
    const name = `${project}-dup-1`;
    const body = { Image: IMAGE, Cmd: ['true'], Labels: projectLabels(project) };
    await engine.createContainer(name, body);
    const err = await rejection(engine.createContainer(name, body));
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).statusCode).toBe(409);
    expect((err as EngineError).message).toMatch(/^conflict: .*already in use/);
    expect((err as EngineError).message).not.toContain('\n');
  });

  it('renames a container and reports 404 for an unknown one', async () => {
    const c = await engine.createContainer(`${project}-old-1`, { Image: IMAGE, Cmd: ['true'], Labels: projectLabels(project) });
    await engine.renameContainer(c.id, `${project}-new-1`);
    expect((await engine.inspectContainer(c.id)).name).toBe(`${project}-new-1`);
    const err = await rejection(engine.startContainer(`${project}-missing-1`));
    expect((err as EngineError).statusCode).toBe(404);
    expect((err as EngineError).message).toBe(`no such container: ${project}-missing-1`);
  });

  it('copies files in and out with tar archives', async () => {
    const c = await engine.createContainer(`${project}-files-1`, {
      Image: IMAGE,
      Cmd: idleCommand(),
      Labels: projectLabels(project),
    });
    await engine.startContainer(c.id);
    const archive = await engine.getArchive(c.id, '/etc/passwd');
    expect(archive.stat?.name).toBe('passwd');
    const chunks: Buffer[] = [];
    for await (const chunk of archive.stream) chunks.push(Buffer.from(chunk as Buffer));
    await engine.putArchive(c.id, '/tmp', Buffer.concat(chunks));
    const copied = await engine.exec(c.id, { cmd: ['cat', '/tmp/passwd'] });
    expect(copied.exitCode).toBe(0);
    expect(copied.stdout).toContain('root:x:0:0:');
    await engine.removeContainer(c.id, { force: true });
  });

  it('follows logs and events until aborted', async () => {
    const labels = projectLabels(project, { 'io.tsfig.service': 'ticker' });
    const events: EngineEvent[] = [];
    const eventsAbort = new AbortController();
    const stream = await engine.events({
      filters: { type: ['container'], label: [`${PROJECT_LABEL}=${project}`, 'io.tsfig.service=ticker'] },
      signal: eventsAbort.signal,
    });
    const collecting = (async () => {
      for await (const e of stream) events.push(e);
    })();

    const c = await engine.createContainer(`${project}-ticker-1`, {
      Image: IMAGE,
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; i=0; while :; do echo tick$i; i=$((i+1)); sleep 0.1 & wait $!; done'],
      Labels: labels,
    });
    await engine.startContainer(c.id);

    const logsAbort = new AbortController();
    const seen: string[] = [];
    for await (const { line } of demuxLines(await engine.logs(c.id, { follow: true, signal: logsAbort.signal }))) {
      seen.push(line);
      if (seen.length === 3) logsAbort.abort();
    }
    // The loop ended cleanly on abort, after three lines in order.
    expect(seen).toEqual(['tick0', 'tick1', 'tick2']);

    await eventually(() => {
      const actions = events.map((e) => e.action);
      expect(actions).toContain('create');
      expect(actions).toContain('start');
      expect(events.every((e) => e.id === c.id && e.attributes[PROJECT_LABEL] === project)).toBe(true);
    });
    eventsAbort.abort();
    await collecting;
    await engine.removeContainer(c.id, { force: true });
  });
});

describe('engine: networks, volumes, images', () => {
  it('creates, finds by label, and removes a network and a volume', async () => {
    const labels = projectLabels(project);
    const net = await engine.createNetwork({ Name: `${project}_default`, Driver: 'bridge', Labels: labels });
    const vol = await engine.createVolume({ Name: `${project}_data`, Labels: labels });
    expect(vol.name).toBe(`${project}_data`);

    const nets = await engine.listNetworks({ labels: { [PROJECT_LABEL]: project } });
    expect(nets.map((n) => n.id)).toEqual([net.id]);
    expect(nets[0]?.name).toBe(`${project}_default`);
    const vols = await engine.listVolumes({ labels: { [PROJECT_LABEL]: project } });
    expect(vols.map((v) => v.name)).toEqual([vol.name]);
    expect((await engine.inspectNetwork(net.id)).labels[SESSION_LABEL]).toBe(SESSION_ID);
    expect((await engine.inspectVolume(vol.name)).labels[SESSION_LABEL]).toBe(SESSION_ID);

    // A container joins the network under an alias.
    const c = await engine.createContainer(`${project}-netuser-1`, { Image: IMAGE, Cmd: idleCommand(), Labels: labels });
    await engine.connectNetwork(net.id, c.id, { Aliases: ['web'] });
    const attached = await engine.inspectContainer(c.id);
    expect(attached.networks[`${project}_default`]?.aliases).toContain('web');
    await engine.disconnectNetwork(net.id, c.id);
    await engine.removeContainer(c.id, { force: true });

    await engine.removeNetwork(net.id);
    await engine.removeVolume(vol.name);
    expect(await engine.listNetworks({ labels: { [PROJECT_LABEL]: project } })).toEqual([]);
    expect(await engine.listVolumes({ labels: { [PROJECT_LABEL]: project } })).toEqual([]);
    expect((await dockerResult('network', 'inspect', net.id)).exitCode).not.toBe(0);
    expect((await dockerResult('volume', 'inspect', vol.name)).exitCode).not.toBe(0);
    const err = await rejection(engine.removeVolume(vol.name));
    expect((err as EngineError).statusCode).toBe(404);
  });

  it('inspects images: undefined when missing', async () => {
    expect(await engine.inspectImage('nope:missing')).toBeUndefined();
    const busybox = await engine.inspectImage(IMAGE);
    expect(busybox?.id).toMatch(/^sha256:/);
    expect(busybox?.repoTags).toContain(IMAGE);
    const listed = await engine.listImages({ reference: 'busybox' });
    expect(listed.map((i) => i.id)).toContain(busybox?.id);
  });
});

describe('test harness', () => {
  it('cleanupProject removes containers, networks and volumes of the project only', async () => {
    const mine = uniqueProject('harness');
    const other = uniqueProject('harness');
    try {
      for (const p of [mine, other]) {
        const c = await engine.createContainer(`${p}-x-1`, { Image: IMAGE, Cmd: idleCommand(), Labels: projectLabels(p) });
        await engine.startContainer(c.id);
        await engine.createNetwork({ Name: `${p}_net`, Labels: projectLabels(p) });
        await engine.createVolume({ Name: `${p}_vol`, Labels: projectLabels(p) });
      }
      const removed = await cleanupProject(engine, mine);
      expect(removed).toEqual({ containers: 1, networks: 1, volumes: 1 });
      const filter = `label=${PROJECT_LABEL}=${mine}`;
      expect((await docker('ps', '-aq', '--filter', filter)).trim()).toBe('');
      expect((await docker('network', 'ls', '-q', '--filter', filter)).trim()).toBe('');
      expect((await docker('volume', 'ls', '-q', '--filter', filter)).trim()).toBe('');
      // The other project is untouched.
      expect((await docker('ps', '-q', '--filter', `label=${PROJECT_LABEL}=${other}`)).trim()).not.toBe('');
    } finally {
      await cleanupProject(engine, mine);
      await cleanupProject(engine, other);
    }
  });

  it('uniqueProject gives distinct valid names', () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueProject('My Test!')));
    expect(names.size).toBe(50);
    for (const n of names) expect(n).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
  });
});
