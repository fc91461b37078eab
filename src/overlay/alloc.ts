/**
 * Overlay allocation: a pure function of the project and of what the engines already hold
 * (`PriorAllocation`, read from their labels, networks and routes). For each `driver: overlay`
 * network: the subnet, a per-host ip-range slice and gateway, the VNI, the bridge and vxlan
 * device names, the MTU; for each container that joins it: an IP in its host's slice and a MAC
 * derived from the IP. Nothing here reads an engine.
 *
 * What exists is kept: a network's subnet, a host's slice and a container's address stay what
 * the engines recorded, so adding a host or a service moves nothing else. What is new is
 * derived from the project (the same project on empty hosts always gives the same allocation):
 * a default subnet from a hash of project/network, stepping past every route of the member
 * hosts (other projects' networks, Docker's bridges, the underlay); host i of `hosts:`
 * (`default` first when it is not declared) gets slice i+1 when free (slice 0 is left for
 * explicit addresses); a container a hash of service/number into its host's slice.
 */
import { sha256 } from '../model/hash.js';
import { containerName } from '../model/naming.js';
import type { Project, Service } from '../model/project.js';
import { diagAt, type Diagnostic, type OverlayCode, type SourcePath } from '../model/diagnostic.js';
import { contains, formatCidr, formatIp, macFromIp, overlaps, parseCidr, parseIp, type Cidr } from './ipv4.js';

/** The default host's name (as reconcile/state.ts). */
const DEFAULT_HOST = 'default';
export const VXLAN_PORT = 4789;
/** VNIs tsfig derives live in 0x700000-0x7FFFFF: away from libnetwork (256+) and swarm (4096+). */
export const VNI_BASE = 0x700000;
export const VNI_SPAN = 0x100000;
/** IPv4 VXLAN encapsulation: inner Ethernet 14 + IP 20 + UDP 8 + VXLAN 8. */
export const VXLAN_OVERHEAD = 50;
export const DEFAULT_UNDERLAY_MTU = 1500;
export const DEFAULT_HELPER_IMAGE = 'busybox:latest';

export interface HostSlice {
  /** 0-based host index (order of `hosts:`). */
  index: number;
  ipRange: string;
  gateway: string;
  range: Cidr;
}

export interface OverlayNetwork {
  /** Key in the project file. */
  key: string;
  /** Engine network name. */
  name: string;
  vni: number;
  subnet: string;
  mtu: number;
  /** Docker bridge name (`com.docker.network.bridge.name`), at most 15 characters. */
  bridge: string;
  /** Kernel vxlan device name. */
  vxlan: string;
  /** Hosts that run a member of the network, in host-index order. */
  members: string[];
  slices: Record<string, HostSlice>;
}

export interface OverlayEndpoint {
  network: string;
  service: string;
  number: number;
  host: string;
  container: string;
  ip: string;
  mac: string;
  /** Names that resolve to this endpoint (service name and aliases go to replica 1 only). */
  names: string[];
}

export interface Allocation {
  project: string;
  /** Project tag in device and chain names (4 hex digits). */
  tag: string;
  /** The iptables chain of the project on each host. */
  chain: string;
  networks: Record<string, OverlayNetwork>;
  endpoints: OverlayEndpoint[];
  /** Host name -> index. */
  hostIndex: Record<string, number>;
  /** `OVERLAY_*` errors, at the key of the file they concern. */
  errors: Diagnostic[];
}

export function isOverlay(net: { driver?: string; external?: boolean } | undefined): boolean {
  return net !== undefined && net.driver === 'overlay' && !net.external;
}

/** Does the project declare any overlay network? */
export function hasOverlay(project: Project): boolean {
  return Object.values(project.networks).some(isOverlay);
}

function hash32(text: string): number {
  return parseInt(sha256(text).slice(0, 8), 16) >>> 0;
}

