import { describe, expect, it } from 'vitest';
import { Graph, serviceEdges } from '../../src/graph/graph.js';
import type { Service } from '../../src/model/project.js';

function service(name: string, extra: Partial<Service> = {}): Service {
  return {
    name,
    image: 'busybox',
    environment: {},
    labels: {},
    ports: [],
    expose: [],
    volumes: [],
    volumes_from: [],
    links: [],
    external_links: [],
    depends_on: {},
    profiles: [],
    ...extra,
  };
}

const dep = { condition: 'service_started' as const, required: true };

describe('graph', () => {
  const services = {
    web: service('web', { links: [{ service: 'api', alias: 'api' }] }),
    api: service('api', { depends_on: { db: dep, cache: dep } }),
    db: service('db'),
    cache: service('cache', { volumes_from: ['data:ro', 'container:foreign'] }),
    data: service('data'),
    sidecar: service('sidecar', { network_mode: 'service:web', ipc: 'service:db' }),
  };
  const g = new Graph(services);

  it('collects edges from links, depends_on, volumes_from, network_mode and ipc', () => {
    expect(serviceEdges(services.cache).map((e) => `${e.kind}:${e.to}`)).toEqual(['volumes_from:data']);
    expect(serviceEdges(services.sidecar).map((e) => `${e.kind}:${e.to}`)).toEqual(['network_mode:web', 'ipc:db']);
  });

  it('orders dependencies first, deterministically', () => {
    expect(g.order()).toEqual(['data', 'cache', 'db', 'api', 'web', 'sidecar']);
    expect(g.reverseOrder()).toEqual(['sidecar', 'web', 'api', 'db', 'cache', 'data']);
  });

  it('orders a subset and computes closures for --no-deps and named services', () => {
    expect(g.order(['web', 'db'])).toEqual(['db', 'web']);
    expect([...g.withDependencies(['api'])].sort()).toEqual(['api', 'cache', 'data', 'db']);
    expect([...g.withDependents(['db'])].sort()).toEqual(['api', 'db', 'sidecar', 'web']);
  });

  it('finds no cycle in an acyclic graph, and the path of a cycle', () => {
    expect(g.findCycle()).toBeUndefined();
    const cyclic = new Graph({
      a: service('a', { depends_on: { b: dep } }),
      b: service('b', { links: [{ service: 'c', alias: 'c' }] }),
      c: service('c', { volumes_from: ['a'] }),
    });
    expect(cyclic.findCycle()).toEqual(['a', 'b', 'c', 'a']);
    expect(() => cyclic.order()).toThrow(/cycle/);
    expect(new Graph({ s: service('s', { depends_on: { s: dep } }) }).findCycle()).toEqual(['s', 's']);
  });
});
