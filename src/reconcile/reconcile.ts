/**
 * reconcile(project, observed, options) -> Plan. Pure: no engine, no clock, no randomness.
 * Every operation carries the cause that made it necessary; an up-to-date project gives a
 * plan without mutating operations.
 */
import type { EndpointConfig, NetworkCreateBody, VolumeCreateBody } from '../engine/engine.js';
import { Graph } from '../graph/graph.js';
import { LABEL } from '../model/labels.js';
import { withDefaultTag } from '../model/imageref.js';
import { containerName, isAnonymousVolume, replacementName } from '../model/naming.js';
import { hostOf, imageRef } from '../model/service.js';
import { redactedConfig, serviceConfigHash, sha256, stableJson } from '../model/hash.js';
import type { Project, Service } from '../model/project.js';
import { describeChange } from './causes.js';
import { buildSpec, imageDecision, remoteBuildError, type ImageOptions } from './images.js';
import { emptyPlan, hostPath, hostUnreachable, type Op, type Plan, type PlanGroup, type PlanNode, type Verb } from './plan.js';
import { containerSpec, SpecError } from './spec.js';
import { allocate, hasOverlay, projectTag, type Allocation, type PriorAllocation } from '../overlay/alloc.js';
import { OVERLAY_LABEL, overlayConfig, overlayContainer, overlayHash, overlayNetworkBody, planOverlayHost, underlayAddresses, type OverlayContainer } from '../overlay/plan.js';
import { DEFAULT_HOST, mountedByOthers, type ObservedContainer, type ObservedHost, type ObservedState } from './state.js';
import type { ResourceRef } from '../ui/events.js';
import { diag, diagAt, type Diagnostic } from '../model/diagnostic.js';

export interface ReconcileOptions extends ImageOptions {
  /** tsfig's version, stored on containers. */
  version: string;
  /**
   * --force-recreate-volumes: a volume whose definition changed is removed (with its data) and
   * made anew; the containers that mount it are removed first and created again.
   */
  recreateVolumes?: boolean;
  /** Services named on the command line (default: all). */
  services?: string[];
  /** Do not bring up the dependencies of the named services. */
  noDeps?: boolean;
  forceRecreate?: boolean;
  /**
   * `--always-recreate-deps`: the services in scope that were not named (the dependencies of the
   * named ones) are recreated even if nothing changed, as compose's RecreateDependencies=force.
   * Nothing when no service is named (every service is then a named one, as compose has it).
   */
  alwaysRecreateDeps?: boolean;
  noRecreate?: boolean;
  /**
   * The global `--all-resources` (compose's): the networks and volumes no service in scope uses
   * are created too, on the default host (overlay networks, which live on the hosts of their
   * services, are not: a warning says so).
   */
  allResources?: boolean;
  /** Create, but do not start. */
  noStart?: boolean;
  /** -V: new anonymous volumes instead of the old containers' ones. */
  renewAnonVolumes?: boolean;
  removeOrphans?: boolean;
  /** COMPOSE_IGNORE_ORPHANS: say nothing about orphan containers (they are left alone). */
  ignoreOrphans?: boolean;
  /** --scale SERVICE=N. */
  scale?: Record<string, number>;
  /** -t: stop timeout in seconds, over each service's stop_grace_period. */
  timeout?: number;
  /** How long a depends_on condition may take. */
  healthTimeoutMs?: number;
  /**
   * The images were made already (up's first phase, `planImages`): plan no pull or build; a
   * missing image is an error.
   */
  imagesDone?: boolean;
}

/** `busybox` -> `busybox:latest`; digests and explicit tags unchanged (the key of an image among the engine's tags). */
export const normalizeRef = withDefaultTag;

/** Moved to model/service.ts; re-exported for the callers outside this helper's files. */
export { hostOf, imageRef };

export function scaleOf(svc: Service, opts: Pick<ReconcileOptions, 'scale'>): number {
  const fromOpt = opts.scale?.[svc.name];
  if (fromOpt !== undefined) return fromOpt;
  if (typeof svc.scale === 'number') return svc.scale;
  const replicas = (svc.deploy as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas === 'number') return replicas;
  return 1;
}

/** `--all-resources`: the declared networks and volumes nothing in scope planned, on the default host. */
function planUnusedResources(b: Builder, project: Project, observed: ObservedState, overlay: ReturnType<typeof allocate> | undefined, resourceNode: Map<string, string>): void {
  const hs = observed.hosts[DEFAULT_HOST];
  if (!hs?.reachable) return;
  for (const [key, net] of Object.entries(project.networks)) {
    const id = `${DEFAULT_HOST}/network/${key}`;
    if (net.external || resourceNode.has(id)) continue;
    if (overlay?.networks[key]) {
      b.plan.warnings.push(diagAt(project, ['networks', key], 'PLAN_UNUSED_OVERLAY', `--all-resources: overlay network ${net.name} is used by no service, so it has no host to be made on: not created`, 'warning'));
      continue;
    }
    const body = networkBody(project, key, overlay, DEFAULT_HOST);
    const existing = hs.networks.find((n) => n.key === key || n.name === net.name);
    if (existing) continue;
    const g = b.group({ kind: 'network', name: net.name, ...hostRef(observed, DEFAULT_HOST) }, 'create', '--all-resources');
    resourceNode.set(id, b.node(g, { type: 'network.create', host: DEFAULT_HOST, key, body }, []));
  }
  for (const [key, vol] of Object.entries(project.volumes)) {
    const id = `${DEFAULT_HOST}/volume/${key}`;
    if (vol.external || resourceNode.has(id)) continue;
    if (hs.volumes.some((o) => o.name === vol.name)) continue;
    const g = b.group({ kind: 'volume', name: vol.name, ...hostRef(observed, DEFAULT_HOST) }, 'create', '--all-resources');
    resourceNode.set(id, b.node(g, { type: 'volume.create', host: DEFAULT_HOST, key, body: volumeBody(project, key) }, []));
  }
}

/** `--always-recreate-deps` and `service` is a dependency the command line did not name. */
function isForcedDependency(service: string, opts: ReconcileOptions): boolean {
  return opts.alwaysRecreateDeps === true && opts.services !== undefined && opts.services.length > 0 && !opts.services.includes(service);
}

function stopTimeout(svc: Service, opts: ReconcileOptions): number | undefined {
  if (opts.timeout !== undefined) return opts.timeout;
  return typeof svc.stop_grace_period === 'number' ? Math.ceil(svc.stop_grace_period / 1e9) : undefined;
}

