/** What the swarm holds of a stack, by label (services, networks, secrets, configs), and the manager check. */
import { readFileSync } from 'node:fs';
import { TsfigError, EXIT } from '../../errors.js';
import type { Engine } from '../../engine/engine.js';
import type { EngineSwarm } from '../../engine/docker/swarm.js';
import type { Project } from '../../model/project.js';
import type { ObjectContents } from './mapping.js';
import { STACK_LABEL, type ObservedStack, type SwarmJson } from './types.js';

export type SwarmEngine = Engine & EngineSwarm;

/** The engine with the swarm calls (every engine tsfig connects has them). */
export function asSwarm(engine: Engine): SwarmEngine {
  if (typeof (engine as Partial<EngineSwarm>).listServices !== 'function') throw new Error('this engine has no swarm calls');
  return engine as SwarmEngine;
}

/** A swarm manager answers at the endpoint; else one line naming `docker swarm init`. */
export async function requireManager(engine: SwarmEngine, signal?: AbortSignal): Promise<void> {
  const m = await engine.swarmMembership(signal ? { signal } : {});
  if (m.state === 'active' && m.manager) return;
  const where = engine.endpoint.url;
  const why = m.state === 'active' ? 'a swarm worker, not a manager' : `not in a swarm (swarm: ${m.state})`;
  throw new TsfigError(`orchestrator swarm: the engine at ${where} is ${why}: run \`docker swarm init\` there (or point -H/DOCKER_HOST at a manager), or use --orchestrator engine`, EXIT.failure);
}

export async function observeStack(engine: SwarmEngine, project: string, signal?: AbortSignal): Promise<ObservedStack> {
  const opts = signal ? { signal } : {};
  const label = { [STACK_LABEL]: project };
  const [services, allNetworks, secrets, configs] = await Promise.all([
    engine.listServices(label, opts),
    engine.listStackNetworks({}, opts),
    engine.listSecrets(label, opts),
    engine.listConfigs(label, opts),
  ]);
  const netName = new Map(allNetworks.map((n) => [String(n.Id ?? ''), String(n.Name ?? '')]));
  const stackNets = allNetworks.filter((n) => (n.Labels as Record<string, string> | null | undefined)?.[STACK_LABEL] === project);
  return {
    services: services.map((s) => {
      const spec = structuredClone(s.spec);
      // The engine stores network IDs: back to names, as the file gives them.
      const tt = spec.TaskTemplate as SwarmJson | undefined;
      const nets = tt?.Networks as Array<SwarmJson> | undefined;
      if (nets) for (const n of nets) n.Target = netName.get(String(n.Target)) ?? n.Target;
      return { id: s.id, name: String(spec.Name ?? ''), version: s.version, spec, raw: s.raw };
    }),
    networks: stackNets.map((n) => ({ id: String(n.Id ?? ''), name: String(n.Name ?? ''), raw: n })),
    objects: [
      ...secrets.map((o) => ({ kind: 'secret' as const, id: o.id, name: String(o.spec.Name ?? '') })),
      ...configs.map((o) => ({ kind: 'config' as const, id: o.id, name: String(o.spec.Name ?? '') })),
    ],
    allNetworkNames: [...netName.values()],
  };
}

/** The bytes of each secret and config of the file (`file:` read, `environment:` from the variables); unreadable ones left out. */
export function readContents(project: Project, env: Record<string, string | undefined>): ObjectContents {
  const out: ObjectContents = {};
  for (const [kind, defs] of [['secret', project.secrets], ['config', project.configs]] as const) {
    for (const [key, def] of Object.entries(defs)) {
      if (def.external === true) continue;
      try {
        if (def.file !== undefined) out[`${kind}:${key}`] = readFileSync(def.file);
        else if (def.environment !== undefined && env[def.environment] !== undefined) out[`${kind}:${key}`] = Buffer.from(env[def.environment] ?? '', 'utf8');
        else if (def.content !== undefined) out[`${kind}:${key}`] = Buffer.from(def.content, 'utf8');
      } catch {
        // Named by the mapping as a plan error.
      }
    }
  }
  return out;
}
