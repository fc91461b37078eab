/**
 * The pure parts of run, exec, cp, images and events: command-line parsing, the one-off's
 * create body, the plan that brings up its dependencies, and the host side of cp.
 */
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execEnv } from '../../src/app/containers/exec.js';
import { parseIndex, serviceContainer } from '../../src/app/containers/locate.js';
import { oneOffOptions, parseEntrypointFlag, parseEnvFlags, parsePublishFlags, parseVolumeFlags } from '../../src/app/containers/run.js';
import { parseCpArgs } from '../../src/app/containers/cp.js';
import { imageRow, splitReference } from '../../src/app/containers/images.js';
import { humanSize } from '../../src/cli/commands/images.js';
import { eventTime, projectEvent } from '../../src/app/containers/events.js';
import { formatEvent } from '../../src/cli/commands/events.js';
import { extractEntries, hostEntries, isDirMode, mapEntryName } from '../../src/app/containers/cp-host.js';
import { readTar, writeTar } from '../../src/engine/tar.js';
import { renderPlan } from '../../src/reconcile/plan.js';
import { oneOffDependencies, oneOffService, oneOffSpec, type OneOffOptions } from '../../src/reconcile/oneoff.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { coded, host, made, resources, state } from '../support/observed.js';
import { load, parsedCommand, projectDir } from '../support/project.js';

const stack = `name: shop
services:
  web:
    image: busybox
    command: [httpd, -f]
    depends_on:
      db: {condition: service_healthy}
    ports: ["8080:80"]
    volumes: [/cache, ./conf:/conf]
    environment: {A: "1", B: "2"}
    restart: always
    container_name: the-web
    networks:
      default: {aliases: [www]}
  db:
    image: busybox
    healthcheck: {test: [CMD, "true"]}
`;