/** The 4-hex-digit tag of a project: every device, chain and rule tsfig makes for it carries it. */
export function projectTag(project: string): string {
  return sha256(`tsfig-overlay/${project}`).slice(0, 4);
}

export function chainName(project: string): string {
  return `TSFIG-${projectTag(project)}`;
}

/** Device names of a project's network: `tsf<tag><id>` (bridge), `tsv<tag><id>` (vxlan). */
export function deviceNames(project: string, key: string, salt = 0): { bridge: string; vxlan: string } {
  const id = sha256(`${project}/${key}/${salt}`).slice(0, 4);
  const tag = projectTag(project);
  return { bridge: `tsf${tag}${id}`, vxlan: `tsv${tag}${id}` };
}

/** Host names in index order: `default` first unless declared, then `hosts:` as written. */
export function hostOrder(project: Project): string[] {
  const declared = Object.keys(project.hosts);
  return declared.includes(DEFAULT_HOST) ? declared : [DEFAULT_HOST, ...declared];
}

export function helperImage(project: Project, host: string): string {
  return project.hosts[host]?.helper_image ?? DEFAULT_HELPER_IMAGE;
}

/** Networks a service joins (keys), as the planner sees them. */
function serviceNetworks(svc: Service): string[] {
  if (svc.network_mode !== undefined) return [];
  return Object.keys(svc.networks ?? {});
}

/** The prefix of a host slice: /24 for subnets up to /20, smaller slices for smaller subnets. */
function slicePrefix(prefix: number): number {
  return Math.min(Math.max(24, prefix + 4), 28);
}

/** A route of a host (`ip -j route`): its destination and device. */
export interface HostRoute {
  dst: string;
  dev?: string;
}

/** What the engines already hold of the project's overlay (see reconcile's overlayPrior). */
export interface PriorAllocation {
  /** Network key -> the subnet of the project's existing network (on any host). */
  subnets?: Record<string, string>;
  /** Network key -> host -> the slice index recorded on that host's network. */
  slices?: Record<string, Record<string, number>>;
  /** Network key -> `service/number` -> the address of the existing container. */
  addresses?: Record<string, Record<string, string>>;
  /** Host -> its routes that are not the project's own (a subnet must not overlap them). */
  routes?: Record<string, HostRoute[]>;
  /** Network key -> addresses held by the project's one-off containers (no replica takes them). */
  held?: Record<string, string[]>;
}

export interface AllocateOptions {
  /** Replicas of a service (reconcile's scaleOf, with --scale). */
  scale: (svc: Service) => number;
  hostOf: (svc: Service) => string;
  prior?: PriorAllocation;
}

/** The first route of the hosts that overlaps `subnet`, as `ROUTE (dev DEV) on host H`. */
function routeClash(subnet: Cidr, hosts: string[], routes: Record<string, HostRoute[]>): string | undefined {
  for (const h of hosts) {
    for (const r of routes[h] ?? []) {
      const c = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
      if (c && overlaps(c, subnet)) return `the route ${r.dst}${r.dev ? ` (dev ${r.dev})` : ''} on host ${h}`;
    }
  }
  return undefined;
}

