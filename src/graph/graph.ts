/**
 * The dependency graph of services: who must be started before whom. Edges come from
 * `links`, `depends_on`, `volumes_from`, and `network_mode`/`ipc`/`pid` set to `service:x`.
 */
import type { Service } from '../model/project.js';

export type EdgeKind = 'links' | 'depends_on' | 'volumes_from' | 'network_mode' | 'ipc' | 'pid';

export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** Index in the list that declared it (links, volumes_from), for positions. */
  index?: number;
}

/** Every service a service refers to, in declaration order. */
export function serviceEdges(svc: Service): Edge[] {
  const edges: Edge[] = [];
  const from = svc.name;
  svc.links.forEach((l, index) => edges.push({ from, to: l.service, kind: 'links', index }));
  for (const to of Object.keys(svc.depends_on)) edges.push({ from, to, kind: 'depends_on' });
  svc.volumes_from.forEach((v, index) => {
    const to = volumesFromService(v);
    if (to) edges.push({ from, to, kind: 'volumes_from', index });
  });
  for (const kind of ['network_mode', 'ipc', 'pid'] as const) {
    const v = svc[kind];
    if (typeof v === 'string' && v.startsWith('service:')) edges.push({ from, to: v.slice('service:'.length), kind });
  }
  return edges;
}

/** `svc`, `svc:ro`, `svc:rw` name a service; `container:name[:mode]` names a container. */
export function volumesFromService(spec: string): string | undefined {
  if (spec.startsWith('container:')) return undefined;
  return spec.split(':')[0];
}

export class Graph {
  private readonly deps = new Map<string, Set<string>>();
  private readonly rdeps = new Map<string, Set<string>>();
  readonly edges: Edge[] = [];

  constructor(services: Record<string, Service>) {
    const names = Object.keys(services).sort();
    for (const n of names) {
      this.deps.set(n, new Set());
      this.rdeps.set(n, new Set());
    }
    for (const n of names) {
      for (const e of serviceEdges(services[n]!)) {
        this.edges.push(e);
        if (!this.deps.has(e.to)) continue; // unknown targets are reported by the loader
        this.deps.get(n)!.add(e.to);
        this.rdeps.get(e.to)!.add(n);
      }
    }
  }

  get services(): string[] {
    return [...this.deps.keys()];
  }

  dependenciesOf(name: string): string[] {
    return [...(this.deps.get(name) ?? [])].sort();
  }

  dependentsOf(name: string): string[] {
    return [...(this.rdeps.get(name) ?? [])].sort();
  }

  /** A cycle as a path that returns to its start (`a, b, a`), or undefined. */
  findCycle(): string[] | undefined {
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (n: string): string[] | undefined => {
      state.set(n, 'visiting');
      stack.push(n);
      for (const d of this.dependenciesOf(n)) {
        const s = state.get(d);
        if (s === 'visiting') return [...stack.slice(stack.indexOf(d)), d];
        if (s === undefined) {
          const c = visit(d);
          if (c) return c;
        }
      }
      stack.pop();
      state.set(n, 'done');
      return undefined;
    };
    for (const n of this.services) {
      if (state.get(n) === undefined) {
        const c = visit(n);
        if (c) return c;
      }
    }
    return undefined;
  }

  /** Dependencies first; ties broken by name. Throws on a cycle (the loader rejects cycles first). */
  order(subset?: Iterable<string>): string[] {
    const want = new Set(subset ?? this.services);
    const out: string[] = [];
    const done = new Set<string>();
    const visit = (n: string, path: string[]) => {
      if (done.has(n)) return;
      if (path.includes(n)) throw new Error(`dependency cycle: ${[...path, n].join(' -> ')}`);
      for (const d of this.dependenciesOf(n)) if (want.has(d)) visit(d, [...path, n]);
      done.add(n);
      out.push(n);
    };
    for (const n of [...want].sort()) visit(n, []);
    return out;
  }

  /** Dependents first: the order to stop and remove. */
  reverseOrder(subset?: Iterable<string>): string[] {
    return this.order(subset).reverse();
  }

  /** The named services plus everything they depend on, transitively. */
  withDependencies(names: Iterable<string>): Set<string> {
    const out = new Set<string>();
    const add = (n: string) => {
      if (out.has(n)) return;
      out.add(n);
      for (const d of this.dependenciesOf(n)) add(d);
    };
    for (const n of names) add(n);
    return out;
  }

  /** The named services plus everything that depends on them, transitively. */
  withDependents(names: Iterable<string>): Set<string> {
    const out = new Set<string>();
    const add = (n: string) => {
      if (out.has(n)) return;
      out.add(n);
      for (const d of this.dependentsOf(n)) add(d);
    };
    for (const n of names) add(n);
    return out;
  }
}
