/**
 * observe: what runs, read from each host's engine by the project label, in parallel.
 * One list call per resource kind per host (plus one for images); an unreachable host is
 * reported as such, never as empty.
 */
import type { ContainerSummary, HostEngine, ImageSummary } from '../engine/engine.js';
import { isNotFound, isStaleTaskMessage, namingCall } from '../engine/errors.js';
import { LABEL } from '../model/labels.js';
import { isReplacementName } from '../model/naming.js';
import type { Project } from '../model/project.js';
import { isOverlay } from '../overlay/alloc.js';
import { HELPER_LABEL } from '../overlay/helper.js';
import { readOverlay } from '../overlay/observe.js';
import { OVERLAY_LABEL } from '../overlay/plan.js';
import { hostOf, imageRef, normalizeRef, scaleOf } from './reconcile.js';
import { containerName } from '../model/naming.js';
import type { ObservedContainer, ObservedHost, ObservedState } from './state.js';

export type { HostEngine } from '../engine/engine.js';

export function toObservedContainer(c: ContainerSummary, host: string): ObservedContainer {
  const l = c.labels;
  const number = Number(l[LABEL.number]);
  const o: ObservedContainer = {
    id: c.id,
    name: c.names[0] ?? c.id,
    host,
    service: l[LABEL.service] ?? '',
    number: Number.isInteger(number) && number > 0 ? number : 0,
    oneoff: (l[LABEL.oneoff] ?? '').toLowerCase() === 'true',
    configHash: l[LABEL.configHash] ?? '',
    image: c.image,
    imageId: c.imageId,
    state: c.state,
    status: c.status,
    created: c.created,
    labels: l,
    mounts: c.mounts,
    ports: c.ports,
    networks: Object.keys(c.networks),
    networkIds: Object.fromEntries(Object.entries(c.networks).map(([name, e]) => [name, e.networkId])),
  };
  if (c.command !== undefined) o.command = c.command;
  if (l[LABEL.config] !== undefined) o.config = l[LABEL.config];
  // A replacement keeps its `replace` label for life; it is a leftover of an interrupted
  // recreate only while it still has its temporary name (reconcile's `<name>_tsfig-new-<id12>`).
  const replaces = l[LABEL.replace];
  if (replaces !== undefined && isReplacementName(o.name, replaces)) o.replaces = replaces;
  return o;
}

/** Image references -> IDs from one image list. */
function imageIndex(images: ImageSummary[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const img of images) {
    for (const t of img.repoTags) out[t] = img.id;
    for (const d of img.repoDigests) out[d] = img.id;
  }
  return out;
}

export interface ObserveOptions {
  signal?: AbortSignal;
  /** Also list images and external resources (up/plan need them; ps/down do not). */
  forUp?: boolean;
  /** Read the overlay state of each host when the project has overlay networks (down; up does anyway). */
  overlay?: boolean;
  /** List the containers only: the networks and volumes stay empty (ps, logs, exec: they show neither). */
  containersOnly?: boolean;
}

