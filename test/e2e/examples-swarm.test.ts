/**
 * examples/web-api-db-swarm (example 2 of issue 18 as a swarm stack) on the swarm rig
 * (scripts/swarm.sh: node 1 manager, nodes 2-3 workers), and `down -v` on a swarm: the stack's
 * volumes removed on the manager, the other nodes that hold one named in a warning. beforeAll
 * brings the rig up and copies the example base image into its three nodes (`bash
 * scripts/images.sh ENGINE...`: builds it on the default engine first when missing). Checks
 * the swarm's own state: tasks and their nodes, volumes per node, HTTP through the web task.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, copyExample, images } from './support/examples.js';
import { dockerResult, eventually, uniqueProject } from './support/harness.js';
import { ok, run } from './support/stack.js';
import { cleanupSwarmStack, dk, execArgvInTask, labelled, MANAGER, nodeIds, NODES, SOCK, swarmRig, tasksOf } from './support/swarm.js';
import { projectDir } from '../support/project.js';

const made: Array<{ project: string; dir: string }> = [];
/** Volumes made by name outside any stack label (an external volume, on every node). */
const external: string[] = [];
const env = { DOCKER_HOST: MANAGER };

beforeAll(async () => {
  await swarmRig('up');
  const started = Date.now();
  await images(...NODES.map(SOCK));
  console.log(`images.sh into the three swarm nodes: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const i of NODES) expect((await dk(i, 'image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE)).trim()).toMatch(/^sha256:/);
}, 1_600_000);

afterAll(async () => {
  for (const m of made.splice(0)) {
    await run(m.dir, m.project, ['down', '-v'], env).catch(() => undefined);
    await cleanupSwarmStack(m.project);
    rmSync(dirname(m.dir), { recursive: true, force: true });
  }
  for (const v of external.splice(0)) for (const i of NODES) await dockerResult('-H', SOCK(i), 'volume', 'rm', '-f', v);
}, 300_000);

interface Note { id: number; text: string }

describe('examples/web-api-db-swarm: example 2 on the swarm rig', () => {
  it('a note written through web survives down and up (the db volume on the manager); down -v removes the volume and a fresh up has no note', async () => {
    const started = Date.now();
    const copy = copyExample('web-api-db-swarm', ['web-api-db']);
    made.push(copy);
    const { project, dir } = copy;
    const web = `${project}_web`;
    const volume = `${project}_dbdata`;
    const lap = (() => {
      let last = Date.now();
      const laps: string[] = [];
      return (what?: string): string => {
        if (what !== undefined) laps.push(`${what} ${((Date.now() - last) / 1000).toFixed(1)} s`);
        last = Date.now();
        return laps.join(', ');
      };
    })();
    // curl in web's task container (on whichever node runs it), through nginx to the API.
    const curl = (...args: string[]): Promise<string> => execArgvInTask(web, ['curl', '-sSf', '--max-time', '5', ...args]);
    const list = async (): Promise<Note[]> => (JSON.parse(await curl('http://127.0.0.1/api/notes')) as { notes: Note[] }).notes;
    const up = async (what: string): Promise<void> => {
      await ok(dir, project, ['up', '-d', '--wait', '--wait-timeout', '300'], env);
      lap(what);
    };

    await up('first up --wait');
    // Every task running (up --wait), db on the manager (its placement), its volume there.
    const [manager] = await nodeIds('manager');
    const [dbTask] = await tasksOf(`${project}_db`);
    expect(dbTask?.NodeID).toBe(manager);
    expect(await labelled(1, 'volume', project)).toEqual([volume]);
    expect(await eventually(() => curl('http://127.0.0.1/'), { timeout: 30_000, interval: 500 })).toContain('<h1>Notes</h1>');

    const text = `on a swarm ${project}`;
    const posted = JSON.parse(
      await eventually(() => curl('-X', 'POST', '-H', 'content-type: application/json', '-d', JSON.stringify({ text }), 'http://127.0.0.1/api/notes'), { timeout: 60_000, interval: 500 }),
    ) as Note;
    expect(posted.text).toBe(text);
    expect(await list()).toEqual([{ id: posted.id, text }]);
    lap('note written');

    await ok(dir, project, ['down'], env);
    lap('down');
    expect((await dk(1, 'service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).trim()).toBe('');
    expect(await labelled(1, 'volume', project)).toEqual([volume]);

    await up('second up --wait');
    expect(await eventually(list, { timeout: 60_000, interval: 500 })).toEqual([{ id: posted.id, text }]);

    const downV = await ok(dir, project, ['down', '-v'], env);
    lap('down -v');
    expect(downV.stderr).toContain(`removed volume ${volume}`);
    // db ran on the manager only: no warning about other nodes, and no copy of the volume anywhere.
    expect(downV.stderr).not.toContain('is also on node');
    for (const i of NODES) expect(await labelled(i, 'volume', project), `node ${i}`).toEqual([]);

    await up('third up --wait');
    expect(await eventually(list, { timeout: 60_000, interval: 500 })).toEqual([]);
    await ok(dir, project, ['down', '-v'], env);
    lap('down -v');
    console.log(`examples/web-api-db-swarm: ${((Date.now() - started) / 1000).toFixed(1)} s (${lap()})`);
  }, 1_200_000);
});

describe('down -v on a swarm', () => {
  it("removes the stack's volume on the manager once its task container is gone, names each worker that holds one in a warning, and keeps an external volume", async () => {
    const project = uniqueProject('swarmvol');
    const keep = `${project}-keep`;
    await dk(1, 'volume', 'create', '--label', `com.docker.stack.namespace=${project}`, keep);
    const dir = projectDir(
      {
        'fig.yml': `
x-tsfig: {orchestrator: swarm}
services:
  keeper:
    image: busybox
    command: ["sh", "-c", "echo kept > /data/file; trap 'exit 0' TERM; sleep 3600 & wait"]
    volumes: ["data:/data", "keep:/keep"]
    deploy:
      mode: global
      endpoint_mode: dnsrr
volumes:
  data: {}
  keep: {external: true, name: ${keep}}
`,
      },
      project,
    );
    made.push({ project, dir });
    const volume = `${project}_data`;
    // The swarm makes the external volume on the nodes that lack it (unlabelled): removed by name at the end.
    external.push(keep);
    await ok(dir, project, ['up', '-d', '--wait'], env);
    // A task on each node, each with its own copy of the volume.
    for (const i of NODES) expect(await labelled(i, 'volume', project), `node ${i}`).toContain(volume);

    const r = await ok(dir, project, ['down', '-v'], env);
    expect(r.stderr).toContain(`removed volume ${volume}`);
    const workers = await nodeIds('worker');
    const warnings = r.stderr.split('\n').filter((l) => l.includes(`volume ${volume} is also on node`));
    expect(warnings).toHaveLength(2);
    for (const w of workers) expect(warnings.filter((l) => l.includes(`(ID ${w})`) && l.includes(`docker volume rm ${volume}`))).toHaveLength(1);
    // The manager's copy is gone; the workers' copies stay (tsfig cannot reach their engines); the external volume stays.
    expect(r.stderr).toContain(`volume ${keep} is external; kept`);
    expect(await labelled(1, 'volume', project)).toEqual([keep]);
    for (const i of [2, 3]) expect(await labelled(i, 'volume', project), `node ${i}`).toEqual([volume]);
    for (const i of NODES) expect(await labelled(i, 'container', project), `node ${i}`).toEqual([]);
  }, 300_000);
});
