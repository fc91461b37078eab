/**
 * Remote build contexts (git and tarball URLs): kept as written by the loader, planned like any
 * build (no local folder involved), built by the engine itself (`POST /build?remote=URL`, no
 * body), `dockerfile` passed through; `dockerfile_inline` with one is a plan error.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, resolveEndpoint } from '../../src/engine/connect.js';
import { EngineError } from '../../src/errors.js';
import { execute } from '../../src/reconcile/execute.js';
import { buildSpec, isRemoteContext } from '../../src/reconcile/images.js';
import type { Op, Plan } from '../../src/reconcile/plan.js';
import { planImages, reconcile, type ReconcileOptions } from '../../src/reconcile/reconcile.js';
import { FakeEngine } from '../support/fake-engine.js';
import { coded, host, state } from '../support/observed.js';
import { load, projectDir } from '../support/project.js';

const GIT = 'https://github.com/example/app.git#v1.2:docker';
const opts = (extra: Partial<ReconcileOptions> = {}): ReconcileOptions => ({ version: '0.1.0', ...extra });

function project(text: string) {
  const r = load(projectDir({ 'fig.yml': text }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

describe('the loader and the planner', () => {
  it('the context stays as written (short and long form); the plan builds it, dockerfile as written', () => {
    const p = project(`name: shop\nservices:\n  web:\n    build:\n      context: ${GIT}\n      dockerfile: web/Dockerfile\n  api:\n    build: github.com/example/api\n  tar:\n    build: http://127.0.0.1:8000/ctx.tar.gz\n`);
    expect(p.services.web!.build).toMatchObject({ context: GIT, dockerfile: 'web/Dockerfile' });
    expect(p.services.api!.build!.context).toBe('github.com/example/api');
    expect(p.services.tar!.build!.context).toBe('http://127.0.0.1:8000/ctx.tar.gz');
    const plan = reconcile(p, state(p, host('default', { images: {} })), opts());
    expect(plan.errors).toEqual([]);
    const builds = plan.nodes.filter((n) => n.op.type === 'image.build').map((n) => (n.op as Extract<Op, { type: 'image.build' }>).build);
    expect(builds.map((b) => b.context).sort()).toEqual(['github.com/example/api', 'http://127.0.0.1:8000/ctx.tar.gz', GIT].sort());
    expect(buildSpec(p.services.web!, 'shop-web:latest', {})).toEqual({ context: GIT, dockerfile: 'web/Dockerfile', tags: ['shop-web:latest'], args: {} });
    // What counts as remote (one definition, the loader's too).
    for (const c of ['https://github.com/x/y.git#main:sub', 'http://host/ctx.tar.gz', 'git://127.0.0.1:9418/repo.git#b:sub', 'git@github.com:x/y.git', 'github.com/x/y']) expect(isRemoteContext(c)).toBe(true);
    for (const c of ['./app', '/abs/app', 'app', 'github.com']) expect(isRemoteContext(c)).toBe(false);
  });

  it('no fingerprint of a remote context: built when missing, with --build or pull_policy: build, not otherwise', () => {
    const p = project(`name: shop\nservices:\n  web:\n    build: ${GIT}\n  pinned:\n    build: ${GIT}\n    pull_policy: build\n`);
    const present = host('default', { images: { 'shop-web:latest': 'sha256:' + 'a'.repeat(64), 'shop-pinned:latest': 'sha256:' + 'a'.repeat(64) } });
    const built = (o: Partial<ReconcileOptions>) =>
      planImages(p, state(p, present), opts(o))
        .nodes.map((n) => (n.op as { service?: string }).service)
        .sort();
    expect(built({})).toEqual(['pinned']);
    expect(built({ build: 'always' })).toEqual(['pinned', 'web']);
    expect(planImages(p, state(p, host('default', { images: {} })), opts()).nodes).toHaveLength(2);
  });

  it('dockerfile_inline (or a local Dockerfile) with a remote context is one plan error naming the service, even with the image there', () => {
    const p = project(`name: shop\nservices:\n  web:\n    build:\n      context: ${GIT}\n      dockerfile_inline: "FROM busybox"\n  abs:\n    build:\n      context: ${GIT}\n      dockerfile: /home/u/Dockerfile\n`);
    const present = host('default', { images: { 'shop-web:latest': 'sha256:' + 'a'.repeat(64) } });
    const plan = reconcile(p, state(p, present), opts());
    // Each at the key that cannot go with a remote context.
    expect(coded(plan.errors)).toEqual(['PLAN_REMOTE_BUILD_INVALID fig.yml:10:7', 'PLAN_REMOTE_BUILD_INVALID fig.yml:6:7']);
    expect(plan.errors.map((e) => e.message.split(':')[0])).toEqual(['service abs', 'service web']);
    expect(plan.nodes.filter((n) => n.op.type === 'image.build')).toEqual([]);
    expect(planImages(p, state(p, present), opts({ services: ['web'], build: 'always' })).errors).toHaveLength(1);
  });
});

describe('the executor', () => {
  function buildPlan(build: Extract<Op, { type: 'image.build' }>['build']): Plan {
    const op: Op = { type: 'image.build', host: 'default', service: 'web', ref: 'p-web:latest', build };
    return { nodes: [{ id: 'b', op, deps: [], group: 'b' }], groups: [{ id: 'b', resource: { kind: 'image', name: 'p-web:latest' }, verb: 'build', cause: 'test', visible: true }], warnings: [], errors: [] };
  }

  it('sends the URL as remote and the Dockerfile as written, packs nothing', async () => {
    const fake = new FakeEngine();
    const result = await execute(buildPlan({ context: GIT, dockerfile: 'web/Dockerfile', tags: ['p-web:latest'], args: { A: '1' } }), { engines: { default: fake }, concurrency: 1 });
    expect(result.failed).toEqual([]);
    const call = fake.callsOf('buildImage')[0]!;
    expect(call.args[1]).toMatchObject({ tags: ['p-web:latest'], remote: GIT, dockerfile: 'web/Dockerfile', buildargs: { A: '1' } });
    // The fake reports the context bytes it read: none.
    expect(await fake.inspectImage('p-web:latest')).toBeDefined();
  });

  it('without dockerfile: none sent (the engine reads Dockerfile at the context root)', async () => {
    const fake = new FakeEngine();
    await execute(buildPlan({ context: 'git://127.0.0.1:9/repo.git#b:sub', tags: ['p-web:latest'], args: {} }), { engines: { default: fake }, concurrency: 1 });
    const sent = fake.callsOf('buildImage')[0]!.args[1] as Record<string, unknown>;
    expect(sent.remote).toBe('git://127.0.0.1:9/repo.git#b:sub');
    expect('dockerfile' in sent).toBe(false);
  });

  it("a failure names the service and the context, with the engine's message", async () => {
    const fake = new FakeEngine().fail('buildImage', 500, 'unable to prepare context: connection refused');
    const result = await execute(buildPlan({ context: 'http://127.0.0.1:9/ctx.tar.gz', tags: ['p-web:latest'], args: {} }), { engines: { default: fake }, concurrency: 1 });
    expect(result.failed.map((f) => f.message)).toEqual(['service web: build context http://127.0.0.1:9/ctx.tar.gz: unable to prepare context: connection refused']);
  });
});

describe('engine.buildImage on the wire', () => {
  interface Seen {
    method?: string;
    path: string;
    query: URLSearchParams;
    headers: IncomingMessage['headers'];
    body: Buffer;
  }
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!url.pathname.endsWith('/build')) {
        res.setHeader('Content-Type', 'application/json');
        res.end('{}');
        return;
      }
      seen.push({ method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) });
      res.setHeader('Content-Type', 'application/json');
      res.write('{"stream":"Step 1/1 : FROM busybox\\n"}\n');
      res.end(`{"aux":{"ID":"sha256:${'c'.repeat(64)}"}}\n`);
    });
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
  });
  const engine = () => connect(resolveEndpoint({ env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` } }));

  it('a remote context: POST /build?remote=URL with the dockerfile, and no body at all', async () => {
    seen.length = 0;
    let read = false;
    const context = new Readable({
      read() {
        read = true;
        this.push(null);
      },
    });
    const res = await engine().buildImage(context, { tags: ['app:1'], remote: GIT, dockerfile: 'web/Dockerfile' });
    expect(res.id).toBe(`sha256:${'c'.repeat(64)}`);
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.method).toBe('POST');
    expect(s.query.get('remote')).toBe(GIT);
    expect(s.query.get('dockerfile')).toBe('web/Dockerfile');
    expect(s.query.get('t')).toBe('app:1');
    expect(s.body.length).toBe(0);
    expect(s.headers['content-type']).toBeUndefined();
    expect(s.headers['transfer-encoding']).toBeUndefined();
    expect(read).toBe(false);

    // A local context still streams its archive, with no remote.
    seen.length = 0;
    await engine().buildImage(Readable.from([Buffer.from('tar bytes')]), { tags: ['app:1'] });
    expect(seen[0]!.query.has('remote')).toBe(false);
    expect(seen[0]!.body.toString()).toBe('tar bytes');
    expect(seen[0]!.headers['content-type']).toBe('application/tar');
  });

  it("an engine that cannot fetch the context: an EngineError with the engine's message", async () => {
    const asked: string[] = [];
    const failing = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.includes('/build')) asked.push(new URL(req.url, 'http://x').searchParams.get('remote') ?? '');
        res.statusCode = 500;
        res.setHeader('Content-Type', 'application/json');
        res.end(req.url?.includes('/build') ? '{"message":"unable to prepare context: unable to \'git clone\' to temporary context directory: connection refused"}' : '{}');
      });
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    try {
      const e = connect(resolveEndpoint({ env: { DOCKER_HOST: `tcp://127.0.0.1:${(failing.address() as AddressInfo).port}` } }));
      const err = await e.buildImage(Readable.from([]), { tags: ['app:1'], remote: 'git://127.0.0.1:9/r.git' }).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as Error).message).toBe("unable to prepare context: unable to 'git clone' to temporary context directory: connection refused");
      expect(asked).toEqual(['git://127.0.0.1:9/r.git']);
    } finally {
      failing.close();
    }
  });
});
