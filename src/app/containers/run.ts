/**
 * `run`: a one-off container of a service. Its options from the command line, its images and
 * dependencies first (as up does), the container made, then started detached or attached to the
 * user's terminal (Ctrl-C stops it, a second kills it; `--rm` removes it at the end).
 */
import { isAbsolute, resolve } from 'node:path';
import { parseCommand, parsePorts, parseVolume } from '../../config/shortsyntax.js';
import { envFileToMap, parseEnvFile } from '../../config/envfile.js';
import { readRegularFile } from '../../config/readfile.js';
import { EngineError, EXIT, TsfigError, UsageError } from '../../errors.js';
import { takeProjectLock } from '../lock.js';
import { dict } from '../../model/dict.js';
import type { PortConfig, ServiceVolume } from '../../model/project.js';
import type { ContainersContext, ContainersSink, Engine, TerminalPort } from './context.js';
import { oneOffDependencies, oneOffSpec, planImages, SpecError, type OneOffOptions, type PullMode, isNotFound } from '../../backend/index.js';
import type { QuietSteps } from '../apply.js';

export type { OneOffOptions };

/** run's options as the command line gives them. */
export interface RunFlags {
  detach?: boolean;
  rm?: boolean;
  name?: string;
  env?: string[];
  entrypoint?: string;
  user?: string;
  workdir?: string;
  publish?: string[];
  servicePorts?: boolean;
  deps?: boolean;
  /** false with -T. */
  TTY?: boolean;
  volume?: string[];
  /** `--env-from-file`: env files (KEY=VALUE lines), under `-e`. */
  envFromFile?: string[];
  /** `-l KEY=VALUE`. */
  label?: string[];
  capAdd?: string[];
  capDrop?: string[];
  useAliases?: boolean;
  removeOrphans?: boolean;
  /** `--build`: build the images of services with build: first (the dependencies' too). */
  build?: boolean;
  /** `--pull always|missing|never`, over each service's pull_policy. */
  pull?: string;
  /** `--quiet-pull`, `--quiet-build`: the pulls' (builds') progress not shown. */
  quietPull?: boolean;
  quietBuild?: boolean;
}

const PULL_MODES: readonly PullMode[] = ['always', 'missing', 'never'];

/** run's image policy: `--build` (build: images again), `--pull` (over pull_policy). */
export function runImagePolicy(flags: Pick<RunFlags, 'build' | 'pull'>): { build?: 'always'; pull?: PullMode } {
  if (flags.pull !== undefined && !(PULL_MODES as readonly string[]).includes(flags.pull)) {
    throw new UsageError(`invalid --pull "${flags.pull}": use always, missing or never`);
  }
  return { ...(flags.build === true ? { build: 'always' as const } : {}), ...(flags.pull !== undefined ? { pull: flags.pull as PullMode } : {}) };
}

