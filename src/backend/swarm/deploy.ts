/** `deploy:` (and the keys it stands for: `scale`, `host:`) -> the parts of a service spec (pure). */
import { diagAt, type Diagnostic } from '../../model/diagnostic.js';
import type { DeployConfig, ListOrDict, Project, Service, UpdateConfig } from '../../model/project.js';
import { parseBytes, parseDuration } from '../../model/units.js';
import type { SwarmJson } from './types.js';

export interface DeployParts {
  mode: SwarmJson;
  endpointMode: 'vip' | 'dnsrr';
  labels: Record<string, string>;
  resources?: SwarmJson;
  restartPolicy?: SwarmJson;
  placement?: SwarmJson;
  updateConfig?: SwarmJson;
  rollbackConfig?: SwarmJson;
}

/** The node label a service's `host:` (the multi-host form) becomes a constraint on. */
export const HOST_NODE_LABEL = 'io.tsfig.host';

function dict(v: ListOrDict | undefined): Record<string, string> {
  if (!v) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((e) => { const i = e.indexOf('='); return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)]; }));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === null ? '' : String(x)]));
}

export function deployParts(project: Project, svc: Service, diagnostics: Diagnostic[]): DeployParts {
  const d: DeployConfig = svc.deploy ?? {};
  const at = (...path: Array<string | number>) => ['services', svc.name, 'deploy', ...path];
  const bad = (path: Array<string | number>, message: string) => diagnostics.push(diagAt(project, at(...path), 'PLAN_SWARM_SPEC', `service ${svc.name}: ${message}`));
  const int = (v: number | string | undefined, path: Array<string | number>): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) return void bad(path, `${path.join('.')} must be a whole number, not ${String(v)}`);
    return n;
  };
  const float = (v: number | string | undefined, path: Array<string | number>): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) return void bad(path, `${path.join('.')} must be a number, not ${String(v)}`);
    return n;
  };
  const dur = (v: string | undefined, path: Array<string | number>): number | undefined => {
    if (v === undefined) return undefined;
    const r = parseDuration(v);
    if (!r.ok) return void bad(path, r.error);
    return r.value;
  };
  const bytes = (v: string | undefined, path: Array<string | number>): number | undefined => {
    if (v === undefined) return undefined;
    const r = parseBytes(v);
    if (!r.ok) return void bad(path, r.error);
    return r.value;
  };

  const replicas = int(d.replicas, ['replicas']) ?? svc.scale ?? 1;
  let mode: SwarmJson;
  switch (d.mode ?? 'replicated') {
    case 'replicated': mode = { Replicated: { Replicas: replicas } }; break;
    case 'global': mode = { Global: {} }; break;
    case 'replicated-job': mode = { ReplicatedJob: { MaxConcurrent: replicas, TotalCompletions: replicas } }; break;
    case 'global-job': mode = { GlobalJob: {} }; break;
    default:
      bad(['mode'], `deploy.mode ${String(d.mode)} is not one of replicated, global, replicated-job, global-job`);
      mode = { Replicated: { Replicas: replicas } };
  }
  const em = d.endpoint_mode ?? 'vip';
  if (em !== 'vip' && em !== 'dnsrr') bad(['endpoint_mode'], `deploy.endpoint_mode ${em} is not vip or dnsrr`);
  const parts: DeployParts = { mode, endpointMode: em === 'dnsrr' ? 'dnsrr' : 'vip', labels: dict(d.labels) };

  const lim = d.resources?.limits;
  const res = d.resources?.reservations;
  const cpus = (v: number | string | undefined, path: string[]) => { const n = float(v, path); return n === undefined ? undefined : Math.round(n * 1e9); };
  const limits = { NanoCPUs: cpus(lim?.cpus, ['resources', 'limits', 'cpus']), MemoryBytes: bytes(lim?.memory, ['resources', 'limits', 'memory']), Pids: int(lim?.pids, ['resources', 'limits', 'pids']) };
  const reservations = { NanoCPUs: cpus(res?.cpus, ['resources', 'reservations', 'cpus']), MemoryBytes: bytes(res?.memory, ['resources', 'reservations', 'memory']) };
  const clean = (o: Record<string, number | undefined>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  if (lim || res) parts.resources = { ...(lim ? { Limits: clean(limits) } : {}), ...(res ? { Reservations: clean(reservations) } : {}) };

  const rp = d.restart_policy;
  if (rp) {
    const cond = rp.condition ?? 'any';
    if (!['none', 'on-failure', 'any'].includes(cond)) bad(['restart_policy', 'condition'], `restart_policy.condition ${cond} is not none, on-failure or any`);
    parts.restartPolicy = clean2({ Condition: cond, Delay: dur(rp.delay, ['restart_policy', 'delay']), MaxAttempts: int(rp.max_attempts, ['restart_policy', 'max_attempts']), Window: dur(rp.window, ['restart_policy', 'window']) });
  }

  const constraints = [...(d.placement?.constraints ?? [])];
  // `host:` of the multi-host form: on the nodes labelled with that host's name.
  if (svc.host !== undefined) constraints.push(`node.labels.${HOST_NODE_LABEL}==${svc.host}`);
  const pl = d.placement;
  if (constraints.length || pl?.preferences?.length || pl?.max_replicas_per_node !== undefined) {
    parts.placement = clean2({
      Constraints: constraints.length ? constraints : undefined,
      Preferences: pl?.preferences?.length ? pl.preferences.map((p) => ({ Spread: { SpreadDescriptor: p.spread ?? '' } })) : undefined,
      MaxReplicas: int(pl?.max_replicas_per_node, ['placement', 'max_replicas_per_node']),
    });
  }
  const update = (u: UpdateConfig | undefined, key: 'update_config' | 'rollback_config'): SwarmJson | undefined => {
    if (!u) return undefined;
    if (u.failure_action !== undefined && !['continue', 'pause', 'rollback'].includes(u.failure_action)) bad([key, 'failure_action'], `${key}.failure_action ${u.failure_action} is not continue, pause or rollback`);
    if (key === 'rollback_config' && u.failure_action === 'rollback') bad([key, 'failure_action'], 'rollback_config.failure_action cannot be rollback (continue or pause)');
    return clean2({
      Parallelism: int(u.parallelism ?? 1, [key, 'parallelism']),
      Delay: dur(u.delay, [key, 'delay']),
      FailureAction: u.failure_action ?? 'pause',
      Monitor: dur(u.monitor, [key, 'monitor']),
      MaxFailureRatio: float(u.max_failure_ratio, [key, 'max_failure_ratio']),
      Order: u.order ?? 'stop-first',
    });
  };
  const uc = update(d.update_config, 'update_config');
  if (uc) parts.updateConfig = uc;
  const rc = update(d.rollback_config, 'rollback_config');
  if (rc) parts.rollbackConfig = rc;
  return parts;
}

function clean2(o: Record<string, unknown>): SwarmJson {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
