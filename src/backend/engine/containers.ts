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
import { TsfigError } from '../../errors.js';
import { EngineUnreachableError } from '../../engine/errors.js';
import { ImageRef } from '../../model/imageref.js';
import { httpTimeoutMs } from '../../settings.js';

/** The engine the docker CLI would use (`-H` > `--context` > DOCKER_HOST > ...), for commands without a project. */
export async function connectDefault(flags: { host?: string; context?: string }, env: Record<string, string | undefined>): Promise<{ endpoint: string; engine: Engine }> {
  // Loaded on first use: only commands that talk to an engine pay for it.
  const { connect, resolveCliEndpoint } = await import('../../engine/connect.js');
  const ep = { ...resolveCliEndpoint({ env, ...(flags.host !== undefined ? { flagHost: flags.host } : {}), ...(flags.context !== undefined ? { flagContext: flags.context } : {}) }), timeoutMs: httpTimeoutMs(env) };
  return { endpoint: ep.url, engine: connect(ep) };
}

/**
 * `config --resolve-image-digests`: pins an image reference to the digest its registry holds
 * (`docker.io/library/busybox:latest@sha256:...`, as compose-go's WithImagesResolved writes it),
 * asked through the docker CLI's default engine with the docker CLI's credentials. A reference
 * with a digest is kept (normalised).
 */
export async function imageDigestResolver(flags: { host?: string; context?: string }, env: Record<string, string | undefined>): Promise<(image: string) => Promise<string>> {
  const { engine } = await connectDefault(flags, env);
  const { Credentials } = await import('../../engine/credentials.js');
  const creds = new Credentials({ env, ...(env.HOME ? { homeDir: env.HOME } : {}) });
  return async (image) => {
    const ref = ImageRef.tryParse(image);
    if (!ref) throw new TsfigError(`cannot resolve the digest of "${image}": not an image reference`);
    if (ref.digest !== undefined) return ref.toString();
    const tagged = ref.withDefaultTag().toString();
    const auth = await creds.forImage(tagged);
    try {
      return `${tagged}@${await engine.distributionDigest(tagged, auth ? { auth } : {})}`;
    } catch (err) {
      // The engine could not ask the registry (down, unknown tag, refused login): one line.
      if (err instanceof TsfigError && !(err instanceof EngineUnreachableError)) throw new TsfigError(`cannot resolve the digest of ${image}: ${err.message}`);
      throw err;
    }
  };
}
