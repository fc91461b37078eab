/**
 * One-off containers (`tsfig run`): the service as the one-off runs it, its labels and create
 * body, and the plan that brings up what it needs first. Pure: no engine, no clock (the caller
 * passes the random id), no process state.
 *
 * A one-off is labelled `io.tsfig.oneoff=True`, so `up`, `ps` and the reconciler never count it
 * among the service's replicas, and `down` removes it. As with `docker compose run`: the
 * service's published ports are dropped unless asked for, the restart policy and
 * `container_name` do not apply, network aliases are not added (only the container's name)
 * unless `--use-aliases`, and an `--entrypoint` without a command clears the service's command.
 */
import { LABEL } from '../model/labels.js';
import { containerName, isReplacementOf, oneOffName } from '../model/naming.js';
import type { PortConfig, Project, Service, ServiceVolume } from '../model/project.js';
import type { Plan, PlanNode } from './plan.js';
import { allocate, extraHostsFor, hasOverlay, oneOffAddress } from '../overlay/alloc.js';
import { OVERLAY_LABEL, type OverlayContainer } from '../overlay/plan.js';
import { reconcile, hostOf, imageRef, overlayPrior, scaleOf } from './reconcile.js';
import { containerSpec, type ContainerSpec } from './spec.js';
import type { ObservedState } from './state.js';

export interface OneOffOptions {
  /** The random part of the name (12 hex digits). */
  id: string;
  /** `--name`: the container's name instead of `<project>-<service>-run-<id>`. */
  name?: string;
  /** Replaces the service's command when not empty. */
  command?: string[];
  /** `--entrypoint`, already split into words. */
  entrypoint?: string[];
  /** `-e`: KEY -> value, or null to unset KEY. Applied over the service's environment. */
  environment?: Record<string, string | null>;
  user?: string;
  workingDir?: string;
  /** Keep the service's published ports (`--service-ports`). */
  servicePorts?: boolean;
  /** `-p`: ports to publish (over the service's, when those are kept). */
  ports?: PortConfig[];
  /** `-v`: volumes to mount; one at a target the service already mounts replaces it. */
  volumes?: ServiceVolume[];
  /** A TTY for the container. */
  tty: boolean;
  /** An attached run: stdin kept open (closed when the client's stdin ends), output attached. */
  stdin: boolean;
  /** `-d --rm`: the engine removes the container when it exits. */
  autoRemove?: boolean;
  /** `-l KEY=VALUE`: labels added to (or over) the service's; tsfig's own labels stay. */
  labels?: Record<string, string>;
  /** `--cap-add`: added to the service's cap_add, and taken out of its cap_drop. */
  capAdd?: string[];
  /** `--cap-drop`: added to the service's cap_drop, and taken out of its cap_add. */
  capDrop?: string[];
  /** `--use-aliases`: the service name and each network's `aliases` as DNS aliases, as a replica has. */
  useAliases?: boolean;
}

/** The service as the one-off container runs it. */
export function oneOffService(svc: Service, opts: OneOffOptions): Service {
  const out: Service = { ...svc };
  delete out.container_name;
  out.restart = 'no';
  if (out.deploy !== undefined && out.deploy !== null && typeof out.deploy === 'object') {
    const deploy = { ...(out.deploy as Record<string, unknown>) };
    delete deploy.restart_policy;
    out.deploy = deploy;
  }
  if (opts.entrypoint !== undefined) {
    out.entrypoint = opts.entrypoint;
    out.command = [];
  }
  if (opts.command !== undefined && opts.command.length > 0) out.command = opts.command;
  if (opts.environment !== undefined) out.environment = { ...svc.environment, ...opts.environment };
  if (opts.user !== undefined) out.user = opts.user;
  if (opts.workingDir !== undefined) out.working_dir = opts.workingDir;
  out.ports = [...(opts.servicePorts === true ? svc.ports : []), ...(opts.ports ?? [])];
  if (opts.volumes !== undefined && opts.volumes.length > 0) {
    const targets = new Set(opts.volumes.map((v) => v.target));
    out.volumes = [...svc.volumes.filter((v) => !targets.has(v.target)), ...opts.volumes];
  }
  if (opts.labels !== undefined) out.labels = { ...svc.labels, ...opts.labels };
  // As compose applies them: --cap-add first (out of cap_drop), then --cap-drop (out of cap_add).
  if (opts.capAdd !== undefined && opts.capAdd.length > 0) {
    const add = opts.capAdd;
    out.cap_add = [...(out.cap_add ?? []), ...add];
    out.cap_drop = (out.cap_drop ?? []).filter((c) => !add.includes(c));
  }
  if (opts.capDrop !== undefined && opts.capDrop.length > 0) {
    const drop = opts.capDrop;
    out.cap_drop = [...(out.cap_drop ?? []), ...drop];
    out.cap_add = (out.cap_add ?? []).filter((c) => !drop.includes(c));
  }
  out.tty = opts.tty;
  out.stdin_open = opts.stdin;
  return out;
}

export function oneOffLabels(project: Project, svc: Service, version: string): Record<string, string> {
  return {
    [LABEL.project]: project.name,
    [LABEL.service]: svc.name,
    [LABEL.oneoff]: 'True',
    [LABEL.version]: version,
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.files.join(','),
  };
}

