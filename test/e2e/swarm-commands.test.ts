/**
 * events, run and exec on a swarm stack (scripts/swarm.sh: node 1 manager, nodes 2-3 workers).
 * Checks the swarm's and the engines' own state (tasks, containers, files written by exec).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerResult, eventually, uniqueProject } from './support/harness.js';
import { BIN, run, spawnTsfig } from './support/stack.js';
import { dk, MANAGER, swarmRig } from './support/swarm.js';
import { projectDir } from '../support/project.js';
import { binaryEnv, watchChild, type Done } from './support/binary.js';

interface Task { ID: string; NodeID: string; Slot?: number; Status: { State: string; ContainerStatus?: { ContainerID?: string } } }

async function runningTasks(service: string): Promise<Task[]> {
  const ids = (await dk(1, 'service', 'ps', '-q', '--filter', 'desired-state=running', service)).trim().split('\n').filter(Boolean);
  const tasks = ids.length ? (JSON.parse(await dk(1, 'inspect', ...ids)) as Task[]) : [];
  return tasks.filter((t) => t.Status.State === 'running');
}

const FILE = `
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /w && echo hello from web > /w/index.html && trap 'exit 0' TERM; httpd -f -p 80 -h /w & wait"]
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      placement:
        constraints: ["node.role == worker"]
  client:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment:
      GREETING: from-the-file
    deploy:
      endpoint_mode: dnsrr
      placement:
        constraints: ["node.role == manager"]
`;

/** The built binary (run and exec attach to the process's own stdio), stdin closed at once. */
function binary(dir: string, project: string, args: string[], env: Record<string, string>): Promise<Done> {
  const c = watchChild(spawn(process.execPath, [BIN, '-p', project, ...args], { cwd: dir, env: { ...binaryEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] }));
  c.proc.stdin?.end();
  return c.done;
}

