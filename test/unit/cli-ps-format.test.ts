/**
 * `ps` (and the templates of `ls`, `images`, `stats`) as docker compose v2 has it: the filters (cmd/compose/ps.go: `--status`, `--filter
 * status=`, `source` not implemented, others unknown; a status implies --all; `--orphans=false`
 * keeps the declared services), the record a template and `--format json` see
 * (cmd/formatter/container.go's ContainerContext, marshalled by docker/cli formatter.MarshalJSON:
 * method names as keys, in Go's sorted map order), and the go-units/docker CLI text helpers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { goBoolFlags } from '../../src/cli/flags.js';
import { psRows, type PsRow } from '../../src/app/containers/ps.js';
import type { ObservedContainer } from '../../src/app/containers/context.js';
import { psStatuses } from '../../src/cli/commands/ps.js';
import { dockerConfigPsFormat, ellipsis, exitCodeOf, healthOf, humanDuration, IMAGES_SCHEMA, LS_SCHEMA, psJsonLines, psRecord, psTableCells, PS_SCHEMA, readFormat, renderTemplate, STATS_SCHEMA } from '../../src/cli/formats.js';
import { statsRecord } from '../../src/stats/compute.js';
import { UsageError } from '../../src/errors.js';

function ctr(name: string, fields: Partial<ObservedContainer> = {}): ObservedContainer {
  return {
    id: `${name.replace(/[^a-f0-9]/g, '')}`.padEnd(64, 'a'),
    name,
    host: 'default',
    service: name.split('-')[1] ?? '',
    number: 1,
    oneoff: false,
    configHash: '',
    image: 'busybox:latest',
    imageId: 'sha256:0',
    state: 'running',
    status: 'Up 2 seconds',
    created: 1_700_000_000,
    labels: {},
    mounts: [],
    ports: [],
    networks: [],
    ...fields,
  };
}

describe('ps order as compose (Go sorts names by bytes)', () => {
  it('capitals before small letters, - before _, digits as text; not the locale order', () => {
    const names = ['demo-web_1', 'demo-web-1', 'demo-db-2', 'demo-Web-1', 'demo-db-10'];
    const rows = psRows(names.map((n) => ctr(n)), { all: true, project: 'demo' });
    expect(rows.map((r) => r.name)).toEqual(['demo-Web-1', 'demo-db-10', 'demo-db-2', 'demo-web-1', 'demo-web_1']);
  });
});

describe('ps filters as compose', () => {
  const all = [
    ctr('demo-web-1'),
    ctr('demo-db-1', { state: 'exited', status: 'Exited (3) 5 seconds ago' }),
    ctr('demo-web-run-1', { oneoff: true, service: 'web' }),
    ctr('demo-old-1', { service: 'old' }),
    ctr('demo-cache-1', { state: 'paused', status: 'Up 1 minute (Paused)', service: 'cache' }),
  ];
  const names = (rows: PsRow[]) => rows.map((r) => r.name);

  it('running service containers by default; all: stopped ones and one-offs too', () => {
    expect(names(psRows(all, { all: false }))).toEqual(['demo-old-1', 'demo-web-1']);
    expect(names(psRows(all, { all: true }))).toEqual(['demo-cache-1', 'demo-db-1', 'demo-old-1', 'demo-web-1', 'demo-web-run-1']);
  });

  it('a status filter implies --all and keeps those states (several: any of them)', () => {
    expect(names(psRows(all, { all: false, statuses: ['exited'] }))).toEqual(['demo-db-1']);
    expect(names(psRows(all, { all: false, statuses: ['exited', 'paused'] }))).toEqual(['demo-cache-1', 'demo-db-1']);
    expect(names(psRows(all, { all: false, statuses: ['running'] }))).toEqual(['demo-old-1', 'demo-web-1', 'demo-web-run-1']);
  });

  it('orphans: listed by default; with the declared services given, left out', () => {
    expect(names(psRows(all, { all: true, declared: new Set(['web', 'db', 'cache']) }))).toEqual(['demo-cache-1', 'demo-db-1', 'demo-web-1', 'demo-web-run-1']);
  });

  it('--filter status=X and --status X add up; source is not implemented; other keys and states are errors', () => {
    expect(psStatuses(['status=exited'], ['running'])).toEqual(['running', 'exited']);
    expect(() => psStatuses(['source=image'], [])).toThrow(/not implemented/);
    expect(() => psStatuses(['name=web'], [])).toThrow('ps --filter "name=web": unknown filter name; the one filter is status=paused|restarting|removing|running|dead|created|exited');
    expect(() => psStatuses(['status'], [])).toThrow(/write KEY=VALUE/);
    expect(() => psStatuses([], ['up'])).toThrow('ps: unknown status "up"; use one of paused, restarting, removing, running, dead, created, exited');
    expect(() => psStatuses([], ['up'])).toThrow(UsageError);
  });
});

describe('the ps record (compose ContainerContext)', () => {
  const row: PsRow = {
    ...psRows(
      [
        ctr('demo-web-1', {
          id: 'd2763e024a10' + 'b'.repeat(52),
          command: 'docker-entrypoint.sh redis-server --appendonly yes',
          status: 'Up 3 minutes (healthy)',
          labels: { 'io.tsfig.service': 'web', 'io.tsfig.project': 'demo' },
          mounts: [
            { type: 'volume', name: 'ae6fbf221bbbee42aa0c0ffee', source: '/var/lib/docker/volumes/x', destination: '/data', driver: 'local', mode: 'z', rw: true },
            { type: 'bind', source: '/srv/conf', destination: '/conf', mode: '', rw: false },
          ],
          networks: ['demo_default', 'demo_back'],
          ports: [
            { privatePort: 443, type: 'tcp' },
            { ip: '0.0.0.0', privatePort: 80, publicPort: 8080, type: 'tcp' },
          ],
        }),
      ],
      { all: true, project: 'demo' },
    )[0]!,
  };
  const now = (1_700_000_000 + 200) * 1000;

  it('every field with compose name and type; JSON keys sorted as Go writes a map; Label is no JSON field', () => {
    const line = psJsonLines([row], { trunc: true, nowMs: now });
    expect(line.endsWith('}\n')).toBe(true);
    const j = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual([...Object.keys(j)].sort());
    expect(j).toMatchObject({
      Command: '"docker-entrypoint.s…"',
      Created: 1_700_000_000,
      ExitCode: 0,
      Health: 'healthy',
      Host: 'default',
      ID: 'd2763e024a10',
      Image: 'busybox:latest',
      Labels: 'io.tsfig.project=demo,io.tsfig.service=web',
      LocalVolumes: '1',
      Mounts: 'ae6fbf221bbbee…,/srv/conf',
      Name: 'demo-web-1',
      Names: 'demo-web-1',
      Networks: 'demo_default,demo_back',
      Ports: '443/tcp, 0.0.0.0:8080->80/tcp',
      Project: 'demo',
      Publishers: [
        { URL: '0.0.0.0', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' },
        { URL: '', TargetPort: 443, PublishedPort: 0, Protocol: 'tcp' },
      ],
      RunningFor: '3 minutes ago',
      Service: 'web',
      Size: '0B',
      State: 'running',
      Status: 'Up 3 minutes (healthy)',
    });
    expect(typeof j.CreatedAt).toBe('string');
    expect(j).not.toHaveProperty('Label');
  });

  it('--no-trunc: full ID, command and mount names', () => {
    const r = psRecord(row, { trunc: false });
    expect([r.ID, r.Command, r.Mounts]).toEqual([row.id, '"docker-entrypoint.sh redis-server --appendonly yes"', 'ae6fbf221bbbee42aa0c0ffee,/srv/conf']);
  });

  it('templates over records: fields, Label "key", json, table with the column names', () => {
    const recs = [psRecord(row, { trunc: true, nowMs: now })];
    const fmt = readFormat('table {{.Name}}\\t{{.Label "io.tsfig.service"}}\\t{{.Health}}', 'ps');
    if (fmt.kind !== 'template') throw new Error('not a template');
    expect(renderTemplate(fmt.format, recs, PS_SCHEMA)).toBe('NAME         LABEL     HEALTH\ndemo-web-1   web       healthy\n');
    const j = readFormat('{{json .Publishers}}', 'ps');
    if (j.kind !== 'template') throw new Error('not a template');
    expect(renderTemplate(j.format, recs, PS_SCHEMA)).toBe('[{"URL":"0.0.0.0","TargetPort":80,"PublishedPort":8080,"Protocol":"tcp"},{"URL":"","TargetPort":443,"PublishedPort":0,"Protocol":"tcp"}]\n');
  });

  it('CreatedAt: in JSON and templates as Go writes the time, in its place among the keys; the table never makes it (ICU takes ~15 ms for the first zone name)', () => {
    const spy = vi.spyOn(Intl, 'DateTimeFormat');
    try {
      psTableCells([row, row], { trunc: true, nowMs: now, multiHost: false });
      expect(spy).not.toHaveBeenCalled();
      const keys = Object.keys(JSON.parse(psJsonLines([row], { trunc: true, nowMs: now })) as object);
      expect(keys.slice(keys.indexOf('Created'), keys.indexOf('Created') + 3)).toEqual(['Created', 'CreatedAt', 'ExitCode']);
      const f = readFormat('{{.CreatedAt}}', 'ps');
      if (f.kind !== 'template') throw new Error('not a template');
      const out = renderTemplate(f.format, [psRecord(row, { trunc: true, nowMs: now }), psRecord(row, { trunc: true, nowMs: now })], PS_SCHEMA).split('\n');
      // 1_700_000_000 is 2023-11-14 22:13:20 UTC: the seconds hold in every zone.
      expect(out[0]).toMatch(/^2023-11-1[45] \d\d:\d\d:20 [+-]\d{4} \S+$/);
      expect(out[1]).toBe(out[0]);
      // One formatter for the process, however many rows.
      expect(spy.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('the default table: compose columns, HOST first with several hosts', () => {
    const t = psTableCells([row], { trunc: true, nowMs: now, multiHost: false });
    expect(t.headers).toEqual(['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS']);
    expect(t.cells).toEqual([['demo-web-1', 'busybox:latest', '"docker-entrypoint.s…"', 'web', '3 minutes ago', 'Up 3 minutes (healthy)', '443/tcp, 0.0.0.0:8080->80/tcp']]);
    expect(psTableCells([row], { trunc: true, nowMs: now, multiHost: true }).headers.slice(0, 2)).toEqual(['HOST', 'NAME']);
  });
});

describe('--format values', () => {
  it('table, json, templates; a bare word is a usage error saying what to type', () => {
    expect(readFormat(undefined, 'ps').kind).toBe('table');
    expect(readFormat('table', 'ps').kind).toBe('table');
    expect(readFormat('json', 'ps').kind).toBe('json');
    expect(readFormat('{{.Name}}', 'ps').kind).toBe('template');
    expect(readFormat('table {{.Name}}', 'ps').kind).toBe('template');
    expect(() => readFormat('yaml', 'ps')).toThrow(`ps --format "yaml": use table, json, or a Go template such as '{{.Name}}'`);
  });
  it('an unsupported construct is a usage error naming it', () => {
    expect(() => readFormat('{{slice .Name 1}}', 'ps')).toThrow(UsageError);
    expect(() => readFormat('{{slice .Name 1}}', 'ps')).toThrow(/^ps --format: function "slice"/);
  });
  it('an unknown field is a usage error listing the fields', () => {
    const f = readFormat('{{.Nmae}}', 'ps');
    if (f.kind !== 'template') throw new Error('not a template');
    expect(() => renderTemplate(f.format, [psRecord({ ...(psRows([ctr('demo-web-1')], { all: true })[0]!) }, { trunc: true })], PS_SCHEMA)).toThrow(/^ps --format: ps has no field \.Nmae; fields: Command, Created, CreatedAt/);
  });
});

describe('text helpers as go-units and the docker CLI write them', () => {
  it('humanDuration', () => {
    const s = 1000;
    expect([0, 1, 59, 60, 119, 3599, 3600, 5400, 47 * 3600, 48 * 3600, 14 * 86400, 60 * 86400, 800 * 86400].map((x) => humanDuration(x * s))).toEqual([
      'Less than a second',
      '1 second',
      '59 seconds',
      'About a minute',
      'About a minute',
      '59 minutes',
      'About an hour',
      '2 hours',
      '47 hours',
      '2 days',
      '2 weeks',
      '2 months',
      '2 years',
    ]);
  });
  it('ellipsis', () => {
    expect([ellipsis('short', 20), ellipsis('a'.repeat(20), 20), ellipsis('a'.repeat(21), 20)]).toEqual(['short', 'a'.repeat(20), 'a'.repeat(19) + '…']);
  });
  it('health and exit code from the status text', () => {
    expect(['Up 1 second (health: starting)', 'Up 2 minutes (unhealthy)', 'Up 2 minutes (healthy)', 'Up 2 minutes'].map(healthOf)).toEqual(['starting', 'unhealthy', 'healthy', '']);
    expect([exitCodeOf('exited', 'Exited (137) 2 seconds ago'), exitCodeOf('running', 'Up 1 second'), exitCodeOf('created', 'Created')]).toEqual([137, 0, 0]);
  });
});

describe('templates for ls, images and stats', () => {
  const tmpl = (f: string, cmd: string) => {
    const r = readFormat(f, cmd);
    if (r.kind !== 'template') throw new Error('not a template');
    return r.format;
  };

  it('ls: Name, Status, ConfigFiles (compose cmd/formatter/project.go)', () => {
    const rows = [{ Name: 'alpha', Status: 'running(1)', ConfigFiles: '/p/fig.yml' }];
    expect(renderTemplate(tmpl('{{.Name}}', 'ls'), rows, LS_SCHEMA)).toBe('alpha\n');
    expect(renderTemplate(tmpl('table {{.Name}}\\t{{.Status}}\\t{{.ConfigFiles}}', 'ls'), rows, LS_SCHEMA)).toBe('NAME      STATUS       CONFIG FILES\nalpha     running(1)   /p/fig.yml\n');
    expect(JSON.parse(renderTemplate(tmpl('{{json .}}', 'ls'), rows, LS_SCHEMA))).toEqual(rows[0]);
  });

  it('images: ContainerName, Repository, Tag, ID, Size (compose cmd/formatter/image.go), Host', () => {
    const rows = [{ ContainerName: 'web-1', Host: 'default', ID: '1234567890ab', Repository: 'example/web', Size: '240kB', Tag: 'latest' }];
    expect(renderTemplate(tmpl('{{.ContainerName}} {{.Repository}}:{{.Tag}}', 'images'), rows, IMAGES_SCHEMA)).toBe('web-1 example/web:latest\n');
    expect(() => renderTemplate(tmpl('{{.Platform}}', 'images'), rows, IMAGES_SCHEMA)).toThrow('images --format: images has no field .Platform; fields: ContainerName, Host, ID, Repository, Size, Tag');
  });

  it('stats: the docker CLI stats fields; -- without a sample', () => {
    const rec = statsRecord({ id: 'f'.repeat(64), name: 'demo-web-1', service: 'web', host: 'default' });
    expect(renderTemplate(tmpl('table {{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.PIDs}}', 'stats'), [rec], STATS_SCHEMA)).toBe(
      'NAME         CPU %     MEM USAGE / LIMIT   PIDS\ndemo-web-1   --        -- / --             --\n',
    );
    expect(renderTemplate(tmpl('{{.ID}} {{json .Memory}}', 'stats'), [rec], STATS_SCHEMA)).toBe('ffffffffffff null\n');
  });
});

describe("psFormat of the docker CLI's config.json (compose's ps without --format)", () => {
  it('read from $DOCKER_CONFIG, else ~/.docker; missing file, key or bad JSON: none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsfig-psformat-'));
    try {
      expect(dockerConfigPsFormat({ DOCKER_CONFIG: dir })).toBeUndefined();
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ psFormat: 'table {{.Name}}' }));
      expect(dockerConfigPsFormat({ DOCKER_CONFIG: dir })).toBe('table {{.Name}}');
      mkdirSync(join(dir, 'home', '.docker'), { recursive: true });
      writeFileSync(join(dir, 'home', '.docker', 'config.json'), JSON.stringify({ psFormat: '{{.ID}}' }));
      expect(dockerConfigPsFormat({ HOME: join(dir, 'home') })).toBe('{{.ID}}');
      writeFileSync(join(dir, 'config.json'), '{ not json');
      expect(dockerConfigPsFormat({ DOCKER_CONFIG: dir })).toBeUndefined();
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: {} }));
      expect(dockerConfigPsFormat({ DOCKER_CONFIG: dir })).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Go-style boolean flags (--orphans, --pause, --sig-proxy)', () => {
  it('a bare flag is written flag=true so the next word stays an argument; only for its command, never after --', () => {
    expect(goBoolFlags(['node', 'tsfig', 'ps', '--orphans', 'web'], 'ps')).toEqual(['node', 'tsfig', 'ps', '--orphans=true', 'web']);
    expect(goBoolFlags(['node', 'tsfig', 'ps', '--orphans=false', 'web'], 'ps')).toEqual(['node', 'tsfig', 'ps', '--orphans=false', 'web']);
    expect(goBoolFlags(['node', 'tsfig', 'commit', '--pause', 'web'], 'commit')).toEqual(['node', 'tsfig', 'commit', '--pause=true', 'web']);
    expect(goBoolFlags(['node', 'tsfig', 'attach', '--sig-proxy', 'web'], 'attach')).toEqual(['node', 'tsfig', 'attach', '--sig-proxy=true', 'web']);
    expect(goBoolFlags(['node', 'tsfig', 'run', 'web', '--orphans'], 'run')).toEqual(['node', 'tsfig', 'run', 'web', '--orphans']);
    expect(goBoolFlags(['node', 'tsfig', 'ps', '--', '--orphans'], 'ps')).toEqual(['node', 'tsfig', 'ps', '--', '--orphans']);
  });
});
