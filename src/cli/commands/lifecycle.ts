/** start, stop, restart, kill, rm, pause, unpause: one small command each, same wiring. */
import { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { planKill, planPause, planRestart, planRm, planStart, planStop, planUnpause } from '../../reconcile/lifecycle.js';
import type { Plan } from '../../reconcile/plan.js';
import type { ObservedState } from '../../reconcile/state.js';
import type { Project } from '../../model/project.js';
import { openSession, observeSession, runPlan } from '../runtime.js';
import type { IO } from '../context.js';
import { parseTimeout } from './up.js';

type Planner = (project: Project, observed: ObservedState, flags: Record<string, unknown>, services: string[]) => Plan;

function lifecycle(io: IO, name: string, description: string, planner: Planner, configure?: (c: Command) => Command): Command {
  let cmd = new Command(name).description(description).argument('[services...]', 'services (default: all)');
  if (configure) cmd = configure(cmd);
  return cmd.action(async function (this: Command, services: string[]) {
    const flags = this.opts<Record<string, unknown>>();
    const s = await openSession(this, io, { services });
    try {
      const observed = await observeSession(s);
      const code = await runPlan(s, planner(s.project, observed, flags, services), observed);
      if (code !== 0) throw new ExitCode(code);
    } finally {
      s.dispose();
    }
  });
}

const timeoutOf = (flags: Record<string, unknown>) => {
  const t = parseTimeout(flags.timeout as string | undefined);
  return t !== undefined ? { timeout: t } : {};
};

export const startCommand = (io: IO) => lifecycle(io, 'start', 'Start existing containers', (p, o, _f, services) => planStart(p, o, { services }));

export const stopCommand = (io: IO) =>
  lifecycle(io, 'stop', 'Stop running containers without removing them', (p, o, f, services) => planStop(p, o, { services, ...timeoutOf(f) }), (c) =>
    c.option('-t, --timeout <seconds>', 'seconds to wait before killing'),
  );

export const restartCommand = (io: IO) =>
  lifecycle(io, 'restart', 'Restart containers', (p, o, f, services) => planRestart(p, o, { services, ...timeoutOf(f) }), (c) =>
    c.option('-t, --timeout <seconds>', 'seconds to wait before killing'),
  );

export const killCommand = (io: IO) =>
  lifecycle(io, 'kill', 'Kill containers (SIGKILL unless -s)', (p, o, f, services) => planKill(p, o, { services, ...(f.signal ? { signal: String(f.signal) } : {}) }), (c) =>
    c.option('-s, --signal <signal>', 'signal to send', 'SIGKILL'),
  );

export const rmCommand = (io: IO) =>
  lifecycle(
    io,
    'rm',
    'Remove stopped containers',
    (p, o, f, services) => planRm(p, o, { services, stop: Boolean(f.stop) || Boolean(f.force), volumes: Boolean(f.volumes), ...timeoutOf(f) }),
    (c) => c.option('-f, --force', 'also stop and remove running containers, without asking').option('-s, --stop', 'stop running containers first').option('-v, --volumes', 'remove their anonymous volumes'),
  );

export const pauseCommand = (io: IO) => lifecycle(io, 'pause', 'Pause running containers', (p, o, _f, services) => planPause(p, o, { services }));

export const unpauseCommand = (io: IO) => lifecycle(io, 'unpause', 'Unpause paused containers', (p, o, _f, services) => planUnpause(p, o, { services }));
