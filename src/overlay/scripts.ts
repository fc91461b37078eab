/**
 * The shell text the helper container runs on a host (`chroot /host /bin/sh -c SCRIPT`: the
 * host's own `ip`, `bridge` and `iptables`, never busybox's), and the parser of the read-back's
 * output. Pure: text in, text out. Every value put into a script is a name, number or address
 * tsfig made or validated; `q` quotes anyway.
 */
import { VXLAN_PORT } from './alloc.js';
import type { FdbEntry, ObservedOverlay, ObservedVxlan } from './types.js';

/** The VNI of the kernel-support probe device (the top of the 24-bit space, outside tsfig's range). */
export const PROBE_VNI = 0xfffff0;

/** Where `ip route get` looks when no peer address is known: the host's default route. */
export const DEFAULT_ROUTE_TARGET = '1.1.1.1';

/** Single-quote for /bin/sh. */
export function q(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ReadBackInput {
  /** Prefix of the project's vxlan devices (`tsv<tag>`). */
  devicePrefix: string;
  chain: string;
  /** Underlay addresses of the other hosts: the first that routes gives this host's source address and MTU. */
  peers: string[];
  /** Also try to create a vxlan device (kernel support): always, or only when the project has none on the host. */
  probe?: boolean | 'if-missing';
  /** Name of the probe device (unique per project). */
  probeName?: string;
}

/** One run: preflight, vxlan devices, bridges, the project's FDB entries, its iptables chain, the underlay. */
export function readBackScript(input: ReadBackInput): string {
  const lines = [
    `echo @@missing; for c in ip bridge iptables; do command -v $c >/dev/null 2>&1 || echo $c; done`,
    `command -v ip >/dev/null 2>&1 || exit 0`,
    `echo @@vxlan; ip -d -s -j link show type vxlan`,
    `echo; echo @@bridge; ip -j link show type bridge`,
    `echo; echo @@routes; ip -j -4 route show`,
    `echo; for d in $(ip -o link show type vxlan | cut -d: -f2); do case $d in ${q(input.devicePrefix)}*) echo "@@fdb $d"; bridge -j fdb show dev "$d"; echo;; esac; done`,
    `if command -v iptables >/dev/null 2>&1; then`,
    `  if iptables -S ${q(input.chain)} >/dev/null 2>&1; then echo @@chain; iptables -S ${q(input.chain)}; fi`,
    `  if iptables -S DOCKER-USER >/dev/null 2>&1; then echo @@dockeruser; iptables -S DOCKER-USER; fi`,
    `fi`,
  ];
  // The underlay: the route to each peer (`prefsrc` is this host's source address toward it),
  // and the MTU of its device. With no peer address known, the route to a public address: a
  // lookup in the routing table only, no packet is sent.
  const targets = input.peers.length ? input.peers : [DEFAULT_ROUTE_TARGET];
  for (const p of targets) {
    const tag = input.peers.length ? p : 'default';
    lines.push(
      `if r=$(ip -j route get ${q(p)} 2>/dev/null); then echo "@@route ${tag}"; echo "$r"; echo; dev=$(echo "$r" | sed -n 's/.*"dev":"\\([^"]*\\)".*/\\1/p'); if [ -n "$dev" ]; then echo "@@link"; ip -j link show dev "$dev"; echo; fi; fi`,
    );
  }
  if (input.probe !== undefined && input.probe !== false) {
    // Kernel support: make a vxlan device and delete it (a device that exists already says yes).
    // 'if-missing' (up, plan): only when the project has no device on the host yet.
    const name = q(input.probeName ?? 'tsfprobe');
    const probe = `ip link del ${name} >/dev/null 2>&1; if out=$(ip link add ${name} type vxlan id ${PROBE_VNI} dstport ${VXLAN_PORT} 2>&1); then ip link del ${name}; else case $out in *xists*) ;; *) echo "$out";; esac; fi`;
    lines.push(input.probe === 'if-missing' ? `echo @@probe; if ! ip -o link show type vxlan | grep -q ': ${input.devicePrefix}'; then ${probe}; fi` : `echo @@probe; ${probe}`);
  }
  return lines.join('\n');
}

function sections(text: string): Array<{ head: string; body: string }> {
  const out: Array<{ head: string; body: string }> = [];
  let cur: { head: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) {
      if (cur) out.push({ head: cur.head, body: cur.lines.join('\n').trim() });
      cur = { head: line.slice(2).trim(), lines: [] };
    } else if (cur) cur.lines.push(line);
  }
  if (cur) out.push({ head: cur.head, body: cur.lines.join('\n').trim() });
  return out;
}

