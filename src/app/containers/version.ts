/** `version`: each host's engine version (like `docker version`). */
import { loadProject, type LoadOptions } from '../../config/load.js';
import { hasErrors } from '../../config/diagnostics.js';
import type { EngineVersion } from '../../engine/engine.js';
import type { Project } from '../../model/project.js';
import type { HostEngine } from './context.js';

export type EngineVersionResult = { host: string; endpoint: string } & (EngineVersion | { error: string });

/** The project when there is a usable project file; without one (or with a broken one), undefined. */
export function optionalProject(opts: LoadOptions): Project | undefined {
  const loaded = loadProject(opts);
  return !hasErrors(loaded.diagnostics) && loaded.project ? loaded.project : undefined;
}

/** The default engine alone, as the docker CLI picks it. */
export async function defaultHosts(flags: { host?: string; context?: string }, env: Record<string, string | undefined>): Promise<HostEngine[]> {
  // Loaded when needed: `version --short` asks no engine.
  const { connectDefault } = await import('../../backend/index.js');
  const { endpoint, engine } = await connectDefault(flags, env);
  return [{ name: 'default', endpoint, engine }];
}

/** Every host's engine version, or the error that says why it did not answer. */
export function engineVersions(hosts: HostEngine[]): Promise<EngineVersionResult[]> {
  return Promise.all(
    hosts.map(async (h) => {
      try {
        return { host: h.name, endpoint: h.endpoint, ...(await h.engine.version()) };
      } catch (err) {
        return { host: h.name, endpoint: h.endpoint, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}
