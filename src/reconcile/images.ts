/**
 * What happens to a service's image before its containers are made: nothing, a pull, or a
 * build. Pure: the service, whether the image is on the host, and the command's options in;
 * a decision out. `reconcile` turns decisions into plan steps.
 *
 * A service with `build:` has its image built when it is missing (`up` builds it itself), always
 * with `--build` or `pull_policy: build`, never with `--no-build` (a missing image is then an
 * error); `pull_policy: always` with an `image:` pulls it instead. A service without `build:`
 * follows its pull policy: `--pull` over `pull_policy` over `missing`. `if_not_present` is
 * `missing`; `refresh`, `daily`, `weekly` and `every_<duration>` are treated as `missing` too.
 *
 * A remote context (a git or tarball URL, `isRemoteContext`) is fetched by the engine itself
 * (`POST /build?remote=`): tsfig cannot fingerprint it, so the same rules apply (built when
 * missing, with `--build` or `pull_policy: build`), and `dockerfile_inline` cannot go with it.
 */
import type { Service } from '../model/project.js';
import { isRemoteContext } from '../model/service.js';
import type { BuildSpec } from './plan.js';

/** Moved to model/service.ts; re-exported for the callers outside this helper's files. */
export { isRemoteContext };

export type PullMode = 'always' | 'missing' | 'never';
/** `auto`: build a missing image; `always`: `--build`; `never`: `--no-build`. */
export type BuildMode = 'auto' | 'always' | 'never';

export interface ImageOptions {
  build?: BuildMode;
  /** `--pull`, over each service's `pull_policy`. */
  pull?: PullMode;
  /** Where build args without a value take theirs from (the shell's environment). */
  buildEnv?: Record<string, string | undefined>;
  /** `--build-arg K=V` (a null value: from `buildEnv`), over the file's args. */
  buildArgs?: Record<string, string | null>;
  /** `build --no-cache`. */
  noCache?: boolean;
  /** `build --pull`: pull newer FROM images. */
  pullBaseImages?: boolean;
}

/** An `error` names its code and the service key it concerns (`build`, `pull_policy`, `image`). */
export type ImageDecision =
  | { action: 'none' }
  | { action: 'pull'; cause: string }
  | { action: 'build'; cause: string }
  | { action: 'error'; code: 'PLAN_BUILD_FORBIDDEN' | 'PLAN_PULL_FORBIDDEN'; key: string; message: string };

/** The pull policy in force: `--pull`, else the service's, else `missing`. */
export function pullPolicy(svc: Service, opts: Pick<ImageOptions, 'pull'>): 'always' | 'missing' | 'never' | 'build' {
  const p = opts.pull ?? svc.pull_policy;
  if (p === 'always' || p === 'never' || p === 'build') return p;
  return 'missing';
}

export function imageDecision(svc: Service, ref: string, present: boolean, host: string, opts: ImageOptions): ImageDecision {
  const own = svc.pull_policy;
  if (svc.build !== undefined) {
    if (opts.build === 'never') {
      return present
        ? { action: 'none' }
        : { action: 'error', code: 'PLAN_BUILD_FORBIDDEN', key: 'build', message: `service ${svc.name} needs its image ${ref} built, and --no-build forbids it: build it first (tsfig build ${svc.name}), or drop --no-build` };
    }
    if (opts.build === 'always') return { action: 'build', cause: '--build' };
    if (own === 'build') return { action: 'build', cause: 'pull_policy: build' };
    if (svc.image !== undefined && own === 'always') return { action: 'pull', cause: 'pull_policy: always' };
    return present ? { action: 'none' } : { action: 'build', cause: `not on ${host === 'default' ? 'the host' : `host ${host}`}` };
  }
  const policy = pullPolicy(svc, opts);
  const where = host === 'default' ? 'the host' : `host ${host}`;
  if (policy === 'always') return { action: 'pull', cause: opts.pull === 'always' ? '--pull always' : 'pull_policy: always' };
  if (present) return { action: 'none' };
  if (policy === 'never') {
    const why = opts.pull === 'never' ? '--pull never' : 'pull_policy: never';
    return {
      action: 'error',
      code: 'PLAN_PULL_FORBIDDEN',
      key: opts.pull === 'never' ? 'image' : 'pull_policy',
      message: `service ${svc.name} needs the image ${ref}, which is not on ${where}, and ${why} forbids pulling it: pull it first (tsfig pull ${svc.name})`,
    };
  }
  return { action: 'pull', cause: `not on ${where}` };
}

/** `K=V` -> [K, V]; a bare `K` -> [K, null] (its value from the environment). */
export function parseBuildArg(spec: string): [string, string | null] {
  const eq = spec.indexOf('=');
  return eq < 0 ? [spec, null] : [spec.slice(0, eq), spec.slice(eq + 1)];
}

/** What the engine is asked to build for a service; `ref` is the image it is tagged with. */
export function buildSpec(svc: Service, ref: string, opts: ImageOptions): BuildSpec {
  const b = svc.build!;
  const args: Record<string, string> = {};
  const env = opts.buildEnv ?? {};
  const put = (k: string, v: string | null | undefined) => {
    const value = v ?? env[k];
    if (value !== undefined) args[k] = value;
    else delete args[k];
  };
  for (const [k, v] of Object.entries(b.args ?? {})) put(k, v);
  for (const [k, v] of Object.entries(opts.buildArgs ?? {})) put(k, v);
  const extraTags = b.tags ?? [];
  const spec: BuildSpec = { context: b.context, tags: [ref, ...extraTags.filter((t) => t !== ref)], args };
  if (b.dockerfile_inline !== undefined) spec.dockerfileInline = b.dockerfile_inline;
  else if (b.dockerfile !== undefined) spec.dockerfile = b.dockerfile;
  if (b.target !== undefined) spec.target = b.target;
  if (b.labels !== undefined && Object.keys(b.labels).length > 0) spec.labels = { ...b.labels };
  if (b.network !== undefined) spec.network = b.network;
  if (typeof b.shm_size === 'number') spec.shmSize = b.shm_size;
  if (b.extra_hosts !== undefined && b.extra_hosts.length > 0) spec.extraHosts = [...b.extra_hosts];
  if (b.cache_from !== undefined && b.cache_from.length > 0) spec.cacheFrom = [...b.cache_from];
  if (b.no_cache === true || opts.noCache === true) spec.noCache = true;
  if (b.pull === true || opts.pullBaseImages === true) spec.pull = true;
  if (svc.platform !== undefined) spec.platform = svc.platform;
  return spec;
}

/**
 * Why a service's remote build cannot be done, and the `build` key it concerns, or undefined:
 * the engine builds a remote context with a Dockerfile of that context only, so neither
 * `dockerfile_inline` nor a local (absolute) Dockerfile can go with it.
 */
export function remoteBuildError(svc: Service): { key: 'dockerfile_inline' | 'dockerfile'; message: string } | undefined {
  const b = svc.build;
  if (b === undefined || !isRemoteContext(b.context)) return undefined;
  if (b.dockerfile_inline !== undefined) {
    return {
      key: 'dockerfile_inline',
      message: `service ${svc.name}: build.dockerfile_inline cannot be used with the remote build context ${b.context} (the engine reads the Dockerfile from the fetched context): commit the Dockerfile there and name it with build.dockerfile`,
    };
  }
  if (typeof b.dockerfile === 'string' && b.dockerfile.startsWith('/')) {
    return { key: 'dockerfile', message: `service ${svc.name}: build.dockerfile ${b.dockerfile} is a local file; with the remote build context ${b.context} it must be a path inside that context` };
  }
  return undefined;
}
