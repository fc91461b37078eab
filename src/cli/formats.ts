/**
 * `--format` for the listing commands, as docker compose reads it: `table` (the command's own
 * table), `json`, or a Go template (`{{.Name}}`, `table {{.Name}}\t{{.Status}}`, `{{json .}}`).
 * The records a template sees are the docker CLI's and compose's formatter contexts
 * (docker/compose cmd/formatter/container.go for `ps`), field for field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { formatPorts } from '../ui/format.js';
import { formatRows, isTemplate, parseFormat, renderFormat, TemplateError, type Format, type FormatSchema, type TemplateObject, type TemplateValue } from '../ui/template.js';
import type { PsRow } from '../app/containers/ps.js';

/** What a `--format` value asks for. */
export type FormatChoice = { kind: 'table' } | { kind: 'json' } | { kind: 'template'; format: Format };

/**
 * Read a `--format` value: `table` (or empty) and `json` by name, a template when it has `{{`
 * or starts with `table `; anything else is a usage error saying what to type.
 */
export function readFormat(value: string | undefined, command: string): FormatChoice {
  const v = (value ?? '').trim();
  if (v === '' || v === 'table') return { kind: 'table' };
  if (v === 'json') return { kind: 'json' };
  if (!isTemplate(v)) throw new UsageError(`${command} --format "${v}": use table, json, or a Go template such as '{{.Name}}' or 'table {{.Name}}\\t{{.Status}}'`);
  try {
    return { kind: 'template', format: parseFormat(v) };
  } catch (e) {
    throw templateUsage(e, command);
  }
}

function templateUsage(e: unknown, command: string): unknown {
  return e instanceof TemplateError ? new UsageError(`${command} --format: ${e.message}`) : e;
}

/** Render rows with a template; a field or function that fails at run time is a usage error too. */
export function renderTemplate(format: Format, rows: readonly TemplateValue[], schema: FormatSchema): string {
  try {
    return renderFormat(format, rows, schema);
  } catch (e) {
    throw templateUsage(e, schema.command);
  }
}

/** One template string over rows (for callers that have not parsed it). */
export function renderTemplateString(format: string, rows: readonly TemplateValue[], schema: FormatSchema): string {
  try {
    return formatRows(format, rows, schema);
  } catch (e) {
    throw templateUsage(e, schema.command);
  }
}

/**
 * `psFormat` of the docker CLI's `$DOCKER_CONFIG/config.json` (default `~/.docker`), which
 * compose's `ps` uses when no `--format` is given; undefined when the file or the key is missing
 * or the file is not JSON (the context resolution reports that one).
 */
export function dockerConfigPsFormat(env: Record<string, string | undefined>): string | undefined {
  const dir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : env.HOME !== undefined && env.HOME !== '' ? join(env.HOME, '.docker') : undefined;
  if (dir === undefined) return undefined;
  try {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as unknown;
    const f = typeof config === 'object' && config !== null ? (config as Record<string, unknown>).psFormat : undefined;
    return typeof f === 'string' && f.trim() !== '' ? f : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Text as the docker CLI and go-units write it

/** go-units `HumanDuration` (`3 seconds`, `About a minute`, `2 hours`, `5 days`). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(Math.floor(ms / 3_600_000) / 24 / 365)} years`;
}

/** docker/cli formatter `Ellipsis`: at most `width` characters, the last one `…` when cut. */
export function ellipsis(s: string, width: number): string {
  const chars = [...s];
  if (width <= 0) return '';
  if (chars.length <= width) return s;
  return chars.slice(0, width - 1).join('') + '…';
}

/** Go's `time.Time.String()` of a Unix time in the local zone: `2024-05-02 08:21:53 +0000 UTC`. */
let zoneFormat: Intl.DateTimeFormat | undefined;
/** One formatter for the process: ICU makes the first in ~15 ms, each further one in ~0.1 ms. */
const zoneNames = (): Intl.DateTimeFormat => (zoneFormat ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }));