class Builder {
  readonly plan: Plan = emptyPlan();
  private seq = 0;
  /** Engine names of the volumes the file declares (external ones too): never removed as anonymous. */
  declaredVolumes: ReadonlySet<string> = new Set();

  group(resource: ResourceRef, verb: Verb, cause: string, visible = true): PlanGroup {
    const g: PlanGroup = { id: `g${++this.seq}`, resource, verb, cause, visible };
    this.plan.groups.push(g);
    return g;
  }

  node(group: PlanGroup, op: Op, deps: Array<string | undefined>): string {
    const n: PlanNode = { id: `n${++this.seq}`, op, deps: deps.filter((d): d is string => d !== undefined), group: group.id };
    this.plan.nodes.push(n);
    return n.id;
  }
}

interface ServiceOutcome {
  /** Nodes after which the service's containers run (or exist, with --no-start). */
  ready: string[];
  /** Nodes after which the service's containers exist under their names (created, not yet started). */
  created: string[];
  /** Containers created or recreated (dependents sharing its namespaces follow it). */
  changed: boolean;
  /** Names of the service's containers after the plan. */
  names: string[];
}

export function reconcile(project: Project, observed: ObservedState, opts: ReconcileOptions): Plan {
  const b = new Builder();
  b.declaredVolumes = new Set(Object.values(project.volumes).map((v) => v.name));
  const plan = b.plan;
  const graph = new Graph(project.services);
  const named = opts.services?.length ? opts.services : Object.keys(project.services);
  for (const n of named) if (!project.services[n]) plan.errors.push(unknownService(n));
  const inScope = opts.noDeps ? new Set(named) : graph.withDependencies(named);
  const order = graph.order([...inScope].filter((s) => project.services[s]));

  const hostState = (h: string): ObservedHost | undefined => observed.hosts[h];
  for (const h of Object.values(observed.hosts)) {
    if (!h.reachable) plan.warnings.push(hostUnreachable(project, h));
  }
  // Overlay networks: subnets, slices and addresses the engines hold are kept; new ones are
  // derived from the project, clear of the hosts' routes.
  const overlay = hasOverlay(project) ? allocate(project, { scale: (svc) => scaleOf(svc, opts), hostOf, prior: overlayPrior(project, observed) }) : undefined;
  plan.errors.push(...(overlay?.errors ?? []));
  /** Per host: overlay bridges this plan (re)creates, and the nodes that do it. */
  const freshOverlay = new Map<string, { bridges: Set<string>; nodes: string[] }>();

  // Networks and volumes the services in scope need, per host.
  const resourceNode = new Map<string, string>();
  /** Containers removed to recreate a volume: their services create them anew. */
  const evicted = new Set<string>();
  for (const sname of order) {
    const svc = project.services[sname]!;
    const host = hostOf(svc);
    const hs = hostState(host);
    if (!hs?.reachable) continue;
    for (const key of Object.keys(svc.networks ?? {})) {
      const net = project.networks[key];
      const id = `${host}/network/${key}`;
      if (!net || resourceNode.has(id)) continue;
      resourceNode.set(id, '');
      if (net.external) {
        if (!hs.externalNetworks[net.name]) {
          plan.errors.push(diagAt(project, ['networks', key], 'PLAN_EXTERNAL_NETWORK_MISSING', `external network ${net.name} (networks.${key}) does not exist on host ${host}: create it, or drop external: true`));
        }
        continue;
      }
      const body = networkBody(project, key, overlay, host);
      const existing = hs.networks.find((n) => n.key === key || n.name === net.name);
      if (existing && (existing.configHash === undefined || existing.configHash === body.Labels?.[LABEL.configHash])) continue;
      if (existing) {
        resourceNode.set(id, planNetworkRecreate(b, project, observed, hs, key, existing.id, body, overlay));
      } else {
        const g = b.group({ kind: 'network', name: net.name, ...hostRef(observed, host) }, 'create', 'missing');
        resourceNode.set(id, b.node(g, { type: 'network.create', host, key, body }, []));
      }
      const ovNet = overlay?.networks[key];
      if (ovNet) {
        const f = freshOverlay.get(host) ?? { bridges: new Set<string>(), nodes: [] };
        f.bridges.add(ovNet.bridge);
        f.nodes.push(resourceNode.get(id)!);
        freshOverlay.set(host, f);
      }
    }
    for (const v of svc.volumes) {
      if (v.type !== 'volume' || !v.source) continue;
      const vol = project.volumes[v.source];
      const id = `${host}/volume/${v.source}`;
      if (!vol || resourceNode.has(id)) continue;
      resourceNode.set(id, '');
      if (vol.external) {
        if (!hs.externalVolumes[vol.name]) {
          plan.errors.push(diagAt(project, ['volumes', v.source], 'PLAN_EXTERNAL_VOLUME_MISSING', `external volume ${vol.name} (volumes.${v.source}) does not exist on host ${host}: create it, or drop external: true`));
        }
        continue;
      }
      const body = volumeBody(project, v.source);
      const existing = hs.volumes.find((o) => o.name === vol.name);
      if (existing) {
        const had = existing.labels[LABEL.configHash];
        if (had !== undefined && had !== body.Labels[LABEL.configHash]) {
          if (!opts.recreateVolumes) {
            // Never act on a volume silently: recreating it would delete its data.
            plan.warnings.push(
              diagAt(
                project,
                ['volumes', v.source],
                'PLAN_VOLUME_CHANGED',
                `volume ${vol.name} differs from its definition in the file (volumes.${v.source}); it is kept as it is, with its data: up --force-recreate-volumes makes it anew (its data is lost)`,
                'warning',
              ),
            );
            continue;
          }
          resourceNode.set(id, planVolumeRecreate(b, observed, hs, vol.name, v.source, body, evicted));
        }
        continue;
      }
      if (hs.foreignVolumes?.includes(vol.name)) {
        // Not ours (no project label): never changed, never removed; used as it is, as compose does.
        plan.warnings.push(
          diagAt(project, ['volumes', v.source], 'PLAN_VOLUME_FOREIGN', `volume ${vol.name} already exists and tsfig did not make it; it is used as it is: declare it external: true (volumes.${v.source}) to say so`, 'warning'),
        );
        continue;
      }
      const g = b.group({ kind: 'volume', name: vol.name, ...hostRef(observed, host) }, 'create', 'missing');
      resourceNode.set(id, b.node(g, { type: 'volume.create', host, key: v.source, body }, []));
    }
  }

  // Overlay: each host's vxlan devices, FDB and firewall chain, after its networks exist and
  // before the containers on them start.
  if (opts.allResources) planUnusedResources(b, project, observed, overlay, resourceNode);
  if (overlay) planOverlayHosts(b, project, observed, overlay, resourceNode, freshOverlay);

  // Images: present on the host, pulled, or built.
  const imageNode = opts.imagesDone ? checkImages(b, project, observed, order) : planImageSteps(b, project, observed, order, opts);

  const outcomes = new Map<string, ServiceOutcome>();
  for (const sname of order) {
    const svc = project.services[sname]!;
    const host = hostOf(svc);
    const hs = hostState(host);
    if (!hs?.reachable) continue;
    const deps: string[] = [];
    for (const key of Object.keys(svc.networks ?? {})) deps.push(resourceNode.get(`${host}/network/${key}`) ?? '');
    for (const v of svc.volumes) if (v.type === 'volume' && v.source) deps.push(resourceNode.get(`${host}/volume/${v.source}`) ?? '');
    deps.push(imageNode.get(`${host}/${normalizeRef(imageRef(project, svc))}`) ?? '');
    // Dependencies: started first (conditions waited on). A new container is created without
    // waiting for them (the create needs only their names for links, and running containers for
    // shared namespaces and volumes_from); only its start waits, so along a depends_on chain
    // the creates overlap and each link costs one start.
    const forced: string[] = [];
    const createDeps: string[] = [];
    const startDeps: string[] = [];
    for (const e of graph.edges.filter((x) => x.from === sname)) {
      const dep = outcomes.get(e.to);
      if (!dep) continue;
      startDeps.push(...dep.ready);
      if (e.kind === 'links') createDeps.push(...dep.created);
      else if (e.kind !== 'depends_on') createDeps.push(...dep.ready);
      if ((e.kind === 'network_mode' || e.kind === 'ipc' || e.kind === 'pid' || e.kind === 'volumes_from') && dep.changed) {
        forced.push(`${e.kind} ${e.kind === 'volumes_from' ? '' : 'service:'}${e.to}: ${e.to} is recreated`.replace('volumes_from :', 'volumes_from '));
      }
    }
    const waits = dependencyWaits(b, project, svc, graph, outcomes, observed, opts);
    const outcome = planService(b, project, svc, hs, observed, opts, { resources: deps.filter(Boolean), create: createDeps, start: startDeps }, waits, forced, overlay, evicted);
    outcomes.set(sname, outcome);
  }

  planOrphans(b, project, observed, opts);
  planMoved(b, project, observed, order, opts);
  return plan;
}