export function allocate(project: Project, opts: AllocateOptions): Allocation {
  const order = hostOrder(project);
  const hostIndex = Object.fromEntries(order.map((h, i) => [h, i]));
  const tag = projectTag(project.name);
  const alloc: Allocation = { project: project.name, tag, chain: chainName(project.name), networks: {}, endpoints: [], hostIndex, errors: [] };
  const prior = opts.prior ?? {};
  const routes = prior.routes ?? {};
  const fail = (code: OverlayCode, path: SourcePath, message: string) => alloc.errors.push(diagAt(project, path, code, message));
  const services = Object.values(project.services).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const usedSubnets = new Map<string, Cidr>();
  const usedDevices = new Set<string>();
  const keys = Object.keys(project.networks).filter((k) => isOverlay(project.networks[k])).sort();
  const membersOf = (key: string) =>
    [...new Set(services.filter((s) => serviceNetworks(s).includes(key)).map(opts.hostOf))].sort((a, b) => (hostIndex[a] ?? 99) - (hostIndex[b] ?? 99));
  // Explicit subnets first, then the ones the engines hold, so derived ones step around both.
  const given = (key: string) => project.networks[key]!.ipam?.config?.[0]?.subnet;
  for (const key of keys) {
    const c = parseCidr(given(key) ?? prior.subnets?.[key] ?? '');
    if (c) usedSubnets.set(key, c);
  }
  for (const key of keys) {
    const net = project.networks[key]!;
    const members = membersOf(key);
    const explicit = given(key);
    let subnet: Cidr | undefined;
    // Where to point: the subnet as written, else the network (a subnet the engines hold).
    const subnetKey: SourcePath = explicit !== undefined ? ['networks', key, 'ipam', 'config', 0, 'subnet'] : ['networks', key];
    const had = prior.subnets?.[key] !== undefined ? parseCidr(prior.subnets[key]) : undefined;
    if (explicit !== undefined || had) {
      subnet = explicit !== undefined ? parseCidr(explicit) : had;
      if (!subnet) {
        fail('OVERLAY_SUBNET_INVALID', subnetKey, `networks.${key}: subnet "${explicit}" is not an IPv4 CIDR`);
        continue;
      }
      if (subnet.prefix > 24) {
        fail('OVERLAY_SUBNET_TOO_SMALL', subnetKey, `networks.${key}: overlay subnet ${formatCidr(subnet)} is too small to give each host a slice: use /24 or larger`);
        continue;
      }
      const clash = routeClash(subnet, members, routes);
      if (clash) {
        const where = explicit !== undefined ? `subnet ${formatCidr(subnet)}` : `subnet ${formatCidr(subnet)} (in use by the network on another host)`;
        fail('OVERLAY_SUBNET_ROUTE_CLASH', subnetKey, `networks.${key}: ${where} overlaps ${clash}: set networks.${key}.ipam.config[0].subnet to a free range`);
        continue;
      }
      const mine = [...usedSubnets].find(([k, u]) => k !== key && overlaps(u, subnet!));
      if (mine) {
        fail('OVERLAY_SUBNET_OVERLAP', subnetKey, `networks.${key}: subnet ${formatCidr(subnet)} overlaps ${formatCidr(mine[1])} of networks.${mine[0]}: give each overlay network its own range`);
        continue;
      }
    } else {
      // 10.128.0.0/16 - 10.191.0.0/16, from a hash of project/network, stepping past the
      // project's other subnets and every route of the member hosts.
      let x = hash32(`${project.name}/${key}`) % 64;
      for (let i = 0; i < 64; i++, x = (x + 1) % 64) {
        const candidate = { base: parseIp(`10.${128 + x}.0.0`)!, prefix: 16 };
        if ([...usedSubnets.values()].some((u) => overlaps(u, candidate)) || routeClash(candidate, members, routes)) continue;
        subnet = candidate;
        break;
      }
      if (!subnet) {
        fail('OVERLAY_SUBNET_EXHAUSTED', ['networks', key], `networks.${key}: no free default overlay subnet in 10.128.0.0/10 on hosts ${members.join(', ')}: set networks.${key}.ipam.config[0].subnet`);
        continue;
      }
      usedSubnets.set(key, subnet);
    }
    const vniGiven = net.vni as number | string | null | undefined;
    const vni = vniGiven !== undefined && vniGiven !== null && `${vniGiven}` !== '' ? Number(vniGiven) : VNI_BASE + (hash32(`${project.name}/${key}`) % VNI_SPAN);
    if (!Number.isInteger(vni) || vni < 1 || vni > 0xffffff) {
      fail('OVERLAY_VNI_INVALID', ['networks', key, 'vni'], `networks.${key}: vni ${String(vniGiven)} is not 1 to 16777215`);
      continue;
    }
    let devices = deviceNames(project.name, key);
    for (let salt = 1; usedDevices.has(devices.vxlan); salt++) devices = deviceNames(project.name, key, salt);
    usedDevices.add(devices.vxlan);
    const mtuGiven = net.mtu !== undefined ? Number(net.mtu) : undefined;
    const underlay = Math.min(...(members.length ? members : [DEFAULT_HOST]).map((h) => project.hosts[h]?.mtu ?? DEFAULT_UNDERLAY_MTU));
    const mtu = mtuGiven !== undefined && Number.isInteger(mtuGiven) && mtuGiven > 0 ? mtuGiven : underlay - VXLAN_OVERHEAD;
    const slices = allocateSlices(key, subnet, members, hostIndex, prior.slices?.[key] ?? {}, (message) => fail('OVERLAY_SLICES_EXHAUSTED', subnetKey, message));
    alloc.networks[key] = { key, name: net.name, vni, subnet: formatCidr(subnet), mtu, bridge: devices.bridge, vxlan: devices.vxlan, members, slices };

    // Container addresses, per host slice: explicit ipv4_address first, then the address the
    // container already has, then a hash of service/number into the slice, stepping past taken
    // addresses (sorted order: deterministic).
    for (const h of members) {
      const slice = slices[h];
      if (!slice) continue;
      const size = 2 ** (32 - slice.range.prefix);
      const capacity = size - 3; // base, gateway, last
      const usable = (ip: number) => contains(slice.range, ip) && ip !== slice.range.base && ip !== slice.range.base + 1 && ip !== slice.range.base + size - 1;
      const taken = new Set<number>((prior.held?.[key] ?? []).map((a) => parseIp(a)).filter((ip): ip is number => ip !== undefined && usable(ip)));
      const wanted: Array<{ svc: Service; n: number; ip?: number }> = [];
      for (const svc of services) {
        if (opts.hostOf(svc) !== h || !serviceNetworks(svc).includes(key)) continue;
        const cfg = svc.networks?.[key];
        const scale = opts.scale(svc);
        for (let n = 1; n <= scale; n++) {
          const ip = cfg?.ipv4_address ? parseIp(cfg.ipv4_address) : undefined;
          if (cfg?.ipv4_address && (ip === undefined || !contains(subnet, ip))) {
            fail('OVERLAY_ADDRESS_OUTSIDE_SUBNET', ['services', svc.name, 'networks', key, 'ipv4_address'], `services.${svc.name}.networks.${key}.ipv4_address ${cfg.ipv4_address} is not in the overlay subnet ${formatCidr(subnet)}`);
          }
          if (ip !== undefined) taken.add(ip);
          wanted.push({ svc, n, ...(ip !== undefined ? { ip } : {}) });
        }
      }
      if (wanted.filter((w) => w.ip === undefined).length > capacity) {
        fail('OVERLAY_SLICE_FULL', ['networks', key], `networks.${key}: host ${h} runs more containers than its slice ${slice.ipRange} holds (${capacity})`);
        continue;
      }
      for (const w of wanted) {
        if (w.ip !== undefined) continue;
        const had = parseIp(prior.addresses?.[key]?.[`${w.svc.name}/${w.n}`] ?? '');
        if (had !== undefined && usable(had) && !taken.has(had)) {
          w.ip = had;
          taken.add(had);
        }
      }
      for (const w of wanted) {
        let ip = w.ip;
        if (ip === undefined) {
          let off = hash32(`${w.svc.name}/${w.n}`) % capacity;
          while (taken.has((slice.range.base + 2 + off) >>> 0)) off = (off + 1) % capacity;
          ip = (slice.range.base + 2 + off) >>> 0;
          taken.add(ip);
        }
        const container = w.svc.container_name ?? containerName(project.name, w.svc.name, w.n);
        const names = [container];
        if (w.n === 1) names.push(w.svc.name, ...(w.svc.networks?.[key]?.aliases ?? []));
        alloc.endpoints.push({ network: key, service: w.svc.name, number: w.n, host: h, container, ip: formatIp(ip), mac: w.svc.networks?.[key]?.mac_address ?? macFromIp(ip), names });
      }
    }
  }
  return alloc;
}

