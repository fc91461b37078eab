import { Command, Option } from 'commander';
import { EXIT, ExitCode, TsfigError, UsageError } from '../../errors.js';
import type { ObservedContainer, ObservedState } from '../../reconcile/state.js';
import { connectTerminal, processTerminal } from '../interactive.js';
import type { Engine } from '../../engine/engine.js';
import { openSession, observeSession, type Session } from '../runtime.js';
import { collect, type IO } from '../context.js';

export interface ExecFlags {
  detach?: boolean;
  /** false with -T. */
  TTY?: boolean;
  user?: string;
  workdir?: string;
  env?: string[];
  index: string;
  privileged?: boolean;
}

/** `-e KEY=VAL` as is; `-e KEY` takes KEY's value from tsfig's environment (dropped when unset). */
export function execEnv(flags: string[] | undefined, env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    if (eq === 0 || f === '') throw new UsageError(`invalid environment variable "${f}": use KEY=VALUE or KEY`);
    if (eq > 0) out.push(f);
    else if (env[f] !== undefined) out.push(`${f}=${env[f]}`);
  }
  return out;
}

export function parseIndex(value: string | undefined): number {
  const n = Number(value ?? '1');
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid --index "${value}": use a replica number (1, 2, ...)`);
  return n;
}

/** Container `index` of a service (not a one-off), or an error that says why there is none. */
export function serviceContainer(observed: ObservedState, service: string, index: number, opts: { running: boolean }): ObservedContainer {
  const all = Object.values(observed.hosts).flatMap((h) => h.containers);
  const mine = all.filter((c) => c.service === service && !c.oneoff);
  const c = mine.find((x) => x.number === index);
  if (c === undefined) {
    if (mine.length === 0) throw new TsfigError(`service ${service} has no container${opts.running ? ' running' : ''}: start it with tsfig up ${service}`);
    throw new TsfigError(`service ${service} has no container number ${index} (it has ${mine.map((x) => x.number).sort((a, b) => a - b).join(', ')})`);
  }
  if (opts.running && c.state !== 'running') {
    throw new TsfigError(`service ${service} is not running: container ${c.name} is ${c.state || 'stopped'}; start it with tsfig up ${service} or tsfig start ${service}`);
  }
  return c;
}

/**
 * Container `index` of `service` and the engine of the host it runs on (services can be placed
 * on other hosts): what the commands acting on one container share (exec, attach, commit, export).
 */
export async function locateContainer(
  s: Session,
  service: string,
  index: number,
  opts: { running: boolean },
): Promise<{ container: ObservedContainer; engine: Engine }> {
  if (s.project.services[service] === undefined) throw new UsageError(`no such service: ${service}`);
  const observed = await observeSession(s);
  const container = serviceContainer(observed, service, index, opts);
  const engine = s.engines[container.host];
  if (engine === undefined) throw new TsfigError(`host ${container.host} is not connected`);
  return { container, engine };
}

export function execCommand(io: IO): Command {
  return new Command('exec')
    .description('Run a command in the running container of a service')
    .option('-d, --detach', 'run the command in the background')
    .option('-T, --no-TTY', 'no pseudo-terminal, even when stdin is one')
    // Compose's -i/-t (and -it): accepted; a TTY is used when stdin is a terminal, as compose does.
    .option('-i, --interactive', 'keep stdin open (the default; accepted as in docker compose)')
    .option('-t, --tty', 'a pseudo-terminal (the default when stdin is one; accepted as in docker compose)')
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'working directory for the command')
    .addOption(new Option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable; KEY alone takes it from here)').argParser(collect))
    .option('--index <n>', 'which container of the service', '1')
    .option('--privileged', 'give the command extended privileges')
    .argument('<service>', 'the service')
    .argument('<command...>', 'the command and its arguments')
    .passThroughOptions()
    .action(async function (this: Command, service: string, command: string[]) {
      const flags = this.opts<ExecFlags>();
      const index = parseIndex(flags.index);
      const env = execEnv(flags.env, io.env);
      const s = await openSession(this, io, { services: [service] });
      try {
        const { container: c, engine } = await locateContainer(s, service, index, { running: true });
        const base = {
          cmd: command,
          ...(env.length > 0 ? { env } : {}),
          ...(flags.user !== undefined ? { user: flags.user } : {}),
          ...(flags.workdir !== undefined ? { workingDir: flags.workdir } : {}),
          ...(flags.privileged === true ? { privileged: true } : {}),
        };
        if (flags.detach === true) {
          await engine.execDetached(c.id, base);
          return;
        }
        const term = processTerminal();
        const tty = flags.TTY !== false && term.stdin.isTTY === true;
        // From here Ctrl-C (without a TTY) detaches from the command.
        s.dispose();
        const x = await engine.execInteractive(c.id, { ...base, tty, stdin: true });
        let interrupted = false;
        await connectTerminal(x, term, {
          tty,
          stdin: true,
          resize: (size) => x.resize(size),
          onInterrupt: () => {
            interrupted = true;
            x.close();
          },
        });
        if (interrupted) throw new ExitCode(EXIT.interrupted);
        const code = await x.exitCode;
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
