/**
 * Overlay allocation: a pure function of the project. For each `driver: overlay` network:
 * the subnet, a per-host ip-range slice and gateway, the VNI, the bridge and vxlan device
 * names, the MTU; for each container that joins it: an IP in its host's slice and a MAC
 * derived from the IP. Nothing here reads an engine: the same project always gives the same
 * allocation, so the state can be rebuilt from the engines' labels alone.
 *
 * Host indexes follow the order of `hosts:` in the file (`default` first when it is not
 * declared): host i gets slice i+1 of the subnet (slice 0 is left for explicit addresses).
 */
import { sha256 } from '../model/hash.js';
import { containerName } from '../model/naming.js';
import type { Project, Service } from '../model/project.js';
import { contains, formatCidr, formatIp, macFromIp, parseCidr, parseIp, type Cidr } from './ipv4.js';

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
  errors: string[];
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

export interface AllocateOptions {
  /** Replicas of a service (reconcile's scaleOf, with --scale). */
  scale: (svc: Service) => number;
  hostOf: (svc: Service) => string;
}

export function allocate(project: Project, opts: AllocateOptions): Allocation {
  const order = hostOrder(project);
  const hostIndex = Object.fromEntries(order.map((h, i) => [h, i]));
  const tag = projectTag(project.name);
  const alloc: Allocation = { project: project.name, tag, chain: chainName(project.name), networks: {}, endpoints: [], hostIndex, errors: [] };
  const services = Object.values(project.services).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const usedSubnets = new Set<number>();
  const usedDevices = new Set<string>();
  const keys = Object.keys(project.networks).filter((k) => isOverlay(project.networks[k])).sort();
  // Explicit subnets first, so derived ones step around them.
  for (const key of keys) {
    const c = project.networks[key]!.ipam?.config?.[0]?.subnet;
    const cidr = c ? parseCidr(c) : undefined;
    if (cidr) usedSubnets.add(cidr.base);
  }
  for (const key of keys) {
    const net = project.networks[key]!;
    const given = net.ipam?.config?.[0]?.subnet;
    let subnet: Cidr | undefined;
    if (given !== undefined) {
      subnet = parseCidr(given);
      if (!subnet) {
        alloc.errors.push(`networks.${key}: subnet "${given}" is not an IPv4 CIDR`);
        continue;
      }
      if (subnet.prefix > 24) {
        alloc.errors.push(`networks.${key}: overlay subnet ${given} is too small to give each host a slice: use /24 or larger`);
        continue;
      }
    } else {
      // 10.128.0.0/16 - 10.191.0.0/16, from a hash of project/network, stepping past collisions.
      let x = hash32(`${project.name}/${key}`) % 64;
      for (let i = 0; i < 64; i++, x = (x + 1) % 64) {
        const base = parseIp(`10.${128 + x}.0.0`)!;
        if (!usedSubnets.has(base)) {
          subnet = { base, prefix: 16 };
          break;
        }
      }
      if (!subnet) {
        alloc.errors.push(`networks.${key}: no free default overlay subnet: set ipam.config[0].subnet`);
        continue;
      }
      usedSubnets.add(subnet.base);
    }
    const vniGiven = net.vni as number | string | null | undefined;
    const vni = vniGiven !== undefined && vniGiven !== null && `${vniGiven}` !== '' ? Number(vniGiven) : VNI_BASE + (hash32(`${project.name}/${key}`) % VNI_SPAN);
    if (!Number.isInteger(vni) || vni < 1 || vni > 0xffffff) {
      alloc.errors.push(`networks.${key}: vni ${String(vniGiven)} is not 1 to 16777215`);
      continue;
    }
    let devices = deviceNames(project.name, key);
    for (let salt = 1; usedDevices.has(devices.vxlan); salt++) devices = deviceNames(project.name, key, salt);
    usedDevices.add(devices.vxlan);
    const members = [...new Set(services.filter((s) => serviceNetworks(s).includes(key)).map(opts.hostOf))].sort((a, b) => (hostIndex[a] ?? 99) - (hostIndex[b] ?? 99));
    const mtuGiven = net.mtu !== undefined ? Number(net.mtu) : undefined;
    const underlay = Math.min(...(members.length ? members : [DEFAULT_HOST]).map((h) => project.hosts[h]?.mtu ?? DEFAULT_UNDERLAY_MTU));
    const mtu = mtuGiven !== undefined && Number.isInteger(mtuGiven) && mtuGiven > 0 ? mtuGiven : underlay - VXLAN_OVERHEAD;
    const sp = slicePrefix(subnet.prefix);
    const slices: Record<string, HostSlice> = {};
    for (const h of members) {
      const index = hostIndex[h];
      if (index === undefined) continue;
      const n = index + 1;
      if (n >= 2 ** (sp - subnet.prefix)) {
        alloc.errors.push(`networks.${key}: subnet ${formatCidr(subnet)} has no slice left for host ${h}: use a larger subnet`);
        continue;
      }
      const base = (subnet.base + n * 2 ** (32 - sp)) >>> 0;
      const range = { base, prefix: sp };
      slices[h] = { index, ipRange: formatCidr(range), gateway: formatIp(base + 1), range };
    }
    alloc.networks[key] = { key, name: net.name, vni, subnet: formatCidr(subnet), mtu, bridge: devices.bridge, vxlan: devices.vxlan, members, slices };

    // Container addresses, per host slice: explicit ipv4_address first, then a hash of
    // service/number into the slice, stepping past taken addresses (sorted order: deterministic).
    for (const h of members) {
      const slice = slices[h];
      if (!slice) continue;
      const size = 2 ** (32 - slice.range.prefix);
      const capacity = size - 3; // base, gateway, last
      const taken = new Set<number>();
      const wanted: Array<{ svc: Service; n: number; explicit?: number }> = [];
      for (const svc of services) {
        if (opts.hostOf(svc) !== h || !serviceNetworks(svc).includes(key)) continue;
        const cfg = svc.networks?.[key];
        const scale = opts.scale(svc);
        for (let n = 1; n <= scale; n++) {
          const ip = cfg?.ipv4_address ? parseIp(cfg.ipv4_address) : undefined;
          if (cfg?.ipv4_address && (ip === undefined || !contains(subnet, ip))) {
            alloc.errors.push(`services.${svc.name}.networks.${key}.ipv4_address ${cfg.ipv4_address} is not in the overlay subnet ${formatCidr(subnet)}`);
          }
          if (ip !== undefined) taken.add(ip);
          wanted.push({ svc, n, ...(ip !== undefined ? { explicit: ip } : {}) });
        }
      }
      if (wanted.filter((w) => w.explicit === undefined).length > capacity) {
        alloc.errors.push(`networks.${key}: host ${h} runs more containers than its slice ${slice.ipRange} holds (${capacity})`);
        continue;
      }
      for (const w of wanted) {
        let ip = w.explicit;
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

/** The overlay endpoints of one container (by network key). */
export function endpointsOf(alloc: Allocation, service: string, number: number): OverlayEndpoint[] {
  return alloc.endpoints.filter((e) => e.service === service && e.number === number);
}

/**
 * `/etc/hosts` entries (`name:ip`) for a container on overlay networks: every endpoint of
 * those networks, local or remote (the engine's DNS knows only its own host's containers).
 */
export function extraHostsFor(alloc: Allocation, networks: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of alloc.endpoints) {
    // Replica 1 carries the service's names; other replicas resolve through their own host's
    // DNS only (so scaling one service does not change every other container's hosts file).
    if (!networks.includes(e.network) || e.number !== 1) continue;
    for (const n of e.names) {
      if (seen.has(n)) continue;
      seen.add(n);
      out.push(`${n}:${e.ip}`);
    }
  }
  return out.sort();
}