/**
 * The image steps of the services in `order`: one pull or build per host and image (a service
 * whose image another service builds waits for that build). Returns host/ref -> the node
 * after which the image is there ('' when nothing is to be done).
 */
function planImageSteps(b: Builder, project: Project, observed: ObservedState, order: string[], opts: ReconcileOptions): Map<string, string> {
  const imageNode = new Map<string, string>();
  const plan = b.plan;
  // Builds first: a service using an image another service builds must not pull it.
  const services = order.map((n) => project.services[n]!);
  const sorted = [...services.filter((s) => s.build !== undefined), ...services.filter((s) => s.build === undefined)];
  for (const svc of sorted) {
    const host = hostOf(svc);
    const hs = observed.hosts[host];
    if (!hs?.reachable) continue;
    const ref = normalizeRef(imageRef(project, svc));
    const id = `${host}/${ref}`;
    if (imageNode.has(id)) continue;
    // A remote context that cannot be built as written: an error whether or not a build is due.
    const remoteError = remoteBuildError(svc);
    if (remoteError !== undefined) {
      plan.errors.push(diagAt(project, ['services', svc.name, 'build', remoteError.key], 'PLAN_REMOTE_BUILD_INVALID', remoteError.message));
      imageNode.set(id, '');
      continue;
    }
    const d = imageDecision(svc, ref, hs.images[ref] !== undefined, host, opts);
    if (d.action === 'none') continue;
    if (d.action === 'error') {
      plan.errors.push(diagAt(project, ['services', svc.name, d.key], d.code, d.message));
      imageNode.set(id, '');
      continue;
    }
    if (d.action === 'pull') {
      const g = b.group({ kind: 'image', name: ref, ...hostRef(observed, host) }, 'pull', d.cause);
      imageNode.set(id, b.node(g, { type: 'image.pull', host, ref }, []));
      continue;
    }
    const g = b.group({ kind: 'image', name: ref, ...hostRef(observed, host) }, 'build', `${d.cause}; service ${svc.name}`);
    imageNode.set(id, b.node(g, { type: 'image.build', host, service: svc.name, ref, build: buildSpec(svc, ref, opts) }, []));
  }
  return imageNode;
}

/** After up's image phase: every image must be there. */
function checkImages(b: Builder, project: Project, observed: ObservedState, order: string[]): Map<string, string> {
  for (const name of order) {
    const svc = project.services[name]!;
    const hs = observed.hosts[hostOf(svc)];
    if (!hs?.reachable) continue;
    const ref = normalizeRef(imageRef(project, svc));
    if (hs.images[ref] === undefined) {
      const msg = `service ${svc.name}: image ${ref} is not on ${hs.name === DEFAULT_HOST ? 'the host' : `host ${hs.name}`}`;
      addOnce(b.plan.errors, diagAt(project, ['services', svc.name, 'image'], 'PLAN_IMAGE_MISSING', msg));
    }
  }
  return new Map();
}

/**
 * Only the image steps `up` would take (pulls and builds), for the services in scope: up runs
 * them first, so the containers' config hashes see the images' new IDs.
 */
export function planImages(project: Project, observed: ObservedState, opts: ReconcileOptions): Plan {
  const b = new Builder();
  const graph = new Graph(project.services);
  const named = opts.services?.length ? opts.services : Object.keys(project.services);
  for (const n of named) if (!project.services[n]) b.plan.errors.push(unknownService(n));
  const inScope = opts.noDeps ? new Set(named) : graph.withDependencies(named);
  const order = graph.order([...inScope].filter((s) => project.services[s]));
  planImageSteps(b, project, observed, order, opts);
  return b.plan;
}

