/**
 * Comparing a desired service spec with the stored one (pure). Both sides are normalised the
 * same way: empty values dropped (the engine stores `{}` and `0` for what was not given), the
 * engine's own defaults dropped, and what is not the file's (ForceUpdate: restart's counter;
 * secret and config IDs: their names carry the content hash) left out. Then the differing
 * fields are named in the file's terms (`environment.REV changed`).
 */
import { STACK_LABEL, SWARM_LABEL, type SwarmJson } from './types.js';

/** Values the engine fills in when they are not given. */
const DEFAULTS: Record<string, unknown> = {
  'TaskTemplate.ContainerSpec.Isolation': 'default',
  'TaskTemplate.Runtime': 'container',
  'TaskTemplate.ForceUpdate': undefined,
};

const IGNORED_KEYS = new Set(['SecretID', 'ConfigID']);

function empty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function norm(v: unknown, path: string): unknown {
  // The mode is compared as it is: `Global: {}` and `Replicas: 0` mean something.
  if (path === 'Mode') return v;
  if (Array.isArray(v)) {
    const items = v.map((x, i) => norm(x, `${path}[${i}]`)).filter((x) => !empty(x));
    return items;
  }
  if (v !== null && typeof v === 'object') {
    const out: SwarmJson = {};
    for (const k of Object.keys(v).sort()) {
      if (IGNORED_KEYS.has(k)) continue;
      const p = path ? `${path}.${k}` : k;
      if (Object.hasOwn(DEFAULTS, p) && (DEFAULTS[p] === undefined || DEFAULTS[p] === (v as SwarmJson)[k])) continue;
      const x = norm((v as SwarmJson)[k], p);
      if (!empty(x)) out[k] = x;
    }
    return out;
  }
  return v;
}

/** The spec as compared: the same for a spec and the engine's stored copy of it. */
export function normalise(spec: SwarmJson): SwarmJson {
  return norm(spec, '') as SwarmJson;
}

/** Top-level paths (two levels into TaskTemplate) whose values differ, with both values. */
function flatten(v: SwarmJson): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, x] of Object.entries(v)) {
    if (k === 'TaskTemplate' && x !== null && typeof x === 'object') {
      for (const [k2, y] of Object.entries(x as SwarmJson)) {
        if (k2 === 'ContainerSpec' && y !== null && typeof y === 'object') {
          for (const [k3, z] of Object.entries(y as SwarmJson)) out.set(`TaskTemplate.ContainerSpec.${k3}`, JSON.stringify(z));
        } else out.set(`TaskTemplate.${k2}`, JSON.stringify(y));
      }
    } else if (k === 'EndpointSpec' && x !== null && typeof x === 'object') {
      for (const [k2, y] of Object.entries(x as SwarmJson)) out.set(`EndpointSpec.${k2}`, JSON.stringify(y));
    } else out.set(k, JSON.stringify(x));
  }
  return out;
}

/** Spec fields in the file's words. */
const FILE_KEYS: Record<string, string> = {
  Name: 'name',
  Labels: 'deploy.labels',
  Mode: 'deploy.mode/replicas',
  UpdateConfig: 'deploy.update_config',
  RollbackConfig: 'deploy.rollback_config',
  'EndpointSpec.Mode': 'deploy.endpoint_mode',
  'EndpointSpec.Ports': 'ports',
  'TaskTemplate.Resources': 'deploy.resources',
  'TaskTemplate.RestartPolicy': 'deploy.restart_policy',
  'TaskTemplate.Placement': 'deploy.placement',
  'TaskTemplate.Networks': 'networks',
  'TaskTemplate.LogDriver': 'logging',
  'TaskTemplate.ContainerSpec.Image': 'image',
  'TaskTemplate.ContainerSpec.Labels': 'labels',
  'TaskTemplate.ContainerSpec.Command': 'entrypoint',
  'TaskTemplate.ContainerSpec.Args': 'command',
  'TaskTemplate.ContainerSpec.Hostname': 'hostname',
  'TaskTemplate.ContainerSpec.Dir': 'working_dir',
  'TaskTemplate.ContainerSpec.User': 'user',
  'TaskTemplate.ContainerSpec.Groups': 'group_add',
  'TaskTemplate.ContainerSpec.TTY': 'tty',
  'TaskTemplate.ContainerSpec.OpenStdin': 'stdin_open',
  'TaskTemplate.ContainerSpec.ReadOnly': 'read_only',
  'TaskTemplate.ContainerSpec.Init': 'init',
  'TaskTemplate.ContainerSpec.Mounts': 'volumes',
  'TaskTemplate.ContainerSpec.StopSignal': 'stop_signal',
  'TaskTemplate.ContainerSpec.StopGracePeriod': 'stop_grace_period',
  'TaskTemplate.ContainerSpec.Healthcheck': 'healthcheck',
  'TaskTemplate.ContainerSpec.Hosts': 'extra_hosts',
  'TaskTemplate.ContainerSpec.DNSConfig': 'dns',
  'TaskTemplate.ContainerSpec.Secrets': 'secrets',
  'TaskTemplate.ContainerSpec.Configs': 'configs',
  'TaskTemplate.ContainerSpec.Sysctls': 'sysctls',
  'TaskTemplate.ContainerSpec.CapabilityAdd': 'cap_add',
  'TaskTemplate.ContainerSpec.CapabilityDrop': 'cap_drop',
  'TaskTemplate.ContainerSpec.Ulimits': 'ulimits',
};

