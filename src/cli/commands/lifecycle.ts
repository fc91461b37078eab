/** start, stop, restart, kill, rm, pause, unpause: one small command each, same wiring (app/lifecycle.ts). */
import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { lifecycle as runLifecycle, rm, start, type LifecycleRequest, type LifecycleVerb } from '../../app/lifecycle.js';
import { openSession } from '../runtime.js';
import { isSwarm, swarmRestartCommand } from '../swarm.js';
import type { IO } from '../context.js';
import { confirm } from '../prompt.js';
import { ignoreOrphansSetting, removeOrphansSetting } from '../../settings.js';
import { parseTimeout } from '../converge-flags.js';

type Request = (flags: Record<string, unknown>, services: string[]) => LifecycleRequest;

function lifecycle(io: IO, name: Exclude<LifecycleVerb, 'rm' | 'start'>, description: string, request: Request, configure?: (c: Command) => Command): Command {
  let cmd = new Command(name).description(description).argument('[services...]', 'services (default: all)');
  if (configure) cmd = configure(cmd);
  return cmd.action(async function (this: Command, services: string[]) {
    const flags = this.opts<Record<string, unknown>>();
    const req = request(flags, services);
    const s = await openSession(this, io, { services, byName: true });
    try {
      // On a swarm, restart is a forced update (the other verbs are refused when the session opens).
      if (isSwarm(s)) return await swarmRestartCommand(s, services);
      await runLifecycle(s, name, req);
    } finally {
      s.dispose();
    }
  });
}

const timeoutOf = (flags: { timeout?: unknown }) => {
  const t = parseTimeout(flags.timeout as string | undefined);
  return t !== undefined ? { timeout: t } : {};
};

/** start, and with --wait: until its containers are running (healthy, when they have a healthcheck), as `up --wait`. */
export const startCommand = (io: IO) =>
  new Command('start')
    .description('Start existing containers')
    .argument('[services...]', 'services (default: all)')
    .option('--wait', 'wait until the containers are running, and healthy when they have a healthcheck')
    .option('--wait-timeout <seconds>', 'how long --wait may take (default 120)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ wait?: boolean; waitTimeout?: string }>();
      const timeout = parseTimeout(flags.waitTimeout);
      const s = await openSession(this, io, { services, byName: true });
      try {
        await start(s, { services, ...(flags.wait === true ? { waitTimeoutMs: (timeout ?? 120) * 1000 } : {}) });
      } finally {
        s.dispose();
      }
    });

export const stopCommand = (io: IO) =>
  lifecycle(io, 'stop', 'Stop running containers without removing them', (f, services) => ({ services, ...timeoutOf(f) }), (c) =>
    c.option('-t, --timeout <seconds>', 'seconds to wait before killing'),
  );

export const restartCommand = (io: IO) =>
  lifecycle(io, 'restart', 'Restart containers (and, as compose, the services that depend on them with restart: true)', (f, services) => ({ services, noDeps: f.deps === false, ...timeoutOf(f) }), (c) =>
    c.option('-t, --timeout <seconds>', 'seconds to wait before killing').option('--no-deps', "don't restart the services that depend on the named ones"),
  );

export const killCommand = (io: IO) =>
  lifecycle(
    io,
    'kill',
    'Kill containers (SIGKILL unless -s)',
    (f, services) => ({ services, removeOrphans: f.removeOrphans === true || removeOrphansSetting(io.env), ignoreOrphans: ignoreOrphansSetting(io.env), ...(f.signal ? { signal: String(f.signal) } : {}) }),
    (c) => c.option('-s, --signal <signal>', 'signal to send', 'SIGKILL').option('--remove-orphans', 'remove containers of services no longer in the file'),
  );

/**
 * rm, as docker compose has it: stopped containers only (running ones too with -s, stopped
 * first); `Going to remove ... Are you sure? [yN]` on a terminal, -f removes without asking;
 * without a terminal and without -f it refuses, naming what it would remove.
 */
export const rmCommand = (io: IO) =>
  new Command('rm')
    .description('Remove stopped containers (asks first; -f: without asking; -s: stop running ones first)')
    .argument('[services...]', 'services (default: all)')
    .option('-f, --force', "don't ask to confirm the removal")
    .option('-s, --stop', 'stop running containers first, then remove them')
    .option('-v, --volumes', 'remove their anonymous volumes')
    .option('-t, --timeout <seconds>', 'stop timeout (with -s)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ force?: boolean; stop?: boolean; volumes?: boolean; timeout?: string }>();
      const s = await openSession(this, io, { services, byName: true });
      try {
        await rm(s, { services, stop: flags.stop === true, volumes: flags.volumes === true, ...timeoutOf(flags) }, async (names) => {
          const what = `Going to remove ${names.join(', ')}`;
          if (flags.force === true) {
            io.stderr(`${what}\n`);
            return true;
          }
          if (io.stdinTTY !== true) throw new UsageError(`rm: not removing ${names.join(', ')} without asking, and there is no terminal to ask on: add -f to remove without asking`);
          return confirm(`${what}. Are you sure?`, s.signal);
        });
      } finally {
        s.dispose();
      }
    });

export const pauseCommand = (io: IO) => lifecycle(io, 'pause', 'Pause running containers', (_f, services) => ({ services }));

export const unpauseCommand = (io: IO) => lifecycle(io, 'unpause', 'Unpause paused containers', (_f, services) => ({ services }));
