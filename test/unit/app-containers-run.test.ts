/**
 * run's decisions against the in-memory fake engine: which dependencies come up first, the
 * one-off's create body (name, labels, ports, AutoRemove), what --rm removes, the exit code.
 */
import { describe, expect, it } from 'vitest';
import { runOneOff, type RunFlags, type RunRequest } from '../../src/app/containers/run.js';
import type { ContainerCreateBody } from '../../src/engine/engine.js';
import { LABEL } from '../../src/model/labels.js';
import { AttachableEngine, fakeContainersContext, fakeTerminal, serviceLabels } from '../support/containers.js';
import { FakeEngine } from '../support/fake-engine.js';
import { load, projectDir } from '../support/project.js';

const NAME = `appcrun${process.pid}`;

function project() {
  const r = load(
    projectDir({
      'fig.yml': `name: ${NAME}
services:
  web:
    image: busybox
    command: [httpd, -f]
    depends_on: [db]
    ports: ["8080:80"]
    restart: always
    stop_grace_period: 3s
  db:
    image: busybox
`,
    }),
  );
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const ID = 'abcdef012345';
const request = (flags: RunFlags, command: string[] = []): RunRequest => ({ service: 'web', command, flags, env: { HOME: '/home/u', FROM_ENV: 'x' }, version: '0.0.0-test', id: ID });

function created(fake: FakeEngine): Array<{ name: string; body: ContainerCreateBody }> {
  return fake.callsOf('createContainer').map((c) => ({ name: c.args[0] as string, body: c.args[1] as ContainerCreateBody }));
}

describe('run: the one-off and its dependencies', () => {
  it('-d: the dependencies up first, then the one-off (its own name, one-off labels, no ports, no restart), started; its name back', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(), { default: fake });
    const r = await runOneOff(ctx, request({ detach: true, env: ['A=1', 'FROM_ENV'] }, ['echo', 'hi']), fakeTerminal());
    const oneoff = `${NAME}-web-run-${ID}`;
    expect(r).toEqual({ detached: oneoff });
    expect(created(fake).map((c) => c.name)).toEqual([`${NAME}-db-1`, oneoff]);
    const body = created(fake)[1]!.body;
    expect(body.Labels).toMatchObject({ [LABEL.project]: NAME, [LABEL.service]: 'web', [LABEL.oneoff]: 'True' });
    expect(body.Cmd).toEqual(['echo', 'hi']);
    expect(body.Env).toEqual(expect.arrayContaining(['A=1', 'FROM_ENV=x']));
    expect(body.HostConfig?.PortBindings ?? {}).toEqual({});
    expect(body.HostConfig?.RestartPolicy?.Name ?? '').not.toBe('always');
    expect(body.HostConfig?.AutoRemove).toBeUndefined();
    expect(fake.container(`${NAME}-db-1`)?.status).toBe('running');
    expect(fake.container(oneoff)?.status).toBe('running');
  });

  it('--no-deps: nothing but the one-off; --service-ports: the service ports published', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(), { default: fake });
    await runOneOff(ctx, request({ detach: true, deps: false, servicePorts: true }), fakeTerminal());
    expect(created(fake).map((c) => c.name)).toEqual([`${NAME}-web-run-${ID}`]);
    expect(created(fake)[0]!.body.HostConfig?.PortBindings).toEqual({ '80/tcp': [{ HostPort: '8080' }] });
  });

  it('-d --rm: the engine removes it when it exits (AutoRemove); a start that fails removes it now, exit 127 for a missing command', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(), { default: fake });
    await runOneOff(ctx, { ...request({ detach: true, rm: true, deps: false }), id: 'aaaaaaaaaaaa' }, fakeTerminal());
    expect(created(fake)[0]!.body.HostConfig?.AutoRemove).toBe(true);

    fake.fail('startContainer', 400, 'exec: "nope": executable file not found in $PATH', 1);
    const failed = runOneOff(ctx, { ...request({ detach: true, rm: true, deps: false }, ['nope']), id: 'bbbbbbbbbbbb' }, fakeTerminal());
    await expect(failed).rejects.toMatchObject({ exitCode: 127 });
    expect(fake.container(`${NAME}-web-run-bbbbbbbbbbbb`)).toBeUndefined();
  });

  it('attached: the terminal is claimed, the container attached then started; its exit code back; --rm removes it', async () => {
    const fake = new AttachableEngine();
    const ctx = fakeContainersContext(project(), { default: fake });
    const name = `${NAME}-web-run-${ID}`;
    const term = fakeTerminal(() => fake.exit(name, 3));
    const r = await runOneOff(ctx, request({ rm: true, deps: false }), term);
    expect(r).toEqual({ exitCode: 3 });
    expect(term.claimed).toBe(1);
    expect(term.connects).toBe(1);
    const order = fake.calls.map((c) => c.method).filter((m) => ['createContainer', 'startContainer', 'removeContainer'].includes(m));
    expect(order).toEqual(['createContainer', 'startContainer', 'removeContainer']);
    expect(fake.attached).toHaveLength(1);
    expect(created(fake)[0]!.body.OpenStdin).toBe(true);
    expect(fake.container(name)).toBeUndefined();
  });

  it('attached without --rm: the exited one-off stays', async () => {
    const fake = new AttachableEngine();
    const ctx = fakeContainersContext(project(), { default: fake });
    const name = `${NAME}-web-run-${ID}`;
    const r = await runOneOff(ctx, request({ deps: false }), fakeTerminal(() => fake.exit(name, 0)));
    expect(r).toEqual({ exitCode: 0 });
    expect(fake.container(name)?.status).toBe('exited');
  });

  it('a dependency that cannot be made: its plan fails, no one-off is made, the exit code back', async () => {
    const fake = new FakeEngine();
    fake.fail({ method: 'createContainer', target: `${NAME}-db-1` }, 500, 'no space left');
    const ctx = fakeContainersContext(project(), { default: fake });
    const r = await runOneOff(ctx, request({ detach: true }), fakeTerminal());
    expect(r).toEqual({ exitCode: 1 });
    expect(created(fake).map((c) => c.name)).toEqual([`${NAME}-db-1`]);
  });

  it('an unknown service: a usage error before anything is asked', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(project(), { default: fake });
    await expect(runOneOff(ctx, { ...request({ detach: true }), service: 'nope' }, fakeTerminal())).rejects.toMatchObject({ exitCode: 2 });
    expect(fake.calls).toEqual([]);
  });
});

