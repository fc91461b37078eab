/**
 * Plans for the lifecycle commands (down, start, stop, restart, kill, rm, pause, unpause):
 * pure functions over the observed state, like reconcile. Dependents are stopped before
 * what they depend on; starts go the other way.
 */
import { Graph } from '../graph/graph.js';
import { isAnonymousVolume } from '../model/naming.js';
import type { Project } from '../model/project.js';
import { emptyPlan, hostPath, hostUnreachable, type Op, type Plan, type PlanGroup, type Verb } from './plan.js';
import { diag, diagAt, type Diagnostic } from '../model/diagnostic.js';
import { DEFAULT_HOST, mountedByOthers, type ObservedContainer, type ObservedState } from './state.js';
import { allocate, type Allocation } from '../overlay/alloc.js';
import { planOverlayHost } from '../overlay/plan.js';

export interface LifecycleOptions {
  services?: string[];
  timeout?: number;
}

class Steps {
  readonly plan: Plan = emptyPlan();
  private seq = 0;
  group(c: ObservedContainer | { name: string; host: string }, kind: PlanGroup['resource']['kind'], verb: Verb, cause: string, multiHost: boolean): PlanGroup {
    const g: PlanGroup = { id: `g${++this.seq}`, resource: { kind, name: c.name, ...(multiHost ? { host: c.host } : {}) }, verb, cause, visible: true };
    this.plan.groups.push(g);
    return g;
  }
  node(g: PlanGroup, op: Op, deps: Array<string | undefined>): string {
    const id = `n${++this.seq}`;
    this.plan.nodes.push({ id, op, deps: deps.filter((d): d is string => d !== undefined), group: g.id });
    return id;
  }
}

function reachable(project: Project, observed: ObservedState, plan: Plan): ObservedContainer[] {
  const out: ObservedContainer[] = [];
  for (const h of Object.values(observed.hosts)) {
    if (!h.reachable) {
      plan.warnings.push(hostUnreachable(project, h));
      continue;
    }
    out.push(...h.containers);
  }
  return out;
}

/** Service containers (not one-offs) of the selected services, grouped by service. */
function selected(project: Project, containers: ObservedContainer[], services?: string[]): Map<string, ObservedContainer[]> {
  const want = services?.length ? new Set(services) : undefined;
  const out = new Map<string, ObservedContainer[]>();
  for (const c of containers) {
    if (c.oneoff) continue;
    if (want && !want.has(c.service)) continue;
    if (!want && !project.services[c.service] && !project.disabledServices[c.service]) continue;
    const list = out.get(c.service) ?? [];
    list.push(c);
    out.set(c.service, list);
  }
  return out;
}

function multi(observed: ObservedState): boolean {
  return Object.keys(observed.hosts).length > 1;
}

/** Stop-like steps in reverse dependency order: a service waits for its dependents. */
function reverseOrdered(
  project: Project,
  observed: ObservedState,
  opts: LifecycleOptions,
  step: (s: Steps, c: ObservedContainer, deps: string[]) => string | undefined,
  finish?: (s: Steps) => void,
): Plan {
  const s = new Steps();
  const byService = selected(project, reachable(project, observed, s.plan), opts.services);
  const graph = new Graph({ ...project.disabledServices, ...project.services });
  const known = graph.services.filter((n) => byService.has(n));
  const order = [...graph.reverseOrder(known), ...[...byService.keys()].filter((n) => !known.includes(n)).sort()];
  const last = new Map<string, string[]>();
  for (const svc of order) {
    const deps = graph.dependentsOf(svc).flatMap((d) => last.get(d) ?? []);
    const ids: string[] = [];
    for (const c of byService.get(svc) ?? []) {
      const id = step(s, c, deps);
      if (id) ids.push(id);
    }
    last.set(svc, ids);
  }
  finish?.(s);
  return s.plan;
}

export function planStop(project: Project, observed: ObservedState, opts: LifecycleOptions): Plan {
  return reverseOrdered(project, observed, opts, (s, c, deps) => {
    if (c.state !== 'running' && c.state !== 'paused' && c.state !== 'restarting') return undefined;
    return s.node(s.group(c, 'container', 'stop', 'stop requested', multi(observed)), { type: 'container.stop', host: c.host, name: c.id, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) }, deps);
  });
}