function project(text = stack) {
  const r = load(projectDir({ 'fig.yml': text }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const base: OneOffOptions = { id: 'abcdef012345', tty: false, stdin: true };

const parsed = (argv: string[], name: string) => parsedCommand(name, argv);

describe('command lines', () => {
  it('run: options before the service, everything after it is the command', async () => {
    const r = await parsed(['--rm', '-T', '-e', 'A=1', '-e', 'B', '-p', '80', '-v', '/x', '--no-deps', 'web', 'sh', '-c', 'exit 3', '-e', 'Z'], 'run');
    expect(r.args).toEqual(['web', ['sh', '-c', 'exit 3', '-e', 'Z']]);
    expect(r.opts).toMatchObject({ rm: true, TTY: false, env: ['A=1', 'B'], publish: ['80'], volume: ['/x'], deps: false });
    const d = await parsed(['-d', 'web'], 'run');
    expect(d.args).toEqual(['web', []]);
    expect(d.opts).toMatchObject({ detach: true, TTY: true, deps: true });
  });

  it('exec: the same, with --index and a required command', async () => {
    const r = await parsed(['--index', '2', '-u', 'nobody', '-w', '/tmp', 'web', 'ls', '-la'], 'exec');
    expect(r.args).toEqual(['web', ['ls', '-la']]);
    expect(r.opts).toMatchObject({ index: '2', user: 'nobody', workdir: '/tmp' });
    await expect(parsed(['web'], 'exec')).rejects.toThrow();
  });

  it('-e: KEY=VAL as is; a bare KEY from the environment, else unset (run) or dropped (exec)', () => {
    expect(parseEnvFlags(['A=1', 'B=', 'C', 'D', 'E=x=y'], { C: 'from-env' })).toEqual({ A: '1', B: '', C: 'from-env', D: null, E: 'x=y' });
    expect(execEnv(['A=1', 'C', 'D'], { C: 'c' })).toEqual(['A=1', 'C=c']);
    expect(() => parseEnvFlags(['=x'], {})).toThrow(/KEY=VALUE/);
    expect(() => execEnv(['=x'], {})).toThrow(/KEY=VALUE/);
  });

  it('-p, -v, --entrypoint, --index', () => {
    expect(parsePublishFlags(['127.0.0.1:8080:80/udp'])).toEqual([{ target: 80, published: '8080', host_ip: '127.0.0.1', protocol: 'udp', mode: 'ingress' }]);
    expect(() => parsePublishFlags(['99999'])).toThrow(/invalid port "99999"/);
    expect(parseVolumeFlags(['./d:/d:ro', '/anon'], { projectDir: '/p', homeDir: '/h' })).toMatchObject([
      { type: 'bind', source: '/p/d', target: '/d', read_only: true },
      { type: 'volume', target: '/anon' },
    ]);
    expect(() => parseVolumeFlags(['a:b:c:d'], { projectDir: '/p', homeDir: '/h' })).toThrow(/invalid volume/);
    expect(parseEntrypointFlag('sh -c "echo hi"')).toEqual(['sh', '-c', 'echo hi']);
    expect(parseEntrypointFlag('')).toEqual([]);
    expect(parseEntrypointFlag(undefined)).toBeUndefined();
    expect(parseIndex('3')).toBe(3);
    expect(() => parseIndex('0')).toThrow(/--index/);
    expect(() => parseIndex('x')).toThrow(/--index/);
  });

  it('a TTY only when attached, stdin is a terminal and -T is not given', () => {
    const ctx = { env: {}, projectDir: '/p', homeDir: '/h', id: 'abcdef012345' };
    expect(() => oneOffOptions({ servicePorts: true, publish: ['8080:80'] }, [], { ...ctx, stdinIsTTY: false })).toThrow('--service-ports and --publish are incompatible');
    expect(oneOffOptions({ servicePorts: true }, [], { ...ctx, stdinIsTTY: false })).toMatchObject({ servicePorts: true });
    expect(oneOffOptions({}, [], { ...ctx, stdinIsTTY: true })).toMatchObject({ tty: true, stdin: true });
    expect(oneOffOptions({ TTY: false }, [], { ...ctx, stdinIsTTY: true })).toMatchObject({ tty: false, stdin: true });
    expect(oneOffOptions({}, [], { ...ctx, stdinIsTTY: false })).toMatchObject({ tty: false, stdin: true });
    expect(oneOffOptions({ detach: true, rm: true }, [], { ...ctx, stdinIsTTY: true })).toMatchObject({ tty: false, stdin: false, autoRemove: true });
    expect(oneOffOptions({}, ['ls'], { ...ctx, stdinIsTTY: false }).command).toEqual(['ls']);
  });

  it('cp: exactly one side is SERVICE:PATH; container paths are absolute', () => {
    expect(parseCpArgs('web:/etc/hosts', './hosts')).toEqual({ direction: 'from', service: 'web', containerPath: '/etc/hosts', hostPath: './hosts' });
    expect(parseCpArgs('/tmp/a', 'web:tmp/')).toEqual({ direction: 'to', service: 'web', containerPath: '/tmp/', hostPath: '/tmp/a' });
    expect(parseCpArgs('./a:b', 'db:/x')).toMatchObject({ direction: 'to', hostPath: './a:b' });
    expect(() => parseCpArgs('a', 'b')).toThrow(/SERVICE:PATH/);
    expect(() => parseCpArgs('a:/x', 'b:/y')).toThrow(/two containers/);
    expect(() => parseCpArgs('web:', '/x')).toThrow(/no path/);
  });
});

describe('one-off containers', () => {
  it('the service as a one-off: no ports, restart or container_name; command, entrypoint, env, user, workdir, volumes replaced', () => {
    const p = project();
    const svc = p.services.web!;
    const s = oneOffService(svc, {
      ...base,
      command: ['ls'],
      environment: { B: 'x', C: null },
      user: 'nobody',
      workingDir: '/w',
      volumes: [{ type: 'volume', target: '/cache', source: 'other' }],
    });
    expect(s.ports).toEqual([]);
    expect(s.restart).toBe('no');
    expect(s.container_name).toBeUndefined();
    expect(s.command).toEqual(['ls']);
    expect(s.environment).toEqual({ A: '1', B: 'x', C: null });
    expect([s.user, s.working_dir]).toEqual(['nobody', '/w']);
    expect(s.volumes.map((v) => v.target)).toEqual(['/conf', '/cache']);
    expect(oneOffService(svc, { ...base, servicePorts: true, ports: [{ target: 81, protocol: 'tcp' }] }).ports.map((x) => x.target)).toEqual([80, 81]);
    // An entrypoint without a command clears the service's command.
    expect(oneOffService(svc, { ...base, entrypoint: ['env'] })).toMatchObject({ entrypoint: ['env'], command: [] });
    expect(oneOffService(svc, { ...base, entrypoint: ['env'], command: ['x'] })).toMatchObject({ entrypoint: ['env'], command: ['x'] });
  });

  it('its create body: one-off labels, its own name as the only alias, stdin kept open when attached', () => {
    const p = project();
    const observed = state(p, resources(p));
    const spec = oneOffSpec(p, observed, 'web', { ...base, tty: true }, '0.1.0');
    expect(spec.name).toBe('shop-web-run-abcdef012345');
    expect(spec.host).toBe('default');
    const b = spec.body;
    expect(b.Labels).toMatchObject({ 'io.tsfig.project': 'shop', 'io.tsfig.service': 'web', 'io.tsfig.oneoff': 'True' });
    expect(b.Labels?.['io.tsfig.number']).toBeUndefined();
    expect(b.NetworkingConfig?.EndpointsConfig?.shop_default?.Aliases).toEqual(['shop-web-run-abcdef012345']);
    expect(b.HostConfig?.PortBindings).toBeUndefined();
    expect(b.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
    expect([b.Tty, b.OpenStdin, b.StdinOnce, b.AttachStdin]).toEqual([true, true, true, true]);
    expect(b.Cmd).toEqual(['httpd', '-f']);
    const d = oneOffSpec(p, observed, 'web', { ...base, name: 'mine', stdin: false, autoRemove: true }, '0.1.0');
    expect(d.name).toBe('mine');
    expect([d.body.Tty, d.body.OpenStdin, d.body.AttachStdin]).toEqual([false, false, undefined]);
    expect(d.body.HostConfig?.AutoRemove).toBe(true);
  });

  it('dependencies: the up plan of the service without its own containers, conditions kept', () => {
    const p = project();
    const fresh = oneOffDependencies(p, state(p), 'web', { version: '0.1.0' });
    expect(renderPlan(fresh).split('\n').filter((l) => !l.startsWith('?'))).toEqual(['+ network shop_default: create (missing)', '+ container shop-db-1: create (missing)', '']);
    expect(fresh.nodes.some((n) => n.op.type === 'container.wait' && n.op.service === 'db')).toBe(true);
    for (const n of fresh.nodes) for (const d of n.deps) expect(fresh.nodes.some((x) => x.id === d)).toBe(true);

    const noDeps = oneOffDependencies(p, state(p), 'web', { version: '0.1.0', noDeps: true });
    expect(renderPlan(noDeps)).toBe('+ network shop_default: create (missing)\n');

    // The service's own container, stale or stopped, is left alone; one-offs are not replicas.
    const h = resources(p);
    h.containers = [made(p, 'db'), made(p, 'web', 1, { name: 'the-web', configHash: 'stale', state: 'exited' }), made(p, 'web', 0, { name: 'shop-web-run-1', oneoff: true })];
    const plan = oneOffDependencies(p, state(p, h), 'web', { version: '0.1.0' });
    expect(plan.groups.filter((g) => g.verb !== 'wait')).toEqual([]);
    expect(plan.nodes.map((n) => n.op.type)).toEqual(['container.wait']);
    expect(plan.errors).toEqual([]);

    // Orphans are up's business: a one-off's plan says nothing of them; other warnings stay.
    h.containers.push(made(p, 'gone', 1));
    const down = host('far', { reachable: false });
    expect(coded(reconcile(p, state(p, h, down), { version: '0.1.0', services: ['web'] }).warnings)).toEqual(['PLAN_HOST_UNREACHABLE', 'PLAN_ORPHANS']);
    expect(coded(oneOffDependencies(p, state(p, h, down), 'web', { version: '0.1.0' }).warnings)).toEqual(['PLAN_HOST_UNREACHABLE']);
  });
});

describe('exec, images, events', () => {
  it('serviceContainer: the numbered replica, running, or a clear error', () => {
    const p = project();
    const h = resources(p);
    h.containers = [made(p, 'db', 1), made(p, 'db', 2, { state: 'exited' }), made(p, 'web', 0, { oneoff: true })];
    const o = state(p, h);
    expect(serviceContainer(o, 'db', 1, { running: true }).name).toBe('shop-db-1');
    expect(() => serviceContainer(o, 'db', 2, { running: true })).toThrow(/not running/);
    expect(serviceContainer(o, 'db', 2, { running: false }).name).toBe('shop-db-2');
    expect(() => serviceContainer(o, 'db', 3, { running: true })).toThrow(/no container number 3 \(it has 1, 2\)/);
    expect(() => serviceContainer(o, 'web', 1, { running: true })).toThrow(/service web has no container running/);
  });

  it('images: sizes as docker prints them; repository and tag of the container\'s reference', () => {
    expect([0, 999, 1000, 1234, 1_984_287, 12_300_000_000].map(humanSize)).toEqual(['0B', '999B', '1kB', '1.23kB', '1.98MB', '12.3GB']);
    expect(splitReference('localhost:5000/app')).toEqual({ repository: 'localhost:5000/app', tag: 'latest' });
    expect(splitReference('app:1.2')).toEqual({ repository: 'app', tag: '1.2' });
    const images = [{ id: 'sha256:' + 'a'.repeat(64), repoTags: ['x:1', 'busybox:latest'], repoDigests: [], created: 0, size: 10, labels: {} }];
    expect(imageRow({ name: 'c', host: 'default', image: 'busybox', imageId: images[0]!.id }, images)).toEqual({
      host: 'default',
      container: 'c',
      repository: 'busybox',
      tag: 'latest',
      id: 'aaaaaaaaaaaa',
      size: 10,
    });
    expect(imageRow({ name: 'c', host: 'default', image: 'gone', imageId: 'sha256:' + 'b'.repeat(64) }, images)).toMatchObject({ repository: '<none>', tag: '<none>' });
  });

  it('events: the JSON shape, the config label left out, microsecond times', () => {
    const e = projectEvent({
      type: 'container',
      action: 'start',
      id: 'abc',
      time: 1_700_000_000,
      timeNano: 1_700_000_000_123_456_800,
      attributes: { name: 'shop-db-1', 'io.tsfig.service': 'db', 'io.tsfig.config': '{"huge":1}' },
    });
    expect(e).toEqual({ time: '2023-11-14T22:13:20.123457Z', type: 'container', action: 'start', id: 'abc', service: 'db', attributes: { 'io.tsfig.service': 'db', name: 'shop-db-1' } });
    expect(formatEvent(e)).toBe('2023-11-14T22:13:20.123457Z container start abc (io.tsfig.service=db, name=shop-db-1)\n');
    expect(eventTime({ time: 1, timeNano: 0 })).toBe('1970-01-01T00:00:01.000Z');
  });
});

describe('cp on the host side', () => {
  it('packs a folder (or only its content) and unpacks it renamed, links last, never outside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsfig-copy-'));
    try {
      const src = join(dir, 'src');
      mkdirSync(join(src, 'sub'), { recursive: true });
      writeFileSync(join(src, 'a'), 'A');
      writeFileSync(join(src, 'sub', 'x.sh'), 'X', { mode: 0o750 });
      symlinkSync('a', join(src, 'l'));
      const warnings: string[] = [];
      const warn = (m: string) => warnings.push(m);
      const names = async (root: string) => {
        const out: string[] = [];
        for await (const e of readTar(writeTar(hostEntries(src, root, warn)))) out.push(`${e.header.type} ${e.header.name}`);
        return out;
      };
      expect(await names('src')).toEqual(['directory src', 'file src/a', 'symlink src/l', 'directory src/sub', 'file src/sub/x.sh']);
      expect(await names('')).toEqual(['file a', 'symlink l', 'directory sub', 'file sub/x.sh']);

      await extractEntries(readTar(writeTar(hostEntries(src, 'src', warn))), dir, 'src', 'copy', warn);
      expect(readFileSync(join(dir, 'copy', 'sub', 'x.sh'), 'utf8')).toBe('X');
      expect(statSync(join(dir, 'copy', 'sub', 'x.sh')).mode & 0o777).toBe(0o750);
      expect(readlinkSync(join(dir, 'copy', 'l'))).toBe('a');
      expect(warnings).toEqual([]);

      // An archive rooted at "." (docker's `dir/.`) unpacked into an existing folder.
      const dotted = writeTar([
        { header: { name: '.', type: 'directory' } },
        { header: { name: './f', type: 'file', size: 1 }, body: Buffer.from('f') },
      ]);
      mkdirSync(join(dir, 'into'));
      await extractEntries(readTar(dotted), join(dir, 'into'), '.', '', warn);
      expect(readFileSync(join(dir, 'into', 'f'), 'utf8')).toBe('f');

      expect(() => mapEntryName('../etc/passwd', '..', 'x')).toThrow(/outside/);
      expect(() => mapEntryName('/etc/passwd', 'etc', 'x')).toThrow(/absolute/);
      expect(mapEntryName('other/f', 'src', 'x')).toBeUndefined();
      expect(mapEntryName('src/a/b', 'src', '')).toEqual(['a', 'b']);
      expect(isDirMode(2147484141)).toBe(true);
      expect(isDirMode(0o644)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('watch --prune', () => {
  it('is on by default, as in docker compose; --no-prune turns it off', async () => {
    expect((await parsedCommand('watch', [])).opts.prune).toBe(true);
    expect((await parsedCommand('watch', ['--prune'])).opts.prune).toBe(true);
    expect((await parsedCommand('watch', ['--no-prune'])).opts.prune).toBe(false);
  });
});
