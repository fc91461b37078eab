/**
 * `ps` as docker compose v2 has it, on the real engine: the default columns, `--format json`
 * (one object per line, compose's fields and types), Go templates checked against the docker
 * CLI's own rendering of the same template over the same containers (`docker ps --format`),
 * `--status`, `--filter status=`, `--no-trunc`, `--orphans`; and templates for `ls`, `images`,
 * `stats`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { projectDir } from '../support/project.js';
import { cleanupProject, docker, engineFromEnv, eventually, PROJECT_LABEL, requireEngine, uniqueProject } from './support/harness.js';
import { ok, run } from './support/stack.js';

let engine: Engine;
const projects: string[] = [];

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const p of projects.splice(0)) await cleanupProject(engine, p);
});

const IDLE = `["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]`;
const file = (withOld: boolean) => `services:
  web:
    image: busybox:latest
    command: ${IDLE}
    ports: ["127.0.0.1::80"]
    volumes: [data:/data]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      timeout: 2s
  job:
    image: busybox:latest
    command: ["sh", "-c", "exit 3"]
${withOld ? `  old:\n    image: busybox:latest\n    command: ${IDLE}\n` : ''}volumes:
  data: {}
`;

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

/** A stack with web (running, healthy, a port, a volume), job (exited 3) and old (an orphan once the file drops it). */
async function stack(): Promise<{ dir: string; project: string }> {
  const project = uniqueProject('psfmt');
  projects.push(project);
  const dir = projectDir({ 'fig.yml': file(true) });
  await ok(dir, project, ['up', '-d']);
  writeFileSync(join(dir, 'fig.yml'), file(false));
  await eventually(async () => {
    expect(lines((await ok(dir, project, ['ps', '-a', '--format', '{{.Service}} {{.State}} {{.Health}}'])).stdout).sort()).toEqual(['job exited ', 'old running ', 'web running healthy']);
  }, { timeout: 30_000 });
  return { dir, project };
}