export function planKill(project: Project, observed: ObservedState, opts: LifecycleOptions & { signal?: string; removeOrphans?: boolean; ignoreOrphans?: boolean }): Plan {
  return reverseOrdered(
    project,
    observed,
    opts,
    (s, c) => {
      if (c.state !== 'running' && c.state !== 'paused' && c.state !== 'restarting') return undefined;
      return s.node(s.group(c, 'container', 'kill', `kill ${opts.signal ?? 'SIGKILL'}`, multi(observed)), { type: 'container.kill', host: c.host, name: c.id, ...(opts.signal ? { signal: opts.signal } : {}) }, []);
    },
    (s) => {
      // Orphans (containers of services no longer in the file): named, or removed with
      // --remove-orphans, as compose's kill does.
      if (opts.services?.length) return;
      const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
      const orphans = Object.values(observed.hosts)
        .filter((h) => h.reachable)
        .flatMap((h) => h.containers)
        .filter((c) => !c.oneoff && !known.has(c.service));
      if (orphans.length === 0) return;
      if (!opts.removeOrphans) {
        if (!opts.ignoreOrphans) s.plan.warnings.push(orphanWarning(`found orphan containers (${orphans.map((o) => o.name).sort().join(', ')}) of services no longer in the project; run with --remove-orphans to remove them`));
        return;
      }
      for (const c of orphans) {
        const g = s.group(c, 'container', 'remove', `orphan: service ${c.service} is not in the project`, multi(observed));
        s.node(g, { type: 'container.remove', host: c.host, name: c.id, volumes: false, force: true }, []);
      }
    },
  );
}

export function planPause(project: Project, observed: ObservedState, opts: LifecycleOptions): Plan {
  return reverseOrdered(project, observed, opts, (s, c) => {
    if (c.state !== 'running') return undefined;
    return s.node(s.group(c, 'container', 'pause', 'pause requested', multi(observed)), { type: 'container.pause', host: c.host, name: c.id }, []);
  });
}

export function planUnpause(project: Project, observed: ObservedState, opts: LifecycleOptions): Plan {
  return reverseOrdered(project, observed, opts, (s, c) => {
    if (c.state !== 'paused') return undefined;
    return s.node(s.group(c, 'container', 'unpause', 'unpause requested', multi(observed)), { type: 'container.unpause', host: c.host, name: c.id }, []);
  });
}

/** rm: stopped containers only, unless stop first (-s) or force (-f). */
export function planRm(project: Project, observed: ObservedState, opts: LifecycleOptions & { stop?: boolean; volumes?: boolean }): Plan {
  return reverseOrdered(
    project,
    observed,
    opts,
    (s, c, deps) => {
      const running = c.state === 'running' || c.state === 'paused' || c.state === 'restarting';
      if (running && !opts.stop) return undefined;
      const g = s.group(c, 'container', 'remove', 'rm requested', multi(observed));
      const st = running ? s.node(g, { type: 'container.stop', host: c.host, name: c.id, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) }, deps) : undefined;
      return s.node(g, { type: 'container.remove', host: c.host, name: c.id, volumes: Boolean(opts.volumes), force: true }, [st, ...deps]);
    },
    (s) => {
      if (opts.volumes) removeInherited(s, project, observed);
    },
  );
}


/**
 * The engine's `rm -v` removes only the volumes a container was created with anonymously. An
 * anonymous volume a replacement inherited (mounted by name at recreate) stays behind: remove
 * the anonymous volumes of the containers the plan removes explicitly, once every removal of
 * the plan is done (containers of the project may share one through volumes_from). A 404
 * (already removed by `rm -v`) is fine for the executor.
 */
