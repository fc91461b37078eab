/**
 * `events` on a swarm: which of the manager's engine events belong to a stack. Service events
 * carry only the service's name (no labels), so the selection is by name for services, networks,
 * secrets and configs, and by the stack label for the tasks' containers.
 */
import type { EngineEvent, EngineFilters } from '../../engine/engine.js';
import { STACK_LABEL } from './types.js';

/** The engine's event types a stack has. */
export const STACK_EVENT_TYPES = ['service', 'container', 'network', 'secret', 'config'];

export interface StackEventScope {
  /** What to ask the engine for (types only: service events have no labels to filter by). */
  filters: EngineFilters;
  /** The service key of an event of the stack ('' for a network, secret or config); undefined: not the stack's. */
  select(e: EngineEvent): string | undefined;
}

/**
 * The scope of a stack: `project` its name, `services` its service keys (desired and observed),
 * `names` the swarm names of its networks, secrets and configs.
 */
export function stackEventScope(project: string, services: Iterable<string>, names: Iterable<string>): StackEventScope {
  const prefix = `${project}_`;
  const keys = new Set(services);
  const others = new Set(names);
  const keyOf = (scopedName: string | undefined): string | undefined => {
    if (scopedName === undefined || !scopedName.startsWith(prefix)) return undefined;
    const key = scopedName.slice(prefix.length);
    return keys.has(key) ? key : undefined;
  };
  return {
    filters: { type: STACK_EVENT_TYPES },
    select(e) {
      const name = e.attributes.name;
      switch (e.type) {
        case 'service':
          return keyOf(name);
        case 'container':
          if (e.attributes[STACK_LABEL] !== project) return undefined;
          return keyOf(e.attributes['com.docker.swarm.service.name']) ?? '';
        case 'network':
        case 'secret':
        case 'config':
          return name !== undefined && others.has(name) ? '' : undefined;
        default:
          return undefined;
      }
    },
  };
}
