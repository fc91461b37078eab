/**
 * Desired overlay state per host (pure, from the allocation and the hosts' underlay
 * addresses) and the difference with what a host has (read back by the helper), as the host
 * commands that repair it with replace semantics:
 * 1. a missing vxlan device, or one with the wrong VNI/port/local/learning: (re)created;
 * 2. wrong MTU or master, or down: `ip link set`;
 * 3. FDB: extras deleted, missing ones appended (all-zero flood entries, one per peer) or
 *    replaced (one per remote container MAC);
 * 4. the project's iptables chain (accept VXLAN from the peers; jumped to from DOCKER-USER,
 *    for underlays that cross a br_netfilter bridge) flushed and refilled when it differs;
 * 5. the project's devices no longer wanted on the host deleted (`down`: all of them).
 */
import { diag, sourceLoc, type Diagnostic, type Loc, type OverlayCode, type SourcePath } from '../model/diagnostic.js';
import type { Project } from '../model/project.js';
import { VXLAN_PORT, type Allocation } from './alloc.js';
import type { FdbEntry, ObservedOverlay } from './types.js';

export const ZERO_MAC = '00:00:00:00:00:00';

export interface DesiredVxlan {
  network: string;
  name: string;
  vni: number;
  local: string;
  mtu: number;
  master: string;
  fdb: FdbEntry[];
  peers: string[];
}

export interface DesiredHost {
  host: string;
  vxlans: DesiredVxlan[];
  /** Underlay addresses of every peer of every network on this host. */
  peers: string[];
}

/**
 * What a host should have. `addresses`: underlay address per host (declared or detected);
 * a member without one is an error (returned, the host's state left alone).
 */
export function desiredHost(
  alloc: Allocation,
  host: string,
  addresses: Record<string, string | undefined>,
  /** Only networks whose bridge exists on the host (or is being made) get a device. */
  hasBridge: (bridge: string) => boolean = () => true,
  /** The project, for the positions of the keys an error names. */
  project?: Project,
): { state: DesiredHost; errors: Diagnostic[] } {
  const state: DesiredHost = { host, vxlans: [], peers: [] };
  const errors: Diagnostic[] = [];
  const peers = new Set<string>();
  for (const net of Object.values(alloc.networks)) {
    if (!net.members.includes(host) || !hasBridge(net.bridge)) continue;
    const local = addresses[host];
    if (!local) {
      errors.push(problem(project, 'OVERLAY_UNDERLAY_UNKNOWN', ['hosts', host], `host ${host}: its underlay address is unknown: set hosts.${host}.address`));
      continue;
    }
    const fdb: FdbEntry[] = [];
    const netPeers: string[] = [];
    for (const m of net.members) {
      if (m === host) continue;
      const dst = addresses[m];
      if (!dst) {
        errors.push(problem(project, 'OVERLAY_UNDERLAY_UNKNOWN', ['hosts', m], `host ${m}: its underlay address is unknown: set hosts.${m}.address`));
        continue;
      }
      netPeers.push(dst);
      peers.add(dst);
      fdb.push({ mac: ZERO_MAC, dst });
      for (const e of alloc.endpoints) if (e.network === net.key && e.host === m) fdb.push({ mac: e.mac, dst });
    }
    state.vxlans.push({ network: net.key, name: net.vxlan, vni: net.vni, local, mtu: net.mtu, master: net.bridge, fdb: sortFdb(fdb), peers: netPeers });
  }
  state.peers = [...peers].sort();
  return { state, errors };
}

/** An error of a host's overlay state, at the key of the file it names when there is one. */
function problem(project: Project | undefined, code: OverlayCode, path: SourcePath | undefined, message: string): Diagnostic {
  const loc: Loc | undefined = project && path ? sourceLoc(project, path) : undefined;
  return diag(code, message, loc);
}

function sortFdb(list: FdbEntry[]): FdbEntry[] {
  return [...list].sort((a, b) => (a.mac + a.dst < b.mac + b.dst ? -1 : a.mac + a.dst > b.mac + b.dst ? 1 : 0));
}

const key = (e: FdbEntry) => `${e.mac.toLowerCase()} ${e.dst}`;

export interface HostDiff {
  /** Host commands, in order (argv arrays). */
  commands: string[][];
  /** What is wrong, for the plan's cause. */
  reasons: string[];
  /** Problems that forbid touching the host (VNI collision, missing tools). */
  errors: Diagnostic[];
}

export interface DiffOptions {
  /** The project's device prefix (`tsv<tag>`): such devices not desired are removed. */
  devicePrefix: string;
  chain: string;
  /** Bridges (re)created by this plan: their vxlan device must be enslaved again. */
  freshBridges?: Set<string>;
  /** The project, for the positions of the keys an error names. */
  project?: Project;
}

