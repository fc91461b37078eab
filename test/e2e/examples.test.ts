/**
 * The example stacks with real software (examples/fig-counter, web-api-db, reverse-proxy,
 * counter-watch, web-api-db-multihost), each brought up from a copy of its folder under a unique project name, checked
 * through its real interface (HTTP on a loopback port the test chose) and the engine's state,
 * and taken down (web-api-db-multihost runs on the multi-host rig, `bash scripts/hosts.sh up 3`,
 * and is checked from inside its web container on rig host 1). beforeAll runs `bash scripts/images.sh` (idempotent: it builds the Debian
 * base image tsfig.local/examples-base:bookworm once per machine, minutes; then seconds).
 * afterAll removes what the examples made, by project label, and the images they built.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/engine.js';
import { BASE_IMAGE, copyExample, images } from './support/examples.js';
import { engineFromEnv, eventually, PROJECT_LABEL, requireEngine } from './support/harness.js';
import { cleanupStack, containersOf, ok, rigUp, spawnTsfig } from './support/stack.js';

let engine: Engine;
const made: Array<{ project: string; dir: string; services: string[] }> = [];
/** Images to remove at the end (by id), e.g. those a rebuild replaced. */
const extraImages = new Set<string>();

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
  await images();
  expect((await engine.inspectImage(BASE_IMAGE))?.id).toMatch(/^sha256:/);
}, 1_600_000);

afterAll(async () => {
  for (const m of made.splice(0)) {
    await ok(m.dir, m.project, ['down', '-v', '--rmi', 'local', '-t', '1']).catch(() => undefined);
    await cleanupStack(engine, m.project);
    for (const s of m.services) await engine.removeImage(`${m.project}-${s}`, { force: true }).catch(() => undefined);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
  for (const id of extraImages) await engine.removeImage(id, { force: true }).catch(() => undefined);
}, 300_000);

/** A copy of examples/<name> (and of the examples it builds from) in a temp folder, and a unique project name for it. */
function example(name: string, services: string[], siblings: string[] = []): { project: string; dir: string } {
  const copy = copyExample(name, siblings);
  made.push({ ...copy, services });
  return copy;
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function http(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  return { status: r.status, body: await r.text() };
}

async function get200(url: string): Promise<string> {
  const r = await http(url);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.body.slice(0, 200)}`);
  return r.body;
}

async function containerOf(project: string, service: string, n = 1): Promise<{ id: string; startedAt: string; image: string }> {
  const c = await engine.inspectContainer(`${project}-${service}-${n}`);
  return { id: c.id, startedAt: c.state.startedAt, image: c.image };
}

async function volumesOf(project: string): Promise<string[]> {
  return (await engine.listVolumes({ labels: { [PROJECT_LABEL]: project } })).map((v) => v.name).sort();
}

describe('scripts/images.sh', () => {
  it('tags the base image in the tsfig.local namespace with its recipe hash (tag and label); a second run builds nothing', async () => {
    const before = (await engine.inspectImage(BASE_IMAGE))!;
    const hash = before.config.labels['io.tsfig.examples-base.hash'] ?? '';
    expect(hash).toMatch(/^[0-9a-f]{12}$/);
    expect((await engine.inspectImage(`tsfig.local/examples-base:bookworm-${hash}`))?.id).toBe(before.id);
    const started = Date.now();
    const progress = await images();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(progress.trim().split('\n')).toHaveLength(1);
    expect((await engine.inspectImage(BASE_IMAGE))?.id).toBe(before.id);
  });
});

describe('examples/fig-counter: Fig 1.0 quick start (flat fig.yml, build, links, code volume)', () => {
  it('counts hits in Redis through links; an edit of the mounted code shows after tsfig up', async () => {
    const { project, dir } = example('fig-counter', ['web']);
    const port = await freePort();
    const env = { FIG_COUNTER_PORT: String(port) };
    const url = `http://127.0.0.1:${port}/`;
    await ok(dir, project, ['up', '-d'], env);

    expect((await ok(dir, project, ['port', 'web', '5000'], env)).stdout.trim()).toBe(`127.0.0.1:${port}`);
    const count = (body: string): number => {
      const m = /^Hello World! I have been seen (\d+) times\.$/m.exec(body);
      if (!m) throw new Error(`unexpected page: ${body.slice(0, 200)}`);
      return Number(m[1]);
    };
    const first = await eventually(async () => count(await get200(url)), { timeout: 60_000, interval: 500 });
    const second = count(await get200(url));
    const third = count(await get200(url));
    expect([second, third]).toEqual([first + 1, first + 2]);

    const before = await containerOf(project, 'web');
    const app = join(dir, 'app.py');
    writeFileSync(app, readFileSync(app, 'utf8').replace('Hello World!', 'Hello from tsfig!'));
    await ok(dir, project, ['up', '-d'], env);
    const after = await eventually(
      async () => {
        const m = /^Hello from tsfig! I have been seen (\d+) times\.$/m.exec(await get200(url));
        if (!m) throw new Error('the edit is not served yet');
        return Number(m[1]);
      },
      { timeout: 30_000, interval: 500 },
    );
    // The count lives in Redis (kept); the code came through the volume: web was not recreated.
    expect(after).toBeGreaterThan(third);
    expect((await containerOf(project, 'web')).id).toBe(before.id);

    await ok(dir, project, ['down']);
    expect(await containersOf(engine, project)).toEqual([]);
  }, 600_000);
});