/**
 * `pull` and `push`: one step per host and image of the services in scope (named ones, all when
 * none is named, with their dependencies when asked) that name an `image:`. Services without
 * one have nothing in a registry: they are left out.
 */
export function planRegistry(
  project: Project,
  observed: ObservedState,
  verb: 'pull' | 'push',
  opts: {
    services?: string[];
    includeDeps?: boolean;
    /** `pull --ignore-buildable`: services with `build:` are left out. */
    ignoreBuildable?: boolean;
    /** `pull --policy missing`: an image the host has is not pulled (needs the hosts' images observed). */
    onlyMissing?: boolean;
    /**
     * `pull` without `--policy`: each service's `pull_policy`, as compose reads it: `never` and
     * `build` are not pulled, `missing`/`if_not_present` only when the host lacks the image
     * (needs the hosts' images observed), anything else (none, `always`, `daily`...) is.
     */
    servicePolicy?: boolean;
  } = {},
): Plan {
  const b = new Builder();
  const named = opts.services?.length ? opts.services : Object.keys(project.services);
  for (const n of named) if (!project.services[n]) b.plan.errors.push(unknownService(n));
  const known = named.filter((n) => project.services[n]);
  const graph = new Graph(project.services);
  const scope = opts.includeDeps ? graph.order([...graph.withDependencies(known)]) : known;
  const seen = new Map<string, PlanGroup>();
  for (const name of scope) {
    const svc = project.services[name]!;
    if (svc.image === undefined) continue;
    const host = hostOf(svc);
    const hs = observed.hosts[host];
    if (!hs?.reachable) continue;
    if (opts.ignoreBuildable && svc.build !== undefined) continue;
    const ref = normalizeRef(svc.image);
    if (opts.onlyMissing && hs.images[ref] !== undefined) continue;
    if (opts.servicePolicy && verb === 'pull') {
      const policy = svc.pull_policy;
      if (policy === 'never' || policy === 'build') continue;
      if ((policy === 'missing' || policy === 'if_not_present') && hs.images[ref] !== undefined) continue;
    }
    const g = seen.get(`${host}/${ref}`);
    if (g) {
      g.cause += `, ${name}`;
      continue;
    }
    const group = b.group({ kind: 'image', name: ref, ...hostRef(observed, host) }, verb, `service ${name}`);
    seen.set(`${host}/${ref}`, group);
    b.node(group, verb === 'pull' ? { type: 'image.pull', host, ref } : { type: 'image.push', host, ref }, []);
  }
  return b.plan;
}

/**
 * The overlay fragment: per reachable host, the host script that makes its vxlan devices, FDB
 * and firewall chain what the allocation says (none when the host is as it should be). It runs
 * after the host's overlay networks are (re)created, and the containers on them wait for it.
 */
/**
 * What the engines hold of the project's overlay allocation: each network's subnet and host
 * slice (from the networks), each container's address (from its endpoints label), and the
 * hosts' routes that are not the project's own bridges.
 */
export function overlayPrior(project: Project, observed: ObservedState): PriorAllocation {
  const prior: Required<PriorAllocation> = { subnets: {}, slices: {}, addresses: {}, routes: {}, held: {} };
  const ownBridge = `tsf${projectTag(project.name)}`;
  for (const hs of Object.values(observed.hosts)) {
    if (!hs.reachable) continue;
    for (const n of hs.networks) {
      if (n.key === undefined || n.labels[OVERLAY_LABEL.vni] === undefined) continue;
      if (n.subnet !== undefined) prior.subnets[n.key] ??= n.subnet;
      const i = Number(n.labels[OVERLAY_LABEL.hostIndex]);
      if (n.labels[OVERLAY_LABEL.hostIndex] !== undefined && Number.isInteger(i)) (prior.slices[n.key] ??= {})[hs.name] = i;
    }
    // Replacements last: the container that holds the name holds the address.
    const containers = [...hs.containers].sort((a, b) => Number(a.replaces !== undefined) - Number(b.replaces !== undefined));
    for (const c of containers) {
      const label = c.labels[OVERLAY_LABEL.endpoints];
      if (!label) continue;
      for (const part of label.split(';')) {
        const m = /^([^=]+)=([0-9.]+)\//.exec(part);
        if (!m) continue;
        if (c.oneoff) (prior.held[m[1]!] ??= []).push(m[2]!);
        else if (c.number >= 1) (prior.addresses[m[1]!] ??= {})[`${c.service}/${c.number}`] ??= m[2]!;
      }
    }
    if (hs.overlay?.ok && hs.overlay.routes) prior.routes[hs.name] = hs.overlay.routes.filter((r) => r.dst !== 'default' && !(r.dev ?? '').startsWith(ownBridge));
  }
  return prior;
}

function planOverlayHosts(
  b: Builder,
  project: Project,
  observed: ObservedState,
  alloc: Allocation,
  resourceNode: Map<string, string>,
  fresh: Map<string, { bridges: Set<string>; nodes: string[] }>,
): void {
  const overlays = Object.fromEntries(Object.values(observed.hosts).filter((h) => h.reachable).map((h) => [h.name, h.overlay]));
  const addresses = underlayAddresses(project, alloc, overlays);
  for (const hs of Object.values(observed.hosts)) {
    if (!hs.reachable) continue;
    const member = Object.values(alloc.networks).some((n) => n.members.includes(hs.name));
    const o = hs.overlay;
    if (!o || !o.ok) {
      if (member) b.plan.errors.push(diagAt(project, hostPath(project, hs.name), 'PLAN_OVERLAY_UNREADABLE', `host ${hs.name}: its overlay state could not be read${o?.error ? `: ${o.error}` : ''}`));
      continue;
    }
    const f = fresh.get(hs.name);
    const p = planOverlayHost(project, alloc, hs.name, o, addresses, f?.bridges ?? new Set());
    for (const e of p.errors) addOnce(b.plan.errors, e);
    b.plan.warnings.push(...p.warnings);
    if (!p.script) continue;
    const g = b.group({ kind: 'host', name: 'overlay', ...hostRef(observed, hs.name) }, 'configure', `overlay: ${p.cause}`);
    const id = b.node(g, { type: 'host.script', host: hs.name, project: project.name, image: p.image, script: p.script }, f?.nodes ?? []);
    for (const key of Object.keys(alloc.networks)) {
      if (resourceNode.has(`${hs.name}/network/${key}`)) resourceNode.set(`${hs.name}/network/${key}`, id);
    }
  }
}

