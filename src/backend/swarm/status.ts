/** ps and logs of a stack: its tasks (where they run, what they are doing) and its services' output. */
import { demuxLines } from '../../engine/streams.js';
import type { SwarmEngine } from './observe.js';
import type { ObservedService, SwarmJson } from './types.js';
import { byText } from '../../model/dict.js';

export interface TaskRow {
  name: string;
  /** The service's key in the file. */
  service: string;
  node: string;
  desired: string;
  current: string;
  error: string;
  ports: string;
  id: string;
}

function ago(ts: string, now: number): string {
  const t = Date.parse(ts);
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** Node names as users tell them apart: the hostname, with the ID's start when several nodes share it. */
export async function nodeNames(engine: SwarmEngine, signal?: AbortSignal): Promise<Map<string, string>> {
  const nodes = await engine.listNodes(signal ? { signal } : {});
  const host = (n: { spec: SwarmJson; raw: SwarmJson }) => String((n.raw.Description as SwarmJson | undefined)?.Hostname ?? '');
  const count = new Map<string, number>();
  for (const n of nodes) count.set(host(n), (count.get(host(n)) ?? 0) + 1);
  return new Map(nodes.map((n) => [n.id, (count.get(host(n)) ?? 0) > 1 ? `${host(n)}/${n.id.slice(0, 12)}` : host(n)]));
}

/** A task's name as docker names it: `<service>.<slot>`, or `<service>.<node id>` in global mode. */
function taskName(svc: ObservedService, t: SwarmJson): string {
  return t.Slot !== undefined && Number(t.Slot) > 0 ? `${svc.name}.${String(t.Slot)}` : `${svc.name}.${String(t.NodeID ?? '')}`;
}

/** The stack's tasks: the ones meant to run (all of them with `all`, old and failed ones too), by service and slot. */
export async function listTaskRows(engine: SwarmEngine, services: ObservedService[], opts: { all?: boolean; signal?: AbortSignal; now?: number } = {}): Promise<TaskRow[]> {
  if (!services.length) return [];
  const call = opts.signal ? { signal: opts.signal } : {};
  const [tasks, nodes] = await Promise.all([engine.listTasks({ service: services.map((s) => s.id) }, call), nodeNames(engine, opts.signal)]);
  const now = opts.now ?? Date.now();
  const byId = new Map(services.map((s) => [s.id, s]));
  const rows: TaskRow[] = [];
  for (const t of tasks) {
    const svc = byId.get(String(t.ServiceID));
    if (!svc) continue;
    const desired = String(t.DesiredState ?? '');
    if (!opts.all && !['running', 'ready', 'accepted', 'complete'].includes(desired)) continue;
    const st = (t.Status ?? {}) as SwarmJson;
    const ports = (((st.PortStatus as SwarmJson | undefined)?.Ports ?? []) as SwarmJson[]).map((p) => `*:${String(p.PublishedPort)}->${String(p.TargetPort)}/${String(p.Protocol ?? 'tcp')}`).join(', ');
    rows.push({
      id: String(t.ID ?? ''),
      name: taskName(svc, t),
      service: String((svc.spec.Labels as Record<string, string> | undefined)?.['io.tsfig.service'] ?? svc.name),
      node: nodes.get(String(t.NodeID ?? '')) ?? String(t.NodeID ?? ''),
      desired,
      current: `${String(st.State ?? '')} ${ago(String(st.Timestamp ?? ''), now)}`.trim(),
      error: String(st.Err ?? ''),
      ports,
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || byText(a.desired, b.desired));
}

export interface LogLine {
  /** `<service>.<slot>@<node>`. */
  prefix: string;
  stream: 'stdout' | 'stderr';
  text: string;
  /** With timestamps: the engine's RFC 3339 time of the line. */
  time?: string;
}

/** The `details` the engine puts before each line of a service's logs: `k=v,k=v message`. */
export function splitDetails(input: string): { details: Record<string, string>; text: string; time?: string } {
  // With timestamps, the time comes first: `2026-12-07T11:00:00.123Z k=v,k=v message`.
  const ts = /^(\d{4}-\d\d-\d\dT\S+) /.exec(input);
  if (ts) return { ...splitDetails(input.slice(ts[0].length)), time: ts[1]! };
  const line = input;
  const sp = line.indexOf(' ');
  const head = sp < 0 ? line : line.slice(0, sp);
  if (!head.includes('com.docker.swarm.')) return { details: {}, text: line };
  const details: Record<string, string> = {};
  for (const kv of head.split(',')) {
    const i = kv.indexOf('=');
    if (i > 0) details[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { details, text: sp < 0 ? '' : line.slice(sp + 1) };
}

/** A service's logs (following new tasks with `follow`), each line with its task's slot and node. */
export async function* serviceLogLines(engine: SwarmEngine, svc: ObservedService, opts: { follow: boolean; tail?: string; since?: bigint; timestamps?: boolean; signal?: AbortSignal }): AsyncGenerator<LogLine> {
  const stream = await engine.serviceLogs(svc.id, {
    follow: opts.follow,
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    ...(opts.since !== undefined ? { since: `${opts.since / 1_000_000_000n}.${(opts.since % 1_000_000_000n).toString().padStart(9, '0')}` } : {}),
    ...(opts.timestamps ? { timestamps: true } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const nodes = await nodeNames(engine, opts.signal);
  const slots = new Map<string, string>();
  const key = String((svc.spec.Labels as Record<string, string> | undefined)?.['io.tsfig.service'] ?? svc.name);
  const learn = async () => {
    for (const t of await engine.listTasks({ service: [svc.id] }, opts.signal ? { signal: opts.signal } : {})) slots.set(String(t.ID), Number(t.Slot ?? 0) > 0 ? String(t.Slot) : String(t.NodeID ?? '').slice(0, 12));
  };
  await learn();
  for await (const { stream: s, line } of demuxLines(stream)) {
    const { details, text, time } = splitDetails(line);
    const task = details['com.docker.swarm.task.id'] ?? '';
    // A task that replaced another since: learn its slot.
    if (task && !slots.has(task)) await learn();
    const node = nodes.get(details['com.docker.swarm.node.id'] ?? '') ?? (details['com.docker.swarm.node.id'] ?? '').slice(0, 12);
    yield { prefix: `${key}.${slots.get(task) ?? '?'}@${node}`, stream: s === 'stderr' ? 'stderr' : 'stdout', text, ...(time !== undefined ? { time } : {}) };
  }
}