export async function observe(project: Project, hosts: HostEngine[], opts: ObserveOptions = {}): Promise<ObservedState> {
  const state: ObservedState = { project: project.name, hosts: {} };
  const label = { [LABEL.project]: project.name };
  const externalNets = Object.values(project.networks).filter((n) => n.external).map((n) => n.name);
  const externalVols = Object.values(project.volumes).filter((v) => v.external).map((v) => v.name);
  await Promise.all(
    hosts.map(async (h) => {
      const signal = opts.signal ? { signal: opts.signal } : {};
      const needsImages = opts.forUp && Object.values(project.services).some((s) => hostOf(s) === h.name);
      // A failure names the call it broke (`list containers: ...`).
      const named = <T>(call: string, p: Promise<T>): Promise<T> =>
        p.catch((err: unknown) => {
          throw namingCall(err, call);
        });
      try {
        const [containers, networks, volumes, images] = await Promise.all([
          named('list containers', h.engine.listContainers({ all: true, labels: label, ...signal })),
          // External networks/volumes are not ours: list without the label filter to see them.
          opts.containersOnly ? Promise.resolve([]) : named('list networks', h.engine.listNetworks(opts.forUp && externalNets.length ? signal : { labels: label, ...signal })),
          opts.containersOnly ? Promise.resolve([]) : named('list volumes', h.engine.listVolumes(opts.forUp && externalVols.length ? signal : { labels: label, ...signal })),
          needsImages ? named('list images', h.engine.listImages(signal)) : Promise.resolve([]),
        ]);
        // Named by the answers above (their Api-Version header): no call of its own on dockerd.
        const apiVersion = opts.forUp ? await named('version', h.engine.apiVersion(signal)) : undefined;
        const ours = (labels: Record<string, string>) => labels[LABEL.project] === project.name;
        // A declared volume missing from the project's own: is its name held by one tsfig did not make?
        // (One more list, only when a volume is to be made; a no-op up does not pay for it.)
        const declared = Object.values(project.volumes).filter((v) => !v.external).map((v) => v.name);
        const allVolumes =
          opts.forUp && !externalVols.length && declared.some((n) => !volumes.some((v) => v.name === n && ours(v.labels))) ? await named('list volumes', h.engine.listVolumes(signal)) : volumes;
        const foreignVolumes = declared.filter((n) => allVolumes.some((v) => v.name === n && !ours(v.labels)));
        // The same for the names of containers to be made: a name held by a container tsfig did not make is refused in the plan.
        const foreignContainers = opts.forUp ? await named('list containers', foreignNames(h, project, containers.filter((c) => ours(c.labels)), signal)) : [];
        const host: ObservedHost = {
          name: h.name,
          endpoint: h.endpoint,
          reachable: true,
          // Overlay helper containers carry the project label but are no service's.
          containers: containers.filter((c) => ours(c.labels) && c.labels[HELPER_LABEL] === undefined).map((c) => toObservedContainer(c, h.name)),
          networks: networks
            .filter((n) => ours(n.labels))
            .map((n) => ({ id: n.id, name: n.name, host: h.name, labels: n.labels, ...(n.labels[LABEL.network] ? { key: n.labels[LABEL.network] } : {}), ...(n.labels[LABEL.configHash] ? { configHash: n.labels[LABEL.configHash] } : {}), ...(n.ipam.config[0]?.subnet ? { subnet: n.ipam.config[0].subnet } : {}) })),
          volumes: volumes.filter((v) => ours(v.labels)).map((v) => ({ name: v.name, host: h.name, labels: v.labels, ...(v.labels[LABEL.volume] ? { key: v.labels[LABEL.volume] } : {}) })),
          images: imageIndex(images),
          externalNetworks: Object.fromEntries(externalNets.map((n) => [n, networks.some((x) => x.name === n || x.id === n)])),
          externalVolumes: Object.fromEntries(externalVols.map((v) => [v, volumes.some((x) => x.name === v)])),
          ...(foreignVolumes.length ? { foreignVolumes } : {}),
          ...(foreignContainers.length ? { foreignContainers } : {}),
          ...(apiVersion !== undefined ? { apiVersion } : {}),
        };
        if (opts.forUp) await named('inspect container', markStaleTasks(h, host.containers, signal));
        const overlayMember = Object.values(project.services).some((s) => hostOf(s) === h.name && Object.keys(s.networks ?? {}).some((k) => isOverlay(project.networks[k])));
        if ((opts.forUp || opts.overlay) && (overlayMember || host.networks.some((n) => n.labels[OVERLAY_LABEL.vni] !== undefined))) {
          host.overlay = await readOverlay(h.engine, project, h.name, signal);
        }
        state.hosts[h.name] = host;
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        state.hosts[h.name] = {
          name: h.name,
          endpoint: h.endpoint,
          reachable: false,
          error: err instanceof Error ? err.message : String(err),
          containers: [],
          networks: [],
          volumes: [],
          images: {},
          externalNetworks: {},
          externalVolumes: {},
        };
      }
    }),
  );
  return state;
}

/**
 * Containers that were created and never ran (`created`): the engine's last start error, read
 * by inspect, says whether its runtime holds a stale task of that ID (an engine restarted while
 * it was being started); such a container cannot be started, only replaced. One inspect per
 * such container: a converged project has none.
 */
async function markStaleTasks(h: HostEngine, containers: ObservedContainer[], signal: { signal?: AbortSignal }): Promise<void> {
  await Promise.all(
    containers
      .filter((c) => c.state === 'created')
      .map(async (c) => {
        try {
          const error = (await h.engine.inspectContainer(c.id, signal)).state.error;
          if (isStaleTaskMessage(error)) c.staleTask = error;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }),
  );
}

/** The images a project needs on a host, normalized. */
export function neededImages(project: Project, host: string): string[] {
  return [...new Set(Object.values(project.services).filter((s) => hostOf(s) === host).map((s) => normalizeRef(imageRef(project, s))))];
}

/**
 * Containers without the project's label (or of another project) holding names the project's
 * services would be made under (their file scale; container_name). One name-filtered list, only
 * when a name is missing from the project's own containers: a no-op up does not pay for it.
 */
async function foreignNames(h: HostEngine, project: Project, ours: ContainerSummary[], signal: { signal?: AbortSignal }): Promise<Array<{ name: string; id: string; project?: string }>> {
  const have = new Set(ours.flatMap((c) => c.names));
  const expected = Object.values(project.services)
    .filter((s) => hostOf(s) === h.name)
    .flatMap((s) => (s.container_name !== undefined ? [s.container_name] : Array.from({ length: scaleOf(s, {}) }, (_, i) => containerName(project.name, s.name, i + 1))));
  const missing = expected.filter((n) => !have.has(n));
  if (!missing.length) return [];
  const exact = (n: string) => `^/${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  const held = await h.engine.listContainers({ all: true, filters: { name: missing.map(exact) }, ...signal });
  return held.flatMap((c) => {
    const name = c.names.find((n) => missing.includes(n));
    if (name === undefined || c.labels[LABEL.project] === project.name) return [];
    return [{ name, id: c.id, ...(c.labels[LABEL.project] !== undefined ? { project: c.labels[LABEL.project] } : {}) }];
  });
}
