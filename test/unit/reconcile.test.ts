import { describe, expect, it } from 'vitest';
import { isNoop, renderPlan } from '../../src/reconcile/plan.js';
import { planDown } from '../../src/reconcile/lifecycle.js';
import { reconcile, type ReconcileOptions } from '../../src/reconcile/reconcile.js';
import { coded, host, made, resources, state } from '../support/observed.js';
import { load, projectDir } from '../support/project.js';

const stack = `name: shop
services:
  web:
    image: busybox
    environment:
      DB_URL: postgres://db/shop
    depends_on: [db]
    volumes: [/cache]
  db:
    image: busybox
    volumes: [data:/var/lib/db]
  worker:
    image: busybox
    scale: 2
    network_mode: service:db
volumes:
  data: {}
`;

function project(text = stack) {
  const r = load(projectDir({ 'fig.yml': text }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const opts = (extra: Partial<ReconcileOptions> = {}): ReconcileOptions => ({ version: '0.1.0', ...extra });

describe('reconcile: golden plans from hand-made observed states', () => {
  it('creates everything from nothing, dependencies first', () => {
    const p = project();
    const plan = reconcile(p, state(p), opts());
    expect(renderPlan(plan)).toBe(
      [
        '+ network shop_default: create (missing)',
        '+ volume shop_data: create (missing)',
        '+ container shop-db-1: create (missing)',
        '+ container shop-web-1: create (missing)',
        '+ container shop-worker-1: create (missing)',
        '+ container shop-worker-2: create (missing)',
        '',
      ].join('\n'),
    );
    // web's start waits for db to be started; its create does not (creates overlap along a chain).
    const find = (type: string, name: string) => plan.nodes.find((n) => n.op.type === type && (n.op as { name?: string }).name === name)!;
    const dbStart = find('container.start', 'shop-db-1');
    const dbCreate = find('container.create', 'shop-db-1');
    expect(find('container.start', 'shop-web-1').deps).toContain(dbStart.id);
    expect(find('container.create', 'shop-web-1').deps).not.toContain(dbStart.id);
    expect(find('container.create', 'shop-web-1').deps).not.toContain(dbCreate.id);
    // worker shares db's network namespace: its create needs db running.
    expect(find('container.create', 'shop-worker-1').deps).toContain(dbStart.id);
  });

  it('a depends_on chain from nothing: every create is free of the chain, every start waits for the previous start; links wait for the name only', () => {
    const p = project(`name: chain
services:
  a:
    image: busybox
  b:
    image: busybox
    depends_on: [a]
  c:
    image: busybox
    depends_on:
      b: {condition: service_started}
  d:
    image: busybox
    links: [c]
  e:
    image: busybox
    volumes_from: [d]
`);
    const plan = reconcile(p, state(p), opts());
    const byOp = (type: string, svc: string) => plan.nodes.find((n) => n.op.type === type && (n.op as { name?: string }).name === `chain-${svc}-1`)!;
    const ids = (type: string) => new Set(plan.nodes.filter((n) => n.op.type === type).map((n) => n.id));
    const creates = ids('container.create');
    const starts = ids('container.start');
    for (const svc of ['a', 'b', 'c']) expect(byOp('container.create', svc).deps.filter((d) => creates.has(d) || starts.has(d))).toEqual([]);
    expect(byOp('container.start', 'b').deps).toEqual(expect.arrayContaining([byOp('container.create', 'b').id, byOp('container.start', 'a').id]));
    expect(byOp('container.start', 'c').deps).toContain(byOp('container.start', 'b').id);
    // links: the create needs the target's name to exist (legacy links on a default bridge), the start needs it running.
    expect(byOp('container.create', 'd').deps).toContain(byOp('container.create', 'c').id);
    expect(byOp('container.create', 'd').deps).not.toContain(byOp('container.start', 'c').id);
    expect(byOp('container.start', 'd').deps).toContain(byOp('container.start', 'c').id);
    // volumes_from: the create needs the source container as it is after its start.
    expect(byOp('container.create', 'e').deps).toContain(byOp('container.start', 'd').id);
  });

  it('an image written in full (docker.io/library/busybox) is the engine\'s busybox:latest: no pull', () => {
    const p = project('services:\n  web:\n    image: docker.io/library/busybox\n  api:\n    image: index.docker.io/library/busybox:latest\n');
    const plan = reconcile(p, state(p), opts());
    expect(plan.nodes.filter((n) => n.op.type === 'image.pull')).toEqual([]);
    expect(renderPlan(plan)).not.toMatch(/pull/);
  });

  it('an up-to-date project gives a plan without mutating operations', () => {
    const p = project();
    const h = resources(p);
    h.containers = [made(p, 'db'), made(p, 'web'), made(p, 'worker', 1), made(p, 'worker', 2)];
    const plan = reconcile(p, state(p, h), opts());
    expect(isNoop(plan)).toBe(true);
    expect(renderPlan(plan)).toBe('nothing to do: everything is up to date\n');
  });

  it('a kept container on only some of its networks is connected to the rest, a stray project network disconnected; a stopped one starts after', () => {
    const p = project('name: nets\nservices:\n  web:\n    image: busybox\n    networks:\n      front:\n        aliases: [www]\n      back: {}\n  db:\n    image: busybox\n    networks: [spare]\nnetworks:\n  front: {}\n  back: {}\n  spare: {}\n');
    const h = resources(p);
    h.containers = [made(p, 'web', 1, { networks: ['nets_back', 'nets_spare', 'bridge'], state: 'exited' }), made(p, 'db', 1, { networks: ['nets_spare'] })];
    const plan = reconcile(p, state(p, h), opts());
    expect(renderPlan(plan)).toBe(
      ['* container nets-web-1: configure (networks: not on nets_front; on nets_spare, which the file no longer gives it)', '> container nets-web-1: start (exited)', ''].join('\n'),
    );
    const connect = plan.nodes.find((n) => n.op.type === 'network.connect')!;
    expect(connect.op).toMatchObject({ network: 'nets_front', config: { Aliases: expect.arrayContaining(['www']) } });
    expect(plan.nodes.find((n) => n.op.type === 'network.disconnect')!.op).toMatchObject({ network: 'nets_spare' });
    const start = plan.nodes.find((n) => n.op.type === 'container.start')!;
    expect(start.deps).toContain(connect.id);
    // The engine's own `bridge` is not the project's: never touched.
    expect(plan.nodes.filter((n) => n.op.type === 'network.disconnect')).toHaveLength(1);
  });

  it('a container whose network was removed and made again (another ID) is recreated, naming the network; an external network is never judged so', () => {
    const p = project('name: nets\nservices:\n  web:\n    image: busybox\n    networks: [back, outside]\nnetworks:\n  back: {}\n  outside:\n    external: true\n');
    const h = resources(p);
    h.externalNetworks = { outside: true };
    const ids = { nets_back: 'net-back', outside: 'unlisted' };
    h.containers = [made(p, 'web', 1, { networks: ['nets_back', 'outside'], networkIds: ids })];
    expect(isNoop(reconcile(p, state(p, h), opts()))).toBe(true);
    h.containers = [made(p, 'web', 1, { networks: ['nets_back', 'outside'], networkIds: { ...ids, nets_back: 'removed-since' } })];
    expect(renderPlan(reconcile(p, state(p, h), opts()))).toBe('~ container nets-web-1: recreate (network nets_back was removed since it was made; its endpoint is gone)\n');
  });

  it('a container the engine cannot start for a stale task (left by an engine restart) is recreated, saying so; its dependents wait for it', () => {
    const p = project();
    const h = resources(p);
    const task = 'task 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef: already exists';
    h.containers = [made(p, 'db', 1, { state: 'created', status: 'Created', staleTask: task }), made(p, 'worker', 1), made(p, 'worker', 2)];
    const plan = reconcile(p, state(p, h), opts());
    expect(renderPlan(plan)).toBe(
      [
        `~ container shop-db-1: recreate (the engine cannot start it: ${task} (a task left by an engine restart))`,
        '+ container shop-web-1: create (missing)',
        '~ container shop-worker-1: recreate (network_mode service:db: db is recreated)',
        '~ container shop-worker-2: recreate (network_mode service:db: db is recreated)',
        '',
      ].join('\n'),
    );
    const dbStart = plan.nodes.find((n) => n.op.type === 'container.start' && n.op.name === 'shop-db-1')!;
    // web's start waits for db's (its create no longer does: only its start).
    const webStart = plan.nodes.find((n) => n.op.type === 'container.start' && n.op.name.startsWith('shop-web-1'))!;
    const before = new Set<string>();
    const walk = (id: string): void => {
      for (const d of plan.nodes.find((n) => n.id === id)?.deps ?? []) {
        if (before.has(d)) continue;
        before.add(d);
        walk(d);
      }
    };
    walk(webStart.id);
    expect(before).toContain(dbStart.id);
    // A created container without that error is only started.
    h.containers[0] = made(p, 'db', 1, { state: 'created', status: 'Created' });
    expect(renderPlan(reconcile(p, state(p, h), opts())).split('\n')[0]).toBe('> container shop-db-1: start (created)');
  });

  it('a container renamed out of band gets its name back, and what depends on it waits for the rename', () => {
    const p = project();
    const h = resources(p);
    h.containers = [made(p, 'db', 1, { name: 'my-db' }), made(p, 'web'), made(p, 'worker', 1), made(p, 'worker', 2)];
    const plan = reconcile(p, state(p, h), opts());
    expect(renderPlan(plan)).toBe('~ container shop-db-1: rename (renamed out of band to my-db)\n');
    expect(plan.nodes.map((n) => n.op)).toEqual([{ type: 'container.rename', host: 'default', name: h.containers[0]!.id, to: 'shop-db-1' }]);
  });

  it('a declared volume held by one tsfig did not make is used as it is, with a coded warning at the key, and never created', () => {
    const p = project();
    const h = host();
    h.foreignVolumes = ['shop_data'];
    const plan = reconcile(p, state(p, h), opts());
    expect(plan.nodes.some((n) => n.op.type === 'volume.create')).toBe(false);
    expect(coded(plan.warnings)).toEqual(['PLAN_VOLUME_FOREIGN fig.yml:17:3']);
  });

  it('a name held by a container tsfig did not make is a coded plan error at the service, and that container is not created', () => {
    const p = project();
    const h = host();
    h.foreignContainers = [{ name: 'shop-db-1', id: 'f'.repeat(64) }];
    const plan = reconcile(p, state(p, h), opts());
    expect(coded(plan.errors)).toEqual(['PLAN_NAME_TAKEN fig.yml:9:3']);
    expect(plan.nodes.some((n) => n.op.type === 'container.create' && n.op.name === 'shop-db-1')).toBe(false);
  });

  it('recreates only what changed, naming the field, and keeps anonymous volumes', () => {
    const before = project();
    const h = resources(before);
    const anon = 'a'.repeat(64);
    h.containers = [
      made(before, 'db'),
      made(before, 'web', 1, { mounts: [{ type: 'volume', name: anon, source: '', destination: '/cache', mode: '', rw: true }] }),
      made(before, 'worker', 1),
      made(before, 'worker', 2),
    ];
    const after = project(stack.replace('postgres://db/shop', 'postgres://db2/shop'));
    const plan = reconcile(after, state(after, h), opts());
    expect(renderPlan(plan)).toBe('~ container shop-web-1: recreate (environment.DB_URL changed)\n');
    const create = plan.nodes.find((n) => n.op.type === 'container.create')!;
    expect(create.op.type === 'container.create' && create.op.name).toMatch(/^shop-web-1_tsfig-new-/);
    const mounts = (create.op.type === 'container.create' && (create.op.body.HostConfig?.Mounts as Array<Record<string, unknown>>)) || [];
    expect(mounts).toEqual(expect.arrayContaining([expect.objectContaining({ Target: '/cache', Source: anon, Type: 'volume' })]));
    // replacement first, then stop, remove, rename, start: the old one lives until the new one exists
    expect(plan.nodes.map((n) => n.op.type)).toEqual(['container.create', 'container.stop', 'container.remove', 'container.rename', 'container.start']);
  });

  it('recreating a service recreates those that share its network namespace', () => {
    const before = project();
    const h = resources(before);
    h.containers = [made(before, 'db'), made(before, 'web'), made(before, 'worker', 1), made(before, 'worker', 2)];
    const after = project(stack.replace('volumes: [data:/var/lib/db]', 'volumes: [data:/var/lib/db]\n    user: nobody'));
    expect(renderPlan(reconcile(after, state(after, h), opts()))).toBe(
      [
        '~ container shop-db-1: recreate (user changed)',
        '~ container shop-worker-1: recreate (network_mode service:db: db is recreated)',
        '~ container shop-worker-2: recreate (network_mode service:db: db is recreated)',
        '',
      ].join('\n'),
    );
  });

  it('starts stopped containers, scales down highest first, reports orphans', () => {
    const p = project();
    const h = resources(p);
    h.containers = [
      made(p, 'db', 1, { state: 'exited' }),
      made(p, 'web'),
      made(p, 'worker', 1),
      made(p, 'worker', 2),
      made(p, 'worker', 3),
      made(p, 'worker', 4),
      made(p, 'gone', 1),
    ];
    const plan = reconcile(p, state(p, h), opts());
    expect(renderPlan(plan)).toBe(
      [
        '> container shop-db-1: start (exited)',
        '- container shop-worker-4: remove (scale worker to 2)',
        '- container shop-worker-3: remove (scale worker to 2)',
        'warning: found orphan containers (shop-gone-1) of services no longer in the project; run with --remove-orphans to remove them',
        '',
      ].join('\n'),
    );
    expect(renderPlan(reconcile(p, state(p, h), opts({ removeOrphans: true, scale: { worker: 4 } })))).toBe(
      ['> container shop-db-1: start (exited)', '- container shop-gone-1: remove (orphan: service gone is not in the project)', ''].join('\n'),
    );
  });

  it('finishes an interrupted recreate: a leftover replacement is removed, or renamed when the old one is gone', () => {
    const p = project();
    const h = resources(p);
    const old = made(p, 'db');
    const repl = made(p, 'db', 1, { name: 'shop-db-1_tsfig-new-abc', replaces: old.id, state: 'created' });
    h.containers = [old, repl, made(p, 'web'), made(p, 'worker', 1), made(p, 'worker', 2)];
    expect(renderPlan(reconcile(p, state(p, h), opts()))).toBe('- container shop-db-1_tsfig-new-abc: remove (leftover replacement of an interrupted recreate)\n');
    h.containers = [repl, made(p, 'web'), made(p, 'worker', 1), made(p, 'worker', 2)];
    expect(renderPlan(reconcile(p, state(p, h), opts()))).toBe(
      ['~ container shop-db-1: rename (finishing an interrupted recreate)', '> container shop-db-1: start (created)', ''].join('\n'),
    );
  });

  it('keeps one container per replica number', () => {
    const p = project();
    const h = resources(p);
    const newer = made(p, 'db');
    const dup = made(p, 'db', 1, { name: 'shop-db-1-dup', configHash: 'stale', created: 1 });
    h.containers = [newer, dup, made(p, 'web'), made(p, 'worker', 1), made(p, 'worker', 2)];
    expect(renderPlan(reconcile(p, state(p, h), opts()))).toBe('- container shop-db-1-dup: remove (duplicate of replica 1)\n');
  });

  it('pulls a missing image; refuses a missing external volume before doing anything', () => {
    const p = project(stack.replace(/image: busybox/g, 'image: registry.local/app:1'));
    expect(renderPlan(reconcile(p, state(p), opts())).split('\n')[2]).toBe('v image registry.local/app:1: pull (not on the host)');
    const ext = project(stack.replace('data: {}', 'data:\n    external: true'));
    const plan = reconcile(ext, state(ext), opts());
    // At the volume's key in the file (volumes: data:, line 17).
    expect(coded(plan.errors)).toEqual(['PLAN_EXTERNAL_VOLUME_MISSING fig.yml:17:3']);
  });

  it('changes nothing on a host that did not answer', () => {
    const p = project();
    const plan = reconcile(p, state(p, host('default', { reachable: false, error: 'cannot reach the Docker engine at unix:///x: connect ENOENT' })), opts());
    expect(plan.nodes).toEqual([]);
    // The default host is not declared under hosts: no position.
    expect(coded(plan.warnings)).toEqual(['PLAN_HOST_UNREACHABLE']);
    expect(plan.warnings[0]!.severity).toBe('warning');
  });

  it('--force-recreate, --no-recreate and --no-deps', () => {
    const p = project();
    const h = resources(p);
    h.containers = [made(p, 'db'), made(p, 'web'), made(p, 'worker', 1), made(p, 'worker', 2)];
    expect(renderPlan(reconcile(p, state(p, h), opts({ forceRecreate: true, services: ['web'], noDeps: true })))).toBe('~ container shop-web-1: recreate (--force-recreate)\n');
    const changed = project(stack.replace('postgres://db/shop', 'x'));
    expect(isNoop(reconcile(changed, state(changed, h), opts({ noRecreate: true })))).toBe(true);
  });

  it('waits for depends_on conditions with read-only waits', () => {
    const p = project(stack.replace('depends_on: [db]', 'depends_on:\n      db:\n        condition: service_healthy'));
    const plan = reconcile(p, state(p), opts());
    const wait = plan.nodes.find((n) => n.op.type === 'container.wait')!;
    expect(wait.op).toMatchObject({ service: 'db', condition: 'healthy', names: ['shop-db-1'] });
    const webStart = plan.nodes.find((n) => n.op.type === 'container.start' && n.op.name === 'shop-web-1')!;
    expect(webStart.deps).toContain(wait.id);
  });

  it('a changed network is recreated with its containers disconnected and reconnected, not recreated', () => {
    const p = project();
    const h = resources(p);
    h.networks[0]!.configHash = 'an older definition';
    h.containers = [made(p, 'db'), made(p, 'web'), made(p, 'worker', 1, { networks: [] }), made(p, 'worker', 2, { networks: [] })];
    const plan = reconcile(p, state(p, h), opts());
    expect(renderPlan(plan)).toBe('~ network shop_default: recreate (its definition changed; containers are disconnected and reconnected)\n');
    expect(plan.nodes.map((n) => n.op.type)).toEqual(['network.disconnect', 'network.disconnect', 'network.remove', 'network.create', 'network.connect', 'network.connect']);
    const connect = plan.nodes.find((n) => n.op.type === 'network.connect')!;
    expect(connect.op).toMatchObject({ network: 'shop_default', config: { Aliases: ['shop-db-1', 'db'] } });
  });

  it('a changed volume is reported, never recreated', () => {
    const p = project();
    const h = resources(p);
    h.volumes[0]!.labels['io.tsfig.config-hash'] = 'an older definition';
    h.containers = [made(p, 'db'), made(p, 'web'), made(p, 'worker', 1), made(p, 'worker', 2)];
    const plan = reconcile(p, state(p, h), opts());
    expect(isNoop(plan)).toBe(true);
    expect(coded(plan.warnings)).toEqual(['PLAN_VOLUME_CHANGED fig.yml:17:3']);
    // Printed as config diagnostics are: the position first, relative to the directory.
    expect(renderPlan(plan, p.workingDir).split('\n')[1]).toMatch(/^fig\.yml:17:3: warning: volume shop_data /);
  });

  it('--force-recreate-volumes: the containers mounting a changed volume go first, then it is made anew, then they are created again', () => {
    const p = project();
    const h = resources(p);
    h.volumes[0]!.labels['io.tsfig.config-hash'] = 'an older definition';
    h.containers = [
      made(p, 'db', 1, { mounts: [{ type: 'volume', name: 'shop_data', source: '', destination: '/var/lib/db', mode: '', rw: true }] }),
      made(p, 'web'),
      made(p, 'worker', 1),
      made(p, 'worker', 2),
    ];
    const plan = reconcile(p, state(p, h), opts({ recreateVolumes: true }));
    expect(renderPlan(plan)).toBe(
      [
        '~ volume shop_data: recreate (its definition changed (--force-recreate-volumes: its data is deleted))',
        '+ container shop-db-1: create (missing)',
        '~ container shop-worker-1: recreate (network_mode service:db: db is recreated)',
        '~ container shop-worker-2: recreate (network_mode service:db: db is recreated)',
        '',
      ].join('\n'),
    );
    const create = plan.nodes.find((n) => n.op.type === 'volume.create')!;
    const dbCreate = plan.nodes.find((n) => n.op.type === 'container.create' && n.op.name === 'shop-db-1')!;
    expect(dbCreate.deps).toContain(create.id);
  });
});

describe('volumes the file declares are never removed as anonymous ones', () => {
  it('an external volume with a 64-hex name, mounted by a container -V renews or an orphan: kept', () => {
    const hex = 'e'.repeat(64);
    const p = project(`name: shop
services:
  db:
    image: busybox
    volumes: [keep:/data]
volumes:
  keep: {external: true, name: ${hex}}
`);
    const mounts = [{ type: 'volume', name: hex, destination: '/data' }] as never;
    const renew = reconcile(p, state(p, resources(p, host('default', { containers: [made(p, 'db', 1, { mounts })], externalVolumes: { [hex]: true } }))), opts({ renewAnonVolumes: true, forceRecreate: true }));
    expect(renew.nodes.filter((n) => n.op.type === 'volume.remove')).toEqual([]);
    const orphan = reconcile(p, state(p, resources(p, host('default', { containers: [made(p, 'db', 1), made(p, 'gone', 1, { mounts })], externalVolumes: { [hex]: true } }))), opts({ removeOrphans: true }));
    expect(orphan.nodes.some((n) => n.op.type === 'container.remove')).toBe(true);
    expect(orphan.nodes.filter((n) => n.op.type === 'volume.remove')).toEqual([]);
  });
});

describe('plan errors and warnings: a code, and the position of the key they concern', () => {
  const file = `name: shop
hosts:
  far: {docker: "unix:///run/far.sock"}
services:
  web:
    image: busybox
    container_name: shop-web
    networks: [front]
  api:
    image: busybox
    annotations: {team: shop}
networks:
  front:
    external: true
`;

  it('a missing external network: at the network; the printed line starts with the position', () => {
    const p = project(file);
    const plan = reconcile(p, state(p), opts({ services: ['web'] }));
    expect(coded(plan.errors)).toEqual(['PLAN_EXTERNAL_NETWORK_MISSING fig.yml:13:3']);
    expect(plan.errors[0]!.loc).toMatchObject({ endLine: 13, endCol: 8 });
    expect(renderPlan(plan, p.workingDir).split('\n').filter((l) => l.includes('error: '))).toEqual([expect.stringMatching(/^fig\.yml:13:3: error: external network front /)]);
  });

  it('container_name scaled above 1 (--scale): at container_name', () => {
    const p = project(file);
    const h = host('default', { externalNetworks: { front: true } });
    expect(coded(reconcile(p, state(p, h), opts({ services: ['web'], scale: { web: 2 } })).errors)).toEqual(['PLAN_SCALE_CONTAINER_NAME fig.yml:7:5']);
  });

  it("a create body the engine cannot take (the spec's error): at the key the spec names", () => {
    const p = project(file);
    // annotations need API 1.43; the hand-made host speaks 1.41.
    expect(coded(reconcile(p, state(p), opts({ services: ['api'] })).errors)).toEqual(['PLAN_SPEC fig.yml:11:5']);
  });

  it('a service named on the command line that does not exist: a code, no position', () => {
    const p = project(file);
    expect(coded(reconcile(p, state(p), opts({ services: ['nope'] })).errors)).toEqual(['PLAN_UNKNOWN_SERVICE']);
  });

  it('a declared host that did not answer: a warning at the host', () => {
    const p = project(file.replace('    image: busybox\n    annotations: {team: shop}\n', '    image: busybox\n    host: far\n'));
    const plan = reconcile(p, state(p, host('default'), host('far', { reachable: false, error: 'down' })), opts({ services: ['api'] }));
    expect(coded(plan.warnings)).toEqual(['PLAN_HOST_UNREACHABLE fig.yml:3:3']);
    expect(plan.warnings[0]!.severity).toBe('warning');
  });

  it('a host whose overlay state could not be read: an error for up, a warning for down, at the host', () => {
    const t = `name: ov\nhosts:\n  a: {docker: "unix:///run/a.sock", address: 192.168.77.1}\nservices:\n  web: {image: busybox, host: a, networks: [back]}\nnetworks:\n  back: {driver: overlay}\n`;
    const p = project(t);
    const unread = { ok: false, error: 'no helper image', missing: [], vxlans: [], bridges: [], fdb: {}, jump: false, dockerUser: false };
    const o = state(p, host('default'), host('a', { overlay: unread }));
    expect(coded(reconcile(p, o, opts()).errors)).toEqual(['PLAN_OVERLAY_UNREADABLE fig.yml:3:3']);
    const down = planDown(p, o, {});
    expect(coded(down.warnings)).toEqual(['PLAN_OVERLAY_UNREADABLE fig.yml:3:3']);
    expect(down.warnings[0]!.severity).toBe('warning');
  });

  it('a project without source positions (made by hand, or copied): the same codes, no positions', () => {
    const p = structuredClone(project(file));
    expect(coded(reconcile(p, state(p), opts({ services: ['web'] })).errors)).toEqual(['PLAN_EXTERNAL_NETWORK_MISSING']);
  });
});
