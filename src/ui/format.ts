/** Text formats shared by commands: ports as `docker ps` prints them, durations, statuses. */

export interface PortEntry {
  /** Host address the port is published on; absent or empty when not published. */
  ip?: string;
  privatePort: number;
  publicPort?: number;
  /** `tcp`, `udp` or `sctp`. */
  type: string;
}

function comparePorts(a: PortEntry, b: PortEntry): number {
  if (a.privatePort !== b.privatePort) return a.privatePort - b.privatePort;
  const ai = a.ip ?? '';
  const bi = b.ip ?? '';
  if (ai !== bi) return ai < bi ? -1 : 1;
  const ap = a.publicPort ?? 0;
  const bp = b.publicPort ?? 0;
  if (ap !== bp) return ap - bp;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

function formGroup(key: string, first: number, last: number): string {
  // key is `type` or `ip/type`; an IPv6 address holds no '/'.
  const slash = key.lastIndexOf('/');
  const ip = slash >= 0 ? key.slice(0, slash) : '';
  const type = slash >= 0 ? key.slice(slash + 1) : key;
  let group = first === last ? `${first}` : `${first}-${last}`;
  if (ip !== '') group = `${ip}:${group}->${group}`;
  return `${group}/${type}`;
}

/**
 * The PORTS column of `docker ps` (docker/cli `DisplayablePorts`): sorted by private port, then
 * address, public port, protocol; ports published on the same number collapse into ranges per
 * address and protocol (`0.0.0.0:8000-8001->8000-8001/tcp`), unpublished ones per protocol
 * (`8000-8001/tcp`); mappings to a different host port come last
 * (`0.0.0.0:8080->80/tcp, :::8080->80/tcp`). An address without a public port counts as unpublished.
 */
export function formatPorts(ports: ReadonlyArray<PortEntry>): string {
  const sorted = [...ports].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of sorted) {
    const current = port.privatePort;
    let key = port.type;
    if (port.ip && port.publicPort !== undefined) {
      if (port.publicPort !== current) {
        hostMappings.push(`${port.ip}:${port.publicPort}->${port.privatePort}/${port.type}`);
        continue;
      }
      key = `${port.ip}/${port.type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    // Re-setting an existing key keeps its insertion position, as docker's key list does.
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

/**
 * Human elapsed time: tenths of seconds below a minute (`0.4s`, `12.0s`), then whole seconds
 * with minutes and hours (`2m3s`, `1h0m5s`), as Go's `time.Duration` prints them.
 */
export function formatDuration(ms: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  const tenths = Math.round(safe / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const total = Math.round(safe / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

/**
 * The STATUS column of `ps`: the engine's own text (`Up 3 seconds (healthy)`,
 * `Exited (0) 2 minutes ago`) passed through; the bare state when the engine gave none.
 */
export function formatStatus(status: string | undefined, state?: string): string {
  if (status !== undefined && status !== '') return status;
  return state ?? '';
}
