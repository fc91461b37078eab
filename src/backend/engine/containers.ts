/**
 * What the container use cases (app/containers/) take from the engine backend: one-off
 * containers (run), image plans (build, pull, push), the overlay's label, tar archives (cp,
 * export) and the docker CLI's default engine (commands without a project). app/ reaches them
 * through backend/index.ts; a swarm backend offers its own or refuses these commands.
 */
export type { ObservedContainer, ObservedState } from '../../reconcile/state.js';
export type { Plan } from '../../reconcile/plan.js';
export { oneOffDependencies, oneOffSpec, type OneOffOptions } from '../../reconcile/oneoff.js';
export { planImages, planRegistry } from '../../reconcile/reconcile.js';
export { parseBuildArg } from '../../reconcile/images.js';
export { SpecError } from '../../reconcile/spec.js';
export { OVERLAY_LABEL } from '../../overlay/plan.js';
export { readTar, writeTar, type TarEntry, type TarInput } from '../../engine/tar.js';
import type { Engine } from '../../engine/engine.js';
import { httpTimeoutMs } from '../../settings.js';

/** The engine the docker CLI would use (`-H` > `--context` > DOCKER_HOST > ...), for commands without a project. */
export async function connectDefault(flags: { host?: string; context?: string }, env: Record<string, string | undefined>): Promise<{ endpoint: string; engine: Engine }> {
  // Loaded on first use: only commands that talk to an engine pay for it.
  const { connect, resolveCliEndpoint } = await import('../../engine/connect.js');
  const ep = { ...resolveCliEndpoint({ env, ...(flags.host !== undefined ? { flagHost: flags.host } : {}), ...(flags.context !== undefined ? { flagContext: flags.context } : {}) }), timeoutMs: httpTimeoutMs(env) };
  return { endpoint: ep.url, engine: connect(ep) };
}