function removeInherited(s: Steps, project: Project, observed: ObservedState): void {
  const removals = s.plan.nodes.filter((n) => n.op.type === 'container.remove');
  const removed = new Set(removals.map((n) => `${n.op.host}/${(n.op as { name: string }).name}`));
  const declared = new Set(Object.values(project.volumes).map((v) => v.name));
  const seen = new Set<string>();
  for (const h of Object.values(observed.hosts)) {
    for (const c of h.containers) {
      if (!removed.has(`${c.host}/${c.id}`)) continue;
      for (const m of c.mounts) {
        if (m.type !== 'volume' || !isAnonymousVolume(m.name) || declared.has(m.name)) continue;
        if (seen.has(`${c.host}/${m.name}`)) continue;
        // Borrowed through volumes_from from a container that stays: the engine refuses, and it is not ours.
        if (mountedByOthers(m.name, c, h.containers.filter((o) => !removed.has(`${o.host}/${o.id}`)))) continue;
        seen.add(`${c.host}/${m.name}`);
        const g = s.group({ name: m.name, host: c.host }, 'volume', 'remove', `anonymous volume of ${c.name}`, multi(observed));
        s.node(g, { type: 'volume.remove', host: c.host, name: m.name }, removals.map((n) => n.id));
      }
    }
  }
}

/** start and restart: dependencies first. */
function forwardOrdered(project: Project, observed: ObservedState, opts: LifecycleOptions, step: (s: Steps, c: ObservedContainer, deps: string[]) => string | undefined): Plan {
  const s = new Steps();
  const byService = selected(project, reachable(project, observed, s.plan), opts.services);
  const graph = new Graph({ ...project.disabledServices, ...project.services });
  const known = graph.services.filter((n) => byService.has(n));
  const done = new Map<string, string[]>();
  for (const svc of graph.order(known)) {
    const deps = graph.dependenciesOf(svc).flatMap((d) => done.get(d) ?? []);
    const ids: string[] = [];
    for (const c of (byService.get(svc) ?? []).sort((a, b) => a.number - b.number)) {
      const id = step(s, c, deps);
      if (id) ids.push(id);
    }
    done.set(svc, ids);
  }
  return s.plan;
}

export function planStart(project: Project, observed: ObservedState, opts: LifecycleOptions): Plan {
  return forwardOrdered(project, observed, opts, (s, c, deps) => {
    if (c.state === 'running') return undefined;
    const op: Op = c.state === 'paused' ? { type: 'container.unpause', host: c.host, name: c.id } : { type: 'container.start', host: c.host, name: c.id };
    return s.node(s.group(c, 'container', 'start', c.state, multi(observed)), op, deps);
  });
}

/**
 * The services `restart` restarts, as docker compose picks them: the named ones and, unless
 * `noDeps`, every service that depends on one of them with `restart: true` (transitively).
 * No names: all of them.
 */
export function restartScope(project: Project, services: string[] | undefined, noDeps: boolean): string[] | undefined {
  if (!services?.length || noDeps) return services;
  const out = new Set(services);
  for (let grew = true; grew; ) {
    grew = false;
    for (const svc of Object.values(project.services)) {
      if (out.has(svc.name)) continue;
      if (Object.entries(svc.depends_on).some(([dep, d]) => d.restart === true && out.has(dep))) {
        out.add(svc.name);
        grew = true;
      }
    }
  }
  return [...out];
}

export function planRestart(project: Project, observed: ObservedState, opts: LifecycleOptions & { noDeps?: boolean }): Plan {
  const services = restartScope(project, opts.services, opts.noDeps === true);
  return forwardOrdered(project, observed, { ...opts, ...(services !== undefined ? { services } : {}) }, (s, c, deps) =>
    s.node(s.group(c, 'container', 'restart', 'restart requested', multi(observed)), { type: 'container.restart', host: c.host, name: c.id, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) }, deps),
  );
}

export interface DownOptions {
  volumes?: boolean;
  removeOrphans?: boolean;
  /** COMPOSE_IGNORE_ORPHANS: no warning about orphans. */
  ignoreOrphans?: boolean;
  timeout?: number;
  /** Image references to remove (--rmi), per host. */
  images?: Array<{ host: string; ref: string }>;
}