/**
 * The slice of each member host: the one its network already has (recorded on it), else slice
 * i+1 for host i of `hosts:` when no other member holds it, else the lowest free one.
 */
function allocateSlices(
  key: string,
  subnet: Cidr,
  members: string[],
  hostIndex: Record<string, number>,
  had: Record<string, number>,
  exhausted: (message: string) => void,
): Record<string, HostSlice> {
  const sp = slicePrefix(subnet.prefix);
  const count = 2 ** (sp - subnet.prefix);
  const index: Record<string, number> = {};
  const held = new Set<number>();
  for (const h of members) {
    const i = had[h];
    if (i !== undefined && Number.isInteger(i) && i >= 0 && i + 1 < count && !held.has(i)) {
      index[h] = i;
      held.add(i);
    }
  }
  for (const h of members) {
    if (index[h] !== undefined) continue;
    let i = hostIndex[h] ?? 0;
    if (held.has(i)) for (i = 0; held.has(i); i++);
    if (i + 1 >= count) {
      exhausted(`networks.${key}: subnet ${formatCidr(subnet)} has no slice left for host ${h}: use a larger subnet`);
      continue;
    }
    index[h] = i;
    held.add(i);
  }
  const slices: Record<string, HostSlice> = {};
  for (const h of members) {
    const i = index[h];
    if (i === undefined) continue;
    const base = (subnet.base + (i + 1) * 2 ** (32 - sp)) >>> 0;
    const range = { base, prefix: sp };
    slices[h] = { index: i, ipRange: formatCidr(range), gateway: formatIp(base + 1), range };
  }
  return slices;
}