export function goTimeString(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const oh = Math.floor(Math.abs(off) / 60);
  const om = Math.abs(off) % 60;
  let zone = zoneNames().formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? '';
  // Go prints the zone's abbreviation, or the offset (`+04`, `+0530`) for a zone without one.
  if (!/^[A-Z]{2,5}$/.test(zone)) zone = `${sign}${p(oh)}${om ? p(om) : ''}`;
  if (off === 0 && (zone === 'GMT' || zone === '+00')) zone = 'UTC';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(oh)}${p(om)} ${zone}`;
}

// ---------------------------------------------------------------------------------------------
// ps

/** Column names of `ps` fields (compose's header context, plus the fields it leaves without one). */
export const PS_SCHEMA: FormatSchema = {
  command: 'ps',
  headers: {
    Command: 'COMMAND',
    Created: 'CREATED',
    CreatedAt: 'CREATED AT',
    ExitCode: 'EXIT CODE',
    Health: 'HEALTH',
    Host: 'HOST',
    ID: 'CONTAINER ID',
    Image: 'IMAGE',
    Label: 'LABEL',
    Labels: 'LABELS',
    LocalVolumes: 'LOCAL VOLUMES',
    Mounts: 'MOUNTS',
    Name: 'NAME',
    Names: 'NAMES',
    Networks: 'NETWORKS',
    Ports: 'PORTS',
    Project: 'PROJECT',
    Publishers: 'PUBLISHERS',
    RunningFor: 'CREATED',
    Service: 'SERVICE',
    Size: 'SIZE',
    State: 'STATE',
    Status: 'STATUS',
  },
};

/** The health in the engine's status text (`Up 3 seconds (healthy)`, `(health: starting)`). */
export function healthOf(status: string): string {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return '';
  return m[1] === 'health: starting' ? 'starting' : m[1]!;
}

/** The exit code in the engine's status text (`Exited (137) 2 seconds ago`), 0 otherwise (as compose). */
export function exitCodeOf(state: string, status: string): number {
  if (state !== 'exited' && state !== 'dead') return 0;
  const m = /^Exited \((-?\d+)\)/.exec(status);
  return m ? Number(m[1]) : 0;
}

export interface PsRecordOptions {
  /** false with `--no-trunc`: full IDs, commands and mount names. */
  trunc: boolean;
  nowMs?: number;
}

/**
 * One container as compose's `ps` shows it to a template and to `--format json` (its
 * ContainerContext: ID, Name, Names, Image, Command, Project, Service, CreatedAt, RunningFor,
 * State, Status, Health, ExitCode, Publishers, Ports, Labels, Mounts, LocalVolumes, Networks,
 * Size; keys in the order Go's encoding/json writes a map) plus `Created` (Unix seconds, as
 * compose's api.ContainerSummary and its JSON before 2.21) and `Host` (tsfig's hosts).
 * `Label "key"` is a template function field, never in JSON.
 */
export function psRecord(r: PsRow, opts: PsRecordOptions): TemplateObject {
  const command = r.command ?? '';
  const publishers = [...r.ports]
    .sort((a, b) => a.privatePort - b.privatePort)
    .map((p) => ({ URL: p.ip ?? '', TargetPort: p.privatePort, PublishedPort: p.publicPort ?? 0, Protocol: p.type }));
  const mounts = r.mounts.map((m) => (m.name !== undefined && m.name !== '' ? m.name : m.source));
  const labels = Object.keys(r.labels)
    .sort()
    .map((k) => `${k}=${r.labels[k]}`)
    .join(',');
  const record: Record<string, TemplateValue> = {
    Command: JSON.stringify(opts.trunc ? ellipsis(command, 20) : command),
    Created: r.created,
    // Made when read (a template or JSON naming it): the default table never does.
    get CreatedAt() {
      return goTimeString(r.created);
    },
    ExitCode: exitCodeOf(r.state, r.status),
    Health: healthOf(r.status),
    Host: r.host,
    ID: opts.trunc ? r.id.slice(0, 12) : r.id,
    Image: r.image,
    Label: (key: TemplateValue) => r.labels[String(key)] ?? '',
    Labels: labels,
    LocalVolumes: String(r.mounts.filter((m) => m.driver === 'local').length),
    Mounts: mounts.map((m) => (opts.trunc ? ellipsis(m, 15) : m)).join(','),
    Name: r.name,
    Names: r.name,
    Networks: r.networks.join(','),
    Ports: formatPorts(r.ports),
    Project: r.project,
    Publishers: publishers,
    RunningFor: `${humanDuration((opts.nowMs ?? Date.now()) - r.created * 1000)} ago`,
    Service: r.service,
    Size: '0B',
    State: r.state,
    Status: r.status,
  };
  return record;
}

/** `ps --format json`: one JSON object per line, as compose since 2.21 (`{{json .}}`). */
export function psJsonLines(rows: readonly PsRow[], opts: PsRecordOptions): string {
  return rows.map((r) => JSON.stringify(psRecord(r, opts)) + '\n').join('');
}

/** compose's default `ps` columns: NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS (HOST first with several hosts). */
export function psTableCells(rows: readonly PsRow[], opts: PsRecordOptions & { multiHost: boolean }): { headers: string[]; cells: string[][] } {
  const headers = [...(opts.multiHost ? ['HOST'] : []), 'NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'];
  const cells = rows.map((r) => {
    const c = psRecord(r, opts);
    return [...(opts.multiHost ? [r.host] : []), r.name, r.image, String(c.Command), r.oneoff ? `${r.service} (one-off)` : r.service, String(c.RunningFor), r.status, String(c.Ports)];
  });
  return { headers, cells };
}

// ---------------------------------------------------------------------------------------------
// ls, images, stats

/** `ls` (compose cmd/formatter/project.go): Name, Status, ConfigFiles. */
export const LS_SCHEMA: FormatSchema = { command: 'ls', headers: { Name: 'NAME', Status: 'STATUS', ConfigFiles: 'CONFIG FILES' } };

/**
 * `images` (compose cmd/formatter/image.go): ContainerName, Repository, Tag, ID (12 characters),
 * Size (as go-units writes it), plus Host; compose's Platform, Created, CreatedAt and LastTagTime
 * are not read from the engine here.
 */
export const IMAGES_SCHEMA: FormatSchema = {
  command: 'images',
  headers: { ContainerName: 'CONTAINER', Host: 'HOST', ID: 'IMAGE ID', Repository: 'REPOSITORY', Size: 'SIZE', Tag: 'TAG' },
};

/** `stats` (docker/cli cli/command/container/formatter_stats.go): its fields and column names, plus tsfig's numbers. */
export const STATS_SCHEMA: FormatSchema = {
  command: 'stats',
  headers: {
    ID: 'CONTAINER ID',
    Container: 'CONTAINER',
    Name: 'NAME',
    Service: 'SERVICE',
    Host: 'HOST',
    CPUPerc: 'CPU %',
    MemUsage: 'MEM USAGE / LIMIT',
    MemPerc: 'MEM %',
    NetIO: 'NET I/O',
    BlockIO: 'BLOCK I/O',
    PIDs: 'PIDS',
    CPUPercentage: 'CPU PERCENTAGE',
    Memory: 'MEMORY',
    MemoryLimit: 'MEMORY LIMIT',
    MemoryPercentage: 'MEMORY PERCENTAGE',
    NetworkRx: 'NETWORK RX',
    NetworkTx: 'NETWORK TX',
    BlockRead: 'BLOCK READ',
    BlockWrite: 'BLOCK WRITE',
    PidsCurrent: 'PIDS CURRENT',
  },
};