/** A service named on the command line that the project does not have. */
function unknownService(name: string): Diagnostic {
  return diag('PLAN_UNKNOWN_SERVICE', `no such service: ${name}`);
}

/** Add a diagnostic unless one with the same code and message is there (one per host and image, say). */
function addOnce(list: Diagnostic[], d: Diagnostic): void {
  if (!list.some((x) => x.code === d.code && x.message === d.message)) list.push(d);
}

function hostRef(observed: ObservedState, host: string): { host?: string } {
  return Object.keys(observed.hosts).length > 1 ? { host } : {};
}

/**
 * A network whose definition changed: containers are disconnected, the network is made anew,
 * and the containers are connected again with their aliases and addresses - not recreated.
 */
/** A changed volume, with --force-recreate-volumes: its containers go, then it is made anew. */
function planVolumeRecreate(b: Builder, observed: ObservedState, hs: ObservedHost, name: string, key: string, body: VolumeCreateBody, evicted: Set<string>): string {
  const host = hs.name;
  const g = b.group({ kind: 'volume', name, ...hostRef(observed, host) }, 'recreate', 'its definition changed (--force-recreate-volumes: its data is deleted)');
  const removals = hs.containers
    .filter((c) => c.mounts.some((m) => m.type === 'volume' && m.name === name))
    .map((c) => {
      evicted.add(c.id);
      const st = c.state === 'running' || c.state === 'paused' ? b.node(g, { type: 'container.stop', host, name: c.id }, []) : undefined;
      return b.node(g, { type: 'container.remove', host, name: c.id, volumes: false, force: true }, [st]);
    });
  const rm = b.node(g, { type: 'volume.remove', host, name }, removals);
  return b.node(g, { type: 'volume.create', host, key, body }, [rm]);
}

function planNetworkRecreate(b: Builder, project: Project, observed: ObservedState, hs: ObservedHost, key: string, oldId: string, body: NetworkCreateBody, overlay?: Allocation): string {
  const net = project.networks[key]!;
  const host = hs.name;
  const g = b.group({ kind: 'network', name: net.name, ...hostRef(observed, host) }, 'recreate', 'its definition changed; containers are disconnected and reconnected');
  const attached = hs.containers.filter((c) => c.networks.includes(net.name));
  const disconnects = attached.map((c) => b.node(g, { type: 'network.disconnect', host, network: oldId, container: c.id }, []));
  const rm = b.node(g, { type: 'network.remove', host, name: oldId }, disconnects);
  const cr = b.node(g, { type: 'network.create', host, key, body }, [rm]);
  attached.forEach((c) => {
    const svc = project.services[c.service];
    const config = svc ? endpointOf(b.plan, project, svc, c, net.name, hs, overlayContainer(overlay, svc, c.number)) : {};
    b.node(g, { type: 'network.connect', host, network: net.name, container: c.id, config }, [cr]);
  });
  return cr;
}

/** The endpoint a container had on `network` when it was created (aliases, links, addresses, driver options). */
function endpointOf(plan: Plan, project: Project, svc: Service, c: ObservedContainer, network: string, hs: ObservedHost, ov?: OverlayContainer): EndpointConfig {
  const spec = makeSpec(plan, project, svc, c.number, c.name, imageRef(project, svc), {}, {}, hs, ov);
  if (!spec) return {};
  return spec.body.NetworkingConfig?.EndpointsConfig?.[network] ?? spec.extraNetworks.find((n) => n.network === network)?.config ?? {};
}

function networkBody(project: Project, key: string, overlay?: Allocation, host?: string) {
  const net = project.networks[key]!;
  const labels: Record<string, string> = { ...(net.labels ?? {}), [LABEL.project]: project.name, [LABEL.network]: key };
  const body: NetworkCreateBody = { Name: net.name, Labels: labels, CheckDuplicate: true };
  if (net.driver && net.driver !== 'overlay') body.Driver = net.driver;
  if (net.driver_opts) body.Options = net.driver_opts;
  if (net.internal) body.Internal = true;
  if (net.attachable) body.Attachable = true;
  if (net.enable_ipv6) body.EnableIPv6 = true;
  if (net.ipam) {
    body.IPAM = {
      ...(net.ipam.driver ? { Driver: net.ipam.driver } : {}),
      Config: (net.ipam.config ?? []).map((c) => ({
        ...(c.subnet ? { Subnet: c.subnet } : {}),
        ...(c.ip_range ? { IPRange: c.ip_range } : {}),
        ...(c.gateway ? { Gateway: c.gateway } : {}),
        ...(c.aux_addresses ? { AuxiliaryAddresses: c.aux_addresses } : {}),
      })),
      ...(net.ipam.options ? { Options: net.ipam.options } : {}),
    };
  }
  // An overlay network is, on each host, a bridge with this host's slice of the shared subnet.
  if (overlay && host !== undefined && overlay.networks[key]) overlayNetworkBody(overlay, key, host, body);
  // The hash of the definition, so a changed network is noticed (and recreated).
  Object.assign(labels, body.Labels);
  labels[LABEL.configHash] = sha256(stableJson({ ...body, Labels: { ...labels } }));
  body.Labels = labels;
  return body;
}

function volumeBody(project: Project, key: string) {
  const vol = project.volumes[key]!;
  const body = {
    Name: vol.name,
    ...(vol.driver ? { Driver: vol.driver } : {}),
    ...(vol.driver_opts ? { DriverOpts: vol.driver_opts } : {}),
    Labels: { ...(vol.labels ?? {}), [LABEL.project]: project.name, [LABEL.volume]: key } as Record<string, string>,
  };
  body.Labels[LABEL.configHash] = sha256(stableJson(body));
  return body;
}