function envMap(json: string | undefined): Map<string, string> {
  const list = json === undefined ? [] : (JSON.parse(json) as string[]);
  return new Map(list.map((e) => { const i = e.indexOf('='); return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)]; }));
}

/** What differs between the desired spec and the stored one, in the file's words; none: equal. */
export function specCauses(desired: SwarmJson, stored: SwarmJson): string[] {
  const a = flatten(normalise(desired));
  const b = flatten(normalise(stored));
  const causes: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(path);
    const y = b.get(path);
    if (x === y) continue;
    if (path === 'TaskTemplate.ContainerSpec.Env') {
      const ex = envMap(x);
      const ey = envMap(y);
      for (const k of [...new Set([...ex.keys(), ...ey.keys()])].sort()) {
        if (!ey.has(k)) causes.push(`environment.${k} added`);
        else if (!ex.has(k)) causes.push(`environment.${k} removed`);
        else if (ex.get(k) !== ey.get(k)) causes.push(`environment.${k} changed`);
      }
      continue;
    }
    const key = FILE_KEYS[path] ?? path;
    causes.push(y === undefined ? `${key} added` : x === undefined ? `${key} removed` : `${key} changed`);
  }
  return causes;
}

/** A record of strings as the engine gives it (null for none). */
function stringRecord(v: unknown): Record<string, string> {
  return v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)])) : {};
}

/** The address ranges of an IPAM config, in one comparable form. */
function ipamRanges(v: unknown): string {
  const config = (v as { Config?: unknown } | null | undefined)?.Config;
  const list = Array.isArray(config) ? (config as Array<Record<string, unknown>>) : [];
  return list.map((c) => [c.Subnet, c.Gateway, c.IPRange].map((x) => (x === undefined || x === null ? '' : String(x))).join('|')).sort().join(',');
}

/**
 * What of a stack network the swarm holds differs from the one the file asks for, in the file's
 * words; none: the same. A swarm cannot change a network in place (docker stack deploy leaves it
 * as it is, silently). Compared: the driver, `internal`, the file's labels (the engine adds none), the
 * driver options the file gives (the engine adds its own, such as the overlay's VXLAN ID), and
 * the address ranges when the file gives any (else the engine chose them).
 */
export function networkDrift(desired: SwarmJson, held: SwarmJson): string[] {
  const causes: string[] = [];
  if (String(held.Driver ?? '') !== String(desired.Driver ?? '')) causes.push('driver');
  if ((held.Internal === true) !== (desired.Internal === true)) causes.push('internal');
  // The file's labels; the stack's own (a network docker stack deploy made lacks tsfig's) are not the user's.
  const own = new Set([STACK_LABEL, SWARM_LABEL.project, SWARM_LABEL.network]);
  const users = (v: unknown) => Object.fromEntries(Object.entries(stringRecord(v)).filter(([k]) => !own.has(k)));
  const want = users(desired.Labels);
  const have = users(held.Labels);
  if (Object.keys(want).length !== Object.keys(have).length || Object.entries(want).some(([k, v]) => have[k] !== v)) causes.push('labels');
  const options = stringRecord(held.Options);
  if (Object.entries(stringRecord(desired.Options)).some(([k, v]) => options[k] !== v)) causes.push('driver_opts');
  if (desired.IPAM !== undefined && ipamRanges(desired.IPAM) !== ipamRanges(held.IPAM)) causes.push('ipam');
  return causes;
}
