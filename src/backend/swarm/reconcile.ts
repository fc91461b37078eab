/**
 * The swarm planner (pure): desired stack + observed stack -> the steps that make them equal,
 * each with its cause. A service is updated only when its normalised spec differs, so a no-op
 * `up` is an empty plan (zero mutating calls).
 */
import { diag, warning, type Diagnostic } from '../../model/diagnostic.js';
import { networkDrift, specCauses } from './diff.js';
import type { DesiredStack, ObservedStack, SwarmOp, SwarmPlan } from './types.js';

export interface SwarmPlanOptions {
  /** Only these services (keys in the file); the default: all. */
  services?: string[];
  /** Remove services of the stack the file no longer has. */
  removeOrphans?: boolean;
  /** Replicas per service key (scale): instead of the file's. */
  scale?: Record<string, number>;
  /** Services (keys) to restart: a forced update. */
  restart?: string[];
}

export function planUp(desired: DesiredStack, observed: ObservedStack, opts: SwarmPlanOptions = {}): SwarmPlan {
  const diagnostics: Diagnostic[] = [...desired.diagnostics];
  const ops: SwarmOp[] = [];
  const only = opts.services?.length ? new Set(opts.services) : undefined;
  for (const s of opts.services ?? []) {
    if (!desired.services.some((d) => d.key === s)) diagnostics.push(diag('PLAN_UNKNOWN_SERVICE', `no such service: ${s}`));
  }
  const services = desired.services.filter((s) => !only || only.has(s.key));

  // Networks and objects the services use.
  const held = new Map(observed.networks.map((n) => [n.name, n]));
  const usedNets = new Set(services.flatMap((s) => ((s.spec.TaskTemplate as { Networks?: Array<{ Target: string }> }).Networks ?? []).map((n) => n.Target)));
  for (const n of desired.networks) {
    if (!usedNets.has(n.name)) continue;
    if (n.external) {
      if (!observed.allNetworkNames.includes(n.name)) diagnostics.push(diag('PLAN_EXTERNAL_NETWORK_MISSING', `network ${n.name} is declared external but is not on the swarm`, undefined, `create it: docker network create -d overlay --attachable ${n.name}`));
    } else if (n.body) {
      const have = held.get(n.name);
      if (!have) ops.push({ op: 'network.create', name: n.name, body: n.body });
      else {
        // Never a silent "up to date": the swarm keeps the network as it was made.
        const drift = networkDrift(n.body, have.raw);
        if (drift.length) {
          diagnostics.push(
            warning('PLAN_NETWORK_CHANGED', `network ${n.name} differs from the file (${drift.join(', ')}): a swarm cannot change a network in place, so it stays as it is`, n.loc, 'to make it anew: tsfig down, then tsfig up (named volumes are kept)'),
          );
        }
      }
    }
  }
  const objNames = new Set(observed.objects.map((o) => `${o.kind}:${o.name}`));
  for (const o of desired.objects) {
    if (o.external || !o.spec || objNames.has(`${o.kind}:${o.name}`)) continue;
    ops.push({ op: 'object.create', kind: o.kind, name: o.name, spec: o.spec });
  }

  const byName = new Map(observed.services.map((s) => [s.name, s]));
  for (const s of services) {
    const spec = structuredClone(s.spec);
    const scale = opts.scale?.[s.key];
    if (scale !== undefined) spec.Mode = { Replicated: { Replicas: scale } };
    const have = byName.get(s.name);
    if (!have) {
      ops.push({ op: 'service.create', name: s.name, key: s.key, spec });
      continue;
    }
    const causes = specCauses(spec, have.spec);
    const tt = spec.TaskTemplate as Record<string, unknown>;
    const force = Number((have.spec.TaskTemplate as Record<string, unknown> | undefined)?.ForceUpdate ?? 0);
    tt.ForceUpdate = force;
    if (opts.restart?.includes(s.key)) {
      tt.ForceUpdate = force + 1;
      causes.push('restart');
    }
    if (causes.length) ops.push({ op: 'service.update', name: s.name, key: s.key, id: have.id, version: have.version, spec, causes });
  }

  // Services of the stack no longer in the file.
  if (!only) {
    const orphans = observed.services.filter((o) => !desired.services.some((d) => d.name === o.name));
    if (orphans.length && opts.removeOrphans) for (const o of orphans) ops.push({ op: 'service.remove', name: o.name, id: o.id });
    else if (orphans.length) diagnostics.push(warning('PLAN_ORPHANS', `services of stack ${desired.project} not in the file: ${orphans.map((o) => o.name).join(', ')}`, undefined, 'remove them with --remove-orphans'));
  }

  // Secrets and configs of the stack that no service will use any more (a rotation's old ones).
  if (!only) {
    const keep = new Set(desired.objects.map((o) => `${o.kind}:${o.name}`));
    for (const o of observed.objects) if (!keep.has(`${o.kind}:${o.name}`)) ops.push({ op: 'object.remove', kind: o.kind, name: o.name, id: o.id, unused: true });
  }
  return { ops, diagnostics };
}

/** down: every service, then the networks, secrets and configs of the stack. */
export function planDown(observed: ObservedStack): SwarmPlan {
  const ops: SwarmOp[] = [
    ...observed.services.map((s): SwarmOp => ({ op: 'service.remove', name: s.name, id: s.id })),
    ...observed.networks.map((n): SwarmOp => ({ op: 'network.remove', name: n.name, id: n.id })),
    ...observed.objects.map((o): SwarmOp => ({ op: 'object.remove', kind: o.kind, name: o.name, id: o.id })),
  ];
  return { ops, diagnostics: [] };
}

/** One line per step, as `tsfig plan` prints it. */
export function describeOp(op: SwarmOp): string {
  switch (op.op) {
    case 'network.create': return `create network ${op.name}`;
    case 'object.create': return `create ${op.kind} ${op.name}`;
    case 'service.create': return `create service ${op.name}`;
    case 'service.update': return `update service ${op.name}: ${op.causes.join(', ')}`;
    case 'service.remove': return `remove service ${op.name}`;
    case 'object.remove': return `remove ${op.kind} ${op.name}${op.unused ? ' (no longer used)' : ''}`;
    case 'network.remove': return `remove network ${op.name}`;
    case 'volume.remove': return `remove volume ${op.name}`;
  }
}

/**
 * What a plan without steps says: the stack is up to date, unless a network differs from the
 * file (a warning says how): then only the services are, never the whole stack.
 */
export function upToDate(plan: SwarmPlan): string {
  const changed = plan.diagnostics.filter((d) => d.code === 'PLAN_NETWORK_CHANGED').length;
  if (changed === 0) return 'the stack is up to date';
  return `the services are up to date; ${changed === 1 ? 'a network differs from the file and stays as the swarm made it' : `${changed} networks differ from the file and stay as the swarm made them`}`;
}

export function renderSwarmPlan(plan: SwarmPlan): string {
  if (!plan.ops.length) return `nothing to do: ${upToDate(plan)}\n`;
  return plan.ops.map((o) => `${describeOp(o)}\n`).join('');
}