/** Read-only waits for `depends_on` conditions of a service's dependencies. */
function dependencyWaits(
  b: Builder,
  project: Project,
  svc: Service,
  graph: Graph,
  outcomes: Map<string, ServiceOutcome>,
  observed: ObservedState,
  opts: ReconcileOptions,
): string[] {
  void graph;
  const out: string[] = [];
  for (const [dep, cond] of Object.entries(svc.depends_on)) {
    const o = outcomes.get(dep);
    if (!o || cond.condition === 'service_started') continue;
    const depSvc = project.services[dep]!;
    const condition = cond.condition === 'service_healthy' ? 'healthy' : 'completed';
    const host = hostOf(depSvc);
    // The row names what is waited on: the dependency's containers, not the service.
    const g = b.group({ kind: 'container', name: o.names.length > 0 ? o.names.join(', ') : dep, ...hostRef(observed, host) }, 'wait', `${svc.name} depends on ${dep} being ${condition}`);
    g.doneAs = condition === 'healthy' ? 'Healthy' : 'Exited';
    out.push(b.node(g, { type: 'container.wait', host, service: dep, names: o.names, condition, timeoutMs: opts.healthTimeoutMs ?? 120_000 }, o.ready));
  }
  return out;
}

function planService(
  b: Builder,
  project: Project,
  svc: Service,
  hs: ObservedHost,
  observed: ObservedState,
  opts: ReconcileOptions,
  after: { resources: string[]; create: string[]; start: string[] },
  waits: string[],
  forced: string[],
  overlay: Allocation | undefined,
  evicted: ReadonlySet<string>,
): ServiceOutcome {
  const plan = b.plan;
  const host = hs.name;
  const ref = imageRef(project, svc);
  const imageId = hs.images[normalizeRef(ref)] ?? '';
  const hash = serviceConfigHash(svc, imageId);
  // The redacted config goes into labels of containers made now: a no-op never needs it.
  let redacted: string | undefined;
  const config = (): string => (redacted ??= redactedConfig(svc));
  const scale = scaleOf(svc, opts);
  const res = (name: string): ResourceRef => ({ kind: 'container', name, ...hostRef(observed, host) });
  const mine = hs.containers.filter((c) => c.service === svc.name && !c.oneoff && !evicted.has(c.id));
  const outcome: ServiceOutcome = { ready: [], created: [], changed: false, names: [] };
  // Everything but a new container's create waits for the dependencies to have started.
  const deps = [...after.resources, ...after.create, ...after.start];
  const timeout = stopTimeout(svc, opts);

  if (svc.container_name !== undefined && scale > 1) {
    plan.errors.push(diagAt(project, ['services', svc.name, 'container_name'], 'PLAN_SCALE_CONTAINER_NAME', `service ${svc.name} sets container_name, so it cannot be scaled to ${scale}: remove container_name`));
    return outcome;
  }

  // Leftovers of an interrupted recreate.
  const byId = new Map(mine.map((c) => [c.id, c]));
  const current: ObservedContainer[] = [];
  // A new recreate of the same container reuses a leftover's temporary name: it waits for the leftover to go.
  const leftovers: string[] = [];
  for (const c of mine) {
    if (!c.replaces) {
      current.push(c);
      continue;
    }
    if (byId.has(c.replaces)) {
      const g = b.group(res(c.name), 'remove', 'leftover replacement of an interrupted recreate');
      leftovers.push(b.node(g, { type: 'container.remove', host, name: c.id, volumes: false, force: true }, []));
    } else {
      // The old container is gone: the replacement is the container now; it gets its name.
      const final = svc.container_name ?? containerName(project.name, svc.name, c.number);
      const g = b.group(res(final), 'rename', 'finishing an interrupted recreate');
      const rn = b.node(g, { type: 'container.rename', host, name: c.id, to: final }, []);
      current.push({ ...c, name: final, replaces: undefined, renameNode: rn } as ObservedContainer & { renameNode: string });
    }
  }

  // One container per number: duplicates (e.g. from a crash or a race) are removed.
  const byNumber = new Map<number, ObservedContainer & { renameNode?: string }>();
  const sorted = [...current].sort((a, b2) => rank(b2, hash) - rank(a, hash) || b2.created - a.created);
  for (const c of sorted) {
    if (c.number < 1 || byNumber.has(c.number)) {
      const g = b.group(res(c.name), 'remove', c.number < 1 ? 'no replica number' : `duplicate of replica ${c.number}`);
      const s = c.state === 'running' ? b.node(g, { type: 'container.stop', host, name: c.id, timeout }, []) : undefined;
      b.node(g, { type: 'container.remove', host, name: c.id, volumes: false, force: true }, [s]);
      continue;
    }
    byNumber.set(c.number, c);
  }

  // Scale down: highest numbers first.
  const extra = [...byNumber.keys()].filter((n) => n > scale).sort((x, y) => y - x);
  let prev: string | undefined;
  for (const n of extra) {
    const c = byNumber.get(n)!;
    const g = b.group(res(c.name), 'remove', `scale ${svc.name} to ${scale}`);
    const s = c.state === 'running' || c.state === 'paused' ? b.node(g, { type: 'container.stop', host, name: c.id, timeout }, [prev]) : undefined;
    prev = b.node(g, { type: 'container.remove', host, name: c.id, volumes: true, force: true }, [s ?? prev]);
    const removing = new Set(extra.map((x) => byNumber.get(x)!.id));
    removeAnonymousVolumes(b, g, host, c, prev, hs.containers.filter((x) => !removing.has(x.id)));
  }

  for (let n = 1; n <= scale; n++) {
    const name = svc.container_name ?? containerName(project.name, svc.name, n);
    outcome.names.push(name);
    const c = byNumber.get(n);
    if (c && c.renameNode === undefined && c.name !== name) {
      // Renamed out of band (`docker rename`): it gets its name back, so names resolve and the next up finds it.
      const g = b.group(res(name), 'rename', `renamed out of band to ${c.name}`);
      c.renameNode = b.node(g, { type: 'container.rename', host, name: c.id, to: name }, []);
    }
    // Overlay networks: the container's allocated addresses and hosts entries are part of its config.
    const ov = overlayContainer(overlay, svc, n);
    const hashN = overlayHash(hash, ov);
    const configN = (): string => overlayConfig(config(), ov);
    let made: Record<string, string> | undefined;
    const labels = (): Record<string, string> => {
      if (made) return made;
      made = containerLabels(project, svc, n, hashN, configN(), opts.version);
      if (ov) made[OVERLAY_LABEL.endpoints] = ov.label;
      return made;
    };
    const holder = c ? undefined : hs.foreignContainers?.find((f) => f.name === name);
    if (holder) {
      const whose = holder.project !== undefined ? `a container of project ${holder.project}` : 'a container tsfig did not make';
      plan.errors.push(
        diagAt(project, ['services', svc.name], 'PLAN_NAME_TAKEN', `the name ${name} (service ${svc.name}) is held by ${holder.id.slice(0, 12)}, ${whose}; tsfig leaves it alone: rename or remove it (docker rename ${name} NEW-NAME), or use another project name (-p)`),
      );
      continue;
    }
    if (!c) {
      const spec = makeSpec(plan, project, svc, n, name, ref, labels(), {}, hs, ov);
      if (!spec) continue;
      const g = b.group(res(name), 'create', 'missing');
      const cr = b.node(g, { type: 'container.create', host, service: svc.name, number: n, name, ...spec }, [...after.resources, ...after.create]);
      outcome.changed = true;
      outcome.created.push(cr);
      if (opts.noStart) outcome.ready.push(cr, ...after.start);
      else {
        g.doneAs = 'Started';
        outcome.ready.push(b.node(g, { type: 'container.start', host, name }, [cr, ...after.start, ...waits]));
      }
      continue;
    }
    const drift = c.configHash !== hashN;
    const cause = opts.forceRecreate
      ? '--force-recreate'
      : isForcedDependency(svc.name, opts)
        ? '--always-recreate-deps'
        : forced.length
          ? forced.join('; ')
          : drift
            ? recreateCause(c, configN(), imageId, ref)
            : c.staleTask !== undefined && c.state !== 'running'
              ? `the engine cannot start it: ${c.staleTask} (a task left by an engine restart)`
              : staleAttachments(project, svc, c, hs);
    if (cause !== undefined && !opts.noRecreate) {
      const anon: Record<string, string> = {};
      if (!opts.renewAnonVolumes) {
        const named = new Set(svc.volumes.filter((v) => v.type === 'volume' && v.source).map((v) => v.target));
        for (const m of c.mounts) if (m.type === 'volume' && isAnonymousVolume(m.name) && !named.has(m.destination)) anon[m.destination] = m.name;
      }
      const tmp = replacementName(name, c.id);
      // Aliases and the like use the final name; only the create call uses the temporary one.
      const spec = makeSpec(plan, project, svc, n, name, ref, { ...labels(), [LABEL.replace]: c.id }, anon, hs, ov);
      if (!spec) continue;
      const g = b.group(res(name), 'recreate', cause);
      const cr = b.node(g, { type: 'container.create', host, service: svc.name, number: n, name: tmp, ...spec }, [...deps, c.renameNode, ...leftovers]);
      const st = b.node(g, { type: 'container.stop', host, name: c.id, timeout }, [cr]);
      const rm = b.node(g, { type: 'container.remove', host, name: c.id, volumes: Boolean(opts.renewAnonVolumes), force: true }, [st]);
      if (opts.renewAnonVolumes) removeAnonymousVolumes(b, g, host, c, rm, hs.containers);
      const rn = b.node(g, { type: 'container.rename', host, name: tmp, to: name }, [rm]);
      outcome.changed = true;
      outcome.created.push(rn);
      if (opts.noStart) outcome.ready.push(rn);
      else outcome.ready.push(b.node(g, { type: 'container.start', host, name }, [rn, ...waits]));
      continue;
    }
    if (c.renameNode) outcome.created.push(c.renameNode);
    // Its networks as the file has them (a create cut short before the others were joined, an out-of-band disconnect).
    const rewired = planNetworkRepair(b, project, svc, c, hs, res(name), () => makeSpec(plan, project, svc, n, name, ref, labels(), {}, hs, ov), [...deps, c.renameNode]);
    if (c.state !== 'running' && !opts.noStart) {
      const g = b.group(res(name), 'start', c.state === 'paused' ? 'paused' : c.state || 'not running');
      const op: Op = c.state === 'paused' ? { type: 'container.unpause', host, name: c.id } : { type: 'container.start', host, name: c.id };
      outcome.ready.push(b.node(g, op, [...deps, c.renameNode, ...waits, ...rewired]));
      continue;
    }
    outcome.ready.push(...rewired);
    if (c.renameNode) outcome.ready.push(c.renameNode);
  }
  return outcome;
}

