/**
 * The raw engine floor: the containers a project file asks for, made with direct calls through
 * tsfig's Engine interface and no planning at all. One labelled network, then per container a
 * create and a start, `limit` containers in flight (Infinity: all at once); one list call by
 * label; stop and remove everything in parallel.
 */
import { performance } from 'node:perf_hooks';
import type { Engine } from '../src/engine/engine.js';

/**
 * dockerd (libnetwork) sometimes keeps a stale endpoint after its containers are gone, under
 * load and many parallel removals (moby/moby#42119, #23302): the network cannot be removed
 * until the daemon restarts. The bench reports that and goes on.
 */
export const STALE_ENDPOINT = /has active endpoints/;

/** The label the floor's containers and network carry (value: the project name). */
export const RAW_LABEL = 'io.tsfig.bench';

export interface RawTimes {
  up: number;
  list: number;
  down: number;
}

/** Run `fn` over `items`, at most `limit` at a time. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * One cycle of the floor: up, list, down; milliseconds for each. `chain`: the services form a
 * depends_on chain, so every container is created first (`limit` in flight) and then each is
 * started once the one before it has started: the least a chain costs.
 */
export async function rawCycle(engine: Engine, project: string, services: string[], cmd: string[], limit: number, warn: (msg: string) => void, chain = false): Promise<RawTimes> {
  const labels = { [RAW_LABEL]: project };
  const network = `${project}_default`;

  let t0 = performance.now();
  // A network left by a stale endpoint is reused, as docker-compose and tsfig would.
  await engine.createNetwork({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: labels }).catch((err: unknown) => {
    if ((err as { statusCode?: number }).statusCode !== 409) throw err;
  });
  await pool(services, limit, async (svc) => {
    const name = `${project}-${svc}-1`;
    await engine.createContainer(name, {
      Image: 'busybox:latest',
      Cmd: cmd,
      Labels: { ...labels, [`${RAW_LABEL}.service`]: svc },
      HostConfig: { NetworkMode: network },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [name, svc] } } },
    });
    if (!chain) await engine.startContainer(name);
  });
  if (chain) for (const svc of services) await engine.startContainer(`${project}-${svc}-1`);
  const up = performance.now() - t0;

  t0 = performance.now();
  const found = await engine.listContainers({ all: true, labels });
  const list = performance.now() - t0;
  if (found.length !== services.length) throw new Error(`raw floor: ${found.length} containers listed, expected ${services.length}`);

  t0 = performance.now();
  await Promise.all(
    found.map(async (c) => {
      await engine.stopContainer(c.id, 10);
      await engine.removeContainer(c.id);
    }),
  );
  await removeNetwork(engine, network, warn);
  const down = performance.now() - t0;
  return { up, list, down };
}

async function removeNetwork(engine: Engine, id: string, warn: (msg: string) => void): Promise<void> {
  try {
    await engine.removeNetwork(id);
  } catch (err) {
    if (!(err instanceof Error && STALE_ENDPOINT.test(err.message))) throw err;
    warn(`network ${id}: the engine kept a stale endpoint (dockerd bug, cleared by a daemon restart)`);
  }
}

/** Remove every container and network whose label `key` equals `value` (force). */
export async function removeByLabel(engine: Engine, key: string, value: string, warn: (msg: string) => void = (m) => console.warn(`warning: ${m}`)): Promise<void> {
  const labels = { [key]: value };
  const containers = await engine.listContainers({ all: true, labels });
  await Promise.all(containers.map((c) => engine.removeContainer(c.id, { force: true, volumes: true })));
  const networks = await engine.listNetworks({ labels });
  await Promise.all(networks.map((n) => removeNetwork(engine, n.name, warn)));
}