describe("run: compose's flags (labels, capabilities, aliases, env files, images, orphans)", () => {
  const flagsProject = (files: Record<string, string> = {}) => {
    const r = load(
      projectDir({
        'fig.yml': `name: ${NAME}f
services:
  web:
    image: busybox
    command: [sleep, '60']
    labels: {team: a, keep: 'yes'}
    cap_add: [NET_ADMIN]
    cap_drop: [CHOWN, MKNOD]
    environment: {FROM_FILE: service, ONLY_SERVICE: s}
    networks:
      back: {aliases: [api]}
  app:
    build:
      context: .
      args: [FROM_ENV]
    image: ${NAME}f-app:dev
networks:
  back: {}
`,
        Dockerfile: 'FROM busybox\n',
        ...files,
      }),
    );
    if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
    return r.project;
  };

  it('-l, --cap-add, --cap-drop, --use-aliases: the create body carries them; tsfig\'s own labels stay', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(flagsProject(), { default: fake });
    const flags: RunFlags = { detach: true, label: ['team=b', 'extra=1=2', LABEL.project + '=mine'], capAdd: ['CHOWN', 'SYS_TIME'], capDrop: ['NET_ADMIN'], useAliases: true };
    await runOneOff(ctx, request(flags), fakeTerminal());
    const body = created(fake).at(-1)!.body;
    expect(body.Labels).toMatchObject({ team: 'b', keep: 'yes', extra: '1=2', [LABEL.project]: `${NAME}f`, [LABEL.oneoff]: 'True' });
    expect([...(body.HostConfig?.CapAdd ?? [])].sort()).toEqual(['CHOWN', 'SYS_TIME']);
    expect([...(body.HostConfig?.CapDrop ?? [])].sort()).toEqual(['MKNOD', 'NET_ADMIN']);
    const aliases = Object.values(body.NetworkingConfig?.EndpointsConfig ?? {}).flatMap((e) => e.Aliases ?? []);
    expect(aliases).toEqual(expect.arrayContaining(['web', 'api']));
  });

  it('without --use-aliases: only the container name as an alias, as before', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(flagsProject(), { default: fake });
    await runOneOff(ctx, request({ detach: true }), fakeTerminal());
    const aliases = Object.values(created(fake).at(-1)!.body.NetworkingConfig?.EndpointsConfig ?? {}).flatMap((e) => e.Aliases ?? []);
    expect(aliases).not.toContain('web');
    expect(aliases).not.toContain('api');
  });

  it('--env-from-file: its variables under -e, over the service\'s; ${VAR} from -e; relative to cwd; the first file wins', async () => {
    const dir = projectDir({
      'a.env': 'FROM_FILE=file\nFROM_E=file\nREF=${FROM_E}-x\n# comment\n',
      'b.env': 'FROM_FILE=second\nONLY_B=b\n',
    });
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(flagsProject(), { default: fake });
    await runOneOff(ctx, { ...request({ detach: true, env: ['FROM_E=e'], envFromFile: ['a.env', `${dir}/b.env`] }), cwd: dir }, fakeTerminal());
    const env = created(fake).at(-1)!.body.Env ?? [];
    expect(env).toEqual(expect.arrayContaining(['FROM_FILE=file', 'FROM_E=e', 'REF=e-x', 'ONLY_B=b', 'ONLY_SERVICE=s']));
    expect(env).not.toContain('FROM_FILE=service');
  });

  it('a missing --env-from-file, a label without =, a bad --pull: one usage line, nothing asked of the engine', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(flagsProject(), { default: fake });
    await expect(runOneOff(ctx, { ...request({ detach: true, envFromFile: ['nope.env'] }), cwd: '/nonexistent-dir' }, fakeTerminal())).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--env-from-file nope\.env: /) });
    await expect(runOneOff(ctx, request({ detach: true, label: ['novalue'] }), fakeTerminal())).rejects.toMatchObject({ exitCode: 2, message: 'invalid label "novalue": use KEY=VALUE' });
    await expect(runOneOff(ctx, request({ detach: true, pull: 'sometimes' }), fakeTerminal())).rejects.toMatchObject({ exitCode: 2 });
    expect(fake.calls).toEqual([]);
  });

  it('--build: the service\'s image is built again though it is there; without it, it is not', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(flagsProject(), { default: fake });
    await runOneOff(ctx, { ...request({ detach: true }), service: 'app', id: 'aaaaaaaaaaaa' }, fakeTerminal());
    expect(fake.callsOf('buildImage')).toHaveLength(1); // missing: built
    await runOneOff(ctx, { ...request({ detach: true }), service: 'app', id: 'bbbbbbbbbbbb' }, fakeTerminal());
    expect(fake.callsOf('buildImage')).toHaveLength(1); // there now: not built
    await runOneOff(ctx, { ...request({ detach: true, build: true }), service: 'app', id: 'cccccccccccc' }, fakeTerminal());
    expect(fake.callsOf('buildImage')).toHaveLength(2);
    // A build arg without a value takes it from the environment, as up's build does.
    expect(fake.callsOf('buildImage').map((c) => (c.args[1] as { buildargs?: Record<string, string> }).buildargs)).toEqual([{ FROM_ENV: 'x' }, { FROM_ENV: 'x' }]);
  });

  it('--pull always: the image is pulled though it is there; --pull never with a missing one: refused, no container', async () => {
    const fake = new FakeEngine();
    const ctx = fakeContainersContext(flagsProject(), { default: fake });
    await runOneOff(ctx, request({ detach: true, pull: 'always', quietPull: true }), fakeTerminal());
    expect(fake.callsOf('pullImage').map((c) => c.args[0])).toEqual(['busybox:latest']);
    expect(ctx.applyOptions[0]).toEqual({ quiet: { pull: true } });

    const r = load(projectDir({ 'fig.yml': `name: ${NAME}g\nservices:\n  web: {image: 'nothere:1'}\n` }));
    const fake2 = new FakeEngine();
    const ctx2 = fakeContainersContext(r.project!, { default: fake2 });
    await expect(runOneOff(ctx2, request({ detach: true, pull: 'never' }), fakeTerminal())).rejects.toThrow(/nothere/);
    expect(fake2.callsOf('pullImage', 'createContainer')).toEqual([]);
  });

  it('--remove-orphans: containers of services no longer in the file go first; without it they stay', async () => {
    const fake = new FakeEngine();
    const orphan = fake.seedContainer({ name: `${NAME}f-old-1`, labels: serviceLabels(`${NAME}f`, 'old', 1) });
    const ctx = fakeContainersContext(flagsProject(), { default: fake });
    await runOneOff(ctx, { ...request({ detach: true }), id: 'aaaaaaaaaaaa' }, fakeTerminal());
    expect(fake.container(orphan)).toBeDefined();
    await runOneOff(ctx, { ...request({ detach: true, removeOrphans: true }), id: 'bbbbbbbbbbbb' }, fakeTerminal());
    expect(fake.container(orphan)).toBeUndefined();
    expect(fake.container(`${NAME}f-web-run-bbbbbbbbbbbb`)?.status).toBe('running');
  });
});
