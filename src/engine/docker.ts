/**
 * The Engine over the Docker API: one module per job under docker/ (containers, images,
 * networks, volumes, exec and attach, monitor, files, system, swarm), the answers read into tsfig's
 * own types by docker/mappers.ts, every request through docker/client.ts. This file only
 * assembles them.
 */
import type { Endpoint, SshAuth, TlsMaterial } from './endpoint.js';
import type { Engine } from './engine.js';
import { Client } from './docker/client.js';
import { dockerContainers } from './docker/containers.js';
import { dockerExec } from './docker/exec.js';
import { dockerFiles } from './docker/files.js';
import { dockerImages } from './docker/images.js';
import { dockerMonitor } from './docker/monitor.js';
import { dockerNetworks } from './docker/networks.js';
import { dockerSwarm, type EngineSwarm } from './docker/swarm.js';
import { dockerSystem } from './docker/system.js';
import { dockerVolumes } from './docker/volumes.js';

export { splitRepoTag } from './docker/readers.js';

/** An Engine for the endpoint. No request is made: the first call reaches the engine. */
export function dockerEngine(endpoint: Endpoint, tls?: TlsMaterial, ssh?: SshAuth): Engine & EngineSwarm {
  const c = new Client(endpoint, tls, ssh);
  return {
    endpoint,
    ...dockerSystem(c),
    ...dockerContainers(c),
    ...dockerMonitor(c),
    ...dockerExec(c),
    ...dockerFiles(c),
    ...dockerNetworks(c),
    ...dockerVolumes(c),
    ...dockerImages(c),
    ...dockerSwarm(c),
  };
}
