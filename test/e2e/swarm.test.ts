/**
 * The swarm backend on a three-node swarm (scripts/swarm.sh: node 1 manager, nodes 2-3 workers,
 * each a dockerd in its own network namespace). Checks the swarm's own state (inspect, tasks,
 * exec into task containers, `docker stack ps`), not tsfig's wording. dnsrr everywhere: this
 * kernel has no IPVS, so swarm's virtual IPs cannot route.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerResult, eventually, uniqueProject } from './support/harness.js';
import { run, spawnTsfig } from './support/stack.js';
import { dk, execInTask, MANAGER, nodeIds, nodeIndex, SOCK, swarmRig, tasksOf, type Task } from './support/swarm.js';
import { projectDir } from '../support/project.js';
import { applySwarmPlan } from '../../src/backend/swarm/apply.js';
import { desiredStack } from '../../src/backend/swarm/mapping.js';
import { asSwarm, observeStack } from '../../src/backend/swarm/observe.js';
import { planUp } from '../../src/backend/swarm/reconcile.js';
import { loadProject } from '../../src/config/load.js';
import { connectFromEnv } from '../../src/engine/connect.js';

async function versions(project: string): Promise<Record<string, number>> {
  const ids = (await dk(1, 'service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).trim().split('\n').filter(Boolean);
  const services = JSON.parse(await dk(1, 'service', 'inspect', ...ids)) as Array<{ Spec: { Name: string }; Version: { Index: number } }>;
  return Object.fromEntries(services.map((s) => [s.Spec.Name, s.Version.Index]));
}

/**
 * `http://web/` fetched from the client task (on the manager), retried while the swarm converges
 * (its service discovery and overlay peers spread by gossip) for `ms` at most. A fetch that
 * needed retries is logged; a failure says what the client's DNS answered and where web's tasks
 * are, so a stale name (discovery) can be told from an address that does not answer (overlay).
 */
async function fetchWebFromClient(client: string, web: string, ms = 60_000): Promise<string> {
  let attempts = 0;
  const started = Date.now();
  try {
    const body = await eventually(async () => {
      attempts += 1;
      return execInTask(client, 'timeout 3 wget -q -O - http://web/');
    }, { timeout: ms, interval: 500 });
    if (attempts > 1) console.log(`the client reached web after ${attempts} attempts (${Date.now() - started} ms)`);
    return body;
  } catch (err) {
    const lookup = await execInTask(client, 'nslookup web 2>&1; ip -4 -o addr 2>&1').catch((e: unknown) => String(e));
    const tasks = await tasksOf(web).catch(() => [] as Task[]);
    const attached = tasks.length ? await dk(1, 'inspect', '--format', '{{json .NetworksAttachments}}', ...tasks.map((t) => t.ID)).catch(() => '') : '';
    const ips = attached.trim().split('\n').map((l) => (l ? (JSON.parse(l) as Array<{ Addresses?: string[] }> | null) : null));
    const where = tasks.map((t, i) => `${t.ID.slice(0, 12)} ${t.Status.State} on ${t.NodeID.slice(0, 12)} at ${(ips[i] ?? []).flatMap((x) => x.Addresses ?? []).join(',')}`);
    throw new Error(`${(err as Error).message}\n  client resolves: ${lookup.replace(/\s+/g, ' ').trim()}\n  web tasks: ${where.join('; ')}\n  ${await gossipView(client)}`);
  }
}

/**
 * What each node's network database knows of the stack's overlay (`docker network inspect -v`):
 * its gossip peers and the service records it holds. A name the client cannot resolve while web
 * runs is a record that did not reach the client's node; this tells which node missed what.
 */