describe('events, run and exec on a swarm stack', () => {
  const project = uniqueProject('swarmcmd');
  const dir = projectDir({ 'fig.yml': FILE }, project);
  const env = (extra: Record<string, string> = {}) => ({ DOCKER_HOST: MANAGER, TSFIG_ORCHESTRATOR: 'swarm', ...extra });
  const web = `${project}_web`;

  beforeAll(async () => {
    await swarmRig('up');
    const up = await run(dir, project, ['up', '-d', '--wait'], env());
    if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
  }, 300_000);
  afterAll(async () => {
    await run(dir, project, ['down'], env());
    for (const kind of ['service'] as const) {
      const ids = (await dockerResult('-H', MANAGER, kind, 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).stdout.trim().split('\n').filter(Boolean);
      if (ids.length) await dockerResult('-H', MANAGER, kind, 'rm', ...ids);
    }
    const left = (await dockerResult('-H', MANAGER, 'ps', '-aq', '--filter', `label=io.tsfig.project=${project}`)).stdout.trim().split('\n').filter(Boolean);
    if (left.length) await dockerResult('-H', MANAGER, 'rm', '-f', ...left);
  }, 300_000);

  it("events --json during a scale shows the service's update (replicas 2 -> 3), nothing of other stacks", async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const follow = spawnTsfig(dir, project, ['events', '--json', '--since', since], env());
    let out = '';
    follow.proc.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    expect((await run(dir, project, ['scale', 'web=3'], env())).code).toBe(0);
    const events = () => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; action: string; service: string; attributes: Record<string, string> });
    await eventually(() => {
      const e = events();
      expect(e).toContainEqual(expect.objectContaining({ type: 'service', action: 'update', service: 'web', attributes: expect.objectContaining({ name: web, 'replicas.old': '2', 'replicas.new': '3' }) }));
    }, { timeout: 30_000, interval: 200, message: 'the service update event' });
    // Every event is the stack's.
    for (const e of events()) expect(e.type === 'service' ? e.attributes.name : e.attributes['com.docker.stack.namespace'] ?? e.attributes.name).toMatch(new RegExp(`^${project}`));
    follow.proc.kill('SIGINT');
    expect((await follow.done).code).toBe(130);
    // Plain output, a closed window: the same update, as `docker events` prints it.
    const plain = await run(dir, project, ['events', '--since', since, '--until', String(Math.ceil(Date.now() / 1000) + 1)], env());
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(new RegExp(`^\\S+ service update \\S+ \\(name=${web}, replicas\\.new=3, replicas\\.old=2\\)$`, 'm'));
    expect((await run(dir, project, ['up', '-d', '--wait'], env())).code).toBe(0);
  }, 120_000);

  it('run --rm: a one-off on the manager reaches a task by name over the overlay, its exit code is tsfig\'s, and it is removed', async () => {
    const r = await binary(dir, project, ['run', '--rm', '-T', 'client', 'sh', '-c', 'wget -q -O - http://web/ && echo "$GREETING"'], env());
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from web\nfrom-the-file\n');
    expect(r.code).toBe(0);
    const failed = await binary(dir, project, ['run', '--rm', '-T', 'client', 'sh', '-c', 'exit 3'], env());
    expect(failed.code).toBe(3);
    expect((await dk(1, 'ps', '-aq', '--filter', `label=io.tsfig.project=${project}`, '--filter', 'label=io.tsfig.oneoff=True')).trim()).toBe('');
    // Without --rm the one-off stays, labelled as the project's one-off, on the stack's network.
    const kept = await binary(dir, project, ['run', '-T', '--name', `${project}-kept`, 'client', 'true'], env());
    expect(kept.code).toBe(0);
    const [c] = JSON.parse(await dk(1, 'inspect', `${project}-kept`)) as Array<{ Config: { Labels: Record<string, string> }; NetworkSettings: { Networks: Record<string, unknown> } }>;
    expect(c!.Config.Labels).toMatchObject({ 'io.tsfig.project': project, 'io.tsfig.service': 'client', 'io.tsfig.oneoff': 'True' });
    expect(Object.keys(c!.NetworkSettings.Networks)).toEqual([`${project}_default`]);
  }, 120_000);

  it("exec: into the task's container on the manager; a task on a worker is one line naming its node", async () => {
    const [task] = await runningTasks(`${project}_client`);
    const r = await binary(dir, project, ['exec', '-T', 'client', 'sh', '-c', 'echo marked > /tmp/mark; echo "$GREETING"'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('from-the-file\n');
    expect(await dk(1, 'exec', task!.Status.ContainerStatus!.ContainerID!, 'cat', '/tmp/mark')).toBe('marked\n');
    const nodes = JSON.parse(await dk(1, 'node', 'inspect', ...(await dk(1, 'node', 'ls', '-q')).trim().split('\n'))) as Array<{ ID: string; Description: { Hostname: string } }>;
    const webTasks = await runningTasks(web);
    for (const slot of [1, 2]) {
      const t = webTasks.find((x) => x.Slot === slot)!;
      const node = nodes.find((n) => n.ID === t.NodeID)!;
      const x = await binary(dir, project, ['exec', '-T', '--index', String(slot), 'web', 'true'], env());
      expect(x.code).toBe(1);
      expect(x.stderr.trim().split('\n')).toHaveLength(1);
      expect(x.stderr).toContain(`task ${web}.${slot} runs on node ${node.Description.Hostname} (ID ${node.ID})`);
      expect(x.stderr).toContain("tsfig reaches only the manager's engine");
    }
  }, 120_000);

  it("down removes the one-offs run left (they would hold the stack's network), then the stack", async () => {
    expect((await dk(1, 'ps', '-aq', '--filter', `label=io.tsfig.project=${project}`, '--filter', 'label=io.tsfig.oneoff=True')).trim()).not.toBe('');
    const down = await run(dir, project, ['down'], env());
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(`removed one-off ${project}-kept`);
    expect((await dk(1, 'ps', '-aq', '--filter', `label=io.tsfig.project=${project}`)).trim()).toBe('');
    expect((await dk(1, 'network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).trim()).toBe('');
  }, 180_000);
});

describe('up --wait on a swarm, a service whose tasks keep failing', () => {
  const project = uniqueProject('swarmbad');
  // An image no node has and none can pull (no registry is reachable from the rig): every task is rejected.
  const dir = projectDir({ 'fig.yml': 'services:\n  bad:\n    image: tsfig.local/no-such-image:1\n    deploy:\n      endpoint_mode: dnsrr\n      restart_policy: {condition: any, delay: 1s}\n' }, project);
  const env = { DOCKER_HOST: MANAGER, TSFIG_ORCHESTRATOR: 'swarm' };

  beforeAll(() => swarmRig('up'), 300_000);
  afterAll(async () => {
    await run(dir, project, ['down'], env);
    const ids = (await dockerResult('-H', MANAGER, 'service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await dockerResult('-H', MANAGER, 'service', 'rm', ...ids);
  }, 300_000);

  it("says each failed task as it happens (the swarm's message), then times out naming the service", async () => {
    const r = await run(dir, project, ['up', '-d', '--wait', '--wait-timeout', '20'], env);
    expect(r.code).toBe(1);
    const said = r.stderr.split('\n').filter((l) => l.startsWith(`warning: service ${project}_bad: task ${project}_bad.1 failed: `));
    expect(said.length, r.stderr).toBeGreaterThan(0);
    for (const l of said) expect(l).toMatch(/No such image|pull access denied|not found|manifest/i);
    expect(r.stderr).toContain(`service ${project}_bad is not ready after 20s`);
  });
});