describe('ps formats on the real engine', () => {
  it('default columns, json lines, templates as the docker CLI renders them, filters, orphans', async () => {
    const { dir, project } = await stack();
    const web = `${project}-web-1`;
    const filter = ['--filter', `label=${PROJECT_LABEL}=${project}`];

    // Default columns, as compose.
    const table = lines((await ok(dir, project, ['ps'])).stdout);
    expect(table[0]).toMatch(/^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
    const webRow = table.find((l) => l.startsWith(web)) ?? '';
    expect(webRow).toMatch(/busybox:latest\s+"sh -c [^"]{13}…"\s+web\s+\d+ seconds? ago\s+Up .*\(healthy\)\s+127\.0\.0\.1:\d+->80\/tcp$/);
    expect(table.some((l) => l.includes(`${project}-job-1`))).toBe(false);

    // --format json: one object per line, compose's fields and types.
    const json = lines((await ok(dir, project, ['ps', '-a', '--format', 'json'])).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json.map((j) => j.Name)).toEqual([`${project}-job-1`, `${project}-old-1`, web]);
    const [job, , w] = json as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(Object.keys(w).sort()).toEqual(
      ['Command', 'Created', 'CreatedAt', 'ExitCode', 'Health', 'Host', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Name', 'Names', 'Networks', 'Ports', 'Project', 'Publishers', 'RunningFor', 'Service', 'Size', 'State', 'Status'].sort(),
    );
    const inspect = await engine.inspectContainer(web);
    const hostPort = Number(/127\.0\.0\.1:(\d+)->80/.exec(String(w.Ports))?.[1]);
    expect(w).toMatchObject({ ID: inspect.id.slice(0, 12), Project: project, Service: 'web', State: 'running', Health: 'healthy', ExitCode: 0, Image: 'busybox:latest', LocalVolumes: '1' });
    expect(w.Publishers).toEqual([{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: hostPort, Protocol: 'tcp' }]);
    expect(w.Created).toBe(Math.floor(Date.parse(inspect.created) / 1000));
    expect(w.Labels).toContain(`${PROJECT_LABEL}=${project}`);
    expect(job).toMatchObject({ State: 'exited', ExitCode: 3, Health: '', Publishers: [] });

    // Templates: the same template over the same containers as `docker ps` renders it.
    const templates = [
      '{{.Names}}\t{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.State}}\t{{.Ports}}\t{{.Mounts}}\t{{.LocalVolumes}}\t{{.Networks}}',
      '{{.Names}} {{json .Ports}} {{upper .State}} {{title .State}} {{truncate .ID 5}}|{{pad .State 1 2}}|{{join (split .Image ":") "/"}}',
      '{{.Names}} {{.Label "io.tsfig.service"}} {{if .Ports}}published{{else}}none{{end}} {{lower .Image | upper}}',
      // Go's own functions, rendered by the docker CLI's Go text/template.
      '{{printf "%-30s|%5s|%q|%.3s" .Names .State .Image .ID}} {{len .Names}} {{print .State .Image}}',
      '{{if eq .State "running" "paused"}}up{{else}}down{{end}} {{ne .State "exited"}} {{lt .State "q"}} {{and .Ports .State}}|{{or .Ports "none"}}|{{not .Ports}}',
      '{{index (split .Image ":") 0}} {{if and (eq .State "running") (gt (len .Ports) 0)}}published{{end}}',
    ];
    for (const t of templates) {
      for (const trunc of [[], ['--no-trunc']]) {
        const ours = lines((await ok(dir, project, ['ps', '-a', ...trunc, '--format', t])).stdout).sort();
        const theirs = lines(await docker('ps', '-a', ...trunc, ...filter, '--format', t)).sort();
        expect(theirs).toHaveLength(3);
        expect(ours).toEqual(theirs);
      }
    }
    // A table: the header from the column names, columns aligned as the docker CLI's tabwriter.
    const tt = 'table {{.Names}}\\t{{.ID}}\\t{{.Image}}\\t{{.State}}\\t{{.Ports}}';
    const ourTable = lines((await ok(dir, project, ['ps', '-a', '--format', tt])).stdout);
    const theirTable = lines(await docker('ps', '-a', ...filter, '--format', tt));
    expect(theirTable).toHaveLength(4);
    expect(ourTable[0]).toBe(theirTable[0]);
    expect(ourTable.slice(1).sort()).toEqual(theirTable.slice(1).sort());

    // Filters: --status and --filter status= (a status lists stopped containers too); unknown filters refused.
    expect(lines((await ok(dir, project, ['ps', '--status', 'exited', '--format', '{{.Name}}'])).stdout)).toEqual([`${project}-job-1`]);
    expect(lines((await ok(dir, project, ['ps', '--filter', 'status=exited', '--status', 'running', '--format', '{{.Service}}'])).stdout)).toEqual(['job', 'old', 'web']);
    const bad = await run(dir, project, ['ps', '--filter', 'name=web']);
    expect([bad.code, bad.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect(bad.stderr).toContain('unknown filter name');

    // --no-trunc: full IDs; orphans listed unless --orphans=false (or --no-orphans).
    expect(lines((await ok(dir, project, ['ps', '--no-trunc', '--format', '{{.ID}}', 'web'])).stdout)).toEqual([inspect.id]);
    expect(lines((await ok(dir, project, ['ps', '--format', '{{.Service}}'])).stdout)).toEqual(['old', 'web']);
    expect(lines((await ok(dir, project, ['ps', '--orphans=false', '--format', '{{.Service}}'])).stdout)).toEqual(['web']);
    expect(lines((await ok(dir, project, ['ps', '--no-orphans', '--format', '{{.Service}}'])).stdout)).toEqual(['web']);
    // A bare --orphans takes no value from the next word (Go's flags): web is the service.
    expect(lines((await ok(dir, project, ['ps', '--format', '{{.Service}}', '--orphans', 'web'])).stdout)).toEqual(['web']);

    // Without --format, the docker CLI's psFormat (config.json), as compose; --format wins.
    const cfg = projectDir({ 'config.json': JSON.stringify({ psFormat: 'table {{.Name}}\\t{{.Service}}' }) });
    const viaConfig = lines((await ok(dir, project, ['ps'], { DOCKER_CONFIG: cfg })).stdout);
    expect(viaConfig[0]).toMatch(/^NAME\s+SERVICE$/);
    expect(viaConfig.slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['old', 'web']);
    expect(lines((await ok(dir, project, ['ps', '--format', '{{.Service}}'], { DOCKER_CONFIG: cfg })).stdout)).toEqual(['old', 'web']);

    // What the template language does not have: one line naming it, exit 2, nothing else printed.
    for (const [t, says] of [
      ['{{slice .Name 1}}', 'function "slice"'],
      ['{{printf "%p" .Name}}', 'printf: the verb %p is not supported'],
      ['{{with .Name}}{{.}}{{end}}', '{{with}} is not supported'],
      ['{{.Nmae}}', 'ps has no field .Nmae'],
      ['yaml', 'use table, json, or a Go template'],
    ] as const) {
      const r = await run(dir, project, ['ps', '--format', t]);
      expect([r.code, r.stdout, r.stderr.trim().split('\n').length]).toEqual([2, '', 1]);
      expect(r.stderr).toContain(says);
    }
  }, 120_000);

  it('ls, images and stats take templates too', async () => {
    const { dir, project } = await stack();
    expect(lines((await ok(dir, project, ['ls', '-a', '--filter', `name=${project}`, '--format', '{{.Name}}: {{.Status}}'])).stdout)).toEqual([`${project}: exited(1), running(2)`]);
    const lsTable = lines((await ok(dir, project, ['ls', '-a', '--filter', `name=${project}`, '--format', 'table {{.Name}}\\t{{.Status}}'])).stdout);
    expect(lsTable[0]).toMatch(/^NAME\s+STATUS$/);
    expect(lines((await ok(dir, project, ['images', '--format', '{{.ContainerName}} {{.Repository}}:{{.Tag}}'])).stdout).sort()).toEqual(
      [`${project}-job-1 busybox:latest`, `${project}-old-1 busybox:latest`, `${project}-web-1 busybox:latest`].sort(),
    );
    const stats = lines((await ok(dir, project, ['stats', '--no-stream', '--format', '{{.Name}} {{.Service}}'])).stdout);
    expect(stats.sort()).toEqual([`${project}-old-1 old`, `${project}-web-1 web`]);
    const statsTable = lines((await ok(dir, project, ['stats', '--no-stream', '--format', 'table {{.Name}}\\t{{.PIDs}}'])).stdout);
    expect(statsTable[0]).toMatch(/^NAME\s+PIDS$/);
    expect(statsTable.slice(1).every((l) => /^\S+\s+\d+$/.test(l))).toBe(true);
  }, 120_000);
});
