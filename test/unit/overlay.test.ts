/**
 * The overlay's pure parts: allocation, the read-back parser, the desired-vs-actual diff, and
 * the plan fragment reconcile builds from them (no engine).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allocate, oneOffAddress, chainName, deviceNames, extraHostsFor, projectTag, VNI_BASE, VNI_SPAN } from '../../src/overlay/alloc.js';
import { desiredHost, diffHost, ZERO_MAC } from '../../src/overlay/desired.js';
import { applyScript, chooseUnderlay, DEFAULT_ROUTE_TARGET, PROBE_VNI, parseReadBack, parseRoute, q, readBackScript } from '../../src/overlay/scripts.js';
import type { ObservedOverlay } from '../../src/overlay/types.js';
import { planDown } from '../../src/reconcile/lifecycle.js';
import { oneOffSpec } from '../../src/reconcile/oneoff.js';
import { probeScript } from '../../src/overlay/probe.js';
import type { Op } from '../../src/reconcile/plan.js';
import { hostOf, overlayPrior, reconcile, scaleOf } from '../../src/reconcile/reconcile.js';
import { LABEL } from '../../src/model/labels.js';
import { OVERLAY_LABEL } from '../../src/overlay/plan.js';
import { coded, host, made, state } from '../support/observed.js';
import { load, projectDir } from '../support/project.js';

const text = `name: ov
hosts:
  a: {docker: "unix:///run/a.sock", address: 192.168.77.1}
  b: {docker: "unix:///run/b.sock", address: 192.168.77.2}
  c: {docker: "unix:///run/c.sock", address: 192.168.77.3, mtu: 1400}
services:
  web: {image: busybox, host: a, networks: [back]}
  api:
    image: busybox
    host: b
    scale: 2
    networks:
      back: {aliases: [api-alias]}
  solo: {image: busybox, host: c, networks: {back: {ipv4_address: 10.99.0.7}}}
networks:
  back: {driver: overlay, ipam: {config: [{subnet: 10.99.0.0/16}]}}
`;

function project(t = text) {
  const r = load(projectDir({ 'fig.yml': t }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

const alloc = (t = text) => {
  const p = project(t);
  return allocate(p, { scale: (s) => scaleOf(s, {}), hostOf });
};

function overlay(extra: Partial<ObservedOverlay> = {}): ObservedOverlay {
  return { ok: true, missing: [], vxlans: [], bridges: [], fdb: {}, jump: false, dockerUser: true, ...extra };
}

describe('overlay allocation', () => {
  it('gives each host its own slice and gateway of the shared subnet, and each container an address in its slice', () => {
    const a = alloc();
    expect(a.errors).toEqual([]);
    const net = a.networks.back!;
    expect(net.subnet).toBe('10.99.0.0/16');
    expect(net.members).toEqual(['a', 'b', 'c']);
    // default (index 0) is not declared: a, b, c are 1, 2, 3 -> slices 2, 3, 4.
    expect(net.slices.a).toMatchObject({ ipRange: '10.99.2.0/24', gateway: '10.99.2.1' });
    expect(net.slices.b).toMatchObject({ ipRange: '10.99.3.0/24', gateway: '10.99.3.1' });
    // MTU: the smallest underlay MTU of the members minus 50.
    expect(net.mtu).toBe(1350);
    expect(net.vni).toBeGreaterThanOrEqual(VNI_BASE);
    expect(net.vni).toBeLessThan(VNI_BASE + VNI_SPAN);
    expect(net.bridge).toMatch(/^tsf[0-9a-f]{8}$/);
    expect(net.vxlan).toBe(net.bridge.replace('tsf', 'tsv'));
    const byName = Object.fromEntries(a.endpoints.map((e) => [`${e.service}-${e.number}`, e]));
    expect(byName['web-1']!.ip).toMatch(/^10\.99\.2\./);
    expect(byName['api-1']!.ip).toMatch(/^10\.99\.3\./);
    expect(byName['api-2']!.ip).toMatch(/^10\.99\.3\./);
    expect(byName['api-1']!.ip).not.toBe(byName['api-2']!.ip);
    expect(byName['solo-1']!.ip).toBe('10.99.0.7');
    const [, , c, d] = byName['web-1']!.ip.split('.').map(Number);
    expect(byName['web-1']!.mac).toBe(`02:42:0a:63:${c!.toString(16).padStart(2, '0')}:${d!.toString(16).padStart(2, '0')}`);
    // Deterministic.
    expect(alloc()).toEqual(a);
  });

  it('derives a /16 and a VNI when none is given, and refuses subnets too small to slice', () => {
    const a = alloc(text.replace('{driver: overlay, ipam: {config: [{subnet: 10.99.0.0/16}]}}', '{driver: overlay, vni: 4242}'));
    expect(a.networks.back!.subnet).toMatch(/^10\.(1[2-8]\d|19[01])\.0\.0\/16$/);
    expect(a.networks.back!.vni).toBe(4242);
    const small = alloc(text.replace('10.99.0.0/16', '10.99.0.0/25').replace('ipv4_address: 10.99.0.7', 'aliases: [x]'));
    // At the subnet as written (networks: back: ... subnet:, line 16).
    expect(coded(small.errors)).toEqual(['OVERLAY_SUBNET_TOO_SMALL fig.yml:16:44']);
  });

  it('hosts entries carry replica 1 names and aliases of the services on the other hosts (the engine\'s DNS answers for its own)', () => {
    const a = alloc();
    const hosts = extraHostsFor(a, ['back'], 'a');
    const api = a.endpoints.find((e) => e.service === 'api' && e.number === 1)!;
    expect(hosts).toContain(`api:${api.ip}`);
    expect(hosts).toContain(`api-alias:${api.ip}`);
    expect(hosts).toContain(`ov-api-1:${api.ip}`);
    expect(hosts.some((h) => h.startsWith('ov-api-2:'))).toBe(false);
    expect(hosts.some((h) => /^(web|ov-web-1):/.test(h))).toBe(false);
    // On b: a's and c's services, not b's own.
    const onB = extraHostsFor(a, ['back'], 'b');
    expect(onB.some((h) => /^(api|api-alias|ov-api-1):/.test(h))).toBe(false);
    expect(onB).toEqual(expect.arrayContaining([expect.stringMatching(/^web:/), 'solo:10.99.0.7']));
  });

  it('keeps what the engines hold: a network\'s subnet, a host\'s slice and a container\'s address', () => {
    const derived = text.replace('{driver: overlay, ipam: {config: [{subnet: 10.99.0.0/16}]}}', '{driver: overlay}').replace('{back: {ipv4_address: 10.99.0.7}}', '[back]');
    const p = project(derived);
    const fresh = allocate(p, { scale: (s) => scaleOf(s, {}), hostOf });
    const prior = {
      subnets: { back: '10.140.0.0/16' },
      // b had slice 7 before (say, hosts: was written in another order).
      slices: { back: { b: 6 } },
      addresses: { back: { 'api/1': '10.140.7.77', 'web/1': '10.140.99.9' } },
    };
    const a = allocate(p, { scale: (s) => scaleOf(s, {}), hostOf, prior });
    expect(a.errors).toEqual([]);
    expect(a.networks.back!.subnet).toBe('10.140.0.0/16');
    expect(a.networks.back!.slices.b).toMatchObject({ index: 6, ipRange: '10.140.7.0/24', gateway: '10.140.7.1' });
    // a keeps its own slice (index 1 -> 10.140.2.0/24); c's index 3 is free: 10.140.4.0/24.
    expect(a.networks.back!.slices.a!.ipRange).toBe('10.140.2.0/24');
    expect(a.networks.back!.slices.c!.ipRange).toBe('10.140.4.0/24');
    const ep = (svc: string, n = 1) => a.endpoints.find((e) => e.service === svc && e.number === n)!;
    expect(ep('api').ip).toBe('10.140.7.77');
    expect(ep('api').mac).toBe('02:42:0a:8c:07:4d');
    // An address outside the host's slice now is not kept: web gets a fresh one in a's slice.
    expect(ep('web').ip).toMatch(/^10\.140\.2\./);
    expect(fresh.networks.back!.subnet).not.toBe('');
  });

  it('a host added to hosts: before the others moves no existing slice', () => {
    const before = project();
    const a1 = allocate(before, { scale: (s) => scaleOf(s, {}), hostOf });
    const slices = Object.fromEntries(Object.entries(a1.networks.back!.slices).map(([h, s]) => [h, s.index]));
    const addresses = Object.fromEntries(a1.endpoints.map((e) => [`${e.service}/${e.number}`, e.ip]));
    // A new host z is declared first: without the prior it would take a's slice index.
    const after = project(text.replace('hosts:\n', 'hosts:\n  z: {docker: "unix:///run/z.sock", address: 192.168.77.9}\n').replace('solo: {image: busybox, host: c,', 'solo: {image: busybox, host: z,'));
    const moved = allocate(after, { scale: (s) => scaleOf(s, {}), hostOf });
    expect(moved.networks.back!.slices.a!.ipRange).not.toBe(a1.networks.back!.slices.a!.ipRange);
    const a2 = allocate(after, { scale: (s) => scaleOf(s, {}), hostOf, prior: { slices: { back: slices }, addresses: { back: addresses } } });
    expect(a2.errors).toEqual([]);
    for (const h of ['a', 'b']) expect(a2.networks.back!.slices[h]).toEqual(a1.networks.back!.slices[h]);
    for (const e of a1.endpoints.filter((x) => x.service !== 'solo')) expect(a2.endpoints.find((x) => x.service === e.service && x.number === e.number)!.ip).toBe(e.ip);
    // z takes a free slice, not a's or b's.
    const used = [a2.networks.back!.slices.a!.index, a2.networks.back!.slices.b!.index];
    expect(used).not.toContain(a2.networks.back!.slices.z!.index);
  });

  it('a derived subnet steps past the member hosts\' routes; an explicit one that overlaps a route is an error naming it', () => {
    const derived = project(text.replace('{driver: overlay, ipam: {config: [{subnet: 10.99.0.0/16}]}}', '{driver: overlay}').replace(', networks: {back: {ipv4_address: 10.99.0.7}}', ', networks: [back]'));
    const first = allocate(derived, { scale: (s) => scaleOf(s, {}), hostOf }).networks.back!.subnet;
    // Another project's network on host b holds a /24 inside that /16; host a's docker0 is elsewhere.
    const inside = first.replace('.0.0/16', '.3.0/24');
    const routes = { b: [{ dst: inside, dev: 'tsf12345678' }, { dst: 'default', dev: 'eth0' }], a: [{ dst: '172.17.0.0/16', dev: 'docker0' }] };
    const a = allocate(derived, { scale: (s) => scaleOf(s, {}), hostOf, prior: { routes } });
    expect(a.errors).toEqual([]);
    expect(a.networks.back!.subnet).not.toBe(first);
    expect(a.networks.back!.subnet).toMatch(/^10\.(1[2-8]\d|19[01])\.0\.0\/16$/);
    // A route on a host that is not a member does not matter.
    expect(allocate(derived, { scale: (s) => scaleOf(s, {}), hostOf, prior: { routes: { zz: routes.b } } }).networks.back!.subnet).toBe(first);

    const explicit = allocate(project(), { scale: (s) => scaleOf(s, {}), hostOf, prior: { routes: { c: [{ dst: '10.99.128.0/17', dev: 'br-1a2b3c' }] } } });
    expect(coded(explicit.errors)).toEqual(['OVERLAY_SUBNET_ROUTE_CLASH fig.yml:16:44']);
    expect(explicit.errors[0]!.message).toContain('10.99.128.0/17 (dev br-1a2b3c) on host c');
    // Two overlay networks of the project on overlapping ranges.
    const two = allocate(project(text.replace('networks:\n  back:', 'networks:\n  front: {driver: overlay, ipam: {config: [{subnet: 10.99.5.0/24}]}}\n  back:').replace('web: {image: busybox, host: a, networks: [back]}', 'web: {image: busybox, host: a, networks: [back, front]}')), { scale: (s) => scaleOf(s, {}), hostOf });
    expect(coded(two.errors)).toEqual(['OVERLAY_SUBNET_OVERLAP fig.yml:17:44', 'OVERLAY_SUBNET_OVERLAP fig.yml:16:45']);
  });

  it('one-offs fill a slice from the top; replicas step past addresses one-offs hold', () => {
    const a = alloc();
    const top = oneOffAddress(a, 'back', 'b', []);
    expect(top).toEqual({ ip: '10.99.3.254', mac: '02:42:0a:63:03:fe' });
    expect(oneOffAddress(a, 'back', 'b', ['10.99.3.254'])?.ip).toBe('10.99.3.253');
    expect(oneOffAddress(a, 'back', 'nohost', [])).toBeUndefined();
    // A one-off holds the address api-1 would hash to: api-1 steps past it.
    const api1 = a.endpoints.find((e) => e.service === 'api' && e.number === 1)!.ip;
    const b = allocate(project(), { scale: (s) => scaleOf(s, {}), hostOf, prior: { held: { back: [api1] } } });
    expect(b.endpoints.find((e) => e.service === 'api' && e.number === 1)!.ip).not.toBe(api1);
  });

  it('a one-off on an overlay network gets its own address, its label and the hosts entries of the network', () => {
    const p = project();
    const o = state(p, host('default'), host('a', { overlay: overlay() }), host('b', { overlay: overlay() }), host('c', { overlay: overlay() }));
    o.hosts.b!.containers = [made(p, 'api', 1, { host: 'b', oneoff: true, number: 0, labels: { ...made(p, 'api', 1).labels, [OVERLAY_LABEL.endpoints]: 'back=10.99.3.254/02:42:0a:63:03:fe' } })];
    const spec = oneOffSpec(p, o, 'api', { id: 'abcdef123456', tty: false, stdin: false }, '0.1.0');
    expect(spec.host).toBe('b');
    expect(spec.body.NetworkingConfig?.EndpointsConfig?.ov_back?.IPAMConfig?.IPv4Address).toBe('10.99.3.253');
    expect(spec.body.Labels?.[OVERLAY_LABEL.endpoints]).toBe('back=10.99.3.253/02:42:0a:63:03:fd');
    expect(spec.body.HostConfig?.ExtraHosts).toEqual(expect.arrayContaining(['solo:10.99.0.7', expect.stringMatching(/^web:10\.99\.2\./)]));
  });

  it('names are per project', () => {
    expect(projectTag('x')).not.toBe(projectTag('y'));
    expect(deviceNames('x', 'n').vxlan.length).toBeLessThanOrEqual(15);
    expect(chainName('x')).toBe(`TSFIG-${projectTag('x')}`);
  });
});

describe('examples/multihost', () => {
  it('loads, and allocates one slice per host', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'multihost');
    const r = load(dir, { env: { HOME: '/home/u' } });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const a = allocate(r.project!, { scale: (s) => scaleOf(s, {}), hostOf });
    expect(a.errors).toEqual([]);
    expect(a.networks.app!.members).toEqual(['a', 'b', 'c']);
    expect(a.networks.app!.slices.c!.ipRange).toBe('10.77.4.0/24');
  });
});

describe('overlay read-back and scripts', () => {
  it('parses the read-back output', () => {
    const out = [
      '@@missing',
      '@@vxlan',
      JSON.stringify([
        {
          ifname: 'tsv1234abcd',
          flags: ['BROADCAST', 'UP'],
          mtu: 1450,
          master: 'tsf1234abcd',
          address: '12:34:56:78:9a:bc',
          linkinfo: { info_kind: 'vxlan', info_data: { id: 7340033, local: '192.168.77.1', port: 4789, learning: false } },
          stats64: { rx: { packets: 12 } },
        },
      ]),
      '',
      '@@bridge',
      JSON.stringify([{ ifname: 'tsf1234abcd' }, { ifname: 'docker0' }]),
      '@@routes',
      JSON.stringify([
        { dst: 'default', gateway: '192.168.77.254', dev: 'eth0', flags: [] },
        { dst: '172.31.1.0/24', dev: 'docker0', protocol: 'kernel', scope: 'link', prefsrc: '172.31.1.1', flags: ['linkdown'] },
      ]),
      '@@fdb tsv1234abcd',
      JSON.stringify([
        { mac: '02:42:0a:63:03:05', flags: [], master: 'tsf1234abcd', state: '' },
        { mac: '00:00:00:00:00:00', dst: '192.168.77.2', flags: ['self'], state: 'permanent' },
      ]),
      '@@chain',
      '-N TSFIG-1234',
      '-A TSFIG-1234 -s 192.168.77.2/32 -p udp -m udp --dport 4789 -j ACCEPT',
      '@@dockeruser',
      '-N DOCKER-USER',
      '-A DOCKER-USER -j TSFIG-1234',
      '-A DOCKER-USER -j RETURN',
      '@@route 192.168.77.2',
      JSON.stringify([{ dst: '192.168.77.2', dev: 'eth0', prefsrc: '192.168.77.1', flags: [], uid: 0, cache: [] }]),
      '@@link',
      JSON.stringify([{ ifindex: 2, ifname: 'eth0', mtu: 1500 }]),
    ].join('\n');
    const o = parseReadBack(out, 'TSFIG-1234');
    expect(o.missing).toEqual([]);
    expect(o.vxlans).toEqual([{ name: 'tsv1234abcd', up: true, vni: 7340033, local: '192.168.77.1', port: 4789, learning: false, mtu: 1450, mac: '12:34:56:78:9a:bc', master: 'tsf1234abcd', rxPackets: 12 }]);
    expect(o.bridges).toEqual(['tsf1234abcd', 'docker0']);
    expect(o.fdb).toEqual({ tsv1234abcd: [{ mac: ZERO_MAC, dst: '192.168.77.2' }] });
    expect(o.chain).toHaveLength(2);
    expect(o.routes).toEqual([
      { dst: 'default', dev: 'eth0' },
      { dst: '172.31.1.0/24', dev: 'docker0' },
    ]);
    expect(o.jump).toBe(true);
    expect(o.underlay).toEqual({ address: '192.168.77.1', via: 'peer', dev: 'eth0', mtu: 1500 });
    expect(parseReadBack('@@missing\nip\nbridge\n', 'X').missing).toEqual(['ip', 'bridge']);
  });

  it('up\'s read-back probes kernel vxlan support only while the project has no device on the host; a refusal is a named error', () => {
    const up = readBackScript({ devicePrefix: 'tsvabcd', chain: 'TSFIG-abcd', peers: [], probe: 'if-missing', probeName: 'tsfpabcd' });
    expect(up).toContain(`echo @@probe; if ! ip -o link show type vxlan | grep -q ': tsvabcd'; then ip link del tsfpabcd >/dev/null 2>&1; if out=$(ip link add tsfpabcd type vxlan id ${PROBE_VNI} dstport 4789 2>&1)`);
    const doctor = readBackScript({ devicePrefix: 'tsvabcd', chain: 'TSFIG-abcd', peers: [], probe: true, probeName: 'tsfpabcd' });
    expect(doctor).toContain('echo @@probe; ip link del tsfpabcd');
    expect(readBackScript({ devicePrefix: 'tsvabcd', chain: 'TSFIG-abcd', peers: [] })).not.toContain('@@probe');
    const o = parseReadBack('@@missing\n@@probe\nRTNETLINK answers: Operation not supported\n', 'X');
    expect(o.vxlanError).toBe('RTNETLINK answers: Operation not supported');
    expect(parseReadBack('@@missing\n@@probe\n', 'X').vxlanError).toBeUndefined();
    const a = alloc();
    const { state: d } = desiredHost(a, 'a', { a: '192.168.77.1', b: '192.168.77.2', c: '192.168.77.3' });
    const diff = diffHost(d, { ...o, dockerUser: true }, { devicePrefix: `tsv${a.tag}`, chain: a.chain });
    expect(coded(diff.errors)).toEqual(['OVERLAY_VXLAN_REFUSED']);
    expect(diff.errors[0]!.message).toContain('(RTNETLINK answers: Operation not supported)');
    expect(diff.commands).toEqual([]);
  });

  it('the probe script pings each gateway once and says ok or fail per gateway', () => {
    expect(probeScript(['10.1.2.1', '10.1.3.1'])).toBe('for t in 10.1.2.1 10.1.3.1; do if ping -c 1 -W 2 "$t" >/dev/null 2>&1; then echo "ok $t"; else echo "fail $t"; fi; done');
  });

  it('scripts use the host shell with absolute tools, quote what needs it, and report every failure', () => {
    const rb = readBackScript({ devicePrefix: 'tsvabcd', chain: 'TSFIG-abcd', peers: ['192.168.77.2'] });
    expect(rb).toContain('ip -j route get 192.168.77.2');
    expect(rb).not.toContain(DEFAULT_ROUTE_TARGET);
    // No peer address known: the default route (a routing-table lookup, no packet sent).
    expect(readBackScript({ devicePrefix: 'tsvabcd', chain: 'TSFIG-abcd', peers: [] })).toContain(`ip -j route get ${DEFAULT_ROUTE_TARGET}`);
    expect(q("a'b")).toBe(`'a'\\''b'`);
    const s = applyScript([['ip', 'link', 'del', 'tsvx']]);
    expect(s).toContain('run ip link del tsvx');
    expect(s.endsWith('exit $rc')).toBe(true);
  });
});

describe('overlay allocation errors: a code, at the key of the file they concern', () => {
  const file = (net: string, services = '  web: {image: busybox, host: a, networks: [back]}\n', hosts = '  a: {docker: "unix:///run/a.sock"}\n') =>
    `name: ov\nhosts:\n${hosts}services:\n${services}networks:\n  back: ${net}\n`;
  const errors = (t: string, prior = {}) => coded(allocate(project(t), { scale: (s) => scaleOf(s, {}), hostOf, prior }).errors);

  it('a subnet that is not a CIDR, a vni out of range: at the subnet, at the vni', () => {
    expect(errors(file('{driver: overlay, ipam: {config: [{subnet: nonsense}]}}'))).toEqual(['OVERLAY_SUBNET_INVALID fig.yml:7:44']);
    expect(errors(file('{driver: overlay, vni: "abc"}'))).toEqual(['OVERLAY_VNI_INVALID fig.yml:7:27']);
  });

  it('an ipv4_address outside the subnet: at the service\'s ipv4_address', () => {
    const t = file('{driver: overlay, ipam: {config: [{subnet: 10.99.0.0/16}]}}', '  web: {image: busybox, host: a, networks: {back: {ipv4_address: 10.50.0.7}}}\n');
    expect(errors(t)).toEqual(['OVERLAY_ADDRESS_OUTSIDE_SUBNET fig.yml:5:52']);
  });

  it('a host with more containers than its slice holds: at the network', () => {
    // A /24 gives each host a /28: 13 addresses.
    const t = file('{driver: overlay, ipam: {config: [{subnet: 10.99.0.0/24}]}}', '  web: {image: busybox, host: a, scale: 14, networks: [back]}\n');
    expect(errors(t)).toEqual(['OVERLAY_SLICE_FULL fig.yml:7:3']);
  });

  it('a subnet with no slice left for a host: at the subnet', () => {
    // A /24 has 15 slices for hosts (slice 0 is kept for explicit addresses); the 16th host has none.
    const hosts = Array.from({ length: 16 }, (_, i) => `  h${i}: {docker: "unix:///run/h${i}.sock"}\n`).join('');
    const t = file('{driver: overlay, ipam: {config: [{subnet: 10.99.0.0/24}]}}', '  web: {image: busybox, host: h15, networks: [back]}\n', hosts);
    expect(errors(t)).toEqual(['OVERLAY_SLICES_EXHAUSTED fig.yml:22:44']);
  });

  it('no free default subnet on the member hosts: at the network', () => {
    expect(errors(file('{driver: overlay}'), { routes: { a: [{ dst: '10.128.0.0/10', dev: 'eth9' }] } })).toEqual(['OVERLAY_SUBNET_EXHAUSTED fig.yml:7:3']);
  });

  it('a project made without a file (no positions): the codes alone', () => {
    const p = project(file('{driver: overlay, vni: "abc"}'));
    expect(coded(allocate(structuredClone(p), { scale: (s) => scaleOf(s, {}), hostOf }).errors)).toEqual(['OVERLAY_VNI_INVALID']);
  });
});

describe('underlay address detection', () => {
  it('reads prefsrc and dev from ip -j route get, and nothing from what it cannot read', () => {
    expect(parseRoute('[{"dst":"192.168.77.1","dev":"eth0","prefsrc":"192.168.77.2","flags":[],"uid":0,"cache":[]}]')).toEqual({ prefsrc: '192.168.77.2', dev: 'eth0' });
    expect(parseRoute('[{"dst":"1.1.1.1","gateway":"192.0.2.1","dev":"eth0","prefsrc":"192.0.2.2"}]')).toEqual({ prefsrc: '192.0.2.2', dev: 'eth0' });
    expect(parseRoute('[{"dst":"10.0.0.1","dev":"tun0"}]')).toEqual({ dev: 'tun0' });
    expect(parseRoute('1.1.1.1 via 192.0.2.1 dev eth0 src 192.0.2.2')).toEqual({});
    expect(parseRoute('')).toEqual({});
  });

  it('takes the first peer route with a source, else the default route, with the MTU of its device', () => {
    const mtus = { eth0: 1500, eth1: 9000 };
    expect(chooseUnderlay([{ target: '10.0.0.9' }, { target: '192.168.77.1', prefsrc: '192.168.77.2', dev: 'eth1' }], mtus)).toEqual({ address: '192.168.77.2', via: 'peer', dev: 'eth1', mtu: 9000 });
    expect(chooseUnderlay([{ target: 'default', prefsrc: '192.0.2.2', dev: 'eth0' }], mtus)).toEqual({ address: '192.0.2.2', via: 'default', dev: 'eth0', mtu: 1500 });
    expect(chooseUnderlay([{ target: '192.168.77.1', dev: 'eth0' }], mtus)).toEqual({ dev: 'eth0', mtu: 1500 });
    expect(chooseUnderlay([], mtus)).toBeUndefined();
    // Through the parser: no route to anything (the rig's namespaces have no default route).
    expect(parseReadBack('@@missing\n', 'X').underlay).toBeUndefined();
  });
});

describe('overlay diff (replace semantics)', () => {
  const a = alloc();
  const addrs = { a: '192.168.77.1', b: '192.168.77.2', c: '192.168.77.3' };
  const net = a.networks.back!;
  const opts = { devicePrefix: `tsv${a.tag}`, chain: a.chain };

  it('a host with nothing gets its device, flood entries per peer, per-MAC entries per remote container, and its chain', () => {
    const { state: d, errors } = desiredHost(a, 'a', addrs);
    expect(errors).toEqual([]);
    const diff = diffHost(d, overlay({ bridges: [net.bridge] }), opts);
    const lines = diff.commands.map((c) => c.join(' '));
    expect(lines[0]).toBe(`ip link add ${net.vxlan} type vxlan id ${net.vni} local 192.168.77.1 dstport 4789 nolearning`);
    expect(lines[1]).toBe(`ip link set ${net.vxlan} mtu 1350 master ${net.bridge} up`);
    expect(lines).toContain(`bridge fdb append ${ZERO_MAC} dev ${net.vxlan} dst 192.168.77.2`);
    expect(lines).toContain(`bridge fdb append ${ZERO_MAC} dev ${net.vxlan} dst 192.168.77.3`);
    for (const e of a.endpoints.filter((x) => x.host !== 'a')) {
      expect(lines).toContain(`bridge fdb replace ${e.mac} dev ${net.vxlan} dst ${addrs[e.host as 'b' | 'c']} self permanent`);
    }
    expect(lines.filter((l) => l.includes('fdb') && l.includes('dst 192.168.77.1'))).toEqual([]);
    expect(lines).toContain(`iptables -N ${a.chain}`);
    expect(lines).toContain(`iptables -I DOCKER-USER -j ${a.chain}`);
  });

  it('a host as desired needs nothing; drift is repaired item by item', () => {
    const { state: d } = desiredHost(a, 'a', addrs);
    const v = d.vxlans[0]!;
    const good = overlay({
      bridges: [net.bridge],
      vxlans: [{ name: v.name, vni: v.vni, local: v.local, port: 4789, learning: false, mtu: v.mtu, master: v.master, up: true }],
      fdb: { [v.name]: v.fdb },
      chain: [`-N ${a.chain}`, ...d.peers.map((p) => `-A ${a.chain} -s ${p}/32 -p udp -m udp --dport 4789 -j ACCEPT`)],
      jump: true,
    });
    expect(diffHost(d, good, opts).commands).toEqual([]);
    // Lost its bridge (dockerd restart): enslaved again, nothing recreated.
    const unslaved = diffHost(d, { ...good, vxlans: [{ ...good.vxlans[0]!, master: undefined }] } as ObservedOverlay, opts);
    expect(unslaved.commands.map((c) => c.join(' '))).toEqual([`ip link set ${v.name} mtu ${v.mtu} master ${v.master} up`]);
    // A stale entry (a container that moved away) goes; a MAC now elsewhere is replaced, not deleted.
    const moved = v.fdb.find((e) => e.mac !== ZERO_MAC)!;
    const stale = diffHost(d, { ...good, fdb: { [v.name]: [...v.fdb.filter((e) => e !== moved), { mac: moved.mac, dst: '192.168.77.9' }, { mac: '02:42:0a:63:09:09', dst: '192.168.77.9' }] } }, opts);
    expect(stale.commands.map((c) => c.join(' '))).toEqual([
      `bridge fdb del 02:42:0a:63:09:09 dev ${v.name} dst 192.168.77.9 self`,
      `bridge fdb replace ${moved.mac} dev ${v.name} dst ${moved.dst} self permanent`,
    ]);
    // Wrong VNI: deleted and made anew.
    const wrong = diffHost(d, { ...good, vxlans: [{ ...good.vxlans[0]!, vni: 1 }] }, opts);
    expect(wrong.commands[0]).toEqual(['ip', 'link', 'del', v.name]);
    expect(wrong.commands[1]?.slice(0, 3)).toEqual(['ip', 'link', 'add']);
  });

  it('refuses a VNI another device uses, and hosts without the tools', () => {
    const { state: d } = desiredHost(a, 'a', addrs);
    const clash = diffHost(d, overlay({ vxlans: [{ name: 'vxlan0', vni: net.vni, port: 4789, up: true }] }), opts);
    expect(coded(clash.errors)).toEqual(['OVERLAY_VNI_IN_USE']);
    expect(clash.errors[0]!.message).toContain('vxlan0');
    expect(coded(diffHost(d, overlay({ missing: ['bridge'] }), opts).errors)).toEqual(['OVERLAY_TOOLS_MISSING']);
    // With the project: at the network's vni when the file sets it, else at the network.
    const vniText = text.replace('{driver: overlay, ipam', '{driver: overlay, vni: 4242, ipam');
    const withVni = project(vniText);
    const a2 = allocate(withVni, { scale: (s) => scaleOf(s, {}), hostOf });
    const d2 = desiredHost(a2, 'a', addrs).state;
    const taken = overlay({ vxlans: [{ name: 'vxlan0', vni: 4242, port: 4789, up: true }] });
    expect(coded(diffHost(d2, taken, { ...opts, devicePrefix: `tsv${a2.tag}`, project: withVni }).errors)).toEqual(['OVERLAY_VNI_IN_USE fig.yml:16:27']);
    expect(coded(diffHost(d, overlay({ vxlans: [{ name: 'vxlan0', vni: net.vni, port: 4789, up: true }] }), { ...opts, project: project() }).errors)).toEqual(['OVERLAY_VNI_IN_USE fig.yml:16:3']);
  });

  it('an unknown underlay address leaves the host alone', () => {
    const { errors } = desiredHost(a, 'a', { a: '192.168.77.1', b: undefined, c: '192.168.77.3' });
    expect(coded(errors)).toEqual(['OVERLAY_UNDERLAY_UNKNOWN']);
    // With the project: at host b's key (hosts: b:, line 4).
    expect(coded(desiredHost(a, 'a', { a: '192.168.77.1', b: undefined, c: '192.168.77.3' }, () => true, project()).errors)).toEqual(['OVERLAY_UNDERLAY_UNKNOWN fig.yml:4:3']);
  });
});

describe('overlay in the plan', () => {
  const p = project();
  const observed = () => state(p, host('default'), host('a', { overlay: overlay() }), host('b', { overlay: overlay() }), host('c', { overlay: overlay() }));

  it('each host: the network with its slice, then the host script, then the containers with fixed addresses, MACs and hosts entries', () => {
    const plan = reconcile(p, observed(), { version: '0.1.0' });
    expect(plan.errors).toEqual([]);
    const ops = (t: Op['type']) => plan.nodes.filter((n) => n.op.type === t);
    const netA = ops('network.create').find((n) => n.op.host === 'a')!;
    const body = (netA.op as Extract<Op, { type: 'network.create' }>).body;
    expect(body.Driver).toBeUndefined();
    expect(body.IPAM?.Config).toEqual([{ Subnet: '10.99.0.0/16', IPRange: '10.99.2.0/24', Gateway: '10.99.2.1' }]);
    expect(body.Options?.['com.docker.network.driver.mtu']).toBe('1350');
    const scriptA = ops('host.script').find((n) => n.op.host === 'a')!;
    expect(scriptA.deps).toContain(netA.id);
    const createWeb = ops('container.create').find((n) => (n.op as { name: string }).name === 'ov-web-1')!;
    expect(createWeb.deps).toContain(scriptA.id);
    const cb = (createWeb.op as Extract<Op, { type: 'container.create' }>).body;
    const ep = cb.NetworkingConfig?.EndpointsConfig?.ov_back;
    expect(ep?.IPAMConfig?.IPv4Address).toMatch(/^10\.99\.2\./);
    expect(cb.MacAddress).toMatch(/^02:42:0a:63:02:/);
    expect(cb.HostConfig?.ExtraHosts).toEqual(expect.arrayContaining([expect.stringMatching(/^api:10\.99\.3\./), 'solo:10.99.0.7']));
  });

  it('an unreachable host is unknown: its peers keep their entries for it', () => {
    const o = observed();
    o.hosts.c = { ...o.hosts.c!, reachable: false, error: 'down' };
    const plan = reconcile(p, o, { version: '0.1.0' });
    expect(plan.errors).toEqual([]);
    const scriptA = plan.nodes.find((n) => n.op.type === 'host.script' && n.op.host === 'a')!;
    expect((scriptA.op as { script: string }).script).toContain('dst 192.168.77.3');
    expect(plan.nodes.some((n) => n.op.host === 'c')).toBe(false);
  });

  it('hosts without address: the route to a peer, else the default route with a warning, else the clear error', () => {
    const bare = project(text.replace(/, address: 192\.168\.77\.[23]/g, ''));
    const peer = (address: string) => overlay({ underlay: { address, via: 'peer', dev: 'eth0', mtu: 1500 } });
    const detected = state(bare, host('default'), host('a', { overlay: overlay() }), host('b', { overlay: peer('192.168.77.2') }), host('c', { overlay: peer('192.168.77.3') }));
    const plan = reconcile(bare, detected, { version: '0.1.0' });
    expect(plan.errors).toEqual([]);
    expect(coded(plan.warnings)).toEqual([]);
    const scriptA = plan.nodes.find((n) => n.op.type === 'host.script' && n.op.host === 'a')!;
    expect((scriptA.op as { script: string }).script).toContain('dst 192.168.77.2');
    expect((scriptA.op as { script: string }).script).toContain('dst 192.168.77.3');

    // No address anywhere: each host's default route, said in a warning.
    const none = project(text.replace(/, address: 192\.168\.77\.\d/g, ''));
    const dflt = (address: string) => overlay({ underlay: { address, via: 'default', dev: 'eth0', mtu: 1500 } });
    const guessed = state(none, host('default'), host('a', { overlay: dflt('10.0.0.1') }), host('b', { overlay: dflt('10.0.0.2') }), host('c', { overlay: dflt('10.0.0.3') }));
    const p2 = reconcile(none, guessed, { version: '0.1.0' });
    expect(p2.errors).toEqual([]);
    // One warning per host, each at the host's key (hosts:, lines 3 to 5).
    expect(coded(p2.warnings).sort()).toEqual(['OVERLAY_UNDERLAY_GUESSED fig.yml:3:3', 'OVERLAY_UNDERLAY_GUESSED fig.yml:4:3', 'OVERLAY_UNDERLAY_GUESSED fig.yml:5:3']);
    expect(p2.warnings.every((w) => w.severity === 'warning')).toBe(true);
    expect(p2.warnings.find((w) => w.loc?.line === 4)!.message).toContain('10.0.0.2');

    // Not detectable: today's error, and the host is left alone.
    const unknown = state(bare, host('default'), host('a', { overlay: overlay() }), host('b', { overlay: overlay() }), host('c', { overlay: peer('192.168.77.3') }));
    const p3 = reconcile(bare, unknown, { version: '0.1.0' });
    expect(coded(p3.errors)).toEqual(['OVERLAY_UNDERLAY_UNKNOWN fig.yml:4:3']);
  });

  it('the plan keeps the subnet, slices and addresses the engines hold (overlayPrior), and steps past routes the read-back found', () => {
    const derived = project(text.replace('{driver: overlay, ipam: {config: [{subnet: 10.99.0.0/16}]}}', '{driver: overlay}').replace('{back: {ipv4_address: 10.99.0.7}}', '[back]'));
    const tag = projectTag('ov');
    const o = state(derived, host('default'), host('a', { overlay: overlay() }), host('b', { overlay: overlay() }), host('c', { overlay: overlay() }));
    const overlayNet = (index: number) => ({
      id: 'n1',
      name: 'ov_back',
      host: 'b',
      key: 'back',
      subnet: '10.150.0.0/16',
      labels: { [LABEL.project]: 'ov', [LABEL.network]: 'back', [OVERLAY_LABEL.vni]: '7340033', [OVERLAY_LABEL.hostIndex]: String(index) },
    });
    o.hosts.b!.networks = [overlayNet(5)];
    o.hosts.b!.containers = [made(derived, 'api', 1, { host: 'b', labels: { ...made(derived, 'api', 1).labels, [OVERLAY_LABEL.endpoints]: 'back=10.150.6.66/02:42:0a:96:06:42' } })];
    // Host a's routes: its own bridge of the project (ignored), another project's range.
    o.hosts.a!.overlay = overlay({ routes: [{ dst: '10.150.2.0/24', dev: `tsf${tag}abcd` }, { dst: '192.168.77.0/24', dev: 'eth0' }] });
    const prior = overlayPrior(derived, o);
    expect(prior.subnets).toEqual({ back: '10.150.0.0/16' });
    expect(prior.slices).toEqual({ back: { b: 5 } });
    expect(prior.addresses).toEqual({ back: { 'api/1': '10.150.6.66' } });
    expect(prior.routes?.a).toEqual([{ dst: '192.168.77.0/24', dev: 'eth0' }]);
    const plan = reconcile(derived, o, { version: '0.1.0' });
    expect(plan.errors).toEqual([]);
    const ip = (n: { op: Op } | undefined) => (n?.op as Extract<Op, { type: 'container.create' }>).body.NetworkingConfig?.EndpointsConfig?.ov_back?.IPAMConfig?.IPv4Address;
    // api-1 (recreated here: the hand-made labels lack the overlay hash) keeps the address it has;
    // api-2 is new, in b's slice 10.150.6.0/24.
    expect(ip(plan.nodes.find((n) => n.op.type === 'container.create' && (n.op as { name: string }).name.startsWith('ov-api-1')))).toBe('10.150.6.66');
    const api2 = plan.nodes.find((n) => n.op.type === 'container.create' && (n.op as { name: string }).name === 'ov-api-2')!;
    expect(ip(api2)).toMatch(/^10\.150\.6\./);
    // An existing range that now overlaps a route of a member host: said, with the fix.
    o.hosts.c!.overlay = overlay({ routes: [{ dst: '10.150.0.0/20', dev: 'br-other' }] });
    // The subnet is not in the file: at the network's key (networks: back:, line 16).
    const clash = reconcile(derived, o, { version: '0.1.0' }).errors;
    expect(coded(clash)).toEqual(['OVERLAY_SUBNET_ROUTE_CLASH fig.yml:16:3']);
    expect(clash[0]!.message).toContain('10.150.0.0/20 (dev br-other) on host c');
  });

  it('down removes the project devices and chain on every host that has them, nothing else', () => {
    const tag = projectTag('ov');
    const o = observed();
    o.hosts.a!.overlay = overlay({ vxlans: [{ name: `tsv${tag}0001`, up: true }, { name: 'tsvffff0001', up: true }], chain: [`-N TSFIG-${tag}`], jump: true });
    const plan = planDown(p, o, {});
    const scripts = plan.nodes.filter((n) => n.op.type === 'host.script');
    expect(scripts.map((n) => n.op.host)).toEqual(['a']);
    const sc = (scripts[0]!.op as { script: string }).script;
    expect(sc).toContain(`run ip link del tsv${tag}0001`);
    expect(sc).not.toContain('tsvffff0001');
    expect(sc).toContain(`run iptables -D DOCKER-USER -j TSFIG-${tag}`);
    expect(sc).toContain(`run iptables -X TSFIG-${tag}`);
  });
});
