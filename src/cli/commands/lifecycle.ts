/** start, stop, restart, kill, rm, pause, unpause: one small command each, same wiring. */
import { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { formatDiagnostic } from '../../model/diagnostic.js';
import { planKill, planPause, planRestart, planRm, planStart, planStop, planUnpause, planWait } from '../../reconcile/lifecycle.js';
import type { Plan } from '../../reconcile/plan.js';
import type { ObservedState } from '../../reconcile/state.js';
import type { Project } from '../../model/project.js';
import { openSession, observeSession, runPlan } from '../runtime.js';
import type { IO } from '../context.js';
import { confirm } from '../prompt.js';
import { ignoreOrphansSetting, removeOrphansSetting } from '../../settings.js';
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
      const s = await openSession(this, io, { services });
      try {
        const observed = await observeSession(s);
        const code = await runPlan(s, planStart(s.project, observed, { services }), observed);
        if (code !== 0) throw new ExitCode(code);
        if (flags.wait === true) {
          const now = await observeSession(s);
          const scope = services.length ? services : Object.keys(s.project.services);
          const waited = await runPlan(s, planWait(s.project, now, scope, (timeout ?? 120) * 1000), now);
          if (waited !== 0) throw new ExitCode(waited);
        }
      } finally {
        s.dispose();
      }
    });

export const stopCommand = (io: IO) =>
  lifecycle(io, 'stop', 'Stop running containers without removing them', (p, o, f, services) => planStop(p, o, { services, ...timeoutOf(f) }), (c) =>
    c.option('-t, --timeout <seconds>', 'seconds to wait before killing'),
  );

export const restartCommand = (io: IO) =>
  lifecycle(io, 'restart', 'Restart containers (and, as compose, the services that depend on them with restart: true)', (p, o, f, services) => planRestart(p, o, { services, noDeps: f.deps === false, ...timeoutOf(f) }), (c) =>
    c.option('-t, --timeout <seconds>', 'seconds to wait before killing').option('--no-deps', "don't restart the services that depend on the named ones"),
  );

export const killCommand = (io: IO) =>
  lifecycle(io, 'kill', 'Kill containers (SIGKILL unless -s)', (p, o, f, services) => planKill(p, o, { services, removeOrphans: f.removeOrphans === true || removeOrphansSetting(io.env), ignoreOrphans: ignoreOrphansSetting(io.env), ...(f.signal ? { signal: String(f.signal) } : {}) }), (c) =>
    c.option('-s, --signal <signal>', 'signal to send', 'SIGKILL').option('--remove-orphans', 'remove containers of services no longer in the file'),
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
      const s = await openSession(this, io, { services });
      try {
        const observed = await observeSession(s);
        const plan = planRm(s.project, observed, { services, stop: flags.stop === true, volumes: flags.volumes === true, ...timeoutOf(flags) });
        const names = plan.groups.filter((g) => g.resource.kind === 'container').map((g) => g.resource.name);
        if (names.length === 0) {
          for (const w of plan.warnings) io.stderr(`${formatDiagnostic(w, io.cwd)}\n`);
          io.stderr('No stopped containers\n');
          return;
        }
        const what = `Going to remove ${names.join(', ')}`;
        if (flags.force !== true) {
          if (io.stdinTTY !== true) throw new UsageError(`rm: not removing ${names.join(', ')} without asking, and there is no terminal to ask on: add -f to remove without asking`);
          if (!(await confirm(`${what}. Are you sure?`, s.signal))) return;
        } else {
          io.stderr(`${what}\n`);
        }
        const code = await runPlan(s, plan, observed);
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });

export const pauseCommand = (io: IO) => lifecycle(io, 'pause', 'Pause running containers', (p, o, _f, services) => planPause(p, o, { services }));

export const unpauseCommand = (io: IO) => lifecycle(io, 'unpause', 'Unpause paused containers', (p, o, _f, services) => planUnpause(p, o, { services }));