/**
 * A container attached to a network that was removed out of band (and is made again by this
 * plan, or was already): the engine cannot start it nor reconnect it, as its endpoint points at
 * a network ID that no longer exists, so it is recreated. Returns the cause, or undefined.
 */
function staleAttachments(project: Project, svc: Service, c: ObservedContainer, hs: ObservedHost): string | undefined {
  if (svc.network_mode !== undefined || c.networkIds === undefined) return undefined;
  // The project's own networks only: they are always listed (by label); external ones may not be.
  const stale = Object.keys(svc.networks ?? {})
    .flatMap((k) => (project.networks[k] && !project.networks[k].external ? [project.networks[k].name] : []))
    .filter((name) => {
      const had = c.networkIds?.[name];
      return had !== undefined && had !== '' && hs.networks.find((n) => n.name === name)?.id !== had;
    });
  return stale.length ? `network ${stale.join(', ')} was removed since it was made; its endpoint is gone` : undefined;
}

/**
 * A kept container's networks against the file's: the ones it lacks are connected (with the
 * endpoint its create would have had: aliases, addresses), the project's networks the file no
 * longer gives it are disconnected. Networks the project does not own are left alone. Returns
 * the nodes; none when nothing differs (a no-op plan stays empty).
 */
function planNetworkRepair(
  b: Builder,
  project: Project,
  svc: Service,
  c: ObservedContainer,
  hs: ObservedHost,
  ref: ResourceRef,
  spec: () => ReturnType<typeof makeSpec>,
  deps: Array<string | undefined>,
): string[] {
  if (svc.network_mode !== undefined) return [];
  const want = Object.keys(svc.networks ?? {}).flatMap((k) => (project.networks[k] ? [project.networks[k].name] : []));
  const missing = want.filter((n) => !c.networks.includes(n));
  // hs.networks holds the project's own networks only (observe lists them by label).
  const owned = new Set(hs.networks.map((n) => n.name));
  const extra = c.networks.filter((n) => owned.has(n) && !want.includes(n));
  if (!missing.length && !extra.length) return [];
  const s = missing.length ? spec() : undefined;
  if (missing.length && !s) return [];
  const why = [missing.length ? `not on ${missing.join(', ')}` : '', extra.length ? `on ${extra.join(', ')}, which the file no longer gives it` : ''].filter(Boolean);
  const g = b.group(ref, 'configure', `networks: ${why.join('; ')}`);
  const host = hs.name;
  const nodes = extra.map((net) => b.node(g, { type: 'network.disconnect', host, network: net, container: c.id }, deps));
  for (const net of missing) {
    const config = s?.body.NetworkingConfig?.EndpointsConfig?.[net] ?? s?.extraNetworks.find((x) => x.network === net)?.config ?? {};
    nodes.push(b.node(g, { type: 'network.connect', host, network: net, container: c.id, config }, deps));
  }
  return nodes;
}

