import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { parseCommand, parsePorts, parseVolume } from '../../config/shortsyntax.js';
import type { Engine } from '../../engine/engine.js';
import { EngineError, EXIT, ExitCode, TsfigError, UsageError } from '../../errors.js';
import { acquireLock } from '../../lock.js';
import type { PortConfig, ServiceVolume } from '../../model/project.js';
import { oneOffDependencies, oneOffSpec, type OneOffOptions } from '../../reconcile/oneoff.js';
import { planImages } from '../../reconcile/reconcile.js';
import { SpecError } from '../../reconcile/spec.js';
import { connectTerminal, processTerminal, type Terminal } from '../interactive.js';
import { openSession, observeSession, runPlan } from '../runtime.js';
import { collect, type IO } from '../context.js';
import { VERSION } from '../version.js';
import { dict } from '../../model/dict.js';

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
  ctx: { env: Record<string, string | undefined>; projectDir: string; homeDir: string; stdinIsTTY: boolean; id: string },
): OneOffOptions {
  const detach = flags.detach === true;
  const environment = parseEnvFlags(flags.env, ctx.env);
  const entrypoint = parseEntrypointFlag(flags.entrypoint);
  const ports = parsePublishFlags(flags.publish);
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
  };
}

/** A start failure as `docker run` reports it: 127 for a missing command, 126 for one that cannot run. */
function startFailure(err: unknown): TsfigError {
  if (!(err instanceof EngineError)) return err instanceof TsfigError ? err : new TsfigError(String(err));
  const m = err.message;
  if (/executable file not found|no such file or directory/i.test(m)) return new TsfigError(m, 127);
  if (/permission denied|cannot execute/i.test(m)) return new TsfigError(m, 126);
  return err;
}

interface AttachedRun {
  tty: boolean;
  rm: boolean;
  /** Seconds to wait after SIGTERM on the first Ctrl-C. */
  stopTimeout?: number;
}

