/**
 * `tsfig graph`: the project as a picture, in Graphviz's DOT and in Mermaid. Services are
 * boxes, networks ellipses, named volumes cylinders; with `hosts:`, each host is a cluster of
 * its services. Edges: depends_on (solid, its condition), links (dashed, the alias),
 * volumes_from and `network_mode: service:x` (dotted), a service's networks and named volumes
 * (plain lines, the mount path). Pure: a Project in, text out.
 */
import type { Project, Service } from '../model/project.js';
import { byText } from '../model/dict.js';

interface Node {
  id: string;
  label: string;
  kind: 'service' | 'network' | 'volume';
  host?: string;
}

interface Edge {
  from: string;
  to: string;
  kind: 'depends_on' | 'link' | 'shares' | 'network' | 'volume';
  label?: string;
}

export interface Drawing {
  nodes: Node[];
  edges: Edge[];
  /** Host names in `hosts:` order, when the project declares hosts. */
  hosts: string[];
}

/** Node ids safe in both languages: letters, digits and `_` (anything else spelled as `_hex_`). */
const safe = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`);
const sid = (name: string) => `svc_${safe(name)}`;
const nid = (key: string) => `net_${safe(key)}`;
const vid = (key: string) => `vol_${safe(key)}`;

/** What the picture shows, in a stable order (services, networks and volumes by name). */
export function drawing(project: Project): Drawing {
  const services = Object.values(project.services).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hosts = Object.keys(project.hosts);
  const multi = hosts.length > 0;
  const nodes: Node[] = services.map((s) => ({ id: sid(s.name), label: s.name, kind: 'service', ...(multi ? { host: s.host ?? 'default' } : {}) }));
  const edges: Edge[] = [];
  const usedNets = new Set<string>();
  const usedVols = new Set<string>();
  for (const s of services) {
    for (const [dep, d] of Object.entries(s.depends_on).sort(([a], [b]) => byText(a, b))) {
      if (!project.services[dep]) continue;
      edges.push({ from: sid(s.name), to: sid(dep), kind: 'depends_on', ...(d.condition !== 'service_started' ? { label: d.condition.replace(/^service_/, '') } : {}) });
    }
    for (const l of s.links) {
      if (project.services[l.service] && l.alias !== l.service) edges.push({ from: sid(s.name), to: sid(l.service), kind: 'link', label: l.alias });
      else if (project.services[l.service] && !Object.hasOwn(s.depends_on, l.service)) edges.push({ from: sid(s.name), to: sid(l.service), kind: 'link' });
    }
    for (const from of sharedWith(s)) {
      if (project.services[from]) edges.push({ from: sid(s.name), to: sid(from), kind: 'shares' });
    }
    if (s.network_mode === undefined) {
      for (const key of Object.keys(s.networks ?? {}).sort()) {
        if (!project.networks[key]) continue;
        usedNets.add(key);
        edges.push({ from: sid(s.name), to: nid(key), kind: 'network' });
      }
    }
    for (const v of s.volumes) {
      if (v.type !== 'volume' || v.source === undefined || !project.volumes[v.source]) continue;
      usedVols.add(v.source);
      edges.push({ from: sid(s.name), to: vid(v.source), kind: 'volume', label: v.target });
    }
  }
  for (const key of [...usedNets].sort()) {
    const n = project.networks[key]!;
    nodes.push({ id: nid(key), label: `${key}${n.external ? ' (external)' : n.driver === 'overlay' ? ' (overlay)' : ''}`, kind: 'network' });
  }
  for (const key of [...usedVols].sort()) {
    nodes.push({ id: vid(key), label: `${key}${project.volumes[key]!.external ? ' (external)' : ''}`, kind: 'volume' });
  }
  return { nodes, edges, hosts };
}

/** Services whose namespaces or volumes this one shares (volumes_from, *_mode: service:x). */
function sharedWith(s: Service): string[] {
  const out = new Set<string>();
  for (const v of s.volumes_from) {
    if (!v.startsWith('container:')) out.add(v.split(':')[0] ?? v);
  }
  for (const key of ['network_mode', 'ipc', 'pid'] as const) {
    const mode = s[key];
    if (typeof mode === 'string' && mode.startsWith('service:')) out.add(mode.slice('service:'.length));
  }
  return [...out].sort();
}

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Graphviz DOT. */
export function toDot(project: Project): string {
  const d = drawing(project);
  const lines = [`digraph ${q(project.name)} {`, '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];'];
  const shape = { service: 'box, style=rounded', network: 'ellipse, style=dashed', volume: 'cylinder' } as const;
  const nodeLine = (n: Node, indent: string) => `${indent}${q(n.id)} [label=${q(n.label)}, shape=${shape[n.kind]}];`;
  if (d.hosts.length > 0) {
    d.hosts.forEach((h, i) => {
      const members = d.nodes.filter((n) => n.host === h);
      if (members.length === 0) return;
      lines.push(`  subgraph ${q(`cluster_${i}`)} {`, `    label=${q(`host ${h}`)};`, ...members.map((n) => nodeLine(n, '    ')), '  }');
    });
    for (const n of d.nodes.filter((x) => x.host !== undefined && !d.hosts.includes(x.host))) lines.push(nodeLine(n, '  '));
  } else {
    for (const n of d.nodes.filter((x) => x.kind === 'service')) lines.push(nodeLine(n, '  '));
  }
  for (const n of d.nodes.filter((x) => x.kind !== 'service')) lines.push(nodeLine(n, '  '));
  const style = { depends_on: 'solid', link: 'dashed', shares: 'dotted', network: 'solid', volume: 'solid' } as const;
  for (const e of d.edges) {
    const attrs = [`style=${style[e.kind]}`];
    if (e.kind === 'network' || e.kind === 'volume') attrs.push('arrowhead=none', 'color=gray40');
    if (e.label !== undefined) attrs.push(`label=${q(e.label)}`);
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Mermaid flowchart text (renders on GitHub and in most Markdown viewers). */
export function toMermaid(project: Project): string {
  const d = drawing(project);
  const m = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const shape = (n: Node) => (n.kind === 'service' ? `${n.id}(${m(n.label)})` : n.kind === 'network' ? `${n.id}([${m(n.label)}])` : `${n.id}[(${m(n.label)})]`);
  const lines = ['flowchart LR'];
  if (d.hosts.length > 0) {
    d.hosts.forEach((h, i) => {
      const members = d.nodes.filter((n) => n.host === h);
      if (members.length === 0) return;
      lines.push(`  subgraph host_${i}[${m(`host ${h}`)}]`, ...members.map((n) => `    ${shape(n)}`), '  end');
    });
  } else {
    for (const n of d.nodes.filter((x) => x.kind === 'service')) lines.push(`  ${shape(n)}`);
  }
  for (const n of d.nodes.filter((x) => x.kind !== 'service')) lines.push(`  ${shape(n)}`);
  const arrow = { depends_on: '-->', link: '-.->', shares: '-.-', network: '---', volume: '---' } as const;
  for (const e of d.edges) lines.push(`  ${e.from} ${arrow[e.kind]}${e.label !== undefined ? `|${m(e.label)}|` : ''} ${e.to}`);
  return `${lines.join('\n')}\n`;
}