function json(text: string): unknown {
  if (text === '') return [];
  return JSON.parse(text) as unknown;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseVxlan(v: Rec): ObservedVxlan {
  const info = isRec(v.linkinfo) && isRec(v.linkinfo.info_data) ? v.linkinfo.info_data : {};
  const stats = isRec(v.stats64) && isRec(v.stats64.rx) ? v.stats64.rx : undefined;
  const flags = Array.isArray(v.flags) ? v.flags.map(String) : [];
  const out: ObservedVxlan = { name: String(v.ifname), up: flags.includes('UP') };
  if (typeof info.id === 'number') out.vni = info.id;
  if (typeof info.local === 'string') out.local = info.local;
  if (typeof info.port === 'number') out.port = info.port;
  if (typeof info.learning === 'boolean') out.learning = info.learning;
  if (typeof v.mtu === 'number') out.mtu = v.mtu;
  if (typeof v.address === 'string') out.mac = v.address;
  if (typeof v.master === 'string') out.master = v.master;
  if (stats && typeof stats.packets === 'number') out.rxPackets = stats.packets;
  return out;
}

/** The read-back's stdout -> ObservedOverlay (throws on output it cannot read). */
export function parseReadBack(text: string, chain: string): ObservedOverlay {
  const o: ObservedOverlay = { ok: true, missing: [], vxlans: [], bridges: [], fdb: {}, jump: false, dockerUser: false };
  const routes: RouteSeen[] = [];
  const mtus: Record<string, number> = {};
  for (const s of sections(text)) {
    if (s.head === 'missing') o.missing = s.body.split(/\s+/).filter(Boolean);
    else if (s.head === 'vxlan') {
      const list = json(s.body);
      if (Array.isArray(list)) o.vxlans = list.filter(isRec).map(parseVxlan);
    } else if (s.head === 'bridge') {
      const list = json(s.body);
      if (Array.isArray(list)) o.bridges = list.filter(isRec).map((b) => String(b.ifname));
    } else if (s.head.startsWith('fdb ')) {
      const dev = s.head.slice(4).trim();
      const list = json(s.body);
      const entries: FdbEntry[] = [];
      if (Array.isArray(list)) {
        for (const e of list.filter(isRec)) {
          // Only the device's own static entries: those with a remote destination.
          if (typeof e.mac === 'string' && typeof e.dst === 'string') entries.push({ mac: e.mac, dst: e.dst });
        }
      }
      o.fdb[dev] = entries;
    } else if (s.head === 'routes') {
      o.routes = tryJson(s.body)
        .filter(isRec)
        .filter((r) => typeof r.dst === 'string')
        .map((r) => ({ dst: String(r.dst), ...(typeof r.dev === 'string' ? { dev: r.dev } : {}) }));
    } else if (s.head === 'chain') {
      o.chain = s.body.split('\n').map((l) => l.trim()).filter(Boolean);
    } else if (s.head === 'dockeruser') {
      o.dockerUser = true;
      o.jump = s.body.split('\n').some((l) => l.trim() === `-A DOCKER-USER -j ${chain}`);
    } else if (s.head.startsWith('route ')) {
      const target = s.head.slice(6).trim();
      routes.push({ target, ...parseRoute(s.body) });
    } else if (s.head === 'link') {
      for (const l of tryJson(s.body).filter(isRec)) if (typeof l.ifname === 'string' && typeof l.mtu === 'number') mtus[l.ifname] = l.mtu;
    } else if (s.head === 'probe') {
      if (s.body !== '') o.vxlanError = s.body;
    }
  }
  const underlay = chooseUnderlay(routes, mtus);
  if (underlay) o.underlay = underlay;
  return o;
}

/** One `ip -j route get` of the read-back: the target (a peer's address, or `default`). */
export interface RouteSeen {
  target: string;
  prefsrc?: string;
  dev?: string;
}

function tryJson(text: string): unknown[] {
  try {
    const v = json(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** `ip -j route get ADDR` -> the source address and device (empty when unreadable: old iproute2, no route). */
export function parseRoute(text: string): { prefsrc?: string; dev?: string } {
  const r = tryJson(text).find(isRec);
  if (!r) return {};
  return { ...(typeof r.prefsrc === 'string' && r.prefsrc !== '' ? { prefsrc: r.prefsrc } : {}), ...(typeof r.dev === 'string' ? { dev: r.dev } : {}) };
}

/**
 * The host's underlay: the first route to a peer with a source address, else the default
 * route's (`via: 'default'`: a guess the plan warns about); the MTU of that route's device.
 */
export function chooseUnderlay(routes: RouteSeen[], mtus: Record<string, number>): ObservedOverlay['underlay'] {
  const r = routes.find((x) => x.target !== 'default' && x.prefsrc) ?? routes.find((x) => x.target === 'default' && x.prefsrc) ?? routes.find((x) => x.dev);
  if (!r) return undefined;
  const mtu = r.dev !== undefined ? mtus[r.dev] : undefined;
  return {
    ...(r.prefsrc ? { address: r.prefsrc, via: r.target === 'default' ? ('default' as const) : ('peer' as const) } : {}),
    ...(r.dev ? { dev: r.dev } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
  };
}

/** A script that runs each command, reports every failure on stderr, and exits 1 if any failed. */
export function applyScript(commands: string[][]): string {
  const lines = ['rc=0', 'run() { out=$("$@" 2>&1) || { echo "failed: $*: $out" >&2; rc=1; }; }'];
  for (const c of commands) lines.push(`run ${c.map(q).join(' ')}`);
  lines.push('exit $rc');
  return lines.join('\n');
}

/** The rx packet counter of a device, as a script (for tests and doctor). */
export function rxCounterScript(device: string): string {
  return `ip -s -j link show dev ${q(device)}`;
}