/** Attach, start, pump until the container exits; its exit code (130 when interrupted). */
async function runAttached(engine: Engine, id: string, name: string, o: AttachedRun, term: Terminal, io: IO): Promise<number> {
  let interrupted = false;
  // Until the terminal's own handlers are in place, a Ctrl-C is only noted (never the default
  // action, which would end tsfig and leave the container behind).
  let early = 0;
  const noteEarly = () => void early++;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, noteEarly);
  const dropEarly = () => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, noteEarly);
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
    const connected = connectTerminal(streams, term, {
      tty: o.tty,
      stdin: true,
      resize: (size) => engine.resizeContainer(id, size),
      onInterrupt: (count) => {
        interrupted = true;
        if (count === 1) {
          io.stderr(`\nstopping ${name} (Ctrl-C again to kill it)\n`);
          engine.stopContainer(id, o.stopTimeout).catch(() => undefined);
        } else {
          engine.killContainer(id, 'SIGKILL').catch(() => undefined);
        }
      },
    });
    // connectTerminal installed its handlers synchronously: hand over, and act on an early Ctrl-C.
    dropEarly();
    if (early > 0) {
      interrupted = true;
      io.stderr(`\nstopping ${name}\n`);
      engine.stopContainer(id, o.stopTimeout).catch(() => undefined);
    }
    await connected;
    // The output ended: the container has stopped, or is about to.
    const result = await engine.waitContainer(id, { condition: 'not-running' });
    if (result.error !== undefined) io.stderr(`${name}: ${result.error}\n`);
    return interrupted ? EXIT.interrupted : result.statusCode;
  } finally {
    dropEarly();
    if (o.rm) {
      await engine.removeContainer(id, { force: true, volumes: true }).catch((err: unknown) => {
        if (!(err instanceof EngineError && err.statusCode === 404)) io.stderr(`warning: could not remove ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    }
  }
}

export function runCommand(io: IO): Command {
  return new Command('run')
    .description('Run a one-off command in a new container of a service (its dependencies are started first)')
    .option('-d, --detach', 'run in the background and print the container name')
    .option('--rm', 'remove the container and its anonymous volumes when it exits')
    .option('--name <name>', 'container name (default <project>-<service>-run-<id>)')
    .addOption(new Option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable; KEY alone takes it from here)').argParser(collect))
    .option('--entrypoint <cmd>', "override the image's entrypoint")
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .addOption(new Option('-p, --publish <port>', 'publish a port, as in ports: (repeatable)').argParser(collect))
    .option('--service-ports', "publish the service's ports (not published by default)")
    .option('--no-deps', "don't start the services this one depends on")
    .option('-T, --no-TTY', 'no pseudo-terminal, even when stdin is one')
    // Compose's -i/-t (and -it): accepted; a TTY is used when stdin is a terminal, as compose does.
    .option('-i, --interactive', 'keep stdin open (the default; accepted as in docker compose)')
    .option('-t, --tty', 'a pseudo-terminal (the default when stdin is one; accepted as in docker compose)')
    .addOption(new Option('-v, --volume <volume>', 'mount a volume, as in volumes: (repeatable)').argParser(collect))
    .argument('<service>', 'the service to run')
    .argument('[command...]', "the command (default: the service's)")
    .passThroughOptions()
    .action(async function (this: Command, service: string, command: string[]) {
      const flags = this.opts<RunFlags>();
      const s = await openSession(this, io, { services: [service], checkBuild: true });
      let release: (() => void) | undefined;
      try {
        const svc = s.project.services[service];
        if (svc === undefined) throw new UsageError(`no such service: ${service}`);
        const term = processTerminal();
        const options = oneOffOptions(flags, command, {
          env: io.env,
          projectDir: s.project.workingDir,
          homeDir: io.env.HOME ?? '/',
          stdinIsTTY: term.stdin.isTTY === true,
          id: randomBytes(6).toString('hex'),
        });
        release = await acquireLock(s.project.name, {
          signal: s.signal,
          onWait: (pid) => io.stderr(`waiting for another tsfig (pid ${pid}) working on project ${s.project.name}\n`),
        });
        let observed = await observeSession(s, { forUp: true });
        // Images first, as up does: a missing image that cannot be pulled (or built) fails the
        // run before any network, volume or dependency is made.
        const reachable = { ...observed, hosts: Object.fromEntries(Object.entries(observed.hosts).filter(([, h]) => h.reachable)) };
        const images = planImages(s.project, reachable, { version: VERSION, services: [service], noDeps: flags.deps === false });
        let imagesDone = false;
        if (images.nodes.length > 0 || images.errors.length > 0) {
          const got = await runPlan(s, images, reachable);
          if (got !== 0) throw new ExitCode(got);
          observed = await observeSession(s, { forUp: true });
          imagesDone = true;
        }
        const code = await runPlan(s, oneOffDependencies(s.project, observed, service, { version: VERSION, noDeps: flags.deps === false, imagesDone }), observed);
        if (code !== 0) throw new ExitCode(code);
        let spec;
        try {
          spec = oneOffSpec(s.project, observed, service, options, VERSION);
        } catch (err) {
          if (err instanceof SpecError) throw new TsfigError(err.message);
          throw err;
        }
        for (const w of spec.warnings ?? []) io.stderr(`warning: ${w}\n`);
        const engine = s.engines[spec.host];
        if (engine === undefined) throw new TsfigError(`service ${service} runs on host ${spec.host}, which is not connected`);
        const { id } = await engine.createContainer(spec.name, spec.body, spec.platform !== undefined ? { platform: spec.platform } : {});
        try {
          for (const n of spec.extraNetworks) await engine.connectNetwork(n.network, id, n.config);
        } catch (err) {
          await engine.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
          throw err;
        }
        release();
        release = undefined;
        if (s.signal.aborted) {
          await engine.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
          throw new ExitCode(EXIT.interrupted);
        }
        if (flags.detach === true) {
          try {
            await engine.startContainer(id);
          } catch (err) {
            if (flags.rm === true) await engine.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
            throw startFailure(err);
          }
          io.stdout(`${spec.name}\n`);
          return;
        }
        // From here Ctrl-C stops the container (and --rm still removes it).
        s.dispose();
        const grace = typeof svc.stop_grace_period === 'number' ? Math.ceil(svc.stop_grace_period / 1e9) : undefined;
        const exit = await runAttached(engine, id, spec.name, { tty: options.tty, rm: flags.rm === true, ...(grace !== undefined ? { stopTimeout: grace } : {}) }, term, io);
        if (exit !== 0) throw new ExitCode(exit);
      } finally {
        release?.();
        s.dispose();
      }
    });
}
