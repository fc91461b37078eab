/** The overlay's checks, for the engine backend: the probe after an up, and doctor. */
import type { Service } from '../../model/project.js';
import { allocate, hasOverlay, helperImage } from '../../overlay/alloc.js';
import { readOverlay } from '../../overlay/observe.js';
import { planOverlayHost, underlayAddresses } from '../../overlay/plan.js';
import { probeOverlay } from '../../overlay/probe.js';
import type { ObservedOverlay } from '../../overlay/types.js';
import { observe } from '../../reconcile/observe.js';
import type { Plan } from '../../reconcile/plan.js';
import { hostOf, overlayPrior, scaleOf, type ReconcileOptions } from '../../reconcile/reconcile.js';
import type { ObservedState } from '../../reconcile/state.js';
import type { BackendContext, DoctorLine } from '../backend.js';

/**
 * After an up that (re)configured overlay plumbing on some hosts: a probe across each pair of
 * member hosts of those networks, so a path that drops VXLAN (UDP 4789 filtered between two
 * hosts) is named now, not found later as services that cannot reach each other. Returns the
 * warnings.
 */
export async function checkOverlay(ctx: BackendContext, plan: Plan, observed: ObservedState, options: ReconcileOptions): Promise<string[]> {
  const configured = new Set(plan.nodes.filter((n) => n.op.type === 'host.script').map((n) => n.op.host));
  if (!configured.size || !hasOverlay(ctx.project)) return [];
  const alloc = allocate(ctx.project, { scale: (svc) => scaleOf(svc, options), hostOf, prior: overlayPrior(ctx.project, observed) });
  const networks = Object.values(alloc.networks).filter((n) => n.members.some((h) => configured.has(h)) && n.members.length > 1);
  if (!networks.length) return [];
  const reachable = (_: string, h: string) => observed.hosts[h]?.reachable === true;
  const engines = Object.fromEntries(ctx.hosts.map((h) => [h.name, h.engine]));
  const results = await probeOverlay(ctx.project, alloc, engines, networks.map((n) => n.key), reachable);
  const overlays = Object.fromEntries(Object.values(observed.hosts).map((h) => [h.name, h.overlay]));
  const addresses = underlayAddresses(ctx.project, alloc, overlays);
  return results
    .filter((x) => !x.ok)
    .map(
      (r) =>
        `overlay network ${r.network}: host ${r.from} gets no answer from host ${r.to} (${r.gateway}) across it: check that UDP 4789 passes between ${addresses[r.from] ?? r.from} and ${addresses[r.to] ?? r.to} both ways (tsfig doctor probes every pair)`,
    );
}

/**
 * The health of the project's hosts and overlay: each host answers; has iproute2, iptables and
 * kernel vxlan support; its underlay MTU fits the overlay; its devices, FDB and firewall chain
 * match the desired state; and, per overlay network and ordered host pair, a probe across the
 * overlay (a ping from one host's bridge to the other host's gateway address) gets an answer.
 * Returns the number of problems.
 */
export async function doctor(ctx: BackendContext, report: (line: DoctorLine) => void): Promise<number> {
  let problems = 0;
  const bad = (text: string) => {
    problems++;
    report({ kind: 'fail', text });
  };
  const good = (text: string) => report({ kind: 'ok', text });
  const section = (text: string) => report({ kind: 'section', text });
  const project = ctx.project;
  const overlayOpts = { scale: (svc: Service) => scaleOf(svc, {}), hostOf };
  const members = hasOverlay(project) ? allocate(project, overlayOpts) : undefined;
  const used = new Set([...Object.values(project.services).map(hostOf)]);
  const hosts = ctx.hosts.filter((h) => used.has(h.name) || project.hosts[h.name]);
  const observed = await observe(project, hosts);
  const overlays: Record<string, ObservedOverlay | undefined> = {};
  const reachable = new Set(Object.values(observed.hosts).filter((h) => h.reachable).map((h) => h.name));
  await Promise.all(
    hosts.map(async (h) => {
      if (!reachable.has(h.name) || !members || !Object.values(members.networks).some((n) => n.members.includes(h.name))) return;
      overlays[h.name] = await readOverlay(h.engine, project, h.name, { probe: true });
      observed.hosts[h.name]!.overlay = overlays[h.name];
    }),
  );
  // The allocation the engines hold (subnets, slices, addresses), as up computes it.
  const alloc = members ? allocate(project, { ...overlayOpts, prior: overlayPrior(project, observed) }) : undefined;
  const addresses = alloc ? underlayAddresses(project, alloc, overlays) : {};
  if (alloc?.errors.length) {
    section('overlay allocation');
    for (const e of alloc.errors) bad(e.message);
  }
  for (const h of hosts) {
    section(`host ${h.name} (${h.endpoint})`);
    if (!reachable.has(h.name)) {
      bad(`the engine does not answer: ${observed.hosts[h.name]?.error ?? 'no answer'}`);
      continue;
    }
    good('the engine answers');
    const o = overlays[h.name];
    if (!alloc || !o) continue;
    if (!o.ok) {
      bad(`cannot run the helper container (image ${helperImage(project, h.name)}): ${o.error ?? ''}`);
      continue;
    }
    if (o.missing.length) bad(`missing on the host: ${o.missing.join(', ')} (install iproute2 and iptables)`);
    else good('ip, bridge and iptables present');
    if (o.vxlanError) bad(`the kernel refused a vxlan device: ${o.vxlanError.split('\n')[0]} (modprobe vxlan)`);
    else good('kernel vxlan support');
    const addr = addresses[h.name];
    if (!addr) bad(`underlay address unknown: set hosts.${h.name}.address`);
    else good(`underlay address ${addr}${o.underlay?.dev ? ` on ${o.underlay.dev}` : ''}${o.underlay?.mtu ? `, MTU ${o.underlay.mtu}` : ''}`);
    const p = planOverlayHost(project, alloc, h.name, o, addresses, new Set());
    for (const w of p.warnings) bad(w.message);
    for (const e of p.errors) bad(e.message);
    if (p.script) bad(`overlay state differs from the project (${p.cause}): run tsfig up`);
    else if (!p.errors.length) good('vxlan devices, FDB and firewall chain as desired');
  }
  if (alloc) {
    const up = (key: string, h: string) => reachable.has(h) && (overlays[h]?.bridges.includes(alloc.networks[key]!.bridge) ?? false);
    const engines = Object.fromEntries(ctx.hosts.map((h) => [h.name, h.engine]));
    const probed = await probeOverlay(project, alloc, engines, Object.keys(alloc.networks), up);
    for (const net of Object.values(alloc.networks)) {
      section(`network ${net.key} (vni ${net.vni}, subnet ${net.subnet}, mtu ${net.mtu})`);
      for (const a of net.members) {
        for (const b of net.members) {
          if (a === b) continue;
          const r = probed.find((x) => x.network === net.key && x.from === a && x.to === b);
          if (r?.ok) good(`${a} -> ${b}: ${r.gateway} answers across the overlay`);
          else if (r) bad(`${a} -> ${b}: no answer from ${r.gateway} across the overlay: check that UDP 4789 passes from ${addresses[a] ?? a} to ${addresses[b] ?? b} and back`);
          else if (!reachable.has(a) || !reachable.has(b)) bad(`${a} -> ${b}: not probed (a host does not answer)`);
          else bad(`${a} -> ${b}: the network is not up on ${up(net.key, a) ? b : a}: run tsfig up`);
        }
      }
    }
  }
  return problems;
}
