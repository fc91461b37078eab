/**
 * What the planner asks of the overlay (pure): the per-host network body of an overlay
 * network, the overlay endpoints and hosts entries of a container, and the host script that
 * brings a host's vxlan devices, FDB and firewall chain to the desired state.
 */
import type { NetworkCreateBody } from '../engine/engine.js';
import { sha256, stableJson } from '../model/hash.js';
import type { Project, Service } from '../model/project.js';
import { diagAt, type Diagnostic } from '../model/diagnostic.js';
import { endpointsOf, extraHostsFor, helperImage, type Allocation } from './alloc.js';
import { desiredHost, diffHost, type DesiredHost } from './desired.js';
import { applyScript } from './scripts.js';
import type { ObservedOverlay } from './types.js';

/** Labels on an overlay network (the allocation, so it can be read back from the engines). */
export const OVERLAY_LABEL = {
  vni: 'io.tsfig.overlay.vni',
  hostIndex: 'io.tsfig.overlay.host-index',
  vxlan: 'io.tsfig.overlay.vxlan',
  mtu: 'io.tsfig.overlay.mtu',
  /** On containers: `network=ip/mac` per overlay network, `;`-separated. */
  endpoints: 'io.tsfig.overlay.endpoints',
} as const;

/**
 * The overlay part of a host's network body: the shared subnet with this host's ip-range and
 * gateway, the explicit bridge name and the MTU. Mutates and returns `body`.
 */
export function overlayNetworkBody(alloc: Allocation, key: string, host: string, body: NetworkCreateBody): NetworkCreateBody {
  const net = alloc.networks[key];
  const slice = net?.slices[host];
  if (!net || !slice) return body;
  delete body.Driver;
  body.IPAM = { ...(body.IPAM?.Driver ? { Driver: body.IPAM.Driver } : {}), Config: [{ Subnet: net.subnet, IPRange: slice.ipRange, Gateway: slice.gateway }] };
  body.Options = { ...(body.Options ?? {}), 'com.docker.network.bridge.name': net.bridge, 'com.docker.network.driver.mtu': String(net.mtu) };
  body.Labels = { ...(body.Labels ?? {}), [OVERLAY_LABEL.vni]: String(net.vni), [OVERLAY_LABEL.hostIndex]: String(slice.index), [OVERLAY_LABEL.vxlan]: net.vxlan, [OVERLAY_LABEL.mtu]: String(net.mtu) };
  return body;
}

export interface OverlayContainer {
  /** Engine network name -> address and MAC. */
  endpoints: Record<string, { ip: string; mac: string }>;
  extraHosts: string[];
  /** Recorded on the container and mixed into its config hash. */
  label: string;
}

/** The overlay endpoints and `/etc/hosts` entries of replica `n` of a service (undefined: none). */
export function overlayContainer(alloc: Allocation | undefined, svc: Service, n: number): OverlayContainer | undefined {
  if (!alloc) return undefined;
  const eps = endpointsOf(alloc, svc.name, n);
  if (!eps.length) return undefined;
  const endpoints: OverlayContainer['endpoints'] = {};
  for (const e of eps) {
    const net = alloc.networks[e.network];
    if (net) endpoints[net.name] = { ip: e.ip, mac: e.mac };
  }
  const extraHosts = extraHostsFor(alloc, eps.map((e) => e.network), eps[0]!.host);
  const label = eps.map((e) => `${e.network}=${e.ip}/${e.mac}`).sort().join(';');
  return { endpoints, extraHosts, label };
}

/** A config hash that also covers the overlay endpoints and hosts entries. */
export function overlayHash(hash: string, o: OverlayContainer | undefined): string {
  if (!o) return hash;
  return sha256(`${hash}\n${stableJson({ endpoints: o.endpoints, extraHosts: o.extraHosts })}`);
}

/** The redacted config with the overlay part (so a plan can say `x-tsfig-overlay.extra_hosts changed`). */
export function overlayConfig(config: string, o: OverlayContainer | undefined): string {
  if (!o) return config;
  const parsed = JSON.parse(config) as Record<string, unknown>;
  parsed['x-tsfig-overlay'] = { endpoints: o.endpoints, extra_hosts: o.extraHosts };
  return stableJson(parsed);
}

export interface HostScriptPlan {
  host: string;
  image: string;
  script: string;
  cause: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/**
 * Underlay address per host: declared, else detected by the read-back (the source address of
 * the host's route to a peer, or of its default route when no peer address is known), else the
 * local address of an existing device.
 */
export function underlayAddresses(project: Project, alloc: Allocation, overlays: Record<string, ObservedOverlay | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const hosts = new Set([...Object.keys(alloc.hostIndex), ...Object.keys(overlays)]);
  for (const h of hosts) {
    const o = overlays[h];
    const existing = o?.vxlans.find((v) => v.name.startsWith(`tsv${alloc.tag}`) && v.local)?.local;
    const detected = o?.underlay?.address;
    // The default route's source is a guess: an address the host's device already uses wins.
    out[h] = project.hosts[h]?.address ?? (o?.underlay?.via === 'default' ? (existing ?? detected) : (detected ?? existing));
  }
  return out;
}

/**
 * The host script for one host, or none when the host is as it should be. `freshBridges`:
 * bridges of networks this plan creates on the host (their vxlan must be enslaved again).
 */
export function planOverlayHost(
  project: Project,
  alloc: Allocation,
  host: string,
  observed: ObservedOverlay,
  addresses: Record<string, string | undefined>,
  freshBridges: Set<string>,
  down = false,
): HostScriptPlan {
  const out: HostScriptPlan = { host, image: helperImage(project, host), script: '', cause: '', errors: [], warnings: [] };
  let desired: DesiredHost = { host, vxlans: [], peers: [] };
  if (!down) {
    const d = desiredHost(alloc, host, addresses, (bridge) => observed.bridges.includes(bridge) || freshBridges.has(bridge), project);
    if (d.errors.length) {
      // Unknown addresses: leave the host as it is rather than program it half.
      out.errors.push(...d.errors);
      return out;
    }
    desired = d.state;
    const u = observed.underlay;
    if (project.hosts[host]?.address === undefined && u?.via === 'default' && u.address !== undefined && addresses[host] === u.address && desired.vxlans.length) {
      out.warnings.push(
        diagAt(
          project,
          ['hosts', host],
          'OVERLAY_UNDERLAY_GUESSED',
          `host ${host}: no underlay address is set for it or any peer: using ${u.address}, the source of its default route${u.dev ? ` (${u.dev})` : ''}; set hosts.${host}.address if the hosts reach each other another way`,
          'warning',
        ),
      );
    }
    const mtu = observed.underlay?.mtu;
    for (const v of desired.vxlans) {
      if (mtu !== undefined && v.mtu + 50 > mtu) {
        out.warnings.push(
          diagAt(project, ['hosts', host], 'OVERLAY_MTU_TOO_SMALL', `host ${host}: underlay MTU ${mtu} is too small for the overlay MTU ${v.mtu} of network ${v.network}: set hosts.${host}.mtu: ${mtu} (or the network's mtu)`, 'warning'),
        );
      }
    }
  }
  const diff = diffHost(desired, observed, { devicePrefix: `tsv${alloc.tag}`, chain: alloc.chain, freshBridges, project });
  out.errors.push(...diff.errors);
  if (diff.errors.length || !diff.commands.length) return out;
  out.script = applyScript(diff.commands);
  out.cause = diff.reasons.join('; ') || 'overlay state differs';
  return out;
}