async function gossipView(client: string): Promise<string> {
  const project = client.replace(/_client$/, '');
  const out: string[] = [];
  for (const i of [1, 2, 3]) {
    const nets = (await dk(i, 'network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`).catch(() => '')).trim().split('\n').filter(Boolean);
    for (const id of nets) {
      const raw = await dk(i, 'network', 'inspect', '-v', id).catch((e: unknown) => String(e));
      try {
        const [n] = JSON.parse(raw) as Array<{ Name: string; Peers?: Array<{ IP: string }>; Services?: Record<string, { Tasks?: Array<{ EndpointIP: string }> }> }>;
        const services = Object.entries(n?.Services ?? {}).map(([k, v]) => `${k || '(none)'}=${(v.Tasks ?? []).map((t) => t.EndpointIP).join(',')}`);
        out.push(`node${i} ${n?.Name}: peers ${(n?.Peers ?? []).map((p) => p.IP).join(',') || 'none'}; records ${services.join(' ') || 'none'}`);
      } catch {
        out.push(`node${i} ${id}: ${raw.trim().slice(0, 200)}`);
      }
    }
  }
  return out.join('\n  ') || 'no overlay of the stack on any node';
}

const FILE = `
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /w && echo \\"rev $$REV\\" > /w/index.html && echo serving rev $$REV && trap 'exit 0' TERM; httpd -f -p 80 -h /w & wait"]
    environment:
      REV: "\${REV:-1}"
      HEALTHY: "\${HEALTHY:-yes}"
    healthcheck:
      test: ["CMD-SHELL", "[ \\"$$HEALTHY\\" = yes ] && timeout 2 wget -q -O /dev/null http://127.0.0.1/"]
      interval: 1s
      timeout: 5s
      retries: 3
    secrets: [token]
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      placement:
        constraints: ["node.role == worker"]
        preferences: [{spread: node.id}]
      update_config: {order: start-first, parallelism: 1, failure_action: rollback, monitor: 3s}
      rollback_config: {parallelism: 2, order: start-first}
      restart_policy: {condition: any, delay: 1s}
  client:
    image: busybox
    command: ["sh", "-c", "echo client up $$(hostname); trap 'exit 0' TERM; while :; do if timeout 2 wget -q -O - http://web/ >/dev/null 2>&1; then echo ok >> /tmp/log; else echo fail >> /tmp/log; fi; sleep 0.2 & wait; done"]
    deploy:
      endpoint_mode: dnsrr
      placement:
        constraints: ["node.role == manager"]
secrets:
  token:
    file: ./token.txt
networks:
  default:
    labels:
      tier: "\${TIER:-a}"
`;

describe('swarm backend on a three-node swarm', () => {
  const project = uniqueProject('swarm');
  const dir = projectDir({ 'fig.yml': FILE, 'token.txt': 'the-secret-42' }, project);
  const env = (extra: Record<string, string> = {}) => ({ DOCKER_HOST: MANAGER, TSFIG_ORCHESTRATOR: 'swarm', ...extra });
  const web = `${project}_web`;
  const client = `${project}_client`;

  beforeAll(() => swarmRig('up'), 300_000);
  afterAll(async () => {
    await run(dir, project, ['down'], env());
    // Whatever a failed run left (by the stack's label), and the rig back as it was.
    for (const kind of ['service', 'secret'] as const) {
      const ids = (await dockerResult('-H', MANAGER, kind, 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).stdout.trim().split('\n').filter(Boolean);
      if (ids.length) await dockerResult('-H', MANAGER, kind, 'rm', ...ids);
    }
    await swarmRig('up');
  }, 300_000);

  it('an engine that is no swarm manager is refused in one line naming docker swarm init', async () => {
    // The default engine (no swarm) and a worker.
    for (const host of [process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock', SOCK(2)]) {
      const r = await run(dir, project, ['ps'], env({ DOCKER_HOST: host }));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('docker swarm init');
    }
  });

  it('up --wait: replicas on the workers (constraint), a task reaches another by name across nodes, the secret mounted', async () => {
    const r = await run(dir, project, ['up', '-d', '--wait'], env());
    expect(r.stderr).toContain(`created service ${web}`);
    expect(r.code).toBe(0);
    const workers = await nodeIds('worker');
    const webTasks = await tasksOf(web);
    expect(webTasks).toHaveLength(2);
    for (const t of webTasks) expect(workers).toContain(t.NodeID);
    const [clientTask] = await tasksOf(client);
    expect(await nodeIds('manager')).toContain(clientTask!.NodeID);
    // The client on the manager, web on the workers: by name, over the overlay.
    expect(await fetchWebFromClient(client, web)).toBe('rev 1\n');
    expect(await execInTask(web, 'cat /run/secrets/token')).toBe('the-secret-42');
    // docker stack deploy's names and labels: docker's own stack commands see the stack.
    const ps = await dk(1, 'stack', 'ps', project, '--format', '{{.Name}} {{.DesiredState}}');
    expect(ps).toContain(`${web}.1 Running`);
    expect(ps).toContain(`${web}.2 Running`);
    expect(ps).toContain(`${client}.1 Running`);
    expect((await dk(1, 'service', 'inspect', web, '--format', '{{.Spec.EndpointSpec.Mode}}')).trim()).toBe('dnsrr');
  });

  it('a no-op up leaves every service version unchanged (zero updates)', async () => {
    const before = await versions(project);
    expect(Object.keys(before).sort()).toEqual([client, web]);
    const plan = await run(dir, project, ['plan'], env());
    expect(plan.stdout).toBe('nothing to do: the stack is up to date\n');
    expect(plan.stderr).not.toContain('differs from the file');
    expect((await run(dir, project, ['up', '-d'], env())).code).toBe(0);
    expect(await versions(project)).toEqual(before);
  });

  it('a network the file changed is never "up to date": a warning names it, and nothing is changed', async () => {
    const before = await versions(project);
    const plan = await run(dir, project, ['plan'], env({ TIER: 'b' }));
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe('nothing to do: the services are up to date; a network differs from the file and stays as the swarm made it\n');
    // At the network's key in the file.
    expect(plan.stderr).toMatch(new RegExp(`fig\\.yml:\\d+:3: warning: network ${project}_default differs from the file \\(labels\\)`));
    const up = await run(dir, project, ['up', '-d'], env({ TIER: 'b' }));
    expect(up.code).toBe(0);
    expect(up.stderr).toContain('tsfig down, then tsfig up');
    expect(await versions(project)).toEqual(before);
    expect((await dk(1, 'network', 'inspect', `${project}_default`, '--format', '{{json .Labels.tier}}')).trim()).toBe('"a"');
  });

  it('ps lists the tasks with their node; logs prefix lines with slot and node', async () => {
    const ps = await run(dir, project, ['ps'], env());
    expect(ps.code).toBe(0);
    const lines = ps.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SERVICE\s+NODE\s+DESIRED\s+CURRENT\s+ERROR\s+PORTS$/);
    expect(lines.filter((l) => l.startsWith(`${web}.`) && /\srunning\s+running/.test(l))).toHaveLength(2);
    const logs = await eventually(async () => {
      const l = await run(dir, project, ['logs', 'web'], env());
      expect(l.stdout).toMatch(/^web\.1@\S+\s+\| serving rev 1$/m);
      expect(l.stdout).toMatch(/^web\.2@\S+\s+\| serving rev 1$/m);
      return l;
    }, { timeout: 20_000, interval: 500 });
    expect(logs.code).toBe(0);
  });

  it('a change rolls out start-first, one task at a time, while the client keeps getting answers', async () => {
    const count = async () => {
      const log = await execInTask(client, 'cat /tmp/log');
      return { ok: (log.match(/^ok$/gm) ?? []).length, fail: (log.match(/^fail$/gm) ?? []).length };
    };
    const before = await count();
    const plan = await run(dir, project, ['plan'], env({ REV: '2' }));
    expect(plan.stdout).toBe(`update service ${web}: environment.REV changed\n`);
    const r = await run(dir, project, ['up', '-d', '--wait'], env({ REV: '2' }));
    expect(r.code).toBe(0);
    const versionsAfter = await versions(project);
    const after = await count();
    const ok = after.ok - before.ok;
    const fail = after.fail - before.fail;
    console.log(`rolling update (start-first, dnsrr): ${fail} of ${ok + fail} client requests failed (${((100 * fail) / Math.max(1, ok + fail)).toFixed(1)}%)`);
    expect(ok).toBeGreaterThan(0);
    for (const t of await tasksOf(web)) expect(t.Status.State).toBe('running');
    expect(await fetchWebFromClient(client, web)).toBe('rev 2\n');
    // The client service was not touched.
    expect(versionsAfter[client]).toBe((await versions(project))[client]);
  });

  it('a failing healthcheck with failure_action rollback: up --wait fails naming the service, the swarm is back on the old spec', async () => {
    const r = await run(dir, project, ['up', '-d', '--wait', '--wait-timeout', '90'], env({ REV: '2', HEALTHY: 'no' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`service ${web}: rolled back`);
    const spec = JSON.parse(await dk(1, 'service', 'inspect', web, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}')) as string[];
    expect(spec).toContain('HEALTHY=yes');
    expect(await fetchWebFromClient(client, web)).toBe('rev 2\n');
  });

  it('an update whose service version moved after the plan is read again and retried', async () => {
    const engine = asSwarm(connectFromEnv({ env: { DOCKER_HOST: MANAGER } }));
    const loaded = loadProject({ cwd: dir, env: { HOME: process.env.HOME, REV: '3' }, projectName: project });
    const plan = planUp(desiredStack(loaded.project!, { 'secret:token': readFileSync(join(dir, 'token.txt')) }), await observeStack(engine, project));
    expect(plan.ops.map((o) => o.op)).toEqual(['service.update']);
    const before = (await versions(project))[web]!;
    // Another writer moves the version on between the plan and its update.
    await dk(1, 'service', 'update', '--detach', '--label-add', 'moved=1', web);
    expect((await versions(project))[web]).toBeGreaterThan(before);
    await applySwarmPlan(engine, plan, { done: () => undefined });
    expect(await dk(1, 'service', 'inspect', web, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}')).toContain('REV=3');
    // The same file again: nothing to do, and up --wait returns once the rollout is done.
    const again = await run(dir, project, ['up', '-d', '--wait'], env({ REV: '3' }));
    expect({ code: again.code, stderr: again.stderr }).toMatchObject({ code: 0 });
    expect(again.stderr).toContain('the stack is up to date');
  });

  it('a changed secret rotates: the new content mounted, the old secret removed', async () => {
    const secrets = async () => (await dk(1, 'secret', 'ls', '--filter', `label=com.docker.stack.namespace=${project}`, '--format', '{{.Name}}')).trim().split('\n');
    const [old] = await secrets();
    writeFileSync(join(dir, 'token.txt'), 'rotated-7');
    const r = await run(dir, project, ['up', '-d', '--wait'], env({ REV: '3' }));
    expect(r.code).toBe(0);
    const now = await secrets();
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
    for (const t of await tasksOf(web)) expect(t.Status.State).toBe('running');
    expect(await execInTask(web, 'cat /run/secrets/token')).toBe('rotated-7');
  });

  it('restart replaces the tasks (a forced update), logs -f follows the new task; scale sets the replicas, up sets them back', async () => {
    const [before] = await tasksOf(client);
    // The built binary, following the client's logs while its task is replaced.
    const follow = spawnTsfig(dir, project, ['logs', '-f', 'client'], env({ REV: '3' }));
    let out = '';
    follow.proc.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    const started = () => [...out.matchAll(/^client\.1@\S+\s+\| client up (\S+)$/gm)].map((m) => m[1]);
    await eventually(() => expect(started()).toHaveLength(1), { timeout: 20_000, interval: 200 });
    expect((await run(dir, project, ['restart', 'client'], env({ REV: '3' }))).code).toBe(0);
    expect((await dk(1, 'service', 'inspect', client, '--format', '{{.Spec.TaskTemplate.ForceUpdate}}')).trim()).toBe('1');
    await eventually(async () => {
      const tasks = await tasksOf(client);
      expect(tasks.map((t) => t.ID)).not.toContain(before!.ID);
      expect(tasks.map((t) => t.Status.State)).toEqual(['running']);
    }, { timeout: 30_000, interval: 500 });
    await eventually(() => expect(new Set(started()).size).toBe(2), { timeout: 30_000, interval: 200, message: 'logs -f shows the new task' });
    follow.proc.kill('SIGINT');
    expect((await follow.done).code).not.toBeNull();
    expect((await run(dir, project, ['scale', 'web=3'], env({ REV: '3' }))).code).toBe(0);
    await eventually(async () => expect((await tasksOf(web)).filter((t) => t.Status.State === 'running')).toHaveLength(3), { timeout: 30_000, interval: 500 });
    expect((await run(dir, project, ['up', '-d', '--wait'], env({ REV: '3' }))).code).toBe(0);
    expect(await dk(1, 'service', 'inspect', web, '--format', '{{.Spec.Mode.Replicated.Replicas}}')).toBe('2\n');
  });

  it('a worker whose dockerd is killed: its task is rescheduled on the other worker, seen in tsfig ps', async () => {
    const t1 = (await tasksOf(web)).find((t) => t.Slot === 1)!;
    const victim = await nodeIndex(t1.NodeID);
    expect(victim).toBeGreaterThan(1);
    const pid = Number(readFileSync(`/run/tsfig-swarm/n${victim}/dockerd.pid`, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    const survivors = (await nodeIds('worker')).filter((id) => id !== t1.NodeID);
    await eventually(async () => {
      const slot1 = (await tasksOf(web)).filter((t) => t.Slot === 1 && t.Status.State === 'running');
      expect(slot1.map((t) => t.NodeID)).toEqual(survivors);
    }, { timeout: 90_000, interval: 1000, message: 'web.1 rescheduled' });
    const ps = await run(dir, project, ['ps'], env());
    const line = ps.stdout.split('\n').find((l) => l.startsWith(`${web}.1 `) && /\srunning\s+running/.test(l));
    expect(line).toBeDefined();
    expect(line).toContain(survivors[0]!.slice(0, 12));
    await swarmRig('up');
  }, 240_000);

  it('down removes everything and waits, so an up right after it works', async () => {
    const down = await run(dir, project, ['down'], env());
    expect(down.code).toBe(0);
    expect((await dk(1, 'service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).trim()).toBe('');
    expect((await dk(1, 'network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).trim()).toBe('');
    expect((await dk(1, 'secret', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).trim()).toBe('');
    const up = await run(dir, project, ['up', '-d', '--wait'], env());
    expect(up.code).toBe(0);
    expect(await fetchWebFromClient(client, web)).toBe('rev 1\n');
  });
});
