/**
 * Probes across the overlay: from a host's network namespace, a ping to another host's gateway
 * address on the network (its bridge), which crosses the vxlan both ways. One helper per source
 * host pings its targets in turn; source hosts go one at a time, because busybox's ping in a
 * container is PID 1 and always uses ICMP id 1, so concurrent probes between the same hosts
 * answered each other's pings on the rig and hid a filtered pair.
 */
import type { Engine } from '../engine/engine.js';
import type { Project } from '../model/project.js';
import { helperImage, type Allocation } from './alloc.js';
import { runHelper } from './helper.js';
import { q } from './scripts.js';

export interface ProbeResult {
  network: string;
  from: string;
  to: string;
  gateway: string;
  ok: boolean;
}

/** The script a source host runs: `ok GW` or `fail GW` per target. */
export function probeScript(gateways: string[], waitSeconds = 2): string {
  return `for t in ${gateways.map(q).join(' ')}; do if ping -c 1 -W ${waitSeconds} "$t" >/dev/null 2>&1; then echo "ok $t"; else echo "fail $t"; fi; done`;
}

/**
 * Every ordered pair (from, to) of members of `networks` with both hosts in `hosts` (those that
 * answer, with the network up): does `to`'s gateway answer `from`? A helper that cannot run
 * counts as failures of all its pairs.
 */
export async function probeOverlay(project: Project, alloc: Allocation, engines: Record<string, Engine>, networks: string[], hosts: (network: string, host: string) => boolean): Promise<ProbeResult[]> {
  const bySource = new Map<string, Array<{ network: string; to: string; gateway: string }>>();
  for (const key of networks) {
    const net = alloc.networks[key];
    if (!net) continue;
    for (const from of net.members) {
      if (!hosts(key, from) || !engines[from]) continue;
      for (const to of net.members) {
        const gateway = net.slices[to]?.gateway;
        if (to === from || !gateway || !hosts(key, to)) continue;
        const list = bySource.get(from) ?? [];
        list.push({ network: key, to, gateway });
        bySource.set(from, list);
      }
    }
  }
  const out: ProbeResult[] = [];
  for (const [from, targets] of bySource) {
    let answered = new Set<string>();
    try {
      const r = await runHelper(engines[from]!, { project: project.name, image: helperImage(project, from), script: '', cmd: ['sh', '-c', probeScript([...new Set(targets.map((t) => t.gateway))])], purpose: 'overlay-probe' });
      answered = new Set(r.stdout.split('\n').filter((l) => l.startsWith('ok ')).map((l) => l.slice(3).trim()));
    } catch {
      // The helper did not run: every pair from this host is unproven.
    }
    for (const t of targets) out.push({ ...t, from, ok: answered.has(t.gateway) });
  }
  return out;
}