/** Prefer running containers with the desired hash when choosing among duplicates. */
function rank(c: ObservedContainer, hash: string): number {
  return (c.configHash === hash ? 2 : 0) + (c.state === 'running' ? 1 : 0);
}

function recreateCause(c: ObservedContainer, config: string, imageId: string, ref: string): string {
  if (c.config === config && imageId && c.imageId !== imageId) return `image ${ref} changed`;
  if (c.config === config) return 'config hash changed';
  return describeChange(c.config, config);
}

export function containerLabels(project: Project, svc: Service, n: number, hash: string, config: string, version: string): Record<string, string> {
  return {
    [LABEL.project]: project.name,
    [LABEL.service]: svc.name,
    [LABEL.number]: String(n),
    [LABEL.oneoff]: 'False',
    [LABEL.configHash]: hash,
    [LABEL.config]: config,
    [LABEL.version]: version,
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.files.join(','),
  };
}

function makeSpec(
  plan: Plan,
  project: Project,
  svc: Service,
  n: number,
  name: string,
  image: string,
  labels: Record<string, string>,
  anonymousVolumes: Record<string, string>,
  hs: ObservedHost,
  overlay?: OverlayContainer,
) {
  try {
    const s = containerSpec({
      ...(overlay ? { overlay: { endpoints: overlay.endpoints, extraHosts: overlay.extraHosts } } : {}),
      project,
      service: svc,
      number: n,
      containerName: name,
      image,
      labels,
      anonymousVolumes,
      ...(hs.apiVersion ? { apiVersion: hs.apiVersion } : {}),
      containerOf: (other) => {
        const o = project.services[other];
        return o ? (o.container_name ?? containerName(project.name, other, 1)) : undefined;
      },
    });
    return { body: s.body, extraNetworks: s.extraNetworks, ...(s.platform ? { platform: s.platform } : {}) };
  } catch (err) {
    if (err instanceof SpecError) {
      // At the key the spec names (`volumes[0].volume.subpath`), or the nearest one written.
      plan.errors.push(diagAt(project, ['services', svc.name, ...keyPath(err.key)], 'PLAN_SPEC', `service ${svc.name}: ${err.message}`));
      return undefined;
    }
    throw err;
  }
}

/** `volumes[0].volume.subpath` -> ['volumes', 0, 'volume', 'subpath']. */
function keyPath(key: string): Array<string | number> {
  return key
    .split(/\.|\[(\d+)\]/)
    .filter((p): p is string => p !== undefined && p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/**
 * A service whose `host:` changed: its containers on the old host go once the new host
 * answers (never when it does not: the service would be nowhere).
 */
function planMoved(b: Builder, project: Project, observed: ObservedState, order: string[], opts: ReconcileOptions): void {
  for (const sname of order) {
    const svc = project.services[sname]!;
    const host = hostOf(svc);
    if (!observed.hosts[host]?.reachable) continue;
    for (const hs of Object.values(observed.hosts)) {
      if (hs.name === host || !hs.reachable) continue;
      for (const c of hs.containers.filter((x) => x.service === sname && !x.oneoff)) {
        const g = b.group({ kind: 'container', name: c.name, ...hostRef(observed, hs.name) }, 'remove', `service ${sname} moved to host ${host}`);
        const st = c.state === 'running' || c.state === 'paused' ? b.node(g, { type: 'container.stop', host: hs.name, name: c.id, timeout: stopTimeout(svc, opts) }, []) : undefined;
        const staying = hs.containers.filter((x) => x.service !== sname || x.oneoff);
        removeAnonymousVolumes(b, g, hs.name, c, b.node(g, { type: 'container.remove', host: hs.name, name: c.id, volumes: true, force: true }, [st]), staying);
      }
    }
  }
}

function planOrphans(b: Builder, project: Project, observed: ObservedState, opts: ReconcileOptions): void {
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  for (const hs of Object.values(observed.hosts)) {
    if (!hs.reachable) continue;
    const orphans = hs.containers.filter((c) => !c.oneoff && !known.has(c.service));
    if (!orphans.length) continue;
    if (!opts.removeOrphans) {
      if (opts.ignoreOrphans) continue;
      b.plan.warnings.push(
        diag('PLAN_ORPHANS', `found orphan containers (${orphans.map((o) => o.name).sort().join(', ')}) of services no longer in the project; run with --remove-orphans to remove them`, undefined, undefined, 'warning'),
      );
      continue;
    }
    const staying = hs.containers.filter((c) => !orphans.includes(c));
    for (const c of orphans) {
      const g = b.group({ kind: 'container', name: c.name, ...hostRef(observed, hs.name) }, 'remove', `orphan: service ${c.service} is not in the project`);
      const s = c.state === 'running' || c.state === 'paused' ? b.node(g, { type: 'container.stop', host: hs.name, name: c.id }, []) : undefined;
      removeAnonymousVolumes(b, g, hs.name, c, b.node(g, { type: 'container.remove', host: hs.name, name: c.id, volumes: true, force: true }, [s]), staying);
    }
  }
}

/**
 * The engine's `rm -v` removes only the anonymous volumes a container was created with; one a
 * replacement inherited (mounted by name) stays. Remove them explicitly after the container
 * (a 404, already removed by `rm -v`, counts as done).
 */
function removeAnonymousVolumes(b: Builder, g: PlanGroup, host: string, c: ObservedContainer, after: string, staying: ObservedContainer[]): void {
  for (const m of c.mounts) {
    if (m.type !== 'volume' || !isAnonymousVolume(m.name)) continue;
    // A volume the file declares (an external one with a 64-hex name, say) is named, not anonymous.
    if (b.declaredVolumes.has(m.name)) continue;
    // Borrowed through volumes_from (or lent to a container that stays): not this container's to remove.
    if (mountedByOthers(m.name, c, staying)) continue;
    b.node(g, { type: 'volume.remove', host, name: m.name }, [after]);
  }
}