describe('examples/web-api-db: web + API + PostgreSQL + Redis (healthchecks, service_healthy, named volume)', () => {
  it('a row written through the API survives down and up; down -v removes it', async () => {
    const { project, dir } = example('web-api-db', ['web', 'api', 'db']);
    const port = await freePort();
    const env = { WEB_API_DB_PORT: String(port) };
    const notes = `http://127.0.0.1:${port}/api/notes`;
    const list = async (): Promise<{ notes: Array<{ id: number; text: string }>; served: number }> =>
      JSON.parse(await get200(notes)) as { notes: Array<{ id: number; text: string }>; served: number };

    await ok(dir, project, ['up', '-d'], env);
    // up waited for db and cache to be healthy before starting api, and for api before web.
    for (const s of ['db', 'cache', 'api']) {
      expect((await engine.inspectContainer(`${project}-${s}-1`)).state.health?.status, s).toBe('healthy');
    }
    const page = await eventually(() => get200(`http://127.0.0.1:${port}/`), { timeout: 30_000, interval: 500 });
    expect(page).toContain('<h1>Notes</h1>');

    const text = `note ${project}`;
    const posted = await eventually(
      async () => {
        const r = await http(notes, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
        if (r.status !== 201) throw new Error(`POST: ${r.status} ${r.body.slice(0, 200)}`);
        return JSON.parse(r.body) as { id: number; text: string };
      },
      { timeout: 30_000, interval: 500 },
    );
    expect(posted.text).toBe(text);
    const a = await list();
    expect(a.notes).toEqual([{ id: posted.id, text }]);
    expect((await list()).served).toBe(a.served + 1); // counted in Redis

    const volume = `${project}_dbdata`;
    await ok(dir, project, ['down']);
    expect(await containersOf(engine, project)).toEqual([]);
    expect(await volumesOf(project)).toEqual([volume]);

    await ok(dir, project, ['up', '-d'], env);
    expect((await eventually(list, { timeout: 60_000, interval: 500 })).notes).toEqual([{ id: posted.id, text }]);

    await ok(dir, project, ['down', '-v']);
    expect(await volumesOf(project)).toEqual([]);
    await ok(dir, project, ['up', '-d'], env);
    expect((await eventually(list, { timeout: 60_000, interval: 500 })).notes).toEqual([]);
  }, 900_000);
});

describe('examples/reverse-proxy: nginx in front of three replicas', () => {
  it('answers come from all three replicas', async () => {
    const { project, dir } = example('reverse-proxy', ['proxy', 'app']);
    const port = await freePort();
    await ok(dir, project, ['up', '-d'], { REVERSE_PROXY_PORT: String(port) });
    const apps = (await containersOf(engine, project)).filter((c) => c.service === 'app');
    expect(apps.map((c) => c.number).sort()).toEqual([1, 2, 3]);
    const hostnames = new Set<string>();
    for (const c of apps) hostnames.add((await engine.inspectContainer(c.id)).config.hostname);
    expect(hostnames.size).toBe(3);

    const seen = new Set<string>();
    await eventually(
      async () => {
        for (let i = 0; i < 6; i++) seen.add((JSON.parse(await get200(`http://127.0.0.1:${port}/hello`)) as { served_by: string }).served_by);
        expect([...seen].sort()).toEqual([...hostnames].sort());
      },
      { timeout: 60_000, interval: 500 },
    );
  }, 600_000);
});

describe('examples/counter-watch: the dev loop under tsfig watch', () => {
  it('a code edit is served without a restart; a dependency file change rebuilds and recreates web', async () => {
    const { project, dir } = example('counter-watch', ['web']);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const child = spawnTsfig(dir, project, ['watch'], { COUNTER_WATCH_PORT: String(port) });
    let stderr = '';
    child.proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    try {
      await eventually(() => expect(stderr).toMatch(/watching 2 rules/), { timeout: 600_000, interval: 500, message: `tsfig watch said:\n${stderr}` });
      await eventually(async () => expect(await get200(url)).toMatch(/^Hello from the dev loop! I have been seen \d+ times\. \(built with: flask, redis\)$/m), { timeout: 60_000, interval: 500 });
      const before = await containerOf(project, 'web');

      const app = join(dir, 'app', 'app.py');
      writeFileSync(app, readFileSync(app, 'utf8').replace('Hello from the dev loop!', 'Hello, edited!'));
      await eventually(async () => expect(await get200(url)).toMatch(/^Hello, edited! I have been seen \d+ times\./m), { timeout: 60_000, interval: 500 });
      const synced = await containerOf(project, 'web');
      expect(synced.id).toBe(before.id);
      expect(synced.startedAt).toBe(before.startedAt);

      writeFileSync(join(dir, 'requirements.txt'), 'flask\nredis\nitsdangerous\n');
      extraImages.add(before.image);
      await eventually(async () => expect(await get200(url)).toMatch(/^Hello, edited! I have been seen \d+ times\. \(built with: flask, redis, itsdangerous\)$/m), {
        timeout: 300_000,
        interval: 500,
      });
      const rebuilt = await containerOf(project, 'web');
      expect(rebuilt.id).not.toBe(before.id);
      expect(rebuilt.image).not.toBe(before.image);
      expect(child.proc.exitCode).toBeNull();

      child.proc.kill('SIGINT');
      expect((await child.done).code).toBe(130);
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    }
  }, 900_000);
});

describe('examples/web-api-db-multihost: example 2 across three hosts over an overlay network', () => {
  const sock = (i: number): string => `unix:///run/tsfig-host${i}.sock`;
  let hosts: Engine[] = [];
  let stack: { project: string; dir: string } | undefined;

  beforeAll(async () => {
    await rigUp(3);
    await images(sock(1), sock(2), sock(3));
    hosts = [1, 2, 3].map((i) => connect(resolveEndpoint({ env: { DOCKER_HOST: sock(i) } })));
  }, 1_600_000);

  afterAll(async () => {
    if (stack === undefined) return;
    const { project, dir } = stack;
    await ok(dir, project, ['down', '-v', '--rmi', 'local', '-t', '1']).catch(() => undefined);
    for (const h of hosts) {
      await cleanupStack(h, project);
      for (const s of ['web', 'api', 'db']) await h.removeImage(`${project}-${s}`, { force: true }).catch(() => undefined);
    }
  }, 300_000);

  it('the app answers through web on host a; a note written there survives a recreate of every container', async () => {
    stack = example('web-api-db-multihost', [], ['web-api-db']);
    const { project, dir } = stack;
    const [a, , c] = hosts as [Engine, Engine, Engine];
    await ok(dir, project, ['up', '-d']);
    // Each service on its host: web on a, api on b, db and cache on c.
    for (const [i, services] of [[0, ['web']], [1, ['api']], [2, ['cache', 'db']]] as const) {
      expect((await containersOf(hosts[i]!, project)).map((x) => x.service).sort()).toEqual(services);
    }
    const web = `${project}-web-1`;
    const curl = async (...args: string[]): Promise<string> => {
      const r = await a.exec(web, { cmd: ['curl', '-sSf', '--max-time', '5', ...args] });
      if (r.exitCode !== 0) throw new Error(`curl ${args.join(' ')}: ${r.exitCode} ${r.stderr}`);
      return r.stdout;
    };
    const list = async (): Promise<Array<{ id: number; text: string }>> => (JSON.parse(await curl('http://127.0.0.1/api/notes')) as { notes: Array<{ id: number; text: string }> }).notes;

    const text = `across hosts ${project}`;
    const posted = JSON.parse(
      await eventually(() => curl('-X', 'POST', '-H', 'content-type: application/json', '-d', JSON.stringify({ text }), 'http://127.0.0.1/api/notes'), { timeout: 60_000, interval: 500 }),
    ) as { id: number; text: string };
    expect(await list()).toEqual([{ id: posted.id, text }]);

    const db = (await c.inspectContainer(`${project}-db-1`)).id;
    await ok(dir, project, ['up', '-d', '--force-recreate']);
    expect((await c.inspectContainer(`${project}-db-1`)).id).not.toBe(db);
    expect(await eventually(list, { timeout: 60_000, interval: 500 })).toEqual([{ id: posted.id, text }]);
  }, 900_000);
});