/** `-l KEY=VALUE` (repeatable; the last one of a key wins). */
export function parseLabelFlags(flags: string[] | undefined): Record<string, string> | undefined {
  if (flags === undefined || flags.length === 0) return undefined;
  const out: Record<string, string> = dict();
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid label "${f}": use KEY=VALUE`);
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

/**
 * `--env-from-file FILE` (repeatable), as compose reads it: each file's variables under the
 * `-e` ones (a key `-e` sets, or an earlier file set, keeps its value); `${VAR}` in a file is
 * resolved from the `-e` values. Relative paths are from `cwd`. A file that cannot be read or
 * parsed is one line naming it.
 */
export function envFromFiles(files: string[] | undefined, environment: Record<string, string | null>, cwd: string): Record<string, string | null> {
  const out: Record<string, string | null> = dict();
  Object.assign(out, environment);
  for (const f of files ?? []) {
    const path = isAbsolute(f) ? f : resolve(cwd, f);
    const read = readRegularFile(path);
    if (!read.ok) throw new UsageError(`--env-from-file ${f}: ${read.reason}`);
    const parsed = parseEnvFile(read.text, (k) => environment[k] ?? undefined);
    const bad = parsed.errors[0];
    if (bad !== undefined) throw new UsageError(`--env-from-file ${f}:${bad.line}:${bad.col}: ${bad.message}`);
    for (const [k, v] of Object.entries(envFileToMap(parsed))) {
      if (!(k in out) && v !== undefined) out[k] = v;
    }
  }
  return out;
}

/**
 * `-e KEY=VAL` / `-e KEY`: a bare KEY takes its value from tsfig's environment, and is unset in
 * the container (null) when tsfig's environment does not have it either.
 */
export function parseEnvFlags(flags: string[] | undefined, env: Record<string, string | undefined>): Record<string, string | null> {
  const out: Record<string, string | null> = dict();
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (key === '') throw new UsageError(`invalid environment variable "${f}": use KEY=VALUE or KEY`);
    out[key] = eq < 0 ? (env[key] ?? null) : f.slice(eq + 1);
  }
  return out;
}

export function parsePublishFlags(flags: string[] | undefined): PortConfig[] {
  const out: PortConfig[] = [];
  for (const f of flags ?? []) {
    const p = parsePorts(f);
    if (!p.ok) throw new UsageError(`invalid port "${f}": ${p.error}${p.hint ? ` (${p.hint})` : ''}`);
    out.push(...p.value);
  }
  return out;
}

export function parseVolumeFlags(flags: string[] | undefined, ctx: { projectDir: string; homeDir: string }): ServiceVolume[] {
  const out: ServiceVolume[] = [];
  for (const f of flags ?? []) {
    const v = parseVolume(f, ctx);
    if (!v.ok) throw new UsageError(`invalid volume "${f}": ${v.error}${v.hint ? ` (${v.hint})` : ''}`);
    out.push(v.value);
  }
  return out;
}

/** `--entrypoint "sh -c"` is split like a shell would; `--entrypoint ""` clears the image's. */
export function parseEntrypointFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const p = parseCommand(value, true);
  if (!p.ok) throw new UsageError(`invalid entrypoint "${value}": ${p.error}`);
  return p.value ?? [];
}

/** The one-off's options from the command line (`tty`: stdin is a terminal and -T not given). */
export function oneOffOptions(
  flags: RunFlags,
  command: string[],
  ctx: { env: Record<string, string | undefined>; projectDir: string; homeDir: string; stdinIsTTY: boolean; id: string; cwd?: string },
): OneOffOptions {
  const detach = flags.detach === true;
  const environment = envFromFiles(flags.envFromFile, parseEnvFlags(flags.env, ctx.env), ctx.cwd ?? ctx.projectDir);
  const labels = parseLabelFlags(flags.label);
  const entrypoint = parseEntrypointFlag(flags.entrypoint);
  const ports = parsePublishFlags(flags.publish);
  if (flags.servicePorts === true && ports.length > 0) {
    throw new UsageError('--service-ports and --publish are incompatible (as in compose): use one, or list every port with -p');
  }
  const volumes = parseVolumeFlags(flags.volume, ctx);
  return {
    id: ctx.id,
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(command.length > 0 ? { command } : {}),
    ...(entrypoint !== undefined ? { entrypoint } : {}),
    ...(Object.keys(environment).length > 0 ? { environment } : {}),
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags.workdir !== undefined ? { workingDir: flags.workdir } : {}),
    servicePorts: flags.servicePorts === true,
    ...(ports.length > 0 ? { ports } : {}),
    ...(volumes.length > 0 ? { volumes } : {}),
    tty: !detach && flags.TTY !== false && ctx.stdinIsTTY,
    stdin: !detach,
    ...(detach && flags.rm === true ? { autoRemove: true } : {}),
    ...(labels !== undefined ? { labels } : {}),
    ...(flags.capAdd?.length ? { capAdd: flags.capAdd } : {}),
    ...(flags.capDrop?.length ? { capDrop: flags.capDrop } : {}),
    ...(flags.useAliases === true ? { useAliases: true } : {}),
  };
}

/** A start failure as `docker run` reports it: 127 for a missing command, 126 for one that cannot run. */
export function startFailure(err: unknown): TsfigError {
  if (!(err instanceof EngineError)) return err instanceof TsfigError ? err : new TsfigError(String(err));
  const m = err.message;
  if (/executable file not found|no such file or directory/i.test(m)) return new TsfigError(m, 127);
  if (/permission denied|cannot execute/i.test(m)) return new TsfigError(m, 126);
  return err;
}

/** What a created one-off is. */
export interface CreatedOneOff {
  engine: Engine;
  id: string;
  name: string;
  /** The service's stop_grace_period in seconds (what the first Ctrl-C gives it). */
  stopTimeout?: number;
}

export interface RunRequest {
  service: string;
  command: string[];
  flags: RunFlags;
  /** tsfig's environment (`-e KEY` takes KEY's value from it) and home folder. */
  env: Record<string, string | undefined>;
  /** This tsfig's version (labels). */
  version: string;
  /** The one-off's id (its default name's suffix). */
  id: string;
  /** Where relative `--env-from-file` paths start (the user's working directory; default the project's). */
  cwd?: string;
}

/** How a run ended: detached (the container's name), or the container's exit code. */
export type RunResult = { detached: string } | { exitCode: number };

const removeQuietly = (engine: Engine, id: string): Promise<void> => engine.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);

/**
 * Everything before the one-off starts: under the project lock, its images (a missing image that
 * cannot be pulled or built fails the run before any network, volume or dependency is made), its
 * dependencies (unless --no-deps), then the container, on its service's host, on its networks.
 * A non-zero exit code from a plan comes back as `{ exitCode }`.
 */
export async function createOneOff(ctx: ContainersContext, req: RunRequest, stdinIsTTY: boolean): Promise<{ created: CreatedOneOff; options: OneOffOptions } | { exitCode: number }> {
  const { project, backend } = ctx;
  const svc = project.services[req.service];
  if (svc === undefined) throw new UsageError(`no such service: ${req.service}`);
  const options = oneOffOptions(req.flags, req.command, { env: req.env, projectDir: project.workingDir, homeDir: req.env.HOME ?? '/', stdinIsTTY, id: req.id, ...(req.cwd !== undefined ? { cwd: req.cwd } : {}) });
  const noDeps = req.flags.deps === false;
  const imagePolicy = runImagePolicy(req.flags);
  const quiet: QuietSteps = { ...(req.flags.quietPull === true ? { pull: true } : {}), ...(req.flags.quietBuild === true ? { build: true } : {}) };
  const release = await takeProjectLock({
    project: project.name,
    endpoints: ctx.hosts.map((h) => h.endpoint),
    env: req.env,
    signal: ctx.signal,
    say: (line) => ctx.sink.message(line),
  });
  try {
    let observed = await backend.observe({ forUp: true });
    const reachable = { ...observed, hosts: Object.fromEntries(Object.entries(observed.hosts).filter(([, h]) => h.reachable)) };
    const images = planImages(project, reachable, { version: req.version, services: [req.service], noDeps, buildEnv: req.env, ...imagePolicy });
    let imagesDone = false;
    if (images.nodes.length > 0 || images.errors.length > 0) {
      const got = await backend.apply(images, reachable, Object.keys(quiet).length > 0 ? { quiet } : {});
      if (got !== 0) return { exitCode: got };
      observed = await backend.observe({ forUp: true });
      imagesDone = true;
    }
    const code = await backend.apply(
      oneOffDependencies(project, observed, req.service, { version: req.version, noDeps, imagesDone, ...(req.flags.removeOrphans === true ? { removeOrphans: true } : {}) }),
      observed,
    );
    if (code !== 0) return { exitCode: code };
    let spec;
    try {
      spec = oneOffSpec(project, observed, req.service, options, req.version);
    } catch (err) {
      if (err instanceof SpecError) throw new TsfigError(err.message);
      throw err;
    }
    for (const w of spec.warnings ?? []) ctx.sink.warn(w);
    const engine = ctx.engines[spec.host];
    if (engine === undefined) throw new TsfigError(`service ${req.service} runs on host ${spec.host}, which is not connected`);
    const { id } = await engine.createContainer(spec.name, spec.body, spec.platform !== undefined ? { platform: spec.platform } : {});
    try {
      for (const n of spec.extraNetworks) await engine.connectNetwork(n.network, id, n.config);
    } catch (err) {
      await removeQuietly(engine, id);
      throw err;
    }
    const grace = typeof svc.stop_grace_period === 'number' ? Math.ceil(svc.stop_grace_period / 1e9) : undefined;
    return { created: { engine, id, name: spec.name, ...(grace !== undefined ? { stopTimeout: grace } : {}) }, options };
  } finally {
    release();
  }
}

/** What makes the one-off (default: createOneOff, on the engines; a swarm makes it on its manager). */
export type OneOffCreator = typeof createOneOff;

/** `tsfig run`: the one-off made, then started in the background or attached to `terminal`. */
export async function runOneOff(ctx: ContainersContext, req: RunRequest, terminal: TerminalPort, create: OneOffCreator = createOneOff): Promise<RunResult> {
  const made = await create(ctx, req, terminal.stdinIsTTY);
  if ('exitCode' in made) return made;
  const { created, options } = made;
  const { engine, id, name } = created;
  if (ctx.signal.aborted) {
    await removeQuietly(engine, id);
    return { exitCode: EXIT.interrupted };
  }
  if (req.flags.detach === true) {
    try {
      await engine.startContainer(id);
    } catch (err) {
      if (req.flags.rm === true) await removeQuietly(engine, id);
      throw startFailure(err);
    }
    return { detached: name };
  }
  // From here Ctrl-C stops the container (and --rm still removes it).
  terminal.claimSignals();
  return { exitCode: await runAttached(created, { tty: options.tty, rm: req.flags.rm === true }, terminal, ctx.sink) };
}

/** Attach, start, pump until the container exits; its exit code (130 when interrupted). */
async function runAttached(c: CreatedOneOff, o: { tty: boolean; rm: boolean }, terminal: TerminalPort, sink: ContainersSink): Promise<number> {
  const { engine, id, name, stopTimeout } = c;
  let interrupted = false;
  // Until the terminal's own handlers are in place, a Ctrl-C is only noted (never the default
  // action, which would end tsfig and leave the container behind).
  let dropEarly: (() => number) | undefined = terminal.holdSignals();
  const handOver = (): number => {
    const n = dropEarly?.() ?? 0;
    dropEarly = undefined;
    return n;
  };
  try {
    // Attach first, so no output is lost.
    const streams = await engine.attachContainer(id, { stdin: true, tty: o.tty });
    try {
      await engine.startContainer(id);
    } catch (err) {
      streams.close();
      throw startFailure(err);
    }
    const connected = terminal.connect(streams, {
      tty: o.tty,
      stdin: true,
      resize: (size) => engine.resizeContainer(id, size),
      onInterrupt: (count) => {
        interrupted = true;
        if (count === 1) {
          sink.message(`\nstopping ${name} (Ctrl-C again to kill it)`);
          engine.stopContainer(id, stopTimeout).catch(() => undefined);
        } else {
          engine.killContainer(id, 'SIGKILL').catch(() => undefined);
        }
      },
    });
    // connect installed its handlers synchronously: hand over, and act on an early Ctrl-C.
    if (handOver() > 0) {
      interrupted = true;
      sink.message(`\nstopping ${name}`);
      engine.stopContainer(id, stopTimeout).catch(() => undefined);
    }
    await connected;
    // The output ended: the container has stopped, or is about to.
    const result = await engine.waitContainer(id, { condition: 'not-running' });
    if (result.error !== undefined) sink.message(`${name}: ${result.error}`);
    return interrupted ? EXIT.interrupted : result.statusCode;
  } finally {
    handOver();
    if (o.rm) {
      await engine.removeContainer(id, { force: true, volumes: true }).catch((err: unknown) => {
        if (!(isNotFound(err))) sink.warn(`could not remove ${name}: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
  }
}