/**
 * down: the project's containers (one-offs too; orphans with --remove-orphans) stopped and
 * removed, dependents first; then its networks (never external ones); with -v the named
 * volumes the file declares (never external ones, whatever their labels; a labelled volume the
 * file no longer declares is kept, with a warning) and the containers' anonymous volumes.
 */
export function planDown(project: Project, observed: ObservedState, opts: DownOptions): Plan {
  const s = new Steps();
  const containers = reachable(project, observed, s.plan);
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  const graph = new Graph({ ...project.disabledServices, ...project.services });
  const orphans = containers.filter((c) => !c.oneoff && !known.has(c.service));
  if (orphans.length && !opts.removeOrphans && !opts.ignoreOrphans) {
    s.plan.warnings.push(orphanWarning(`found orphan containers (${orphans.map((o) => o.name).sort().join(', ')}); run with --remove-orphans to remove them`));
  }
  const removed = new Map<string, string[]>();
  const removeContainer = (c: ObservedContainer, deps: string[], cause: string) => {
    const g = s.group(c, 'container', 'remove', cause, multi(observed));
    const running = c.state === 'running' || c.state === 'paused' || c.state === 'restarting';
    const st = running ? s.node(g, { type: 'container.stop', host: c.host, name: c.id, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) }, deps) : undefined;
    return s.node(g, { type: 'container.remove', host: c.host, name: c.id, volumes: Boolean(opts.volumes), force: true }, [st, ...deps]);
  };
  const oneoffs = containers.filter((c) => c.oneoff).map((c) => removeContainer(c, [], 'one-off container'));
  const orphanIds = opts.removeOrphans ? orphans.map((c) => removeContainer(c, [], `orphan: service ${c.service} is not in the project`)) : [];
  for (const svc of graph.reverseOrder()) {
    const deps = graph.dependentsOf(svc).flatMap((d) => removed.get(d) ?? []);
    removed.set(svc, containers.filter((c) => !c.oneoff && c.service === svc).map((c) => removeContainer(c, deps, 'down')));
  }
  const allContainers = [...oneoffs, ...orphanIds, ...[...removed.values()].flat()];
  const leftBehind = new Set(orphans.filter(() => !opts.removeOrphans).flatMap((o) => o.networks));
  // What the file says now decides, not the labels: a network or volume the file declares
  // external is never removed, even when tsfig made it under an earlier file (it then carries
  // the project label); a named volume the file no longer declares is kept and named.
  const externalNetworks = new Set(Object.values(project.networks).filter((n) => n.external).map((n) => n.name));
  const volumeVerdicts = downVolumeVerdicts(project);
  const kept = new Set<string>();
  for (const h of Object.values(observed.hosts)) {
    if (!h.reachable) continue;
    for (const n of h.networks) {
      if (leftBehind.has(n.name) || externalNetworks.has(n.name)) continue;
      const g = s.group({ name: n.name, host: h.name }, 'network', 'remove', 'down', multi(observed));
      s.node(g, { type: 'network.remove', host: h.name, name: n.id }, allContainers);
    }
    if (opts.volumes) {
      for (const v of h.volumes) {
        const verdict = isAnonymousVolume(v.name) ? 'remove' : (volumeVerdicts.get(v.name) ?? 'undeclared');
        if (verdict !== 'remove') {
          if (!kept.has(v.name)) s.plan.warnings.push(keptVolume(project, v.name, verdict));
          kept.add(v.name);
          continue;
        }
        const g = s.group({ name: v.name, host: h.name }, 'volume', 'remove', 'down -v', multi(observed));
        s.node(g, { type: 'volume.remove', host: h.name, name: v.name }, allContainers);
      }
    }
  }
  if (opts.volumes) removeInherited(s, project, observed);
  planOverlayDown(s, project, observed, allContainers);
  for (const img of opts.images ?? []) {
    if (!observed.hosts[img.host]?.reachable) continue;
    const g = s.group({ name: img.ref, host: img.host }, 'image', 'remove', '--rmi', multi(observed));
    s.node(g, { type: 'image.remove', host: img.host, ref: img.ref }, allContainers);
  }
  return s.plan;
}