/** The container a service's dependents join (links, `service:x`, volumes_from): its first replica. */
function firstContainerOf(project: Project, observed: ObservedState, service: string): string | undefined {
  const svc = project.services[service];
  if (svc === undefined) return undefined;
  const running = Object.values(observed.hosts)
    .flatMap((h) => h.containers)
    .filter((c) => c.service === service && !c.oneoff && c.number > 0)
    .sort((a, b) => a.number - b.number);
  return running[0]?.name ?? svc.container_name ?? containerName(project.name, service, 1);
}

export interface OneOffSpec extends ContainerSpec {
  /** The host the container runs on. */
  host: string;
}

/**
 * The create body of a one-off container of `service`. Throws SpecError when the service
 * cannot be run as asked (see containerSpec).
 */
export function oneOffSpec(project: Project, observed: ObservedState, service: string, opts: OneOffOptions, version: string): OneOffSpec {
  const base = project.services[service];
  if (base === undefined) throw new Error(`no such service: ${service}`);
  const svc = oneOffService(base, opts);
  const host = hostOf(base);
  const name = opts.name ?? oneOffName(project.name, service, opts.id);
  const apiVersion = observed.hosts[host]?.apiVersion;
  const overlay = oneOffOverlay(project, observed, base, host);
  const labels = oneOffLabels(project, base, version);
  if (overlay) labels[OVERLAY_LABEL.endpoints] = overlay.label;
  const spec = containerSpec({
    project,
    service: svc,
    number: 0,
    containerName: name,
    image: imageRef(project, base),
    labels,
    useAliases: opts.useAliases === true,
    ...(apiVersion !== undefined ? { apiVersion } : {}),
    ...(overlay ? { overlay } : {}),
    containerOf: (other) => firstContainerOf(project, observed, other),
  });
  const body = spec.body;
  if (opts.stdin) {
    body.OpenStdin = true;
    body.StdinOnce = true;
    body.AttachStdin = true;
    body.AttachStdout = true;
    body.AttachStderr = true;
  }
  if (opts.autoRemove === true) body.HostConfig = { ...(body.HostConfig ?? {}), AutoRemove: true };
  return { ...spec, host };
}

/**
 * A one-off on overlay networks: an address of its own on its host's slice (recorded in its
 * label, so replicas and later one-offs step past it) and the hosts entries of the services on
 * those networks, so it reaches them by name on every host as the replicas do. Its MAC is in
 * no FDB: replies to it reach its host through the flood entries.
 */
function oneOffOverlay(project: Project, observed: ObservedState, svc: Service, host: string): (OverlayContainer & { label: string }) | undefined {
  if (!hasOverlay(project)) return undefined;
  const prior = overlayPrior(project, observed);
  const alloc = allocate(project, { scale: (s) => scaleOf(s, {}), hostOf, prior });
  const keys = Object.keys(svc.networks ?? {}).filter((k) => alloc.networks[k]);
  if (svc.network_mode !== undefined || !keys.length) return undefined;
  const endpoints: OverlayContainer['endpoints'] = {};
  const parts: string[] = [];
  for (const key of keys) {
    const a = oneOffAddress(alloc, key, host, prior.held?.[key] ?? []);
    if (!a) continue;
    endpoints[alloc.networks[key]!.name] = a;
    parts.push(`${key}=${a.ip}/${a.mac}`);
  }
  return { endpoints, extraHosts: extraHostsFor(alloc, keys, host), label: parts.sort().join(';') };
}

/**
 * What must happen before a one-off of `service` runs: its networks, volumes and image, and
 * (unless `noDeps`) its dependencies up and their `depends_on` conditions met. It is the `up`
 * plan of the service, without the steps that concern the service's own containers.
 */
export function oneOffDependencies(project: Project, observed: ObservedState, service: string, opts: { version: string; noDeps?: boolean; imagesDone?: boolean; removeOrphans?: boolean }): Plan {
  const plan = reconcile(project, observed, {
    version: opts.version,
    services: [service],
    noDeps: opts.noDeps === true,
    ...(opts.imagesDone ? { imagesDone: true } : {}),
    // `run --remove-orphans`: the orphans go with the dependencies' plan, as compose's run does.
    ...(opts.removeOrphans ? { removeOrphans: true } : {}),
  });
  const svc = project.services[service];
  if (svc === undefined) return plan;
  const mine = Object.values(observed.hosts)
    .flatMap((h) => h.containers)
    .filter((c) => c.service === service && !c.oneoff);
  const refs = new Set<string>(mine.flatMap((c) => [c.id, c.name]));
  const count = Math.max(scaleOf(svc, {}), ...mine.map((c) => c.number));
  const finals: string[] = [];
  for (let n = 1; n <= count; n++) finals.push(svc.container_name ?? containerName(project.name, service, n));
  for (const f of finals) refs.add(f);
  const isMine = (node: PlanNode): boolean => {
    const op = node.op;
    if (op.type === 'container.create') return op.service === service;
    if (!op.type.startsWith('container.') || op.type === 'container.wait') return false;
    const name = (op as { name: string }).name;
    return refs.has(name) || finals.some((f) => isReplacementOf(name, f));
  };
  const dropGroups = new Set(plan.nodes.filter(isMine).map((n) => n.group));
  const dropNodes = new Set(plan.nodes.filter((n) => dropGroups.has(n.group)).map((n) => n.id));
  return {
    ...plan,
    groups: plan.groups.filter((g) => !dropGroups.has(g.id)),
    nodes: plan.nodes.filter((n) => !dropNodes.has(n.id)).map((n) => ({ ...n, deps: n.deps.filter((d) => !dropNodes.has(d)) })),
    // Orphans are up's business.
    warnings: plan.warnings.filter((w) => w.code !== 'PLAN_ORPHANS'),
  };
}