/**
 * An address for a one-off container (`tsfig run`) on an overlay network, on its host's slice:
 * the highest one no replica is allocated and no other one-off holds (replicas are hashed
 * across the slice; one-offs fill it from the top). Undefined: the host has no slice, or it is full.
 */
export function oneOffAddress(alloc: Allocation, key: string, host: string, held: string[]): { ip: string; mac: string } | undefined {
  const slice = alloc.networks[key]?.slices[host];
  if (!slice) return undefined;
  const taken = new Set([...held, ...alloc.endpoints.filter((e) => e.network === key).map((e) => e.ip)]);
  const size = 2 ** (32 - slice.range.prefix);
  for (let ip = slice.range.base + size - 2; ip > slice.range.base + 1; ip--) {
    if (!taken.has(formatIp(ip))) return { ip: formatIp(ip), mac: macFromIp(ip) };
  }
  return undefined;
}

/** The overlay endpoints of one container (by network key). */
export function endpointsOf(alloc: Allocation, service: string, number: number): OverlayEndpoint[] {
  return alloc.endpoints.filter((e) => e.service === service && e.number === number);
}

/**
 * `/etc/hosts` entries (`name:ip`) for a container on overlay networks on `host`: the endpoints
 * of those networks on the other hosts (the engine's DNS knows only its own host's containers,
 * and answers for those itself: every replica, every alias). Replica 1 carries the service's
 * names; other replicas are not listed, so scaling one service does not change every other
 * container's hosts file (and recreate it).
 */
export function extraHostsFor(alloc: Allocation, networks: string[], host: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of alloc.endpoints) {
    if (!networks.includes(e.network) || e.number !== 1 || e.host === host) continue;
    for (const n of e.names) {
      if (seen.has(n)) continue;
      seen.add(n);
      out.push(`${n}:${e.ip}`);
    }
  }
  return out.sort();
}