export function diffHost(desired: DesiredHost, observed: ObservedOverlay, opts: DiffOptions): HostDiff {
  const d: HostDiff = { commands: [], reasons: [], errors: [] };
  const cmd = (...argv: Array<string | number>) => d.commands.push(argv.map(String));
  if (desired.vxlans.length && observed.missing.length) {
    d.errors.push(problem(undefined, 'OVERLAY_TOOLS_MISSING', undefined, `host ${desired.host}: the host lacks ${observed.missing.join(', ')} (install iproute2 and iptables there)`));
    return d;
  }
  if (desired.vxlans.length && observed.vxlanError) {
    d.errors.push(problem(undefined, 'OVERLAY_VXLAN_REFUSED', undefined, `host ${desired.host}: the kernel refused a vxlan device (${observed.vxlanError.split('\n')[0]}): load the vxlan module (modprobe vxlan) or use a kernel with CONFIG_VXLAN`));
    return d;
  }
  const wanted = new Set(desired.vxlans.map((v) => v.name));
  // 5. first: the project's devices that are no longer wanted.
  for (const o of observed.vxlans) {
    if (o.name.startsWith(opts.devicePrefix) && !wanted.has(o.name)) {
      cmd('ip', 'link', 'del', o.name);
      d.reasons.push(`vxlan ${o.name} no longer needed`);
    }
  }
  for (const v of desired.vxlans) {
    const clash = observed.vxlans.find((o) => o.vni === v.vni && o.name !== v.name && (o.port ?? VXLAN_PORT) === VXLAN_PORT && !o.name.startsWith(opts.devicePrefix));
    if (clash) {
      d.errors.push(
        problem(opts.project, 'OVERLAY_VNI_IN_USE', ['networks', v.network, 'vni'], `host ${desired.host}: VNI ${v.vni} of network ${v.network} is already used by the vxlan device ${clash.name}: set networks.${v.network}.vni to another value`),
      );
      continue;
    }
    const o = observed.vxlans.find((x) => x.name === v.name);
    let fresh = false;
    if (!o || o.vni !== v.vni || o.port !== VXLAN_PORT || o.local !== v.local || o.learning !== false) {
      if (o) {
        cmd('ip', 'link', 'del', v.name);
        d.reasons.push(`vxlan ${v.name} has the wrong parameters`);
      } else d.reasons.push(`vxlan ${v.name} missing`);
      cmd('ip', 'link', 'add', v.name, 'type', 'vxlan', 'id', v.vni, 'local', v.local, 'dstport', VXLAN_PORT, 'nolearning');
      fresh = true;
    }
    const bridgeFresh = opts.freshBridges?.has(v.master) ?? false;
    if (fresh || bridgeFresh || o?.mtu !== v.mtu || o.master !== v.master || !o.up) {
      if (!fresh) d.reasons.push(o?.master !== v.master || bridgeFresh ? `vxlan ${v.name} not on bridge ${v.master}` : o?.mtu !== v.mtu ? `vxlan ${v.name} mtu ${o?.mtu} (want ${v.mtu})` : `vxlan ${v.name} down`);
      cmd('ip', 'link', 'set', v.name, 'mtu', v.mtu, 'master', v.master, 'up');
    }
    const have = fresh ? [] : (observed.fdb[v.name] ?? []);
    const want = new Set(v.fdb.map(key));
    const wantMacs = new Set(v.fdb.filter((e) => e.mac !== ZERO_MAC).map((e) => e.mac.toLowerCase()));
    const haveKeys = new Set(have.map(key));
    let removed = 0;
    let added = 0;
    for (const e of have) {
      if (want.has(key(e))) continue;
      // A MAC that is still wanted at another destination is replaced below.
      if (e.mac !== ZERO_MAC && wantMacs.has(e.mac.toLowerCase())) continue;
      cmd('bridge', 'fdb', 'del', e.mac, 'dev', v.name, 'dst', e.dst, 'self');
      removed++;
    }
    for (const e of v.fdb) {
      if (haveKeys.has(key(e))) continue;
      if (e.mac === ZERO_MAC) cmd('bridge', 'fdb', 'append', ZERO_MAC, 'dev', v.name, 'dst', e.dst);
      else cmd('bridge', 'fdb', 'replace', e.mac, 'dev', v.name, 'dst', e.dst, 'self', 'permanent');
      added++;
    }
    if (!fresh && (removed || added)) d.reasons.push(`fdb of ${v.name}: ${added} to add, ${removed} stale`);
  }
  // 4. the firewall chain.
  const ch = opts.chain;
  if (!desired.vxlans.length || !desired.peers.length) {
    if (observed.jump) cmd('iptables', '-D', 'DOCKER-USER', '-j', ch);
    if (observed.chain) {
      cmd('iptables', '-F', ch);
      cmd('iptables', '-X', ch);
      d.reasons.push(`iptables chain ${ch} no longer needed`);
    }
  } else if (observed.dockerUser) {
    const rules = desired.peers.map((p) => ['-A', ch, '-s', `${p}/32`, '-p', 'udp', '-m', 'udp', '--dport', String(VXLAN_PORT), '-j', 'ACCEPT']);
    const wantText = [`-N ${ch}`, ...rules.map((r) => r.join(' '))];
    if (!observed.chain || observed.chain.join('\n') !== wantText.join('\n')) {
      if (!observed.chain) cmd('iptables', '-N', ch);
      else cmd('iptables', '-F', ch);
      for (const r of rules) cmd('iptables', ...r);
      d.reasons.push(`iptables chain ${ch} ${observed.chain ? 'differs' : 'missing'}`);
    }
    if (!observed.jump) {
      cmd('iptables', '-I', 'DOCKER-USER', '-j', ch);
      if (observed.chain) d.reasons.push(`DOCKER-USER does not jump to ${ch}`);
    }
  }
  return d;
}