function orphanWarning(message: string): Diagnostic {
  return diag('PLAN_ORPHANS', message, undefined, undefined, 'warning');
}

/** down -v keeps a volume: one the file declares external (at its key), or one it no longer declares. */
export function keptVolume(project: Project, name: string, verdict: 'external' | 'undeclared'): Diagnostic {
  if (verdict === 'undeclared') return diag('PLAN_VOLUME_UNDECLARED_KEPT', `volume ${name} is no longer in the file; kept`, undefined, undefined, 'warning');
  const key = Object.keys(project.volumes).find((k) => project.volumes[k]!.name === name && project.volumes[k]!.external);
  return diagAt(project, key !== undefined ? ['volumes', key] : undefined, 'PLAN_VOLUME_EXTERNAL_KEPT', `volume ${name} is external; kept`, 'warning');
}

/**
 * Which of the project's labelled volumes `down -v` removes, by engine name: those the file
 * declares (not external). An engine name declared both ways (two keys naming one volume) is
 * external: keeping data is the safe side.
 */
export function downVolumeVerdicts(project: Project): Map<string, 'remove' | 'external'> {
  const out = new Map<string, 'remove' | 'external'>();
  for (const v of Object.values(project.volumes)) {
    if (v.external) out.set(v.name, 'external');
    else if (!out.has(v.name)) out.set(v.name, 'remove');
  }
  return out;
}

/**
 * down on overlay hosts: the project's vxlan devices (their FDB entries go with them) and its
 * iptables chain, on every host that answered and has any; nothing that is not the project's.
 */
function planOverlayDown(s: Steps, project: Project, observed: ObservedState, after: string[]): void {
  let alloc: Allocation | undefined;
  for (const h of Object.values(observed.hosts)) {
    if (!h.reachable || !h.overlay) continue;
    if (!h.overlay.ok) {
      s.plan.warnings.push(
        diagAt(project, hostPath(project, h.name), 'PLAN_OVERLAY_UNREADABLE', `host ${h.name}: its overlay state could not be read (${h.overlay.error ?? 'unknown error'}); its vxlan devices are left as they are`, 'warning'),
      );
      continue;
    }
    alloc ??= allocate(project, { scale: () => 1, hostOf: (svc) => svc.host ?? DEFAULT_HOST });
    const p = planOverlayHost(project, alloc, h.name, h.overlay, {}, new Set(), true);
    if (!p.script) continue;
    const g = s.group({ name: 'overlay', host: h.name }, 'host', 'remove', `down: ${p.cause}`, multi(observed));
    s.node(g, { type: 'host.script', host: h.name, project: project.name, image: p.image, script: p.script }, after);
  }
}

/**
 * `up --wait`: every container of the services is running, and healthy when it has a
 * healthcheck; a one-shot service that others wait on with service_completed_successfully
 * must have exited 0 instead.
 */
export function planWait(project: Project, observed: ObservedState, services: string[], timeoutMs: number): Plan {
  const s = new Steps();
  const completed = new Set(
    Object.values(project.services).flatMap((svc) => Object.entries(svc.depends_on).filter(([, d]) => d.condition === 'service_completed_successfully').map(([n]) => n)),
  );
  const byService = selected(project, reachable(project, observed, s.plan), services);
  for (const [service, containers] of byService) {
    const svc = project.services[service];
    if (!svc) continue;
    const hc = svc.healthcheck;
    const healthy = hc !== undefined && !hc.disable && !(hc.test?.[0] === 'NONE');
    const condition = completed.has(service) ? 'completed' : healthy ? 'healthy' : 'running';
    for (const host of new Set(containers.map((c) => c.host))) {
      const names = containers.filter((c) => c.host === host).map((c) => c.name).sort();
      const g = s.group({ name: names.join(', '), host }, 'container', 'wait', `--wait: ${condition}`, multi(observed));
      g.doneAs = condition === 'healthy' ? 'Healthy' : condition === 'completed' ? 'Exited' : 'Running';
      s.node(g, { type: 'container.wait', host, service, names, condition, timeoutMs }, []);
    }
  }
  return s.plan;
}
